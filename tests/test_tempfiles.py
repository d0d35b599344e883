"""Temporary folders never outlive the command that made them (course_core/tempfiles.py).

Each test has a private TMPDIR, empty at its start, and runs the real commands
(`course check`, `course grade`, `course demo`; `course audit` in test_audit.py)
as processes, then finds that TMPDIR empty again.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from autograder.transformer import mistakes
from course_cli import workflow
from course_core import tempfiles
from course_cli.nbcourse import load_config
from tests.helpers import COURSE, ROOT, SOLUTIONS



def python(code, env=None, **kw):
    """A real Python process running `code` with this repository importable."""
    env = dict(env or os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


MAKE_AND_WAIT = """
    import sys, time
    from course_core import tempfiles
    tempfiles.interrupt_on_sigterm()
    path = tempfiles.mkdtemp("probe")
    (path / "answer.py").write_text("secret")
    print(path, flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_folder_is_removed_when_its_process_is_interrupted_or_terminated(private_tmpdir, how):
    proc = python(MAKE_AND_WAIT)
    path = proc.stdout.readline().strip()
    assert os.path.isdir(path) and path.startswith(str(private_tmpdir))
    proc.send_signal(how)
    proc.wait(timeout=30)
    assert not os.listdir(private_tmpdir)


def test_a_folder_is_removed_on_an_exception_and_at_the_end_of_its_block(private_tmpdir):
    with pytest.raises(RuntimeError):
        with tempfiles.folder("probe") as path:
            (path / "x").write_text("x")
            raise RuntimeError
    with tempfiles.folder("probe"):
        pass
    assert not os.listdir(private_tmpdir)


def test_the_next_run_sweeps_a_killed_runs_folder_and_nothing_else(private_tmpdir):
    killed = python(MAKE_AND_WAIT)
    stale = killed.stdout.readline().strip()
    live = python(MAKE_AND_WAIT)
    running = live.stdout.readline().strip()
    try:
        killed.kill()
        killed.wait()
        unmarked = private_tmpdir / "course-grade-unmarked"  # our prefix, but no marker: not ours to judge
        unmarked.mkdir()
        forged = private_tmpdir / "course-grade-forged"  # a marker naming a dead pid, in a folder of another user
        forged.mkdir()
        (forged / tempfiles.MARKER).write_text(json.dumps({"uid": os.geteuid(), "pid": killed.pid, "start": 0}))
        other_user = os.geteuid() == 0
        if other_user:
            os.chown(forged, 65534, 65534)
        assert os.path.isdir(stale)
        sweeper = python("from course_core import tempfiles; print(tempfiles.mkdtemp('probe'))")
        out, err = sweeper.communicate(timeout=60)
        assert sweeper.returncode == 0, err
        assert not os.path.exists(stale)  # the SIGKILLed run's folder is gone
        assert os.path.isdir(running) and unmarked.is_dir()  # a live run's and an unmarked folder stay
        assert forged.is_dir() == other_user
        assert not os.path.exists(out.strip())  # and the sweeper's own folder went when it exited
    finally:
        live.kill()
        live.wait()


def test_mutants_are_built_in_memory(private_tmpdir):
    entry = mistakes.MISTAKES[-1]
    mistakes.mutant.cache_clear()
    module = mistakes.mutant(entry)
    assert not os.path.exists(module.__spec__.origin)
    assert module.__name__.startswith("_course_mutant_")
    assert not os.listdir(private_tmpdir)


def test_course_check_of_a_mistake_leaves_tmpdir_empty(private_tmpdir, make_submission):
    entry = mistakes.BY_ID["attention.no_scale"]
    folder = make_submission("noscale", {"attention.py": entry.source()})
    out = subprocess.run([*COURSE, "check", str(folder), "--json"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert entry.sentence in out.stdout  # the mistake was named: its mutant was built
    assert not os.listdir(private_tmpdir)


@pytest.fixture
def course(tmp_path):
    course_dir, exchange = tmp_path / "course", tmp_path / "exchange"
    workflow.init_course(course_dir, "tmp101", exchange)
    instructor = load_config(course_dir, need_course_dir=True)
    workflow.release(instructor, "transformer", check=False)
    for i in range(6):
        home = tmp_path / f"s{i}"
        home.mkdir()
        config = load_config(home, exchange, "tmp101", cache=home / ".cache")
        folder = workflow.fetch(config, "transformer", f"s{i}", home)
        for file in SOLUTIONS.glob("*.py"):
            (folder / file.name).write_bytes(file.read_bytes())
        workflow.submit(config, "transformer", f"s{i}", folder)
    workflow.collect(instructor, "transformer")
    return course_dir


def _grading_children(pid):
    """Whether pid has a grandchild (a worker's zygote, or the zygote's child): grading is under way."""
    out = subprocess.run(["ps", "-o", "pid=,ppid=", "-A"], capture_output=True, text=True).stdout.split()
    parent = dict(zip(map(int, out[0::2]), map(int, out[1::2])))
    return any(parent.get(parent.get(p)) == pid for p in parent)


@pytest.mark.parametrize("how, jobs", [(signal.SIGINT, 2), (signal.SIGTERM, 1)])
def test_course_grade_interrupted_leaves_tmpdir_empty(private_tmpdir, course, how, jobs):
    """Ctrl-C (SIGINT to the whole foreground group) with workers; SIGTERM to the command alone."""
    proc = subprocess.Popen([*COURSE, "grade", "transformer", "--jobs", str(jobs), "--quiet"], cwd=course,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while proc.poll() is None and not (os.listdir(private_tmpdir) and _grading_children(proc.pid)):
        assert time.monotonic() < deadline, "grading did not start"
        time.sleep(0.02)
    assert proc.poll() is None, "grading finished before it could be interrupted"
    if how == signal.SIGINT:
        os.killpg(proc.pid, how)
    else:
        proc.send_signal(how)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    deadline = time.monotonic() + 30  # SIGINT: the workers, in the same group, end on their own
    while os.listdir(private_tmpdir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.listdir(private_tmpdir)


def test_course_demo_leaves_tmpdir_empty(private_tmpdir):
    out = subprocess.run([*COURSE, "demo"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "class report" in out.stdout
    assert not os.listdir(private_tmpdir)
