"""Shared fixtures of the project's own tests."""
import os
import shutil
import signal
import tempfile

import pytest

from tests.helpers import SOLUTIONS

_private = {}


def pytest_configure(config):
    """The whole run (and every subprocess it starts) gets a private, empty TMPDIR: a test sees only
    what it made, whatever other runs left in /tmp, and the run must leave that TMPDIR as it found it.
    pytest's own tmp_path folders live beside it, not in it."""
    root = tempfile.mkdtemp(prefix="course-tests-")
    tmpdir = os.path.join(root, "tmp")
    os.mkdir(tmpdir)
    os.chmod(root, 0o711)  # like /tmp: the children's uids must reach their scratch folders in it
    os.chmod(tmpdir, 0o1777)
    if config.option.basetemp is None:
        config.option.basetemp = os.path.join(root, "pytest")
    _private.update(root=root, tmpdir=tmpdir, saved=os.environ.get("TMPDIR"))
    os.environ["TMPDIR"] = tmpdir
    # torch makes its compiler cache folder in TMPDIR when a test builds an optimizer: beside it, please
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", os.path.join(root, "torchinductor"))
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    # A shell starts `cmd &` with SIGINT ignored, and the processes the tests start would inherit that:
    # the Ctrl-C tests need the terminal's default, whatever started the run.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_sessionfinish(session, exitstatus):
    if not _private:
        return
    left = sorted(os.listdir(_private["tmpdir"]))
    if left:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"FAILED: the test run left these in its TMPDIR {_private['tmpdir']}: {', '.join(left)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:
        shutil.rmtree(_private["root"], ignore_errors=True)


@pytest.fixture
def make_submission(tmp_path):
    """make_submission(name, {file: text}) -> a copy of the reference with some files replaced (None deletes)."""

    def make(name, files=None):
        folder = tmp_path / name / "transformer"
        shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
        for file, text in (files or {}).items():
            if text is None:
                (folder / file).unlink()
            else:
                (folder / file).write_text(text, encoding="utf-8")
        return folder

    return make


@pytest.fixture
def private_tmpdir(tmp_path, monkeypatch):
    """An empty TMPDIR of this test's own, for it and its subprocesses."""
    path = tmp_path / "tmpdir"
    path.mkdir()
    monkeypatch.setenv("TMPDIR", str(path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return path
