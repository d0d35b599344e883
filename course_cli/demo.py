"""`course demo`: the whole cycle on simulated students, in a temporary course and exchange.

It goes through nbgrader's real exchange and gradebook, as an instructor and
three students would: release, fetch, submit, collect, grade, feedback.
"""
import os
import shutil
from pathlib import Path

from course_core import tempfiles

from . import tables
from .repo import require_autograder, solutions

COURSE_ID = "demo101"
# The assignment the demo runs: bob's mistake below is one of its catalog's.
ASSIGNMENT = "transformer"
MISTAKE = "attention.no_scale"
STUDENTS = {
    "alice": "solves every exercise (the reference)",
    "bob": "forgets to divide the attention scores by sqrt(dk)",
    "carol": "submits the stubs untouched",
}


def _work(student, folder):
    """What each simulated student writes into their fetched folder."""
    from autograder import parts

    if student in ("alice", "bob"):
        for file in solutions(ASSIGNMENT).glob("*.py"):
            shutil.copyfile(file, folder / file.name)
    if student == "bob":
        mistake = parts.catalog(ASSIGNMENT).BY_ID[MISTAKE]
        (folder / f"{mistake.exercise}.py").write_text(mistake.source(), encoding="utf-8")


def run_demo(keep=None, echo=print):
    require_autograder()
    from . import feedback, workflow
    from .nbcourse import load_config

    root = Path(keep).resolve() if keep else tempfiles.mkdtemp("demo")
    if keep and root.exists():
        shutil.rmtree(root)
    course, exchange = root / "course", root / "exchange"
    workflow.init_course(course, COURSE_ID, exchange)
    instructor = load_config(course, need_course_dir=True)
    echo(f"course {COURSE_ID} in {course}, exchange in {exchange}")
    echo(f"releasing {ASSIGNMENT} (the reference must score 100 and the stubs 0) ...")
    workflow.release(instructor, ASSIGNMENT)
    for student, what in STUDENTS.items():
        home = root / "students" / student
        home.mkdir(parents=True)
        config = load_config(home, exchange, COURSE_ID, cache=home / ".nbgrader_cache")
        folder = workflow.fetch(config, ASSIGNMENT, student, home)
        _work(student, folder)
        when = workflow.submit(config, ASSIGNMENT, student, folder)["timestamp"]
        echo(f"  {student} {what}: submitted at {when}")
    echo("collecting and grading ...")
    workflow.collect(instructor, ASSIGNMENT)
    workflow.grade(instructor, ASSIGNMENT, jobs=os.cpu_count() or 1)
    results = workflow.stored_results(instructor, ASSIGNMENT)  # the whole entries, as grading recorded them
    pages = feedback.release_feedback(instructor, ASSIGNMENT)
    summary = feedback.class_report(instructor, ASSIGNMENT)
    echo("")
    echo(tables.grading_report({"results": [dict(r, submission=s) for s, r in results.items()]}))
    echo("\nfeedback pages (also in the exchange, for `course fetch-feedback`):")
    for student, page in pages.items():
        echo(f"  {student}: {page}")
    echo(f"class report: {summary}")
    echo(f"grades: course grades --course-dir {course}")
    if not keep:
        echo("(these files are removed when the demo ends: --keep DIR keeps them)")
    return results
