"""The hidden tests carry their points and exercise as registered markers, adding up to the contract."""
import ast

import pytest

from tests.table import EXERCISES
from tests.helpers import ROOT

HIDDEN = ROOT / "autograder" / "transformer" / "hidden"


def points_of(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    points = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            marks = [d for d in node.decorator_list if isinstance(d, ast.Call) and ast.unparse(d.func) == "pytest.mark.points"]
            assert len(marks) == 1, f"{path.name}::{node.name} needs exactly one points marker"
            assert ast.get_docstring(node), f"{path.name}::{node.name} needs a docstring: it is the feedback's label"
            points.append(marks[0].args[0].value)
    return points


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_points_add_up_to_the_contract(exercise):
    path = HIDDEN / f"test_{exercise.id}.py"
    assert f'pytestmark = pytest.mark.exercise("{exercise.id}")' in path.read_text(encoding="utf-8")
    assert sum(points_of(path)) == exercise.points


def test_markers_are_registered_and_strict():
    ini = (HIDDEN / "pytest.ini").read_text(encoding="utf-8")
    assert "--strict-markers" in ini and "points(n)" in ini and "exercise(id)" in ini
