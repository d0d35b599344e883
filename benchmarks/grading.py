"""Time `course check` on N submissions: a mix of correct, buggy and stub ones.

    python benchmarks/grading.py [-n 20] [--jobs 2]

A benchmark, not a test: it prints what it measured and checks nothing.
"""
import argparse
import itertools
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.mistakes import MISTAKES  # noqa: E402
from course_cli.assignment import EXERCISES  # noqa: E402

SOLUTIONS, STUBS = ROOT / "solutions" / "transformer", ROOT / "exercises" / "transformer"


def make_submissions(root, n):
    """Every third correct, every third a stub, the rest each with a different catalogued mistake."""
    mistakes = itertools.cycle(MISTAKES)
    paths = []
    for i in range(n):
        folder = Path(root) / f"student{i:03d}" / "transformer"
        kind = ("correct", "stub", "buggy")[i % 3]
        shutil.copytree(STUBS if kind == "stub" else SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__", "*.md", "test_*"))
        if kind == "buggy":
            m = next(mistakes)
            (folder / next(e.file for e in EXERCISES if e.id == m.exercise)).write_text(m.source(), encoding="utf-8")
        paths.append(str(folder))
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="course-bench-")
    try:
        paths = make_submissions(root, args.n)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "course_cli", "check", "--json", "-j", str(args.jobs), *paths],
                       check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        seconds = time.perf_counter() - start
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"course check, {args.n} submissions, --jobs {args.jobs}: {seconds:.1f} s "
              f"({args.n / seconds:.2f} submissions/s, {seconds / args.n * 1000:.0f} ms each)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
