"""The whole course cycle through nbgrader's real exchange and gradebook, and nbgrader's own commands.

One course of two assignments, several simulated students sharing this OS account:
the instructor releases both with `course`, the students fetch and submit both
with `course`, and for each assignment the grades from `course grade` agree exercise
by exercise with what the real `nbgrader collect` and `nbgrader autograde` record in
the same gradebook.
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.decoder.mistakes import BY_ID as DECODER_MISTAKES
from autograder.transformer.mistakes import BY_ID as MISTAKES
from course_core import assignments
from course_cli.cli import main
from course_cli.workflow import _solution_lines
from tests.helpers import ROOT, SOLUTIONS

COURSE_ID = "ml101"
BIN = Path(sys.executable).parent


def course(*args, cwd, env=None):
    """Run `course ARGS` as a user would (a real process, not CliRunner)."""
    out = subprocess.run([sys.executable, "-m", "course_cli", *map(str, args)], cwd=cwd, capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, f"course {' '.join(map(str, args))}: {out.stdout}{out.stderr}"
    return out.stdout


def nbgrader(*args, cwd):
    out = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, capture_output=True, text=True,
                         env=dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}"))
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout + out.stderr


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """Release both assignments, then three students: alice (reference) and bob (a mistake in each; the
    transformer submitted twice, the mistake in the second) do both, carol (the stubs) the transformer only."""
    root = tmp_path_factory.mktemp("cycle")
    course_dir, exchange = root / "course", root / "exchange"
    course("init", course_dir, "--course-id", COURSE_ID, "--exchange", exchange, cwd=root)
    for assignment in ("transformer", "decoder"):
        released = course("release", assignment, cwd=course_dir)
        assert "checked: the reference scores 100/100, the stubs 0" in released  # said, not silent for 20 s

    def student(name, work, submissions=1, assignments=("transformer", "decoder")):
        home = root / name
        home.mkdir()
        env = dict(os.environ, JUPYTER_DATA_DIR=str(home / ".jupyter"))  # each student's own nbgrader cache
        opts = ["--course-id", COURSE_ID, "--exchange", exchange, "--student", name]
        for assignment in assignments:
            course("fetch", assignment, *opts, cwd=home, env=env)
            for attempt in range(submissions if assignment == "transformer" else 1):
                work(home / assignment, attempt)
                course("submit", assignment, *opts, cwd=home, env=env)
        return home, env, opts

    def reference(folder, attempt=0):
        for file in (ROOT / "solutions" / folder.name).glob("*.py"):
            shutil.copyfile(file, folder / file.name)

    def mistake(folder, attempt):
        reference(folder)
        if folder.name == "decoder":
            mistake = DECODER_MISTAKES["classifier.mean_counts_padding"]
            (folder / "classifier.py").write_text(mistake.source(), encoding="utf-8")
        elif attempt == 1:  # the second submission has the bug: the latest one counts
            (folder / "attention.py").write_text(MISTAKES["attention.no_scale"].source(), encoding="utf-8")

    homes = {"alice": student("alice", reference), "bob": student("bob", mistake, submissions=2),
             "carol": student("carol", lambda folder, attempt: None, assignments=("transformer",))}
    return root, course_dir, exchange, homes


def test_no_solution_text_reaches_release_or_exchange(cycle):
    root, course_dir, exchange, _ = cycle
    lines = [line for a in assignments.all_assignments() for line in _solution_lines(a)]
    assert len(lines) > 60
    # Everything released: nbgrader's release folder and the exchange's outbound (inbound holds alice's work).
    for folder in (course_dir / "release", exchange / COURSE_ID / "outbound"):
        for path in folder.rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                assert not [l for l in lines if l in text], path
    # The exercises did reach the exchange, as stubs.
    assert "NotImplementedError" in (exchange / COURSE_ID / "outbound" / "transformer" / "attention.py").read_text()
    assert "NotImplementedError" in (exchange / COURSE_ID / "outbound" / "decoder" / "crf.py").read_text()


def test_every_submission_is_kept_with_its_timestamp(cycle):
    root, course_dir, exchange, homes = cycle
    inbound = sorted(p.name for p in (exchange / COURSE_ID / "inbound").iterdir())
    assert [n.split("+")[:2] for n in inbound].count(["bob", "transformer"]) == 2  # a re-submission sits beside the first
    assert [n.split("+")[:2] for n in inbound].count(["bob", "decoder"]) == 1
    assert {n.split("+")[0] for n in inbound} == {"alice", "bob", "carol"}  # --student, not the OS account
    home, env, opts = homes["bob"]
    listed = course("list", *opts, cwd=home, env=env)
    assert "released: decoder, transformer" in listed
    rows = re.findall(r"^  transformer  (\d{4}-\d\d-\d\d[ T][\d:.]+.*)$", listed, re.MULTILINE)
    assert len(rows) == 2 and len(set(rows)) == 2, listed  # both of bob's submissions, each with its own time


@pytest.mark.parametrize("assignment, wrong", [("transformer", "attention"), ("decoder", "classifier")])
def test_course_grade_and_nbgrader_autograde_agree_exercise_by_exercise(cycle, assignment, wrong):
    root, course_dir, exchange, homes = cycle
    table = assignments.get(assignment)
    students = ("alice", "bob", "carol") if assignment == "transformer" else ("alice", "bob")
    out = course("collect", assignment, "--quiet", cwd=course_dir)
    assert f"collected {len(students)} submissions" in out
    course("grade", assignment, "--quiet", cwd=course_dir)
    ours = {row["student"]: row for row in json.loads(course("grades", "--format", "json", cwd=course_dir))}
    total = f"{assignment}.total"  # the gradebook holds two assignments: each column is named with its own
    assert ours["alice"][total] == 100
    assert 0 < ours["bob"][total] < 100 and ours["bob"][f"{assignment}.{wrong}"] < table.by_id[wrong].points
    assert all(ours["bob"][f"{assignment}.{e.id}"] == e.points for e in table.exercises if e.id != wrong)
    assert ours["carol"][total] == 0  # the stubs, or (decoder) nothing submitted

    # nbgrader's own path on the same course: its collect warns of no owner, its autograde keeps the students' .py.
    collected = nbgrader("collect", assignment, "--update", cwd=course_dir)
    assert "cheating attempt" not in collected
    nbgrader("autograde", assignment, "--force", cwd=course_dir)
    theirs = {row["student"]: row for row in json.loads(course("grades", "--format", "json", cwd=course_dir))}
    for name in students:
        for e in table.exercises:
            key = f"{assignment}.{e.id}"
            assert theirs[name][key] == pytest.approx(ours[name][key]), (name, key)

    nbgrader("export", "--to", str(root / "export.csv"), cwd=course_dir)
    rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(open(root / "export.csv"))}
    assert float(rows[assignment, "alice"]["score"]) == 100 and float(rows[assignment, "bob"]["score"]) < 100


def test_grades_csv_opens_as_a_spreadsheet_with_both_assignments(cycle):
    _, course_dir, _, _ = cycle
    table = list(csv.reader(io.StringIO(course("grades", "--format", "csv", cwd=course_dir))))
    header = table[0]
    for a in assignments.all_assignments():  # every exercise of each, then its total
        columns = [f"{a.id}.{e.id}" for e in a.exercises]
        start = header.index(columns[0])
        assert header[start:start + len(columns)] == columns and f"{a.id}.total" in header
    assert header[0] == "student" and header[-1] == "total"
    assert [r[0] for r in table[1:]] == ["alice", "bob", "carol"]
    totals = {r[0]: float(r[-1]) for r in table[1:]}
    assert totals["alice"] == 200 and totals["carol"] == 0 and 100 < totals["bob"] < 200


@pytest.mark.parametrize("assignment, said, pictures", [
    ("transformer", "scores are not divided by sqrt(dk)", 2),
    ("decoder", DECODER_MISTAKES["classifier.mean_counts_padding"].sentence, 3),
])
def test_feedback_goes_back_through_the_exchange(cycle, assignment, said, pictures):
    _, course_dir, _, homes = cycle
    out = course("feedback", assignment, cwd=course_dir)
    assert "bob:" in out
    home, env, opts = homes["bob"]
    pages = course("fetch-feedback", assignment, *opts, cwd=home, env=env).split("\n")
    page = Path(home / pages[0].strip()) if not Path(pages[0].strip()).is_absolute() else Path(pages[0].strip())
    html = page.read_text(encoding="utf-8")
    assert said in html and html.count("data:image/png;base64,") == pictures
    summary = course("report", assignment, cwd=course_dir)
    assert "summary.html" in summary


@pytest.mark.parametrize("args, message", [
    (["fetch", "nosuch", "--course-id", COURSE_ID], "unknown assignment"),
    (["submit", "transformer", "--course-id", COURSE_ID, "--student", "zed"], "nothing to submit"),
    (["collect", "transformer"], "not a course directory"),
    (["release", "transformer"], "not a course directory"),
    (["init", "course", "--course-id", "ml 101/x"], "course id 'ml 101/x': use letters, digits"),
])
def test_user_errors_are_one_line(tmp_path, args, message):
    result = CliRunner().invoke(main, [*args, "--exchange", str(tmp_path / "ex")], catch_exceptions=False,
                                env={"JUPYTER_DATA_DIR": str(tmp_path / "jd")})
    assert result.exit_code == 1, result.output
    assert message in result.output and result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_release_twice_needs_force_and_submit_refuses_links(cycle, tmp_path):
    root, course_dir, exchange, homes = cycle
    again = CliRunner().invoke(main, ["release", "transformer", "--course-dir", str(course_dir)])
    assert again.exit_code == 1 and "already released" in again.output and "--force" in again.output
    home, env, opts = homes["carol"]
    link = home / "transformer" / "warmup.py"
    link.unlink()
    link.symlink_to(SOLUTIONS / "warmup.py")
    refused = CliRunner().invoke(main, ["submit", "transformer", "--dir", str(home / "transformer"), *map(str, opts)],
                                 env={"JUPYTER_DATA_DIR": env["JUPYTER_DATA_DIR"]})
    assert refused.exit_code == 1 and "symbolic link" in refused.output
