"""What an autograder cell of the nbgrader notebook runs.

nbgrader executes the submitted notebook in the student's folder; each
exercise's cell calls `score(exercise_id)`, which returns that exercise's points
from the same hidden tests as `course grade` (the first cell grades them all). nbgrader takes a
number returned by a grade cell as partial credit, and gives 0 to a cell that
writes anything to stderr: so stderr is silenced while grading. A submission the
grading machinery could not grade raises GradingError: the cell errors, and
nbgrader's log and the graded notebook say why, instead of a silent 0 that reads
as the student's.
"""
import contextlib
import io
import os
import sys
from pathlib import Path


@contextlib.contextmanager
def _silent_stderr():
    """Both sys.stderr and file descriptor 2 (C libraries and torch write there), put back after."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


# nbgrader runs every cell of a notebook in one kernel: the first cell grades every exercise of the
# submission in one go (one sandbox, one start-up) and the others read its result. Keyed by the files as
# they are now, so that a notebook run again after an edit grades again.
_GRADED = {}


def _files(folder):
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in Path(folder).rglob("*.py")))


def score(exercise_id, folder=".", assignment=None):
    """The points of one exercise of the submission in folder (assignment: its id; default: the folder's)."""
    from .repo import require_autograder

    key = (os.path.realpath(folder), assignment, _files(folder))
    result = _GRADED.get(key)
    if result is None:
        with _silent_stderr():
            require_autograder()
            from autograder.grade import grade

            (result,) = grade([folder], assignment=assignment)["results"]
        if "error" not in result:  # the machinery's failure is not kept: the next cell tries again
            _GRADED[key] = result
    if "error" in result:
        from autograder.grade import GradingError

        raise GradingError(f"{exercise_id}: {result['error']} (grade it again)")
    exercise = result["exercises"][exercise_id]
    for line in exercise["feedback"]:
        print(line)
    return exercise["score"]
