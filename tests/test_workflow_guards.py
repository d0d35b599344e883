"""The course workflow's promises, each met the way an instructor or a student meets it:
a release refuses solution text, each student's grades go in at once, and
`collect --before-duedate` takes the submission before the due date."""
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

from autograder.transformer.mistakes import BY_ID as MISTAKES
from course_cli import workflow
from course_cli.nbcourse import coursedir, load_config
from tests.helpers import COURSE, ROOT, SOLUTIONS, copy_repo, course_in
from tests.table import TABLE


def test_release_refuses_a_folder_holding_solution_text(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    leaked = sorted(workflow._solution_lines(TABLE))[0]
    with open(repo / "course_cli" / "public" / "transformer" / "test_public.py", "a", encoding="utf-8") as f:
        f.write(f"\n# a hint for the students: {leaked}\n")  # the public tests are released as they are
    out = course_in(repo, "init", tmp_path / "course", "--course-id", "leak101", "--exchange", tmp_path / "exchange")
    assert out.returncode == 0, out.stderr
    out = course_in(repo, "release", "transformer", cwd=tmp_path / "course")
    assert out.returncode != 0, out.stdout
    assert "refusing to release: solution code in test_public.py" in out.stderr, out.stderr
    assert not (tmp_path / "exchange" / "leak101" / "outbound" / "transformer").exists()


def _course(root, students, duedate=None):
    course_dir, exchange = root / "course", root / "exchange"
    workflow.init_course(course_dir, "g101", exchange)
    instructor = load_config(course_dir, need_course_dir=True)
    workflow.release(instructor, "transformer", check=False, duedate=duedate)
    homes = {}
    for name in students:
        home = root / name
        home.mkdir()
        config = load_config(home, exchange, "g101", cache=home / ".cache")
        homes[name] = (config, workflow.fetch(config, "transformer", name, home))
    return course_dir, instructor, homes


def _hand_in(config, name, folder, attention=None):
    for file in SOLUTIONS.glob("*.py"):
        (folder / file.name).write_bytes(file.read_bytes())
    if attention:
        (folder / "attention.py").write_text(attention, encoding="utf-8")
    workflow.submit(config, "transformer", name, folder)


# Kills the grading process from inside record_grades, once the third student's first three
# exercises have been handed to the gradebook: a hook, so the moment is exact.
KILL_MID_STUDENT = """
import os, signal, sys
from course_cli import workflow
from course_cli.nbcourse import load_config

class Dying(dict):
    def items(self):
        for i, item in enumerate(super().items()):
            if i == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            yield item

real, seen = workflow.record_grades, []
def record_grades(gb, config, assignment, student, result, timestamp):
    seen.append(student)
    if len(seen) == 3:
        result = dict(result, exercises=Dying(result["exercises"]))
    return real(gb, config, assignment, student, result, timestamp)

workflow.record_grades = record_grades
workflow.grade(load_config(sys.argv[1], need_course_dir=True), "transformer")
"""


def test_a_grading_killed_mid_student_records_no_part_of_that_student(tmp_path):
    names = ["s0", "s1", "s2", "s3"]
    course_dir, instructor, homes = _course(tmp_path, names)
    for name, (config, folder) in homes.items():
        _hand_in(config, name, folder)
    workflow.collect(instructor, "transformer")
    run = subprocess.run([sys.executable, "-c", KILL_MID_STUDENT, str(course_dir)], cwd=ROOT, capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert run.returncode == -9, run.stderr
    rows = workflow.grade_table(instructor)
    totals = {r["student"]: r["total"] for r in rows}
    assert totals["s0"] == totals["s1"] == 100, rows  # recorded whole before the kill
    assert totals.get("s2", 0) == totals.get("s3", 0) == 0, rows  # the third not at all (not 3 exercises of 7)
    # grading again (a run of its own, as an instructor would) completes the class, and removes the
    # scratch folder the killed run could not
    again = subprocess.run([sys.executable, "-m", "course_cli", "grade", "transformer", "--course-dir", str(course_dir),
                            "-j", "1", "--quiet"], cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert again.returncode == 0, again.stderr
    assert {r["student"]: r["total"] for r in workflow.grade_table(instructor)} == dict.fromkeys(names, 100)


def test_collect_before_duedate_takes_the_submission_before_it(tmp_path):
    course_dir, instructor, homes = _course(tmp_path, ["ann"])
    config, folder = homes["ann"]
    _hand_in(config, "ann", folder)  # on time: the reference
    time.sleep(0.01)
    due = datetime.now(timezone.utc).replace(tzinfo=None)
    from nbgrader.api import Gradebook

    with Gradebook(coursedir(instructor).db_url, "g101") as gb:
        gb.update_or_create_assignment("transformer", duedate=due)
    time.sleep(0.01)
    mistake = MISTAKES["attention.no_scale"].source()
    _hand_in(config, "ann", folder, attention=mistake)  # late: a mistake
    collected = course_dir / "submitted" / "ann" / "transformer" / "attention.py"

    out = subprocess.run([*COURSE, "collect", "transformer", "--before-duedate", "--quiet"], cwd=course_dir,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert collected.read_text(encoding="utf-8") == (SOLUTIONS / "attention.py").read_text(encoding="utf-8")
    out = subprocess.run([*COURSE, "collect", "transformer", "--quiet"], cwd=course_dir, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert collected.read_text(encoding="utf-8") == mistake  # without the flag: the latest
