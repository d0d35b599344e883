"""Time grading N submissions three ways, in one run, on the same submissions:

1. `course grade` (sandboxed children forked from a torch-warm zygote, --jobs);
2. `nbgrader autograde` through nbgrader's own path (the release's notebook);
3. a naive baseline: one `pytest` process per submission, --jobs at a time.

    python benchmarks/grading.py [-n 12] [--jobs 2] [--overhead-only]

Then the per-submission overhead: what one more submission costs `course
check` (the grading `course grade` runs), measured as the slope between two
batches of correct submissions so that the fixed start-up (Python, torch,
pytest, the zygote) is not counted, minus the hidden tests' own compute (the
reference standing in for the student, in one warm process, no sandbox).
Once with --jobs (wall time, all cores) and once with one job (one core's time).

A benchmark, not a test: it prints what it measured. The submissions are a mix:
every third correct, every third the untouched stubs, the rest each with a
different catalogued mistake.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.transformer.mistakes import MISTAKES  # noqa: E402
from course_core import tempfiles  # noqa: E402
from course_core.assignments import get as _table  # noqa: E402

BY_ID = _table("transformer").by_id

SOLUTIONS, STUBS = ROOT / "solutions" / "transformer", ROOT / "exercises" / "transformer"
BIN = Path(sys.executable).parent
ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONPATH=str(ROOT))


def write_work(folder, i):
    """Student i's work into their fetched folder: correct, stub or one catalogued mistake."""
    kind = ("correct", "stub", "buggy")[i % 3]
    if kind != "stub":
        for file in SOLUTIONS.glob("*.py"):
            shutil.copyfile(file, folder / file.name)
    if kind == "buggy":
        mistake = MISTAKES[(i // 3) % len(MISTAKES)]
        (folder / BY_ID[mistake.exercise].file).write_text(mistake.source(), encoding="utf-8")
    return kind


def make_submissions(root, n):
    """Plain folders, for `course check` (used by other scripts)."""
    paths = []
    for i in range(n):
        folder = Path(root) / f"student{i:03d}" / "transformer"
        shutil.copytree(STUBS, folder, ignore=shutil.ignore_patterns("__pycache__", "*.md", "test_*"))
        write_work(folder, i)
        paths.append(str(folder))
    return paths


def make_course(root, n):
    """A released course with n collected submissions; returns the course folder."""
    from course_cli import workflow
    from course_cli.nbcourse import load_config

    course, exchange = root / "course", root / "exchange"
    workflow.init_course(course, "bench", exchange)
    instructor = load_config(course, need_course_dir=True)
    workflow.release(instructor, "transformer", check=False)
    for i in range(n):
        home = root / "students" / f"s{i:03d}"
        home.mkdir(parents=True)
        config = load_config(home, exchange, "bench", cache=home / ".cache")
        folder = workflow.fetch(config, "transformer", f"s{i:03d}", home)
        write_work(folder, i)
        workflow.submit(config, "transformer", f"s{i:03d}", folder)
    workflow.collect(instructor, "transformer")
    return course


def timed(command, cwd):
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def marginal(paths, small, large, jobs, repeats=2):
    """(seconds one more submission adds, seconds of fixed start-up) of `course check --jobs jobs`:
    the slope between grading `small` and `large` of `paths`, the fastest of `repeats` runs each."""
    runs = {n: min(timed([sys.executable, "-m", "course_cli", "check", "--json", "--jobs", str(jobs), *paths[:n]], ROOT)
                   for _ in range(repeats)) for n in (small, large)}
    slope = (runs[large] - runs[small]) / (large - small)
    return slope, runs[small] - small * slope


def grades(course):
    out = subprocess.run([sys.executable, "-m", "course_cli", "grades", "--format", "json"], cwd=course, env=ENV,
                         check=True, capture_output=True, text=True).stdout
    return {r["student"]: r["total"] for r in json.loads(out)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=12, help="submissions (default 12)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--small", type=int, default=10, help="the smaller batch for the overhead (default 10)")
    parser.add_argument("--large", type=int, default=40, help="the larger batch for the overhead (default 40)")
    parser.add_argument("--overhead-only", action="store_true", help="only the per-submission overhead (no nbgrader)")
    args = parser.parse_args()
    root = tempfiles.mkdtemp("bench")
    try:
        if args.overhead_only:
            return overhead(root, args)
        course = make_course(root, args.n)
        folders = sorted(str(p) for p in (course / "submitted").glob("*/transformer"))
        course_s = timed([sys.executable, "-m", "course_cli", "grade", "transformer", "--jobs", str(args.jobs), "--quiet"], course)
        ours = grades(course)
        nbgrader_s = timed([str(BIN / "nbgrader"), "autograde", "transformer", "--force"], course)
        theirs = grades(course)

        def one_pytest(folder):
            return subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "autograder/transformer/hidden/pytest.ini"),
                                   str(ROOT / "autograder/transformer/hidden"), "-q", "--submission", folder],
                                  cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        start = time.perf_counter()
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(one_pytest, folders))
        naive_s = time.perf_counter() - start

        n = len(folders)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"{n} submissions ({sum(1 for v in ours.values() if v == 100)} at 100, "
              f"{sum(1 for v in ours.values() if v == 0)} at 0), --jobs {args.jobs}")
        for name, seconds in (("course grade", course_s), ("nbgrader autograde", nbgrader_s), ("pytest per submission", naive_s)):
            print(f"  {name:22s} {seconds:7.1f} s  {n / seconds:6.2f} submissions/s  {seconds / n * 1000:7.0f} ms each")
        print(f"  course grade is {nbgrader_s / course_s:.1f}x faster than nbgrader autograde, "
              f"{naive_s / course_s:.1f}x faster than one pytest per submission")
        same = all(abs(ours[s] - theirs[s]) < 1e-9 for s in ours)
        print(f"  nbgrader's totals {'equal' if same else 'DIFFER FROM'} course grade's")
        overhead(root, args)
    finally:
        tempfiles.discard(root)


def overhead(root, args):
    """Print the per-submission overhead, with --jobs and with one job."""
    compute = float(subprocess.run(
        [sys.executable, "-c", "from autograder.judge import hidden_tests_compute as c; print(min(c('transformer', 10) for _ in range(2)))"],
        cwd=ROOT, env=ENV, check=True, capture_output=True, text=True).stdout)
    correct = [str(p) for p in make_submissions(root / "many", 3 * args.large)][::3]
    steady = {jobs: marginal(correct, args.small, args.large, jobs) for jobs in dict.fromkeys((args.jobs, 1))}
    print(f"  hidden tests' own compute (the reference in one warm process): {compute * 1000:.0f} ms a submission")
    for jobs, (slope, fixed) in steady.items():
        what = "wall time, all cores" if jobs > 1 else "one core's time"
        print(f"  per-submission overhead, --jobs {jobs} ({what}): one more submission costs {slope * 1000:.0f} ms, "
              f"{(slope - compute) * 1000:.0f} ms more than the compute (fixed start-up {fixed:.1f} s a run)")


if __name__ == "__main__":
    main()
