"""Run the hidden tests in this process: pytest on every submission at once, with a
plugin that records each test's points and the sentence it failed with.

Imports torch and pytest; autograder.grade imports this only where the tests
run (not in a process that only hands submissions to workers).
"""
import contextlib
import io
import time
from pathlib import Path

import pytest
import torch

from course_cli.assignment import MAX_SCORE

from .compare import Wrong, diagnose_error, resolve
from .grade import GradingError, build_report
from .remote import Forbidden, SandboxError, StudentError
from .session import Fatal

HIDDEN = Path(__file__).resolve().parent / "hidden"


def _sentence(exercise_id, exc):
    """(one line for the student, whether the whole exercise is lost)."""
    if isinstance(exc, Fatal):
        return str(exc), True
    if isinstance(exc, (SandboxError, Forbidden)):
        return str(exc), True
    if isinstance(exc, Wrong):
        return str(exc), False
    if isinstance(exc, StudentError):
        return diagnose_error(exercise_id, exc), False
    return f"the grader could not check this ({type(exc).__name__}: {exc})", False


class Recorder:
    """A pytest plugin: one record per (submission, test); progress(path) once a submission is done."""

    def __init__(self, progress=None):
        self.records = []
        self.progress = progress
        self.remaining = {}

    def pytest_collection_finish(self, session):
        for item in session.items:
            if hasattr(item, "callspec"):
                path = item.callspec.params["submission"]
                self.remaining[path] = self.remaining.get(path, 0) + 1

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if not hasattr(item, "callspec") or (report.when != "call" and not report.failed):
            return
        exercise = item.get_closest_marker("exercise").args[0]
        record = {
            "submission": item.callspec.params["submission"],
            "exercise": exercise,
            "name": item.originalname,
            "label": (item.function.__doc__ or item.originalname).strip().splitlines()[0],
            "points": float(item.get_closest_marker("points").args[0]),
            "passed": report.passed,
            "fatal": False,
            "message": "",
        }
        if report.failed:
            record["message"], record["fatal"] = _sentence(exercise, call.excinfo.value)
            # what compare.resolve needs to name a catalogued mistake only where it explains every failure
            record["candidates"] = list(getattr(call.excinfo.value, "candidates", ()))
            record["certain"] = getattr(call.excinfo.value, "certain", False)
        self.records.append(record)
        self.remaining[record["submission"]] -= 1
        if self.remaining[record["submission"]] == 0 and self.progress:
            self.progress(record["submission"])


def run(paths, time_limit, exercises=None, progress=None, total_time_limit=None, extra=()):
    """The grading report of `paths` (see grade.grade), from one pytest run in this process."""
    recorder = Recorder(progress)
    files = [str(HIDDEN / f"test_{e}.py") for e in exercises] if exercises else [str(HIDDEN)]
    # --tb=native: pytest's own tracebacks parse the source of every frame, ~1 ms a failed check
    args = ["-c", str(HIDDEN / "pytest.ini"), "--rootdir", str(HIDDEN), "-q", "-W", "ignore", "--tb=native",
            "--time-limit", str(time_limit), *extra, *files]
    if total_time_limit is not None:
        args += ["--total-time-limit", str(total_time_limit)]
    for path in paths:
        args += ["--submission", path]
    output = io.StringIO()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tests' tensors are tiny: more threads cost more than they give
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = pytest.main(args, plugins=[recorder])
    finally:
        torch.set_num_threads(threads)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GradingError(f"the hidden tests could not run (pytest exit {int(code)}):\n{output.getvalue()[-2000:]}")
    return build_report(paths, resolve(recorder.records), exercises)


def hidden_tests_compute(n=10):
    """Seconds per submission that the hidden tests themselves take: the reference stands in for
    the student, in this warm process, with no sandbox (what the benchmark subtracts as compute)."""
    paths = [f"reference-{i}" for i in range(n)]
    run(paths[:1], 20.0, extra=["--reference-as-student"])  # warm: imports, caches, first calls
    start = time.perf_counter()
    report = run(paths, 20.0, extra=["--reference-as-student"])
    seconds = (time.perf_counter() - start) / n
    assert all(r["score"] == MAX_SCORE for r in report["results"])
    return seconds


