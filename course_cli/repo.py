"""Where the course repository is, for the instructor's commands.

Students install a wheel that holds course_cli only; the reference solutions
and the hidden autograder exist only in the instructor's checkout.
"""
import sys
from pathlib import Path

import click

from .assignment import ASSIGNMENT

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions" / ASSIGNMENT
EXERCISES_DIR = ROOT / "exercises" / ASSIGNMENT


def require_autograder():
    """Make `autograder` and `solutions` importable, or fail with one line."""
    if not (ROOT / "autograder" / "grade.py").is_file() or not SOLUTIONS.is_dir():
        raise click.ClickException(
            "this command needs the hidden autograder and the reference solutions, which are only in the "
            "course repository: run it from an instructor's checkout (pip install -e .)")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
