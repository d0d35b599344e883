"""The nbgrader source notebook of the assignment: one autograder cell per exercise.

The exercises themselves are the .py files; the notebook is how nbgrader's own
`autograde` grades them. Each cell is an nbgrader "autograder tests" cell worth
the exercise's points, its body a hidden-tests region that nbgrader strips from
the students' copy and restores when it grades.
"""
import nbformat

def notebook_name(assignment):
    """The nbgrader notebook of an assignment (its table, or its id): <id>.ipynb."""
    return f"{getattr(assignment, 'id', assignment)}.ipynb"


def _grade_cell(exercise):
    source = (
        f"# Autograder: exercise {exercise.number}, {exercise.file} ({exercise.points:g} points).\n"
        "### BEGIN HIDDEN TESTS\n"
        "from course_cli.nbgrader_cell import score\n"
        f'score("{exercise.id}", assignment="{exercise.assignment}")\n'
        "### END HIDDEN TESTS"
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True, "grade_id": exercise.id, "locked": True, "points": exercise.points,
        "schema_version": 3, "solution": False, "task": False,
    }
    return cell


def source_notebook(assignment):
    intro = nbformat.v4.new_markdown_cell(
        f"# {assignment.id}\n\nYour work is in the `.py` files beside this notebook (see README.md). "
        "Submit this notebook unchanged with them: the grader runs the cells below.")
    intro.metadata["nbgrader"] = {"grade": False, "grade_id": "intro", "locked": True, "schema_version": 3,
                                  "solution": False, "task": False}
    nb = nbformat.v4.new_notebook(cells=[intro, *(_grade_cell(e) for e in assignment.exercises)])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nb


def write_source_notebook(folder, assignment):
    path = folder / notebook_name(assignment)
    nbformat.write(source_notebook(assignment), str(path))
    return path
