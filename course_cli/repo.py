"""Where the course repository is, for the instructor's commands.

Students install a wheel that holds course_cli only; the reference solutions
and the hidden autograder exist only in the instructor's checkout.
"""
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent


def solutions(assignment):
    """solutions/<id>/: the assignment's one master (its table, or its id)."""
    return ROOT / "solutions" / getattr(assignment, "id", assignment)


def exercises_dir(assignment):
    """exercises/<id>/: the students' version, generated from the master."""
    return ROOT / "exercises" / getattr(assignment, "id", assignment)


def require_autograder(assignment=None):
    """Make `autograder` and `solutions` importable (with the reference of `assignment`, if given), or
    fail with one line."""
    masters = [solutions(assignment)] if assignment else [ROOT / "solutions"]
    if not (ROOT / "autograder" / "grade.py").is_file() or not all(m.is_dir() for m in masters):
        raise click.ClickException(
            "this command needs the hidden autograder and the reference solutions, which are only in the "
            "course repository: run it from an instructor's checkout (pip install -e .)")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
