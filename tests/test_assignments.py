"""Assignments are data: a table each, read by the command and the grader alike; a new assignment is its
folders and its table, and `course check` grades each folder with its own assignment's hidden tests."""
import ast
import json

import pytest

from course_core import assignments
from tests.helpers import ROOT, SOLUTIONS, copy_repo, course_in

# A second assignment, as small as one can be: one exercise, its reference, its hidden test, an empty catalog.
TOY = {
    "course_core/assignments/toy.json": json.dumps({
        "id": "toy", "title": "A toy", "title_zh": "玩具", "given": [],
        "exercises": [{"number": 1, "id": "double", "points": 5, "title": "twice x", "title_zh": "x 的两倍"}]}),
    "solutions/toy/__init__.py": '"""A toy assignment."""\n',
    "solutions/toy/double.py": (
        '"""Exercise 1: twice x."""\n\n\ndef double(x):\n    ### BEGIN SOLUTION: multiply by two\n'
        '    return 2 * x\n    ### END SOLUTION\n'),
    "autograder/toy/__init__.py": '"""The toy assignment\'s part of the autograder."""\n',
    "autograder/toy/mistakes.py": (
        'from autograder.catalog import maker, mutant  # noqa: F401\n\nM = maker(__name__)\nMISTAKES = ()\n'
        'VARIANTS = ()\nBY_ID = {}\nZH = {}\n\n\ndef for_exercise(exercise_id):\n    return []\n'),
    "autograder/toy/shims/__init__.py": '"""A toy assignment."""\n',
    "autograder/toy/hidden/conftest.py": "from autograder.fixtures import *  # noqa: F401,F403\n",
    "autograder/toy/hidden/test_double.py": (
        'import pytest\nimport torch\n\npytestmark = pytest.mark.exercise("double")\n\n\n'
        '@pytest.mark.points(5)\ndef test_doubles(check):\n    """twice a tensor\n    张量的两倍"""\n'
        '    check(lambda m: m.double(torch.arange(3, dtype=torch.float64)))\n'),
}


def test_the_tables_hold_the_contract():
    table = assignments.get("transformer")
    assert [e.id for e in table.exercises][:2] == ["positional_encoding", "attention"] and table.max_score == 100
    assert table.files[0] == "__init__.py" and all(e.assignment == "transformer" for e in table.exercises)
    assert "scaled_dot_product_attention" in table.by_id["attention"].forbidden and not table.by_id["warmup"].forbidden
    assert assignments.detect(SOLUTIONS) is table and assignments.detect(SOLUTIONS.parent.parent / "exercises" / "transformer") is table
    decoder = assignments.get("decoder")
    assert decoder.given == ("layers.py",) and decoder.max_score == 100 and "layers.py" in decoder.files
    assert assignments.detect(ROOT / "exercises" / "decoder") is decoder
    with pytest.raises(assignments.UnknownAssignment, match="say which with --assignment"):
        assignments.detect(ROOT / "exercises")  # a folder holding both
    with pytest.raises(assignments.UnknownAssignment, match="unknown assignment 'nosuch'"):
        assignments.get("nosuch")


def test_the_autograder_never_imports_the_command():
    """course_cli imports autograder to grade; the other way round would be a circle (both read course_core)."""
    for path in (ROOT / "autograder").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "course_cli" for n in names), path


def test_a_new_assignment_is_folders_and_a_table_and_check_grades_each_folder_with_its_own_tests(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    ini = (ROOT / "autograder" / "transformer" / "hidden" / "pytest.ini").read_text(encoding="utf-8")
    for name, text in {**TOY, "autograder/toy/hidden/pytest.ini": ini}.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "double.py").write_text("def double(x):\n    return 3 * x\n", encoding="utf-8")
    out = course_in(repo, "check", "--json", "-j", "1", repo / "solutions" / "transformer", repo / "solutions" / "toy",
                    broken)
    assert out.returncode == 0, out.stderr[-3000:]
    transformer, toy, wrong = json.loads(out.stdout)["results"]
    assert (transformer["assignment"], transformer["score"], transformer["max_score"]) == ("transformer", 100, 100)
    assert (toy["assignment"], toy["score"], toy["max_score"]) == ("toy", 5, 5) and list(toy["exercises"]) == ["double"]
    assert (wrong["assignment"], wrong["score"]) == ("toy", 0) and wrong["exercises"]["double"]["feedback"], wrong
    # --assignment overrides what the files say; a folder of both kinds is told to say which
    forced = course_in(repo, "check", "--json", "-j", "1", "--assignment", "transformer", repo / "solutions" / "toy")
    assert forced.returncode == 0 and json.loads(forced.stdout)["results"][0]["score"] == 0, forced.stderr[-2000:]
    empty = tmp_path / "empty"
    empty.mkdir()
    none = course_in(repo, "check", "-j", "1", empty)
    assert none.returncode == 1 and "no assignment's files" in none.stderr and none.stderr.count("\n") == 1, none.stderr


def test_grades_show_a_column_per_exercise_of_every_assignment_and_the_totals(monkeypatch):
    import csv
    import io

    from course_cli import workflow

    toy = assignments._load_table(json.loads(TOY["course_core/assignments/toy.json"]))
    transformer = assignments.get("transformer")
    monkeypatch.setattr(assignments, "all_assignments", lambda: (toy, transformer))
    row = {"student": "ann", **{f"transformer.{e.id}": e.points for e in transformer.exercises},
           "transformer.late_penalty": 0.0, "transformer.total": 100.0, "transformer.timestamp": "",
           "toy.double": None, "toy.late_penalty": 0.0, "toy.total": 0.0, "toy.timestamp": "", "total": 100.0}
    table = list(csv.reader(io.StringIO(workflow.format_grades([row], "csv"))))
    assert table[0] == ["student", "toy.double", "toy.late_penalty", "toy.total", "toy.timestamp",
                        *(f"transformer.{e.id}" for e in transformer.exercises), "transformer.late_penalty",
                        "transformer.total", "transformer.timestamp", "total"]
    assert table[1][:2] == ["ann", ""] and table[1][-1] == "100.0"
    canvas = list(csv.reader(io.StringIO(workflow.format_grades([row], "canvas"))))
    assert canvas[0][5:] == ["toy", "transformer"] and canvas[1][5:] == ["5", "100"] and canvas[2][5:] == ["0", "100"]
    monkeypatch.setenv("COLUMNS", "200")  # the table fits the terminal: here a wide one
    text = workflow.format_grades([row], "table")
    assert text.splitlines()[0].split() == ["student", "1.1", "1.late", "1.total", *(f"2.{e.number}" for e in
                                            transformer.exercises), "2.late", "2.total", "total"]
    assert "1 toy: exercises: 1 double" in text and "2 transformer: exercises: 1 positional_encoding" in text


def test_check_grades_a_folder_of_each_assignment_in_one_call():
    """The two assignments of the course, each folder graded with its own hidden tests in one `course check`."""
    decoder = assignments.get("decoder")
    out = course_in(ROOT, "check", "--json", "-j", "2", SOLUTIONS, ROOT / "solutions" / "decoder",
                    ROOT / "exercises" / "decoder")
    assert out.returncode == 0, out.stderr[-3000:]
    transformer, reference, stubs = json.loads(out.stdout)["results"]
    assert (transformer["assignment"], transformer["score"]) == ("transformer", 100)
    assert (reference["assignment"], reference["score"], reference["max_score"]) == ("decoder", 100, 100)
    assert list(reference["exercises"]) == [e.id for e in decoder.exercises]
    assert (stubs["assignment"], stubs["score"]) == ("decoder", 0)
    for e in decoder.exercises:
        assert "not implemented yet" in stubs["exercises"][e.id]["feedback"][0], e.id
