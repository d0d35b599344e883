"""`course demo`: the whole loop on simulated students, in a temporary folder."""
import json
import os
import shutil
import tempfile
from pathlib import Path

from . import tables
from .assignment import ASSIGNMENT
from .repo import SOLUTIONS, require_autograder

STUDENTS = {
    "alice": "solves every exercise (the reference)",
    "bob": "forgets to divide the attention scores by sqrt(dk)",
    "carol": "submits the stubs untouched",
}


def run_demo(keep=None, echo=print):
    require_autograder()
    from autograder.grade import grade
    from autograder.mistakes import BY_ID

    from .build import build_student_version

    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="course-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    echo(f"building and checking the students' version in {root}/release ...")
    release = build_student_version(root / "release")
    submissions = []
    for student, what in STUDENTS.items():
        folder = root / "submissions" / student / ASSIGNMENT
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(release, folder)
        if student == "alice":
            for file in SOLUTIONS.glob("*.py"):
                shutil.copyfile(file, folder / file.name)
        elif student == "bob":
            for file in SOLUTIONS.glob("*.py"):
                shutil.copyfile(file, folder / file.name)
            mistake = BY_ID["attention.no_scale"]
            (folder / f"{mistake.exercise}.py").write_text(mistake.source(), encoding="utf-8")
        echo(f"  {student} {what}")
        submissions.append(str(folder))
    echo("grading ...")
    report = grade(submissions, jobs=os.cpu_count() or 1)
    out = root / "grades.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    echo("")
    echo(tables.grading_report(report))
    echo(f"\nthe full grading report, with every feedback sentence: {out}")
    return report
