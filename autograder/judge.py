"""Run the hidden tests in this process: one pytest session, whose tests run again for each
submission in turn, with a plugin that records each test's points and the sentence it failed with.

Imports torch and pytest; autograder.grade imports this only where the tests
run (not in a process that only hands submissions to workers).
"""
import collections
import contextlib
import gc
import inspect
import io
import itertools
import time
from pathlib import Path

import pytest
import torch

from course_core import assignments

from . import parts
from .compare import PASSED, Wrong, diagnose_error, resolve
from .grade import GradingError, Results, build_report, not_graded
from .remote import Forbidden, SandboxError, StudentError
from .session import Fatal, Session


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


ATTEMPTS = 3  # tries of one submission, each with a fresh zygote after a machinery failure


class Grader:
    """A pytest plugin that grades submissions one at a time, as `take()` hands them out.

    The hidden tests are collected once, for no submission in particular (the `submission` fixture
    is the one being graded), and run again for each: a submission's report entry goes to
    `done(entry)` as soon as it is graded, and nothing of it stays here. When the grading machinery
    fails meanwhile (Session.failure: only what the judge observes itself), the zygote is replaced
    and the submission graded again from its start; after ATTEMPTS such failures its entry says why
    under "error", beside zero scores. take() returns None when there is nothing left.
    """

    def __init__(self, take, done, assignment, time_limit=20.0, total_time_limit=None, exercises=None, forget=True):
        """assignment: the table of the assignment whose hidden tests run; forget: drop pytest's reports of
        each submission once its entry is out (the judge's memory stays flat; a run of pytest on the
        command line keeps them for its summary)."""
        self.take, self.done, self.exercises, self.forget = take, done, exercises, forget
        self.assignment = assignment
        self.time_limit, self.total_time_limit = time_limit, total_time_limit
        self.current = self._sandbox = None
        self.records = []
        self.collect_errors = []
        self._fixtures = {}  # item -> its fixtures' definitions (None: it runs through pytest's own protocol)

    @property
    def sandbox(self):
        """The Session (zygote and children), started when a test first needs a student's module."""
        if self._sandbox is None:
            self._sandbox = Session(self.time_limit, self.total_time_limit)
        return self._sandbox

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append(str(report.longrepr))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        if session.testsfailed or session.config.option.collectonly:
            return None  # pytest's own loop says why (collection errors) or lists the tests
        short = self._short(session.items)
        if short:  # every submission would lose those points, none by its own doing
            self.collect_errors.append(short)
            return True
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        # What is here now (torch, pytest, the tests) lives as long as the run: out of the collector's
        # sight, its full collections walk only what grading makes (~5% of the judge's time otherwise).
        gc.collect()
        gc.freeze()
        try:
            while (path := self.take()) is not None:
                self.done(self.grade_one(session.items, path))
                if reporter is not None and self.forget:
                    reporter.stats.clear()  # it keeps every test's report: memory growing with the submissions
        finally:
            gc.unfreeze()
            if self._sandbox is not None:
                self._sandbox.close()
        return True

    def _short(self, items):
        """Why the hidden tests collected cannot grade (an exercise's tests not worth its points: some were
        lost, to a plugin, a broken installation or an edit), or None."""
        worth = collections.Counter()
        for item in items:
            worth[_exercise_of(item)] += float(item.get_closest_marker("points").args[0])
        for e in self.assignment.exercises:
            if (not self.exercises or e.id in self.exercises) and worth[e.id] != e.points:
                return f"the hidden tests collected for {e.id} are worth {worth[e.id]:g} points, not {e.points:g}"
        return None

    def grade_one(self, items, path):
        lean = self.forget and self._plain(items)
        for _ in range(ATTEMPTS):
            self.current, self.records = path, []
            if self._sandbox is not None:
                self._sandbox.begin()
            for exercise, tests in itertools.groupby(enumerate(items), lambda it: _exercise_of(it[1])):
                tests = list(tests)
                while True:
                    for i, item in tests:
                        # after a machinery failure the rest fail at once (Session.module), and are not counted
                        if lean:
                            self._run(item)
                        else:
                            item.ihook.pytest_runtest_protocol(item=item, nextitem=items[i + 1] if i + 1 < len(items) else None)
                    if self._sandbox is None or not self._sandbox.replay(self.assignment.by_id[exercise]):
                        break
                    self.records = [r for r in self.records if r["exercise"] != exercise]  # graded again, from its start
                    PASSED.pop((path, exercise), None)
            failure = self._sandbox.end() if self._sandbox is not None else None
            if failure is None:
                return build_report([path], resolve(self.records), self.assignment, self.exercises)["results"][0]
        return not_graded(path, self.assignment, self.exercises, f"{ATTEMPTS} tries, each ended by the grading machinery (last: {failure})")

    def _plain(self, items):
        """Whether _run can run every item itself: no test parametrized, and each fixture plain (_plain_fixture)."""
        for item in items:
            if item not in self._fixtures:
                defs = item._fixtureinfo.name2fixturedefs
                fixtures = {name: _plain_fixture(defs[name]) for name in item.fixturenames if name != "request"}
                plain = not hasattr(item, "callspec") and None not in fixtures.values()
                self._fixtures[item] = fixtures if plain else None
            if self._fixtures[item] is None:
                return False
        return True

    def _run(self, item):
        """Run one test as pytest's protocol would for this Grader, without its per-test hooks, reports and
        fixture bookkeeping (~1 ms a test: a third of the judge's time per submission): its fixtures, each
        computed once, in pytest's order, then the test; the same record."""
        fixtures, values, request = self._fixtures[item], {}, _Request(item)

        def value(name):
            if name == "request":
                return request
            if name not in values:
                if name not in fixtures:  # asked for by name (request.getfixturevalue), not in the test's closure
                    fixtures[name] = _plain_fixture(item.session._fixturemanager.getfixturedefs(name, item))
                    if fixtures[name] is None:
                        raise pytest.UsageError(f"{item.nodeid}: fixture {name!r} must be a plain function (judge.Grader._run)")
                fixture = fixtures[name]
                values[name] = fixture.func(**{arg: value(arg) for arg in fixture.argnames})
            return values[name]

        request.getfixturevalue = value
        when = "setup"
        try:
            for name in item.fixturenames:
                value(name)
            when = "call"
            item.obj(**{name: value(name) for name in item._fixtureinfo.argnames})
        except (KeyboardInterrupt, pytest.exit.Exception):
            raise
        except pytest.skip.Exception:
            if when == "call":  # as pytest reports it: neither passed nor failed
                self._record(item, False)
        except BaseException as exc:  # noqa: BLE001 (what pytest counts as a failed test)
            self._record(item, False, exc)
        else:
            self._record(item, True)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when != "call" and not report.failed:
            return
        self._record(item, report.passed, call.excinfo.value if report.failed else None)

    def _record(self, item, passed, exc=None):
        """Record a test of the current submission: passed, or failed with exc (neither: no exc)."""
        exercise = _exercise_of(item)
        record = {
            "submission": self.current,
            "exercise": exercise,
            "name": item.originalname,
            "label": (item.function.__doc__ or item.originalname).strip().splitlines()[0],
            "points": float(item.get_closest_marker("points").args[0]),
            "passed": passed,
            "fatal": False,
            "message": "",
        }
        if exc is not None:
            record["message"], record["fatal"] = _sentence(exercise, exc)
            # what compare.resolve needs to name a catalogued mistake only where it explains every failure
            record["candidates"] = list(getattr(exc, "candidates", ()))
            record["certain"] = getattr(exc, "certain", False)
        self.records.append(record)


def _exercise_of(item):
    return item.get_closest_marker("exercise").args[0]


def _plain_fixture(defs):
    """The one definition of a fixture that Grader._run can call itself, else None: a plain function of function
    scope, without parameters, teardown or an override of the same name."""
    if not defs or len(defs) != 1:
        return None
    fixture = defs[0]
    func = fixture.func
    plain = fixture.scope == "function" and not fixture.params and inspect.isfunction(func) and not inspect.isgeneratorfunction(func)
    return fixture if plain else None


class _Request:
    """The `request` a fixture gets from Grader._run: getfixturevalue, and the test's node, module and
    config; anything else as pytest's own request of that test has it."""

    def __init__(self, item):
        self.node, self.config, self.module, self._item = item, item.config, item.module, item

    def __getattr__(self, name):
        return getattr(self._item._request, name)


class _OneLineFailures:
    """A pytest plugin: a failed check's report carries one line, not a formatted traceback. The
    Grader takes its sentence from the exception itself, and formatting the traceback of each failed
    check (Python 3.11 parses the source of every frame) cost a submission of stubs ~100 ms."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        excinfo = call.excinfo
        if not isinstance(excinfo, pytest.ExceptionInfo) or isinstance(excinfo.value, pytest.skip.Exception):
            return None  # passed, skipped: pytest's own report
        try:
            line = f"{excinfo.typename}: {excinfo.value}"[:500]
        except Exception:  # noqa: BLE001 (a message that cannot be made into text still fails the check)
            line = excinfo.typename
        return pytest.TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1), "failed",
                                 line, call.when, [],
                                 call.duration, call.start, call.stop, user_properties=item.user_properties)


class _Tail(io.TextIOBase):
    """A text sink that keeps only the last 4,000 characters written to it (pytest's output)."""

    text = ""

    def writable(self):
        return True

    def write(self, text):
        self.text = (self.text + text)[-4000:]
        return len(text)


# pytest's plugins that do nothing for these tests but cost each test a little (catching warnings,
# logging, fault handlers): about 4% of a submission's time
LEAN = [f"-pno:{name}" for name in ("logging", "warnings", "faulthandler", "unraisableexception", "threadexception",
                                     "cacheprovider", "stepwise", "junitxml", "doctest", "pastebin", "legacypath",
                                     "tmpdir", "monkeypatch", "recwarn", "setuponly", "setupplan", "debugging")]


def serve(take, done, assignment, time_limit, exercises=None, total_time_limit=None, extra=()):
    """Grade what take() hands out, one submission at a time, each entry to done(entry) (see Grader), all
    of `assignment` (its table) with its hidden tests (autograder/<id>/hidden/)."""
    grader = Grader(take, done, assignment, time_limit, total_time_limit, exercises)
    hidden = parts.hidden(assignment)
    files = [str(hidden / f"test_{e}.py") for e in exercises] if exercises else [str(hidden)]
    # --tb=native: a collection error's text (what GradingError shows) without parsing every frame's source
    # --disable-plugin-autoload: only the plugins named here; one another package installs into pytest
    # (pytest-randomly reseeds and reorders; anyio's delays each worker's first result ~0.4 s) has no say in a grade
    args = ["-c", str(hidden / "pytest.ini"), "--rootdir", str(hidden), "-q", "-W", "ignore", "--tb=native",
            "--disable-plugin-autoload", *LEAN,
            "--time-limit", str(time_limit), *extra, *files]
    if total_time_limit is not None:
        args += ["--total-time-limit", str(total_time_limit)]
    output = _Tail()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tests' tensors are tiny: more threads cost more than they give
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), parts.using(assignment):
            code = pytest.main(args, plugins=[grader, _OneLineFailures()])
    finally:
        torch.set_num_threads(threads)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or grader.collect_errors:
        why = "\n".join(grader.collect_errors) or output.text
        raise GradingError(f"the hidden tests could not run (pytest exit {int(code)}):\n{why[-2000:]}")


def run(paths, assignment, time_limit, exercises=None, progress=None, total_time_limit=None, extra=(), entries=None):
    """The grading report of `paths`, all of `assignment` (its table; see grade.grade), graded in this
    process; progress(path) as each is done; entries: see grade.grade."""
    todo, results = iter(paths), Results(progress, entries)
    serve(lambda: next(todo, None), results.add, assignment, time_limit, exercises, total_time_limit, extra)
    return results.report(paths)


def hidden_tests_compute(assignment_id, n=10):
    """Seconds per submission that the hidden tests of an assignment themselves take: the reference stands
    in for the student, in this warm process, with no sandbox (what the benchmark subtracts as compute)."""
    table = assignments.get(assignment_id)
    paths = [f"reference-{i}" for i in range(n)]
    run(paths[:1], table, 20.0, extra=["--reference-as-student"])  # warm: imports, caches, first calls
    start = time.perf_counter()
    report = run(paths, table, 20.0, extra=["--reference-as-student"])
    seconds = (time.perf_counter() - start) / n
    assert all(r["score"] == table.max_score for r in report["results"])
    return seconds


