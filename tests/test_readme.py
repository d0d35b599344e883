"""The students' README, rendered from the templates, in both languages."""
import re

import pytest

from tests.table import TABLE, EXERCISES, MAX_SCORE
from course_cli.readme import render_readmes
from course_core import assignments


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


# --- the decoder's own README (course_cli/templates/decoder/) ------------------------------------

DECODER = assignments.get("decoder")


@pytest.fixture
def decoder_readmes(tmp_path):
    paths = render_readmes(tmp_path, DECODER, duedate="2027-01-15 23:59 UTC")
    return {p.name: p.read_text(encoding="utf-8") for p in paths}


def test_the_transformer_keeps_the_shared_templates(readmes):
    assert readmes["README.md"].startswith("# Assignment `transformer`: build a Transformer by hand\n")
    assert readmes["README.zh.md"].startswith("# 作业 `transformer`：亲手搭一个 Transformer\n")


@pytest.mark.parametrize("name", ["README.md", "README.zh.md"])
def test_the_decoder_readme_lists_every_exercise_its_points_and_the_total(decoder_readmes, name):
    text = decoder_readmes[name]
    assert "{{" not in text and "{%" not in text and "{#" not in text and text.endswith("\n")
    assert "build a Transformer by hand" not in text and "亲手搭一个 Transformer" not in text  # its own template
    for e in DECODER.exercises:
        title = e.title if name == "README.md" else e.title_zh
        row = f"| {e.number} | `{e.file}` | {e.points:g} | {title} |"
        assert row in text, row
    rows = re.findall(r"^\| (\d+) \| `(\w+\.py)` \| ([\d.]+) \|", text, re.M)
    assert len(rows) == len(DECODER.exercises) and sum(float(p) for _, _, p in rows) == DECODER.max_score == 100
    assert f"**{DECODER.max_score:g}**" in text
    assert "2027-01-15 23:59 UTC" in text
    for command in ("course test", "course submit decoder", "course fetch-feedback decoder"):
        assert command in text, command
    assert "`layers.py`" in text


@pytest.mark.parametrize("name", ["README.md", "README.zh.md"])
def test_the_decoder_readme_names_every_forbidden_shortcut_under_its_exercises(decoder_readmes, name):
    text = decoder_readmes[name]
    shortcuts = text[text.index("scaled_dot_product_attention") - 200:].split("\n## ")[0]  # the list of shortcuts
    items = re.split(r"\n  - ", shortcuts)[1:]
    forbidding = {}  # shortcut name -> the exercise numbers of the items that name it
    for item in items:
        head = item.split("：" if name == "README.zh.md" else ":")[0]
        numbers = {int(n) for n in re.findall(r"\d+", head)}
        for e in DECODER.exercises:
            for word in e.forbidden:
                if re.search(rf"[`.]{re.escape(word)}`", item):
                    forbidding.setdefault(word, set()).update(numbers)
    expected = {}
    for e in DECODER.exercises:
        for word in e.forbidden:
            expected.setdefault(word, set()).add(e.number)
    assert "torchcrf" in expected and expected["MultiheadAttention"] == {2, 3}
    assert forbidding == expected
