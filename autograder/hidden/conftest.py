"""Fixtures of the hidden tests.

Run on one or more submissions:

    pytest -c autograder/hidden/pytest.ini autograder/hidden --submission PATH [--submission PATH ...]

`student` is the submission's module for the test's exercise, living in a
sandboxed child (a Remote); `ref` is the reference module; `check(probe)`
runs a probe on both and fails with a named mistake or an excerpt.
"""
import importlib

import pytest

from autograder.compare import expect
from autograder.session import Session
from course_cli.assignment import ASSIGNMENT, BY_ID, EXERCISES

ORDER = {e.id: e.number for e in EXERCISES}


def pytest_addoption(parser):
    group = parser.getgroup("course")
    group.addoption("--submission", action="append", default=[], help="a folder to grade (repeatable)")
    group.addoption("--time-limit", type=float, default=20.0, help="seconds per exercise (default 20)")


def exercise_of(node):
    marker = node.get_closest_marker("exercise")
    if marker is None:
        raise pytest.UsageError(f"{node.nodeid} has no exercise marker")
    return BY_ID[marker.args[0]]


def pytest_generate_tests(metafunc):
    if "submission" in metafunc.fixturenames:
        paths = metafunc.config.getoption("submission")
        if not paths:
            raise pytest.UsageError("pass at least one --submission PATH")
        metafunc.parametrize("submission", paths, ids=[f"s{i}" for i in range(len(paths))])


def pytest_collection_modifyitems(config, items):
    # One child per (submission, exercise): keep each group's tests together.
    paths = config.getoption("submission")
    position = {id(item): i for i, item in enumerate(items)}
    items.sort(key=lambda it: (paths.index(it.callspec.params["submission"]) if hasattr(it, "callspec") else -1,
                               ORDER[exercise_of(it).id], position[id(it)]))


@pytest.fixture(scope="session")
def grading(request):
    session = Session(request.config.getoption("time_limit"))
    yield session
    session.close()


@pytest.fixture
def exercise(request):
    return exercise_of(request.node)


@pytest.fixture
def student(grading, submission, exercise):
    return grading.module(submission, exercise)


@pytest.fixture
def ref(exercise):
    return importlib.import_module(f"solutions.{ASSIGNMENT}.{exercise.id}")


@pytest.fixture
def check(student, ref, exercise):
    def run(probe, **tolerance):
        return expect(probe, student, ref, exercise.id, **tolerance)

    return run
