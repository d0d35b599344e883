"""What an autograder cell of the nbgrader notebook runs.

nbgrader executes the submitted notebook in the student's folder; each
exercise's cell calls `score(exercise_id)`, which grades that exercise with the
same hidden tests as `course grade` and returns the points. nbgrader takes a
number returned by a grade cell as partial credit.
"""


def score(exercise_id, folder="."):
    from .repo import require_autograder

    require_autograder()
    from autograder.grade import grade

    (result,) = grade([folder], exercises=[exercise_id])["results"]
    exercise = result["exercises"][exercise_id]
    for line in exercise["feedback"]:
        print(line)  # stdout: nbgrader gives 0 to a grade cell that writes to stderr
    return exercise["score"]
