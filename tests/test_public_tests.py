"""`course test`: the public tests (course_cli/public/transformer/test_public.py) and their runner."""
import ast
import re
import shutil
from pathlib import Path

import pytest

from tests.table import EXERCISES
from course_cli.public_tests import PUBLIC, find_assignment, format_table, run_public_tests
from course_core import assignments


ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions" / "transformer"
STUBS = ROOT / "exercises" / "transformer"
IDS = [e.id for e in EXERCISES]


def copy_of(src, tmp_path, name="transformer"):
    folder = tmp_path / "student" / name
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def failures(row):
    return [m for m in row["messages"] if not m.startswith("skipped: ")]


def check_rows(rows):
    assert [(r["number"], r["exercise"]) for r in rows] == [(e.number, e.id) for e in EXERCISES]
    for r in rows:
        assert set(r) >= {"number", "exercise", "passed", "total", "messages"}
        assert 0 <= r["passed"] <= r["total"]
        assert len(failures(r)) == r["total"] - r["passed"]


@pytest.fixture(scope="module", autouse=True)
def english():
    """These tests read the English messages; test_messages_in_chinese reads the Chinese ones."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_LANG", "en")
        yield


@pytest.fixture(scope="module")
def solution_rows():
    return run_public_tests(SOLUTIONS)


@pytest.fixture(scope="module")
def stub_rows():
    return run_public_tests(STUBS)


def test_the_reference_solution_passes_everything(solution_rows):
    check_rows(solution_rows)
    for r in solution_rows:
        assert r["total"] >= 3, r
        assert r["passed"] == r["total"] and r["skipped"] == 0 and r["messages"] == [], r


def test_the_stubs_fail_every_exercise_as_not_implemented(stub_rows):
    check_rows(stub_rows)
    for r in stub_rows:
        assert r["passed"] < r["total"], r
        for message in failures(r):
            if r["exercise"] == "bert":
                assert message.startswith("still the lecture's broken mask"), message
            else:
                assert message.startswith("not implemented yet: "), message
    bert = stub_rows[IDS.index("bert")]
    assert any("UnboundLocalError" in m for m in failures(bert)), bert
    attention = stub_rows[IDS.index("attention")]
    assert "not implemented yet: exercise 2: attention.forward" in attention["messages"]


def test_messages_in_chinese_and_in_both_languages(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    rows = run_public_tests(STUBS)
    attention, bert = rows[IDS.index("attention")], rows[IDS.index("bert")]
    assert "尚未实现：exercise 2: attention.forward" in attention["messages"]
    assert all(m.startswith("仍是讲义中那个有错误的掩码") for m in failures(bert)), bert
    monkeypatch.setenv("COURSE_LANG", "both")
    attention = run_public_tests(STUBS)[IDS.index("attention")]
    assert "not implemented yet: exercise 2: attention.forward / 尚未实现：exercise 2: attention.forward" in attention["messages"]


def test_a_syntax_error_fails_only_its_own_exercise(tmp_path):
    folder = copy_of(SOLUTIONS, tmp_path)
    with open(folder / "attention.py", "a", encoding="utf-8") as f:
        f.write("\ndef broken(:\n")
    rows = run_public_tests(folder)
    check_rows(rows)
    for r in rows:
        if r["exercise"] == "attention":
            assert r["passed"] == 0 and r["total"] > 0, r
            assert all("SyntaxError" in m and m.startswith("attention.py does not import") for m in r["messages"]), r
        else:
            assert r["passed"] == r["total"] > 0 and failures(r) == [], r
    # the runs that need the real attention.py are skipped, and say why
    for ex in ("multi_head", "transformer_block", "bert"):
        r = rows[IDS.index(ex)]
        assert r["skipped"] == 1 and r["messages"][0].startswith("skipped: needs attention.py first"), r
    assert not list(folder.rglob("__pycache__")), "the public tests wrote into the student's folder"


def test_a_missing_file_fails_only_its_exercise_and_the_parent_folder_is_found(tmp_path):
    folder = copy_of(SOLUTIONS, tmp_path)
    (folder / "warmup.py").unlink()
    # a config and conftest in the student's folders must not be picked up
    for where in (folder, folder.parent):
        (where / "conftest.py").write_text("raise RuntimeError('student conftest')\n", encoding="utf-8")
        (where / "pytest.ini").write_text("[pytest]\naddopts = --no-such-option\n", encoding="utf-8")
    assert find_assignment(folder.parent) == folder.resolve()
    rows = run_public_tests(folder.parent)
    check_rows(rows)
    for r in rows:
        if r["exercise"] == "warmup":
            assert r["passed"] == 0 and set(r["messages"]) == {"warmup.py is missing"}, r
        else:
            assert r["passed"] == r["total"] > 0, r


def test_a_wrong_bert_mask_shape_is_reported(tmp_path):
    folder = copy_of(SOLUTIONS, tmp_path)
    bert = (folder / "bert.py").read_text(encoding="utf-8")
    fixed = re.search(r"^\s*attention_mask = .*$", bert, re.M).group(0)
    (folder / "bert.py").write_text(bert.replace(fixed, "        attention_mask = input_ids > 0"), encoding="utf-8")
    row = run_public_tests(folder)[IDS.index("bert")]
    assert row["passed"] < row["total"]
    assert any("does not broadcast to (2, 4, 6, 6)" in m for m in row["messages"]), row


def test_no_assignment_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as info:  # with several assignments, it names each one's files
        run_public_tests(tmp_path / "does-not-exist")
    assert "positional_encoding.py" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(FileNotFoundError, match="no transformer assignment"):
        run_public_tests(tmp_path / "does-not-exist", assignment="transformer")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError) as info:
        run_public_tests(tmp_path / "empty")
    assert "\n" not in str(info.value)


def test_format_table(solution_rows, stub_rows):
    text = format_table(solution_rows)
    lines = text.splitlines()
    assert lines[0].split() == ["#", "exercise", "passed", "first", "problem"]
    for e, r in zip(EXERCISES, solution_rows):
        assert re.search(rf"^{e.number}\s+{e.id}\s+{r['passed']}/{r['total']}\s+ok$", text, re.M), text
    assert "hidden autograder checks much more" in text.split("\n\n")[-1].replace("\n", " ")  # the reminder comes last
    stub_text = format_table(stub_rows)
    assert "still the lecture's broken mask" in stub_text
    assert "not implemented yet: exercise 4: feed_forward.__init__" in stub_text
    assert all(len(line) <= 100 for line in stub_text.splitlines())  # wrapped, not cut: it all fits
    narrow = format_table(stub_rows, width=60)
    assert all(len(line) <= 60 for line in narrow.splitlines())
    flat = re.sub(r"\s+", " ", narrow)  # the problem column's lines, joined
    assert "not implemented yet: exercise 4:" in flat and "(+1 more: -v)" in flat
    verbose = format_table(stub_rows, width=60, verbose=True)
    assert "(+1 more" not in verbose and verbose.count("- ") > narrow.count("- ")


# --- the public test file itself ----------------------------------------------------------------


def solution_lines(solutions):
    lines = set()
    for path in sorted(solutions.glob("*.py")):
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("### BEGIN SOLUTION"):
                inside = True
            elif stripped.startswith("### END SOLUTION"):
                inside = False
            elif inside:
                code = stripped.split("  #")[0].strip()  # the code without its trailing comment
                if len(code) > 30:
                    lines.add(code)
    return lines


EVERY_ASSIGNMENT = pytest.mark.parametrize("table", assignments.all_assignments(), ids=lambda t: t.id)


@EVERY_ASSIGNMENT
def test_the_public_tests_contain_no_reference_code(table):
    text = (PUBLIC / table.id / "test_public.py").read_text(encoding="utf-8")
    lines = solution_lines(ROOT / "solutions" / table.id)
    assert len(lines) > 20  # the scan found the solution regions
    leaked = [line for line in lines if line in text]
    assert leaked == []
    assert not re.search(r"^\s*(from|import)\s+(autograder|solutions)\b", text, re.M)
    assert "### BEGIN SOLUTION" not in text


@EVERY_ASSIGNMENT
def test_the_public_tests_follow_the_exercise_table(table):
    tree = ast.parse((PUBLIC / table.id / "test_public.py").read_text(encoding="utf-8"))
    listed = next(
        node.value for node in tree.body
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["EXERCISES"]
    )
    assert ast.literal_eval(listed) == tuple((e.number, e.id) for e in table.exercises)
    tests = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
    seen = set()
    for node in tests:
        marks = [
            d.args[0].value for d in node.decorator_list
            if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "exercise"
        ]
        assert len(marks) == 1, f"{node.name} needs exactly one @exercise(...)"
        assert node.name.startswith(f"test_{marks[0]}__"), node.name
        seen.add(marks[0])
    assert seen == {e.id for e in table.exercises}
