"""Grading at scale: N submissions through `course check`'s grader with 1, 2, ... workers.

    python benchmarks/scale.py [-n 1000] [--jobs 1,2] [--stragglers K] [--time-limit 20] [--startup]

The submissions are a mix, shuffled with a fixed seed: half correct, a quarter
the untouched stubs, a quarter each with a catalogued mistake (autograder/transformer/mistakes.py,
taken in turn). --stragglers K adds K that loop forever in one exercise, so
that each uses its whole --time-limit. Each grading runs in a fresh process;
for each number of workers it prints the wall time, the time per submission,
the parallel efficiency (the speed-up over one worker divided by the
workers), the CPU time per submission of all the processes (less sensitive to a
busy machine than the wall time) and the peak resident memory of the judge (the process that hands
out the work) and of its largest descendant (a worker, a zygote or a child).
--startup instead measures what starting N workers at once costs: N workers
each grading one stub submission, N = 1, 2, 4, ... up to --jobs' largest.

A benchmark, not a test: it prints what it measured, the machine's load, and its
speed before and after (the CPU time of a fixed Python loop, best of three: a
virtual machine's host can make the same code a third slower within the hour;
compare runs made at the same speed).
"""
import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.transformer.mistakes import MISTAKES  # noqa: E402
from course_core.assignments import get as _table  # noqa: E402

BY_ID = _table("transformer").by_id

SOLUTIONS, STUBS = ROOT / "solutions" / "transformer", ROOT / "exercises" / "transformer"
IGNORE = shutil.ignore_patterns("__pycache__", "*.md", "test_*")

# Runs in a fresh process: grade, then say how long it took and how much memory it used.
RUNNER = """
import json, resource, sys, time
from autograder.grade import grade
args = json.load(sys.stdin)
start, first, graded, errors = time.perf_counter(), [], [], []

def entry(e):  # each entry as it comes, kept by no one: the judge's memory is its own
    first or first.append(time.perf_counter())
    graded.append(1)
    if "error" in e:
        errors.append(1)

grade(args["paths"], time_limit=args["time_limit"], jobs=args["jobs"], entries=entry)
wall = time.perf_counter() - start
me, below = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "first": first[0] - start, "graded": len(graded), "errors": len(errors),
                  "judge_mib": me.ru_maxrss / 1024, "below_mib": below.ru_maxrss / 1024,
                  "cpu_below": below.ru_utime + below.ru_stime,
                  "cpu": me.ru_utime + me.ru_stime + below.ru_utime + below.ru_stime}))
"""


def make_submissions(root, n, stragglers, seed=0):
    """n submissions (half correct, a quarter stubs, a quarter catalogued mistakes) and the stragglers, shuffled."""
    kinds = ["correct"] * (n - n // 4 - n // 4) + ["stub"] * (n // 4) + ["mistake"] * (n // 4) + ["straggler"] * stragglers
    random.Random(seed).shuffle(kinds)
    mistakes = [m for m in MISTAKES if m.patch]
    paths, taken = [], 0
    for i, kind in enumerate(kinds):
        folder = Path(root) / f"s{i:05d}" / "transformer"
        shutil.copytree(STUBS if kind == "stub" else SOLUTIONS, folder, ignore=IGNORE)
        if kind == "mistake":
            mistake = mistakes[taken % len(mistakes)]
            taken += 1
            (folder / BY_ID[mistake.exercise].file).write_text(mistake.source(), encoding="utf-8")
        elif kind == "straggler":
            file = folder / BY_ID["warmup"].file
            file.write_text("while True:\n    pass\n" + file.read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(str(folder))
    return paths


def run(paths, jobs, time_limit):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps({"paths": paths, "jobs": jobs, "time_limit": time_limit}),
                          capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"grading failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def load():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def speed():
    """Milliseconds of CPU a fixed Python loop takes here now (best of three): the machine's speed."""
    def once():
        start, total = time.process_time(), 0
        for i in range(2_000_000):
            total += i * i % 7
        return time.process_time() - start
    return f"{1000 * min(once() for _ in range(3)):.0f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="submissions (default 100)")
    parser.add_argument("--jobs", default=None, help="comma-separated worker counts (default 1, 2, ... up to the cores)")
    parser.add_argument("--stragglers", type=int, default=0, help="submissions that use their whole time limit")
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds per exercise (default 20)")
    parser.add_argument("--startup", action="store_true", help="measure only what starting N workers at once costs")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    jobs = [int(j) for j in args.jobs.split(",")] if args.jobs else list(range(1, cores + 1))
    print(f"{platform.machine()}, {cores} cores, Python {platform.python_version()}; load average before: {load()}; "
          f"a fixed loop: {speed()}")
    root = tempfile.mkdtemp(prefix="course-scale-")
    try:
        if args.startup:
            print(f"{'workers':>7} {'wall s':>7} {'first s':>7} {'CPU s/worker':>12}")
            for run_no, j in enumerate(jobs):  # a count may be given twice, to see the noise
                paths = [str(shutil.copytree(STUBS, Path(root) / f"startup{run_no}" / f"stub{i}" / "transformer", ignore=IGNORE))
                         for i in range(j)]
                r = run(paths, j, args.time_limit)
                print(f"{j:>7} {r['wall']:>7.2f} {r['first']:>7.2f} {r['cpu_below'] / j:>12.2f}")
            return
        paths = make_submissions(root, args.n, args.stragglers)
        print(f"{len(paths)} submissions ({args.stragglers} stragglers), time limit {args.time_limit:g} s")
        print(f"{'workers':>7} {'wall s':>8} {'per sub ms':>10} {'efficiency':>10} {'CPU ms/sub':>10} {'judge MiB':>9} {'worker MiB':>10} {'errors':>6}")
        base = None
        for j in jobs:
            r = run(paths, j, args.time_limit)
            assert r["graded"] == len(paths)
            if j == 1:
                base = r["wall"]
            efficiency = f"{base / r['wall'] / j:.2f}" if base else "-"
            print(f"{j:>7} {r['wall']:>8.1f} {1000 * r['wall'] / len(paths):>10.0f} {efficiency:>10} "
                  f"{1000 * r['cpu'] / len(paths):>10.0f} {r['judge_mib']:>9.0f} {r['below_mib']:>10.0f} {r['errors']:>6}", flush=True)
        print(f"load average after: {load()}; a fixed loop: {speed()}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
