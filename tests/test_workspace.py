"""A submission's files as the grader opens them (autograder/workspace.py), through `course check`:
no symbolic link below the folder the caller named is followed, and a student's text reaches the
terminal and the JSON report with its control characters escaped."""
import json
import shutil
import subprocess

import pytest

from tests.helpers import COURSE, SOLUTIONS

# Clear the screen, write the clipboard (OSC 52), a bidi override and a zero-width space.
HOSTILE = "\x1b[2J\x1b]52;c;ZXZpbA==\x07\u202eevil\u200b\x9b31m"


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    root = tmp_path_factory.mktemp("links")
    folders = {}
    folders["linked_folder"] = root / "linked_folder"  # holds only transformer -> the reference
    folders["linked_folder"].mkdir()
    (folders["linked_folder"] / "transformer").symlink_to(SOLUTIONS)
    folders["linked_file"] = root / "linked_file" / "transformer"  # its attention.py -> the reference's
    shutil.copytree(SOLUTIONS, folders["linked_file"], ignore=shutil.ignore_patterns("__pycache__"))
    (folders["linked_file"] / "attention.py").unlink()
    (folders["linked_file"] / "attention.py").symlink_to(SOLUTIONS / "attention.py")
    folders["hostile"] = root / "hostile" / "transformer"
    shutil.copytree(SOLUTIONS, folders["hostile"], ignore=shutil.ignore_patterns("__pycache__"))
    (folders["hostile"] / "warmup.py").write_text(f"raise ValueError({HOSTILE!r})\n", encoding="utf-8")
    env = {"TMPDIR": str(root), "PATH": "/usr/bin:/bin"}
    paths = [str(folders[k]) for k in ("linked_folder", "linked_file", "hostile")]
    table = subprocess.run([*COURSE, "check", *paths, "-j", "1"], capture_output=True, text=True, env=env)
    report = subprocess.run([*COURSE, "check", *paths, "-j", "1", "--json"], capture_output=True, text=True, env=env)
    assert table.returncode == 0 and report.returncode == 0, table.stderr + report.stderr
    return table.stdout, report.stdout


def test_a_symlinked_assignment_folder_is_refused_not_graded(submissions):
    result = json.loads(submissions[1])["results"][0]
    assert result["score"] == 0
    assert all("symbolic link" in ex["feedback"][0] for ex in result["exercises"].values())


def test_a_symlinked_exercise_file_is_refused_and_costs_that_exercise_only(submissions):
    result = json.loads(submissions[1])["results"][1]
    attention = result["exercises"].pop("attention")
    assert attention["score"] == 0 and "symbolic link" in attention["feedback"][0]
    assert all(ex["score"] == ex["max_score"] for ex in result["exercises"].values())


def test_a_students_control_characters_are_escaped_in_the_table_and_the_json(submissions):
    table, report = submissions
    for text in (table, report):
        assert not any(c in text for c in "\x1b\x07\u202e\u200b\x9b"), repr(text)
    assert "\\x1b[2J" in table and "\\u202eevil" in table
    warmup = json.loads(report)["results"][2]["exercises"]["warmup"]
    assert warmup["score"] == 0 and "\x1b]52;c;ZXZpbA==" in "".join(warmup["feedback"])  # the JSON itself is lossless


def test_a_submission_path_that_is_a_symlink_is_refused_by_the_workspace(tmp_path):
    from autograder.workspace import SubmissionError, package_dir
    from tests.table import TABLE

    (tmp_path / "link").symlink_to(SOLUTIONS.parent)
    with pytest.raises(SubmissionError, match="symbolic link"):
        package_dir(tmp_path / "link", TABLE)


def test_an_exercise_file_that_is_a_folder_is_not_a_regular_file(tmp_path):
    from autograder.workspace import SubmissionError, read_exercise
    from tests.table import BY_ID

    (tmp_path / "bert.py").mkdir()
    with pytest.raises(SubmissionError, match="^bert.py is not a regular file$"):
        read_exercise(tmp_path, BY_ID["bert"])
