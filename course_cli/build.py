"""Build the students' version of the assignment, and refuse to if the grader disagrees.

As otter does: the reference must score full marks and the stubs 0, or
nothing is released.
"""
import shutil
from pathlib import Path

from course_core.stubs import generate

from .readme import render_readmes
from .repo import exercises_dir, require_autograder, solutions

PUBLIC = Path(__file__).resolve().parent / "public"


def public_tests(assignment):
    """course_cli/public/<id>/test_public.py: the assignment's public tests (`course test`)."""
    return PUBLIC / assignment.id / "test_public.py"


class ReleaseRefused(Exception):
    """The build is not fit to give to students (one line)."""


def regenerate_exercises(assignment, out=None):
    """The whole students' version of `assignment` (stubs, public tests, README in two languages) from
    its master, into exercises/<id> (or out)."""
    out = Path(out or exercises_dir(assignment))
    generate(solutions(assignment), out, assignment)
    shutil.copyfile(public_tests(assignment), out / "test_public.py")
    render_readmes(out, assignment)
    return out


def verify(assignment, time_limit=20.0):
    """Grade the reference and the stubs; raise ReleaseRefused unless they score full marks and 0."""
    require_autograder(assignment)
    from autograder.grade import grade

    MAX_SCORE = assignment.max_score
    paths = [solutions(assignment), exercises_dir(assignment)]
    reference, stubs = grade(paths, time_limit=time_limit, assignment=assignment.id)["results"]
    for name, entry in (("reference", reference), ("stubs", stubs)):
        if "error" in entry:  # the machinery's failure, not the master's: say so rather than "scores 0"
            raise ReleaseRefused(f"the {name} could not be graded: {entry['error']}")
    if reference["score"] != MAX_SCORE:
        lost = [f"{k}: {(v['feedback'] or ['no hidden test scored it'])[0]}"
                for k, v in reference["exercises"].items() if v["score"] != v["max_score"]]
        raise ReleaseRefused(f"the reference scores {reference['score']:g}/{MAX_SCORE:g}, not full marks ({'; '.join(lost)})")
    if stubs["score"] != 0:
        scored = [k for k, v in stubs["exercises"].items() if v["score"]]
        raise ReleaseRefused(f"the stubs score {stubs['score']:g}, not 0 (in {', '.join(scored)})")
    return reference, stubs


def build_student_versions(tables, out_dir, check=True):
    """out_dir/<id>/ of each assignment: the stubs, the public tests and the README in English and Chinese.
    Nothing is written to out_dir unless every one of them is regenerated and (check) passes verify."""
    for table in tables:
        regenerate_exercises(table)
        if check:
            verify(table)
    written = []
    for table in tables:
        out = Path(out_dir) / table.id
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(exercises_dir(table), out, ignore=shutil.ignore_patterns("__pycache__"))
        written.append(out)
    return written


def build_student_version(assignment, out_dir, check=True):
    """out_dir/<id>/ of one assignment (see build_student_versions)."""
    return build_student_versions([assignment], out_dir, check)[0]
