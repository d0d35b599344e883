"""Shared fixtures of the project's own tests."""
import shutil

import pytest

from tests.helpers import SOLUTIONS


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
