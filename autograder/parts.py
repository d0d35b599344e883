"""Where each assignment's own part of the grader lives, and which assignment's hidden tests run now.

Per assignment <id>, beside its table (course_core/assignments/<id>.json):
- solutions/<id>/: the reference;
- autograder/<id>/hidden/: the hidden tests, with their points (and a conftest.py that imports
  autograder.fixtures);
- autograder/<id>/mistakes.py: the catalog of mistakes and variants;
- autograder/<id>/shims/: the stand-ins for the sibling files an exercise imports, and the given files;
- autograder/<id>/artifacts.py (optional): the data of the feedback page's pictures.
The rest of this package is the engine: it holds no assignment's name, and finds these parts here.

One pytest session runs one assignment's hidden tests. Their helpers (probes, compare) are called
from the tests without being told which assignment that is: they read it from `current()`, which
the hidden tests' fixtures set when the session starts (`using`).
"""
import contextlib
import importlib
from pathlib import Path

from course_core import assignments

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _id(assignment):
    return assignment if isinstance(assignment, str) else assignment.id


def reference(assignment):
    return ROOT / "solutions" / _id(assignment)


def hidden(assignment):
    return HERE / _id(assignment) / "hidden"


def shims(assignment):
    return HERE / _id(assignment) / "shims"


def catalog(assignment):
    """The assignment's mistakes.py: MISTAKES, VARIANTS, BY_ID, for_exercise."""
    return importlib.import_module(f"autograder.{_id(assignment)}.mistakes")


def artifacts(assignment):
    """The assignment's artifacts.py (the feedback page's pictures), or None if it draws none."""
    if not (HERE / _id(assignment) / "artifacts.py").is_file():
        return None
    return importlib.import_module(f"autograder.{_id(assignment)}.artifacts")


_current = []


def current():
    """The assignment whose hidden tests run now (the only one, outside a run, when there is one)."""
    if _current:
        return _current[-1]
    only = assignments.only()
    if only is None:
        raise RuntimeError("which assignment? the hidden tests' helpers run inside `using(assignment)`")
    return only


@contextlib.contextmanager
def using(assignment):
    """The hidden tests of `assignment` (an id or its table) run inside this."""
    _current.append(assignments.get(_id(assignment)))
    try:
        yield _current[-1]
    finally:
        _current.pop()
