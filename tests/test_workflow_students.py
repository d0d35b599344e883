"""A student's first hour, with the real `course` command and nbgrader's real exchange.

Three students share one OS account (one HOME, one nbgrader cache), as on a
JupyterHub where they share an account: zhang and s2 submit, s1 never does.
The course is named once, at fetch (or in nbgrader's user config file); the
fetched folder remembers it; every student receives only their own feedback.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from course_cli import workflow
from course_cli.feedback import release_feedback
from course_cli.nbcourse import load_config
from tests.helpers import COURSE, SOLUTIONS

COURSE_ID = "ev101"
DUE = "2001-01-01 00:00:00 UTC"  # long past: every submission is late


def run(*args, cwd, env, ok=True):
    done = subprocess.run([*COURSE, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True)
    assert (done.returncode == 0) == ok, f"course {' '.join(map(str, args))}: {done.stdout}{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("students")
    course_dir, exchange, home = root / "course", root / "exchange", root / "home"
    workflow.init_course(course_dir, COURSE_ID, exchange)
    instructor = load_config(course_dir, need_course_dir=True)
    workflow.release(instructor, "transformer", check=False, duedate=DUE)
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "COURSE_"))}
    env.update(HOME=str(home), TMPDIR=str(root))  # one OS account: nbgrader's cache and config under this HOME
    return root, course_dir, exchange, home, env, instructor


@pytest.fixture(scope="module")
def submitted(course):
    root, course_dir, exchange, home, env, instructor = course
    # zhang names the course once, at fetch.
    (home / "zhang").mkdir()
    run("fetch", "transformer", "--course-id", COURSE_ID, "--exchange", exchange, "--student", "zhang",
        cwd=home / "zhang", env=env)
    folder = home / "zhang" / "transformer"
    for file in SOLUTIONS.glob("*.py"):
        if file.name != "bert.py":  # bert.py stays as released
            shutil.copyfile(file, folder / file.name)
    (folder / "big_data.bin").write_bytes(b"\0" * 5000)
    out = {"zhang": run("submit", "transformer", "--student", "zhang", cwd=folder, env=env)}  # from inside
    # s2 has the course in nbgrader's user config file, ~/.jupyter/nbgrader_config.py, and deletes the notebook.
    (home / ".jupyter").mkdir()
    (home / ".jupyter" / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\nc.Exchange.root = {str(exchange)!r}\n")
    (home / "s2").mkdir()
    run("fetch", "transformer", "--student", "s2", cwd=home / "s2", env=env)
    (home / ".jupyter" / "nbgrader_config.py").unlink()  # from now on only the folder remembers the course
    for file in SOLUTIONS.glob("*.py"):
        shutil.copyfile(file, home / "s2" / "transformer" / file.name)
    (home / "s2" / "transformer" / "transformer.ipynb").unlink()
    out["s2"] = run("submit", "transformer", "--student", "s2", cwd=home / "s2", env=env)  # beside the folder
    workflow.collect(instructor, "transformer")
    workflow.grade(instructor, "transformer", jobs=1)
    release_feedback(instructor, "transformer")
    return out


def test_submit_from_inside_the_folder_names_what_it_sent_left_out_and_warns(course, submitted):
    out = submitted["zhang"]
    assert "submitted transformer as zhang" in out
    assert "sent: __init__.py, positional_encoding.py, attention.py" in out
    assert "left out: big_data.bin: not an assignment file" in out
    assert "still as released (not started?): bert.py" in out
    assert "due 2001-01-01 00:00 UTC; this submission is" in out and "LATE" in out
    assert "warning: public tests fail" not in out  # bert's failures are the unchanged stub's, already said
    root, course_dir, exchange, home, env, _ = course
    inbound = sorted(p.name.split("+")[0] for p in (exchange / COURSE_ID / "inbound").iterdir())
    assert inbound == ["s2", "zhang"]


def test_the_fetched_readme_and_course_list_show_the_due_date_and_the_feedback(course, submitted):
    root, course_dir, exchange, home, env, _ = course
    assert "**Due: 2001-01-01 00:00 UTC.**" in (home / "zhang" / "transformer" / "README.md").read_text()
    listed = run("list", "--student", "zhang", cwd=home / "zhang" / "transformer", env=env)
    assert "released: transformer (due 2001-01-01 00:00 UTC)" in listed
    assert "late" in listed and "feedback ready" in listed


def test_fetch_refuses_to_nest_the_assignment_inside_itself(course, submitted):
    root, course_dir, exchange, home, env, _ = course
    out = run("fetch", "transformer", "--student", "zhang", cwd=home / "zhang" / "transformer", env=env, ok=False)
    assert "inside an assignment folder" in out and out.count("\n") == 1
    assert not (home / "zhang" / "transformer" / "transformer").exists()


def test_without_a_fetched_folder_the_student_is_told_how_to_name_the_course(course):
    root, course_dir, exchange, home, env, _ = course
    (home / "elsewhere").mkdir(exist_ok=True)
    out = run("list", "--student", "zhang", cwd=home / "elsewhere", env=env, ok=False)
    assert "course fetch" in out and "--course-id" in out and "nbgrader_config" not in out


def test_each_student_on_a_shared_account_receives_only_their_own_feedback(course, submitted):
    root, course_dir, exchange, home, env, _ = course
    # s1 never submitted: nbgrader's own FetchFeedback gave s1 zhang's page here.
    (home / "s1").mkdir()
    out = run("fetch-feedback", "transformer", "--student", "s1", "--course-id", COURSE_ID, "--exchange", exchange,
              cwd=home / "s1", env=env)
    assert "no feedback yet for s1" in out and not list((home / "s1").rglob("*.html"))
    # s2 deleted the notebook before submitting, and fetches from inside the folder: its own page, 100/100.
    pages = run("fetch-feedback", "transformer", "--student", "s2", cwd=home / "s2" / "transformer", env=env).split()
    assert len(pages) == 1
    page = Path(pages[0])
    assert page.parent.parent == home / "s2" / "transformer" / "feedback"
    assert " " not in page.parent.name and ":" not in page.parent.name  # 2026-11-30_15-20-51_UTC
    html = page.read_text(encoding="utf-8")
    assert '<b id="student">s2</b>' in html and "Total: 100 / 100" in html and "zhang" not in html
    assert "/submitted/" not in html  # nor the instructor's server path
    zhang = run("fetch-feedback", "transformer", "--student", "zhang", cwd=home / "zhang", env=env).split()
    assert len(zhang) == 1 and '<b id="student">zhang</b>' in Path(zhang[0]).read_text(encoding="utf-8")


def test_the_installed_course_report_uses_the_mistake_catalog(course, submitted):
    root, course_dir, exchange, home, env, _ = course
    installed = Path(COURSE[0]).parent / "course"  # the console script, run outside the repository
    done = subprocess.run([installed, "report", "transformer"], cwd=course_dir, capture_output=True, text=True,
                          env=dict(env, PATH=f"{installed.parent}:/usr/bin:/bin"))
    assert done.returncode == 0, done.stderr
    summary = (course_dir / "reports" / "transformer" / "summary.html").read_text(encoding="utf-8")
    assert "is not available here" not in summary and "<table" in summary


def test_feedback_with_a_bad_exchange_says_so_before_any_rendering(course, submitted):
    root, course_dir, exchange, home, env, _ = course
    out = run("feedback", "transformer", "--exchange", root / "no-such-exchange", cwd=course_dir, env=env, ok=False)
    assert "no-such-exchange is not a writable folder" in out and "drawing" not in out and out.count("\n") == 1


def test_grades_for_canvas_and_moodle_and_as_a_terminal_table(course, submitted):
    import csv
    import io

    root, course_dir, exchange, home, env, _ = course
    canvas = list(csv.reader(io.StringIO(run("grades", "--format", "canvas", cwd=course_dir, env=env))))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "transformer"]
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][5] == "100"
    by_login = {r[3]: r for r in canvas[2:]}
    assert set(by_login) == {"s2", "zhang"} and by_login["s2"][5] == "100" and float(by_login["zhang"][5]) == 85
    moodle = list(csv.reader(io.StringIO(run("grades", "--format", "moodle", cwd=course_dir, env=env))))
    assert moodle == [["Username", "transformer"], ["s2", "100"], ["zhang", "85"]]
    # Piped: CSV; in an (emulated) terminal: a table that fits 80 columns.
    assert run("grades", cwd=course_dir, env=env).startswith("student,positional_encoding,")
    table = subprocess.run(["script", "-qec", " ".join([*COURSE, "grades"]), "/dev/null"], cwd=course_dir,
                           env=dict(env, COLUMNS="80"), capture_output=True, text=True).stdout
    lines = [line for line in table.replace("\r", "").splitlines() if line.strip()]
    assert lines[0].split() == ["student", "1", "2", "3", "4", "5", "6", "7", "late", "total"]
    assert "exercises: 1 positional_encoding" in table and "," not in lines[2]  # a table, not CSV
    assert all(len(line) <= 80 for line in lines) and any(line.split()[0] == "s2" for line in lines[1:])


def test_grade_says_a_wrong_assignment_before_its_isolation_line(course):
    root, course_dir, exchange, home, env, _ = course
    out = run("grade", "nosuch", cwd=course_dir, env=env, ok=False)
    assert out.startswith("Error: unknown assignment 'nosuch'") and "isolation" not in out and out.count("\n") == 1


def test_a_symlinked_submitted_folder_is_refused_by_course_grade(course, submitted):
    root, course_dir, exchange, home, env, _ = course
    (course_dir / "submitted" / "mallory").symlink_to(course_dir / "submitted" / "s2")
    out = run("grade", "transformer", "-q", "-j", "1", cwd=course_dir, env=env)
    assert "refused mallory: its submitted folder is a symbolic link" in out
    assert "mallory" not in run("grades", "--format", "csv", cwd=course_dir, env=env)


def test_grades_of_a_gradebook_without_grades_says_so(tmp_path):
    course_dir = tmp_path / "course"
    workflow.init_course(course_dir, "empty101", tmp_path / "exchange")
    workflow.release(load_config(course_dir, need_course_dir=True), "transformer", check=False)
    done = subprocess.run([*COURSE, "grades"], cwd=course_dir, capture_output=True, text=True,
                          env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert done.returncode == 1 and done.stderr == "Error: no grades in the gradebook yet: run `course grade transformer` first\n"
