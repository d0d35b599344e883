"""`course grade` killed with SIGKILL mid-batch, then rerun: it completes, every
submission has exactly one complete record, and regrading gives identical results."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.grade import grade as check
from autograder.transformer.mistakes import MISTAKES
from course_cli import workflow
from tests.table import EXERCISES
from course_cli.nbcourse import load_config
from tests.helpers import SOLUTIONS

STUDENTS = 8


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    course_dir, exchange = root / "course", root / "exchange"
    workflow.init_course(course_dir, "crash101", exchange)
    instructor = load_config(course_dir, need_course_dir=True)
    workflow.release(instructor, "transformer", check=False)
    for i in range(STUDENTS):
        home = root / f"s{i}"
        home.mkdir()
        config = load_config(home, exchange, "crash101", cache=home / ".cache")
        folder = workflow.fetch(config, "transformer", f"s{i}", home)
        if i % 2 == 0:
            for file in SOLUTIONS.glob("*.py"):
                (folder / file.name).write_bytes(file.read_bytes())
            if i:
                m = MISTAKES[i * 7 % len(MISTAKES)]
                (folder / f"{m.exercise}.py").write_text(m.source(), encoding="utf-8")
        workflow.submit(config, "transformer", f"s{i}", folder)
    workflow.collect(instructor, "transformer")
    return course_dir, instructor


def run_grade(course_dir):
    return subprocess.Popen([sys.executable, "-m", "course_cli", "grade", "transformer", "--quiet", "--jobs", "2"],
                            cwd=course_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def gradebook_rows(config):
    return {row["student"]: row for row in workflow.grade_table(config)}


def descendants(pid):
    """{pid: depth} of the live processes below pid, read from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = {}, [(pid, 0)]
    while todo:
        parent, depth = todo.pop()
        for child in children.get(parent, []):
            found[child] = depth + 1
            todo.append((child, depth + 1))
    return found


def alive(pid):
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_kill_mid_batch_then_rerun_completes_with_one_record_each(course):
    course_dir, config = course
    started = time.monotonic()
    first = run_grade(course_dir)
    # Mid-batch: once a child grades a student (the judge, its workers, their zygotes, their children).
    spawned, deadline = {}, time.monotonic() + 60
    while first.poll() is None and time.monotonic() < deadline and not any(d >= 3 for d in spawned.values()):
        spawned.update(descendants(first.pid))
        time.sleep(0.02)
    assert first.poll() is None, "grading finished before it could be killed; grade more submissions"
    assert any(d >= 3 for d in spawned.values()), spawned
    os.kill(first.pid, signal.SIGKILL)  # the judge only: what it spawned must not outlive it for long
    first.wait()
    killed_at = time.monotonic() - started

    second = run_grade(course_dir)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err.decode()
    rows = gradebook_rows(config)
    assert sorted(rows) == [f"s{i}" for i in range(STUDENTS)]
    expected = {p.parent.name: r for p, r in zip(sorted((course_dir / "submitted").glob("*/transformer")),
                                                   check(sorted((course_dir / "submitted").glob("*/transformer")))["results"])}
    for student, row in rows.items():
        for e in EXERCISES:
            assert row[e.id] == expected[student]["exercises"][e.id]["score"], (student, e.id)
        stored = json.loads((course_dir / "reports" / "transformer" / f"{student}.json").read_text())
        assert stored["score"] == row["total"]
    assert not list((course_dir / "reports" / "transformer").glob(".*.tmp"))

    from nbgrader.api import Gradebook

    from course_cli.nbcourse import coursedir

    with Gradebook(coursedir(config).db_url, "crash101") as gb:
        assert len(gb.find_assignment("transformer").submissions) == STUDENTS  # one record each, no duplicates

    # Regrading changes nothing.
    third = run_grade(course_dir)
    assert third.wait(timeout=600) == 0
    assert gradebook_rows(config) == rows
    assert killed_at < 30

    # Nothing the killed run started is still running: its zygotes and children saw the judge go.
    deadline = time.monotonic() + 30
    while (left := {p for p in spawned if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"processes of the killed grading still running: {left}"
