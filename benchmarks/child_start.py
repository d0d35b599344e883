"""What the namespaces cost per child: start a confined child, import a small package in it, close it,
with and without the namespaces, interleaved in one run (so that a busy machine slows both alike).

    python benchmarks/child_start.py [-n 40]

A benchmark, not a test: it prints the median and the fastest of each, in milliseconds.
"""
import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.pool import Zygote  # noqa: E402
from autograder.sandbox.limits import isolation  # noqa: E402

PACKAGE = {"pkg/__init__.py": "", "pkg/m.py": "import torch\nx = torch.ones(3)\n"}
KINDS = {"namespaces": {}, "without namespaces": {"namespaces": False}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=40, help="children of each kind (default 40)")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="course-bench-")
    os.chmod(root, 0o711)
    zygote = Zygote()
    try:
        def once(options):
            start = time.perf_counter()
            child = zygote.spawn(tempfile.mkdtemp(dir=root), 30, limits=options)
            child.enter(PACKAGE, "pkg.m")
            child.close()
            return time.perf_counter() - start

        for options in KINDS.values():
            once(options)  # the zygote's plan for these options, once
        times = {kind: [] for kind in KINDS}
        for _ in range(args.n):
            for kind, options in KINDS.items():
                times[kind].append(once(options))
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
              f"isolation: {isolation()}")
        for kind, seconds in times.items():
            print(f"  {kind:20s} median {statistics.median(seconds) * 1000:6.1f} ms   fastest {min(seconds) * 1000:6.1f} ms")
    finally:
        zygote.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
