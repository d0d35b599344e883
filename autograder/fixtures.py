"""Fixtures of the hidden tests, for every assignment: each autograder/<id>/hidden/conftest.py imports
them all. The assignment is the one whose hidden/ folder is pytest's rootdir.

Run on one or more submissions:

    pytest -c autograder/ID/hidden/pytest.ini autograder/ID/hidden --submission PATH [--submission PATH ...]

The tests are collected once and run again for each submission in turn
(autograder/judge.py's Grader, which the judge passes as a plugin; run
directly, one grades the --submission folders). `submission` is the folder
being graded; `student` is its module for the test's exercise, living in a
sandboxed child (a Remote); `ref` is the reference module; `check(probe)`
runs a probe on both and fails with a named mistake or an excerpt.
"""
import importlib

import pytest

from autograder import parts
from autograder.compare import expect
from autograder.judge import Grader
from course_core import assignments


def assignment_of(config):
    """The table of the assignment whose hidden tests run: autograder/<id>/hidden is the rootdir."""
    return assignments.get(config.rootpath.parent.name)


def pytest_addoption(parser):
    group = parser.getgroup("course")
    group.addoption("--submission", action="append", default=[], help="a folder to grade (repeatable)")
    group.addoption("--time-limit", type=float, default=20.0, help="seconds per exercise (default 20)")
    group.addoption("--reference-as-student", action="store_true",
                    help="benchmarks only: the reference module, in this process, stands in for every student")
    group.addoption("--total-time-limit", type=float, default=None,
                    help="seconds for all the exercises of one submission together (default 3 x --time-limit)")


def exercise_of(node):
    marker = node.get_closest_marker("exercise")
    if marker is None:
        raise pytest.UsageError(f"{node.nodeid} has no exercise marker")
    return assignment_of(node.config).by_id[marker.args[0]]


def pytest_configure(config):
    if any(isinstance(p, Grader) for p in config.pluginmanager.get_plugins()):
        return  # the judge's run: it set the assignment itself (judge.serve)
    paths = list(config.getoption("submission"))
    if not paths:
        raise pytest.UsageError("pass at least one --submission PATH")
    # run by hand: the helpers (probes, compare) read the assignment from parts, until pytest_unconfigure
    config._course_assignment = parts.using(assignment_of(config))
    config._course_assignment.__enter__()
    config.pluginmanager.register(Grader(lambda: paths.pop(0) if paths else None, lambda entry: None,
                                         assignment_of(config), config.getoption("time_limit"),
                                         config.getoption("total_time_limit"), forget=False))


def pytest_unconfigure(config):
    using = getattr(config, "_course_assignment", None)
    if using is not None:
        using.__exit__(None, None, None)


def _grader(config):
    return next(p for p in config.pluginmanager.get_plugins() if isinstance(p, Grader))


def pytest_collection_modifyitems(config, items):
    # One child per submission, entering its exercises in order (session.py): sort the tests that way.
    position = {id(item): i for i, item in enumerate(items)}
    items.sort(key=lambda it: (exercise_of(it).number, position[id(it)]))


@pytest.fixture
def submission(request):
    return _grader(request.config).current


@pytest.fixture
def grading(request):
    return _grader(request.config).sandbox


@pytest.fixture
def exercise(request):
    return exercise_of(request.node)


@pytest.fixture
def student(request, submission, exercise):
    if request.config.getoption("reference_as_student"):  # the hidden tests' own compute, for the benchmark
        return importlib.import_module(f"solutions.{exercise.assignment}.{exercise.id}")
    # SandboxFailure (the machinery's): the Grader sees it in grading.failure, and grades the submission again
    return request.getfixturevalue("grading").module(submission, exercise)


@pytest.fixture
def ref(exercise):
    return importlib.import_module(f"solutions.{exercise.assignment}.{exercise.id}")


@pytest.fixture
def check(request, student, ref, exercise, submission):
    """check(probe, also=None, axes=None, fed=None, atol=, rtol=); axes ({rank: names} of a result's axes,
    for the feedback's "example 1, position 1, feature 7") defaults to the test module's AXES; fed is
    (English, Chinese) words for what the check feeds in (course_cli.i18n reads the pair from here)."""
    default_axes = getattr(request.module, "AXES", None)

    def run(probe, also=None, axes=None, fed=None, **tolerance):
        return expect(probe, student, ref, exercise.id, key=(submission, exercise.id), also=also,
                      axes=axes or default_axes, fed=fed, **tolerance)

    return run
