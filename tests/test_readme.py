"""The students' README, rendered from the templates, in both languages."""
import re

import pytest

from tests.table import TABLE, EXERCISES, MAX_SCORE
from course_cli.readme import render_readmes


@pytest.fixture
def readmes(tmp_path):
    paths = render_readmes(tmp_path, TABLE)
    assert [p.name for p in paths] == ["README.md", "README.zh.md"]
    for p in paths:
        assert p.is_file()
    return {p.name: p.read_text(encoding="utf-8") for p in paths}


def test_total_is_100():
    assert MAX_SCORE == 100


@pytest.mark.parametrize("name", ["README.md", "README.zh.md"])
def test_table_lists_every_exercise_with_points(readmes, name):
    text = readmes[name]
    for e in EXERCISES:
        row = f"| {e.number} | `{e.file}` | {e.points:g} |"
        assert row in text, row
    rows = re.findall(r"^\| (\d+) \| `(\w+\.py)` \| ([\d.]+) \|", text, re.M)
    assert len(rows) == len(EXERCISES)
    assert sum(float(points) for _, _, points in rows) == 100
    assert "**100**" in text


@pytest.mark.parametrize("name", ["README.md", "README.zh.md"])
def test_no_jinja_left(readmes, name):
    text = readmes[name]
    assert "{{" not in text and "{%" not in text and "{#" not in text
    assert text.endswith("\n")


def test_english_uses_english_titles(readmes):
    for e in EXERCISES:
        assert e.title in readmes["README.md"]


def test_chinese_uses_chinese_titles(readmes):
    text = readmes["README.zh.md"]
    for e in EXERCISES:
        assert f"| {e.title_zh} |" in text
    assert "course submit transformer" in text
    assert "course fetch-feedback transformer" in text
