"""`course test` on the `decoder` assignment: its public tests (course_cli/public/decoder/test_public.py)."""
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from course_cli.cli import main
from course_cli.public_tests import find_assignment, run_public_tests, which_assignment
from course_core import assignments

TABLE = assignments.get("decoder")
EXERCISES = TABLE.exercises

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions" / "decoder"
STUBS = ROOT / "exercises" / "decoder"


def copy_of(src, tmp_path, name="decoder"):
    folder = tmp_path / "student" / name
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("__pycache__", "test_public.py", "README*"))
    return folder


def failures(row):
    return [m for m in row["messages"] if not m.startswith("skipped: ")]


def check_rows(rows):
    assert [(r["number"], r["exercise"]) for r in rows] == [(e.number, e.id) for e in EXERCISES]
    for r in rows:
        assert 0 <= r["passed"] <= r["total"]
        assert len(failures(r)) == r["total"] - r["passed"]


def by_id(rows):
    return {r["exercise"]: r for r in rows}


@pytest.fixture(scope="module", autouse=True)
def english():
    """These tests read the English messages; test_messages_in_chinese reads the Chinese ones."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_LANG", "en")
        yield


@pytest.fixture(scope="module")
def solution_rows():
    return run_public_tests(SOLUTIONS)


def test_the_reference_solution_passes_everything(solution_rows):
    check_rows(solution_rows)
    for r in solution_rows:
        assert r["total"] >= 4, r
        assert r["passed"] == r["total"] and r["skipped"] == 0 and r["messages"] == [], r


def test_the_stubs_fail_every_exercise_as_not_implemented():
    rows = run_public_tests(STUBS)
    check_rows(rows)
    for r in rows:
        assert r["passed"] < r["total"], r
        for message in failures(r):
            assert message.startswith(f"not implemented yet: exercise {r['number']}: {r['exercise']}."), message
    rows = by_id(rows)
    # the runs with the student's own siblings wait for them, and say which
    assert rows["decoder_block"]["skipped"] == 1 and "skipped: needs cross_attention.py first" in rows["decoder_block"]["messages"][-1]
    assert rows["generate"]["skipped"] == 1 and "skipped: needs gpt.py first" in rows["generate"]["messages"][-1]


def test_messages_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    rows = by_id(run_public_tests(STUBS))
    assert "尚未实现：exercise 7: crf.__init__" in rows["crf"]["messages"]
    assert any(m.startswith("skipped: 需要先完成 gpt.py：尚未实现") for m in rows["generate"]["messages"]), rows["generate"]


# A shape slip in one file, as students make them: (file, the reference's line, the slip, words of its message).
SLIPS = {
    "classifier": ("classifier.py", "real = (input_ids != 0).unsqueeze(-1).to(h.dtype)", "real = (input_ids != 0).to(h.dtype)",
                   "must match the size"),
    "seq2seq": ("seq2seq.py", "return (source_ids != 0).unsqueeze(1).unsqueeze(2)", "return (source_ids != 0).unsqueeze(1)",
                "make_source_mask(source_ids) with source_ids (3, 6) should have shape (3, 1, 1, 6), got (3, 1, 6)"),
    "gpt": ("gpt.py", "logits[:, :-1].reshape(-1, V)", "logits[:, :-1].view(-1, V)", "view size is not compatible"),
    "crf": ("crf.py", "return torch.logsumexp(alpha + self.end_transitions, dim=1)",
            "return torch.logsumexp(alpha + self.end_transitions, dim=0)", "must match the size of tensor b (5)"),
}


def slipped(tmp_path, file, line, slip):
    folder = copy_of(SOLUTIONS, tmp_path)
    text = (folder / file).read_text(encoding="utf-8")
    assert text.count(line) == 1, line
    (folder / file).write_text(text.replace(line, slip), encoding="utf-8")
    return folder


# Slips in files that no other file's tests run together go in one folder (one run of the public tests);
# gpt.py alone, since generate's run with your files uses it.
@pytest.mark.parametrize("exercises", [("classifier", "seq2seq", "crf"), ("gpt",)])
def test_a_shape_slip_fails_only_its_own_exercise(tmp_path, exercises):
    folder = copy_of(SOLUTIONS, tmp_path)
    for exercise in exercises:
        file, line, slip, _ = SLIPS[exercise]
        text = (folder / file).read_text(encoding="utf-8")
        assert text.count(line) == 1, line
        (folder / file).write_text(text.replace(line, slip), encoding="utf-8")
    rows = run_public_tests(folder)
    check_rows(rows)
    for r in rows:
        if r["exercise"] in exercises:
            assert 0 < r["passed"] < r["total"], r
            assert any(SLIPS[r["exercise"]][3] in m for m in r["messages"]), r
        else:
            assert r["passed"] == r["total"] > 0 and r["messages"] == [], r


def test_a_slip_in_cross_attention_costs_the_later_files_only_their_runs_with_your_files(tmp_path):
    line = "key = self.key_linear(memory).view(B, Ls, h, d).transpose(1, 2)"
    rows = by_id(run_public_tests(slipped(tmp_path, "cross_attention.py", line, line.replace("Ls", "Lt"))))
    assert rows["cross_attention"]["passed"] < rows["cross_attention"]["total"]
    assert all("(cross_attention.py, line" in m for m in rows["cross_attention"]["messages"]), rows["cross_attention"]
    for ex in ("decoder_block", "seq2seq"):  # their own tests use a stand-in CrossAttention
        r = rows[ex]
        assert r["passed"] == r["total"] - 1, r
        (message,) = r["messages"]
        assert message.startswith("with your files: RuntimeError") and "(cross_attention.py, line" in message, message
    for ex in ("classifier", "gpt", "generate", "crf"):
        assert rows[ex]["passed"] == rows[ex]["total"] and rows[ex]["messages"] == [], rows[ex]


def test_a_missing_layers_py_is_named_as_the_given_file(tmp_path):
    folder = copy_of(SOLUTIONS, tmp_path)
    (folder / "layers.py").unlink()
    rows = by_id(run_public_tests(folder))
    expected = "layers.py is missing: it is given with the assignment, complete; put it back beside your files"
    for ex in ("cross_attention", "decoder_block", "seq2seq", "gpt"):
        assert rows[ex]["passed"] == 0 and set(failures(rows[ex])) == {expected}, rows[ex]
    assert failures(rows["classifier"]) == [expected]  # its run on the given BERT
    for ex in ("generate",):  # imports no layers.py; its run on your GPT waits for it
        assert failures(rows[ex]) == [] and rows[ex]["skipped"] == 1, rows[ex]
    assert rows["crf"]["passed"] == rows["crf"]["total"] > 0


def test_course_test_in_a_fetched_decoder_folder(tmp_path, monkeypatch):
    """`course test` inside decoder/, or in the folder holding it, finds the decoder; with both
    assignments' folders side by side it asks which."""
    folder = copy_of(STUBS, tmp_path)
    assert which_assignment(folder).id == "decoder" and find_assignment(folder) == folder.resolve()
    assert find_assignment(folder.parent) == folder.resolve()
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 1, result.output
    for e in EXERCISES:
        assert re.search(rf"^{e.number}\s+{e.id}\s+\d+/\d+( \(1 skipped\))?\s+not implemented yet: exercise {e.number}:", result.output, re.M), result.output
    copy_of(ROOT / "exercises" / "transformer", tmp_path, "transformer")
    with pytest.raises(FileNotFoundError, match="say which with --assignment"):
        find_assignment(folder.parent)
    assert find_assignment(folder.parent, "decoder") == folder.resolve()


# The public test file itself (no reference code, the exercise table): tests/test_public_tests.py, for every assignment.
