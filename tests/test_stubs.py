"""The students' version is generated from the one master, and kept in step with it."""
import filecmp

import pytest

from course_core.stubs import MarkerError, strip_solutions
from tests.helpers import EXERCISES, SOLUTIONS
from tests.table import TABLE


def test_committed_exercises_equal_a_fresh_generation(tmp_path):
    from course_cli.build import regenerate_exercises

    fresh = regenerate_exercises(TABLE, tmp_path / "transformer")
    committed = sorted(p.name for p in EXERCISES.iterdir() if p.name != "__pycache__")
    assert sorted(p.name for p in fresh.iterdir()) == committed
    _, mismatch, errors = filecmp.cmpfiles(fresh, EXERCISES, committed, shallow=False)
    assert not mismatch and not errors, f"exercises/ is stale: run `course build` ({mismatch})"


def test_region_becomes_task_tagged_stub_with_indentation_kept():
    source = (
        "class M:\n"
        "    def split_heads(self, x):\n"
        "        ### BEGIN SOLUTION: view, then transpose\n"
        "        B, L, _ = x.shape\n"
        "        # a comment is not a line of code\n"
        "        return x.view(B, L, 2, -1).transpose(1, 2)\n"
        "        ### END SOLUTION\n"
    )
    stub = strip_solutions(source, 3, "multi_head")
    assert stub.splitlines()[2:] == [
        "        # TODO (exercise 3): view, then transpose (roughly 2 lines)",
        '        raise NotImplementedError("exercise 3: multi_head.split_heads")',
    ]


def test_hint_in_chinese_after_a_double_bar_becomes_its_own_todo_line():
    source = "def f(x):\n    ### BEGIN SOLUTION: add one || 加一\n    return x + 1\n    ### END SOLUTION\n"
    assert strip_solutions(source, 6, "bert").splitlines()[1:3] == [
        "    # TODO (exercise 6): add one (roughly 1 line)", "    # TODO（第 6 题）：加一（约 1 行）"]


def test_every_stub_todo_and_docstring_has_its_chinese():
    from tests.table import EXERCISES
    from tests.helpers import ROOT
    for e in EXERCISES:
        text = (ROOT / "exercises" / "transformer" / e.file).read_text(encoding="utf-8")
        english = [l for l in text.splitlines() if "# TODO (exercise" in l]
        chinese = [l for l in text.splitlines() if "# TODO（第" in l]
        assert english and len(english) == len(chinese), e.file
        assert text.count("中文：") >= 1 and f"第 {e.number} 题" in text.split('"""')[1], e.file


def test_stub_block_replaces_the_raise_and_is_uncommented():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    ### END SOLUTION\n    ### BEGIN STUB\n    # y = z + 1\n    ### END STUB\n    return y\n"
    assert strip_solutions(source, 6, "bert") == (
        "def f(x):\n    # TODO (exercise 6): implement f (roughly 1 line)\n    y = z + 1\n    return y\n")


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n### END SOLUTION\n", "inside the region"),
    ("x = 1\n### END SOLUTION\n", "without a ### BEGIN SOLUTION"),
    ("### BEGIN SOLUTION\n### END SOLUTION\n### BEGIN STUB\n# x\n", "never closed by ### END STUB"),
])
def test_bad_markers_stop_the_build(source, message):
    with pytest.raises(MarkerError, match=message):
        strip_solutions(source, 1, "positional_encoding", "f.py")


def test_every_stub_raises_not_implemented_and_bert_keeps_the_broken_mask():
    for file in sorted(SOLUTIONS.glob("*.py")):
        stub = (EXERCISES / file.name).read_text(encoding="utf-8")
        assert "### BEGIN SOLUTION" not in stub and "### END SOLUTION" not in stub
        if file.name == "bert.py":
            assert "attention_mask = (x > 0).unsqueeze(1).repeat(1, x.size(1), 1).unsqueeze(1)" in stub
            assert "NotImplementedError" not in stub
        elif file.name != "__init__.py":
            assert stub.count("raise NotImplementedError(") == file.read_text(encoding="utf-8").count("### BEGIN SOLUTION")
