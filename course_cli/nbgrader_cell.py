"""What an autograder cell of the nbgrader notebook runs.

nbgrader executes the submitted notebook in the student's folder; each
exercise's cell calls `score(exercise_id)`, which grades that exercise with the
same hidden tests as `course grade` and returns the points. nbgrader takes a
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


def score(exercise_id, folder=".", assignment=None):
    """The points of one exercise of the submission in folder (assignment: its id; default: the folder's)."""
    from .repo import require_autograder

    with _silent_stderr():
        require_autograder()
        from autograder.grade import GradingError, grade

        (result,) = grade([folder], exercises=[exercise_id], assignment=assignment)["results"]
    if "error" in result:
        raise GradingError(f"{exercise_id}: {result['error']} (grade it again)")
    exercise = result["exercises"][exercise_id]
    for line in exercise["feedback"]:
        print(line)
    return exercise["score"]
