"""Build the students' version of the assignment, and refuse to if the grader disagrees.

As otter does: the reference must score full marks and the stubs 0, or
nothing is released.
"""
import shutil
from pathlib import Path

from .assignment import MAX_SCORE
from .readme import render_readmes
from .repo import EXERCISES_DIR, SOLUTIONS, require_autograder
from .stubs import generate

PUBLIC_TESTS = Path(__file__).resolve().parent / "public" / "test_public.py"


class ReleaseRefused(Exception):
    """The build is not fit to give to students (one line)."""


def regenerate_exercises(out=EXERCISES_DIR):
    """The whole students' version (stubs, public tests, README in two languages) from the master."""
    generate(SOLUTIONS, out)
    shutil.copyfile(PUBLIC_TESTS, Path(out) / PUBLIC_TESTS.name)
    render_readmes(out)
    return Path(out)


def verify(time_limit=20.0):
    """Grade the reference and the stubs; raise ReleaseRefused unless they score full marks and 0."""
    require_autograder()
    from autograder.grade import grade

    reference, stubs = grade([SOLUTIONS, EXERCISES_DIR], time_limit=time_limit)["results"]
    for name, entry in (("reference", reference), ("stubs", stubs)):
        if "error" in entry:  # the machinery's failure, not the master's: say so rather than "scores 0"
            raise ReleaseRefused(f"the {name} could not be graded: {entry['error']}")
    if reference["score"] != MAX_SCORE:
        lost = [f"{k}: {v['feedback'][0]}" for k, v in reference["exercises"].items() if v["score"] != v["max_score"]]
        raise ReleaseRefused(f"the reference scores {reference['score']:g}/{MAX_SCORE:g}, not full marks ({'; '.join(lost)})")
    if stubs["score"] != 0:
        scored = [k for k, v in stubs["exercises"].items() if v["score"]]
        raise ReleaseRefused(f"the stubs score {stubs['score']:g}, not 0 (in {', '.join(scored)})")
    return reference, stubs


def build_student_version(out_dir, check=True):
    """out_dir/transformer/: the stubs, the public tests and the README in English and Chinese."""
    regenerate_exercises()
    if check:
        verify()
    out = Path(out_dir) / EXERCISES_DIR.name
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(EXERCISES_DIR, out, ignore=shutil.ignore_patterns("__pycache__"))
    return out
