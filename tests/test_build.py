"""A build (and so a release) is refused unless the reference scores 100 and the stubs 0.

Each test breaks a copy of the repository the way an instructor could, and
runs `course build -o` from that copy as a real process.
"""
from autograder.transformer.mistakes import BY_ID as MISTAKES
from tests.helpers import copy_repo, course_in


def test_a_build_whose_reference_loses_points_is_refused(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    (repo / "solutions" / "transformer" / "attention.py").write_text(MISTAKES["attention.no_scale"].source(), encoding="utf-8")
    out = course_in(repo, "build", "-o", tmp_path / "release")
    assert out.returncode != 0, out.stdout
    assert "the reference scores" in out.stderr and "not full marks" in out.stderr, out.stderr
    assert not (tmp_path / "release").exists()


def test_a_build_whose_stubs_score_is_refused(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    # A hidden test that checks nothing: the untouched stubs pass it (and the reference keeps 100).
    (repo / "autograder" / "transformer" / "hidden" / "test_warmup.py").write_text(
        'import pytest\n\npytestmark = pytest.mark.exercise("warmup")\n\n\n'
        '@pytest.mark.points(15)\ndef test_nothing(submission):\n    """checks nothing"""\n', encoding="utf-8")
    out = course_in(repo, "build", "-o", tmp_path / "release")
    assert out.returncode != 0, out.stdout
    assert "the stubs score 15, not 0 (in warmup)" in out.stderr, out.stderr
    assert not (tmp_path / "release").exists()
