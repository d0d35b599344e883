"""When the grading machinery fails (a zygote or a worker killed), the judge notices it itself,
restarts what died and grades the affected submissions again: no student loses a point. A
submission the machinery cannot grade at all is reported with "error", and `course check` exits
non-zero in one line."""
import glob
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from autograder.grade import grade
from autograder.sandbox.zygote import NAME as ZYGOTE_NAME
from tests.table import MAX_SCORE
from course_cli.cli import main

from tests.helpers import EXERCISES, SOLUTIONS, hand_in

SLEEPER = "import time\ntime.sleep(5)\n"  # at import: the child is surely running when the killer strikes, even on a loaded machine


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()


def descendants(pid):
    """{pid: command line} of every process below pid."""
    found, todo = {}, [pid]
    while todo:
        for path in glob.glob(f"/proc/{todo.pop()}/task/*/children"):
            try:
                with open(path) as f:
                    kids = f.read().split()
            except OSError:
                continue
            for kid in kids:
                try:
                    with open(f"/proc/{kid}/cmdline", "rb") as f:
                        found[int(kid)] = f.read().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                todo.append(kid)
    return found


def processes():
    """(descendants, {pid: parent pid}) of this process."""
    procs = descendants(os.getpid())
    return procs, {pid: _parent(pid) for pid in procs}


def workers():
    procs, parent = processes()
    return [p for p in procs if parent[p] == os.getpid() and "autograder.grade --worker" in procs[p]]


def busy_zygotes():
    """Zygotes below this process (exec'ed, or forked by a worker) that have a child grading right now."""
    procs, parent = processes()
    zygotes = [p for p in procs if procs[p].startswith(ZYGOTE_NAME) or parent[p] in workers()]
    return [z for z in zygotes if z in parent.values()]


def busy_workers():
    return [_parent(z) for z in busy_zygotes() if _parent(z) in workers()]


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


class Killer(threading.Thread):
    """Kills with SIGKILL what pick() returns, `times` times (each a fresh target), until stopped."""

    def __init__(self, pick, times=1):
        super().__init__(daemon=True)
        self.pick, self.times, self.killed, self.stop = pick, times, [], threading.Event()

    def run(self):
        while not self.stop.is_set() and len(self.killed) < self.times:
            targets = [p for p in self.pick() if p not in self.killed]
            if targets:
                time.sleep(0.3)  # well into its grading
                try:
                    os.kill(targets[0], signal.SIGKILL)
                    self.killed.append(targets[0])
                except ProcessLookupError:
                    pass
            time.sleep(0.05)


def submissions(make_submission, n):
    first = make_submission("sleeper", {"positional_encoding.py": SLEEPER + (SOLUTIONS / "positional_encoding.py").read_text()})
    return [str(first)] + [str(make_submission(f"ref{i}")) for i in range(n - 1)]


def test_a_zygote_killed_mid_submission_costs_no_student_a_point(make_submission):
    paths = submissions(make_submission, 3)
    killer = Killer(busy_zygotes)
    killer.start()
    try:
        report = grade(paths, time_limit=10, jobs=1)
    finally:
        killer.stop.set()
    assert len(killer.killed) == 1
    for result in report["results"]:
        assert "error" not in result
        assert result["score"] == MAX_SCORE, result


def test_a_worker_killed_mid_submission_costs_no_student_a_point(make_submission):
    paths = submissions(make_submission, 4)
    killer = Killer(busy_workers)
    killer.start()
    done = []
    try:
        report = grade(paths, time_limit=10, jobs=2, progress=done.append)
    finally:
        killer.stop.set()
    assert len(killer.killed) == 1
    assert sorted(done) == sorted(paths)  # each counted once, as it was really graded
    assert [r["submission"] for r in report["results"]] == paths
    for result in report["results"]:
        assert "error" not in result
        assert result["score"] == MAX_SCORE, result


def test_a_submission_the_machinery_never_grades_is_an_error_and_check_exits_non_zero(make_submission):
    (path,) = submissions(make_submission, 1)
    killer = Killer(busy_zygotes, times=10)  # every zygote that grades it dies
    killer.start()
    try:
        result = CliRunner().invoke(main, ["check", path, "--json", "-j", "1", "--time-limit", "10"])
    finally:
        killer.stop.set()
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    (entry,) = report["results"]
    assert "machinery" in entry["error"] and entry["score"] == 0
    assert result.stderr.count("\n") == 1 and path in result.stderr and "not graded" in result.stderr


def test_an_nbgrader_cell_errors_rather_than_scoring_0_when_the_machinery_never_grades(make_submission):
    """nbgrader records 0 for a cell that returns 0: the cell must fail, saying why, instead."""
    from autograder.grade import GradingError
    from course_cli.nbgrader_cell import score

    (path,) = submissions(make_submission, 1)
    killer = Killer(busy_zygotes, times=10)
    killer.start()
    try:
        with pytest.raises(GradingError, match="positional_encoding: not graded: .*machinery"):
            score("positional_encoding", path)
    finally:
        killer.stop.set()


def test_the_nbgrader_cells_of_one_notebook_grade_the_submission_once(make_submission, monkeypatch):
    """nbgrader runs a notebook's cells in one kernel: the first cell grades every exercise, the others read
    that result; a file edited between two cells is graded again."""
    import autograder.grade
    from autograder.transformer.mistakes import BY_ID
    from course_cli.nbgrader_cell import score
    from tests.table import EXERCISES

    runs = []
    real = autograder.grade.grade
    monkeypatch.setattr(autograder.grade, "grade", lambda *args, **kwargs: runs.append(args) or real(*args, **kwargs))
    path = make_submission("notebook")
    assert [score(e.id, path) for e in EXERCISES] == [e.points for e in EXERCISES] and len(runs) == 1
    (path / "warmup.py").write_text(BY_ID["warmup.cosine_full_period"].source(), encoding="utf-8")
    assert score("warmup", path) < 15 and score("bert", path) == 15 and len(runs) == 2


def test_a_submission_at_its_time_limit_holds_back_no_other(make_submission):
    """The straggler comes first; while one worker waits out its time limit, the other grades all the
    rest (submissions split up front would have queued one of them behind it)."""
    loop = "while True:\n    pass\n"
    straggler = make_submission("straggler", {"positional_encoding.py": loop})
    paths = [str(straggler)] + [str(make_submission(f"ref{i}")) for i in range(3)]
    done = []
    report = grade(paths, time_limit=10, jobs=2, progress=done.append)
    assert done[-1] == str(straggler), done
    results = {r["submission"]: r for r in report["results"]}
    assert "time limit" in " ".join(results[str(straggler)]["exercises"]["positional_encoding"]["feedback"])
    assert all(results[p]["score"] == MAX_SCORE for p in paths[1:])


SPOILER = """import os
import pytest

open(os.environ["SPOILER_MARK"], "w").close()


def pytest_collection_modifyitems(items):
    items[:] = []  # not one hidden test would run
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_pytest_plugin_installed_beside_pytest_has_no_say_in_a_grade(make_submission, tmp_path, monkeypatch, jobs):
    """A plugin another package installs through pytest's entry points (as pytest-randomly does, which
    reorders and reseeds) is never loaded by the judge: here one that would drop every hidden test."""
    site = tmp_path / "site"
    info = site / "spoiler-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: spoiler\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nspoiler = spoiler_plugin\n")
    (site / "spoiler_plugin.py").write_text(SPOILER)
    mark = tmp_path / "loaded"
    monkeypatch.setenv("SPOILER_MARK", str(mark))
    monkeypatch.setenv("PYTHONPATH", str(site))  # the workers'
    monkeypatch.syspath_prepend(str(site))  # this process's
    assert "spoiler" in {e.name for e in importlib.metadata.entry_points(group="pytest11")}  # installed indeed

    paths = [str(make_submission(f"ref{i}")) for i in range(2)]
    report = grade(paths, time_limit=10, jobs=jobs)
    assert [r["score"] for r in report["results"]] == [MAX_SCORE, MAX_SCORE]
    assert not mark.exists()
    assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD" not in os.environ  # as the judge found it


def test_hidden_tests_short_of_an_exercise_points_stop_the_grading_rather_than_cost_every_student(make_submission):
    """Hidden tests lost before grading (here deselected) would take their points from everyone: an error."""
    from autograder import judge
    from autograder.grade import GradingError
    from course_core.assignments import get

    with pytest.raises(GradingError, match="collected for positional_encoding are worth .* points, not 10"):
        judge.run([str(make_submission("ref"))], get("transformer"), 10, extra=["-k", "not test_table_matches_the_formula"])


def test_a_worker_that_cannot_start_says_why(make_submission, tmp_path, monkeypatch):
    from autograder.grade import GradingError

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "pytest.py").write_text("raise ImportError('this pytest is broken')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))  # the workers' only
    with pytest.raises(GradingError, match="(?s)a grading worker failed: .*this pytest is broken"):
        grade([str(make_submission(f"ref{i}")) for i in range(2)], time_limit=10, jobs=2)


@pytest.mark.parametrize("jobs", [1, 2])
def test_entries_go_to_the_caller_as_they_are_graded_and_none_is_kept(tmp_path, jobs):
    """grade(entries=...) hands over each submission's entry, the same as the report's, and keeps none:
    however many are graded, the judge holds no report. (Stubs: graded without a child.)"""
    paths = [str(shutil.copytree(EXERCISES, tmp_path / f"s{i}" / "transformer")) for i in range(3)]
    handed, done = [], []
    report = grade(paths, time_limit=10, jobs=jobs, progress=done.append, entries=handed.append)
    assert report == {"results": []}
    assert sorted(done) == sorted(paths)
    assert sorted(e["submission"] for e in handed) == sorted(paths)
    assert all(e["score"] == 0 and "not implemented yet" in json.dumps(e) for e in handed)


def test_check_json_writes_each_entry_out_before_the_run_ends(make_submission):
    """`course check --json` streams its report: a submission graded in a second is on stdout while the one
    behind it still runs into its time limit; the whole output is still the contract's one JSON document."""
    quick = make_submission("quick")
    slow = make_submission("slow", {"warmup.py": "while True:\n    pass\n"})
    proc = subprocess.Popen([sys.executable, "-m", "course_cli", "check", "--json", "-j", "1", "--time-limit", "8",
                             str(quick), str(slow)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        head = proc.stdout.read(len('{"results": [{"submission": '))
        assert head == '{"results": [{"submission": ' and proc.poll() is None  # the first entry, the second still grading
        report = json.loads(head + proc.stdout.read())
    finally:
        proc.kill()
        proc.wait()
    assert [r["submission"] for r in report["results"]] == [str(quick), str(slow)] and report["isolation"]
    assert report["results"][0]["score"] == MAX_SCORE and "time limit" in json.dumps(report["results"][1])


def test_course_grade_records_nothing_for_a_submission_it_could_not_grade(tmp_path):
    from course_cli import workflow
    from course_cli.nbcourse import load_config

    course_dir, exchange = tmp_path / "course", tmp_path / "exchange"
    workflow.init_course(course_dir, "machinery101", exchange)
    instructor = load_config(course_dir, need_course_dir=True)
    workflow.release(instructor, "transformer", check=False)
    hand_in(exchange, "machinery101", tmp_path / "s1", "s1",
            {"positional_encoding.py": SLEEPER + (SOLUTIONS / "positional_encoding.py").read_text()})
    workflow.collect(instructor, "transformer")
    grade_args = ["grade", "transformer", "--course-dir", str(course_dir), "-j", "1", "--quiet", "--time-limit", "10"]

    killer = Killer(busy_zygotes, times=10)
    killer.start()
    try:
        result = CliRunner().invoke(main, grade_args)
    finally:
        killer.stop.set()
    assert result.exit_code == 1 and "s1" in result.stderr and "not graded" in result.stderr
    assert [row["student"] for row in workflow.grade_table(instructor)] == []

    result = CliRunner().invoke(main, grade_args)  # the machine is well again: the rerun grades it
    assert result.exit_code == 0, result.output
    (row,) = workflow.grade_table(instructor)
    assert row["student"] == "s1" and float(row["total"]) == MAX_SCORE, row


def test_the_gradescope_runner_says_so_and_exits_non_zero_when_the_machinery_never_grades(tmp_path):
    from course_cli.gradescope import export_gradescope
    from tests.test_gradescope import environment, run_setup, unpack

    root = unpack(export_gradescope("transformer", tmp_path / "autograder.zip"), tmp_path / "autograder")
    for file in SOLUTIONS.glob("*.py"):
        (root / "submission" / file.name).write_bytes(file.read_bytes())
    (root / "submission" / "positional_encoding.py").write_text(SLEEPER + (SOLUTIONS / "positional_encoding.py").read_text())
    run_setup(root)
    killer = Killer(busy_zygotes, times=10)
    killer.start()
    try:
        done = subprocess.run([str(root / "run_autograder")], cwd=root, env=environment(root), capture_output=True,
                              text=True, timeout=600)
    finally:
        killer.stop.set()
    assert done.returncode != 0
    said = [line for line in done.stderr.splitlines() if "could not be graded" in line]
    assert len(said) == 1 and "machinery" in said[0], done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 0 and "not because of your files" in results["output"]
