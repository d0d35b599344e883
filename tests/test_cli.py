"""The `course` command: every command documents itself, and user errors are one line."""
import json
import pytest
from click.testing import CliRunner

from course_cli.cli import main


def commands():
    return sorted(main.commands)


@pytest.mark.parametrize("name", commands())
def test_every_command_has_help(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"main {name} [OPTIONS]" in result.output
    assert main.commands[name].help


def test_unknown_flag_is_one_line_error():
    result = CliRunner().invoke(main, ["check", "--no-such-flag", "x"])
    assert result.exit_code == 2
    assert "Error: No such option '--no-such-flag'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("make", ["missing", "file", "link"])
def test_check_of_a_path_that_is_no_folder_is_the_callers_typo(tmp_path, make):
    path = tmp_path / make
    if make == "file":
        path.write_text("x")
    elif make == "link":
        (tmp_path / "real").mkdir()
        path.symlink_to(tmp_path / "real")
    result = CliRunner().invoke(main, ["check", str(path), "--json", "-j", "1"])
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.count("\n") == 1 and str(path) in result.stderr


def test_test_command_on_a_folder_without_the_assignment_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_check_lang_zh_gives_chinese_feedback_in_the_json_report(make_submission, monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no course config here: the default would be both languages
    folder = make_submission("no-scale", {})
    attention = folder / "attention.py"
    attention.write_text(attention.read_text(encoding="utf-8").replace("/ math.sqrt(dk)  #", "#"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(folder), "--json", "-j", "1", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    exercises = json.loads(result.stdout)["results"][0]["exercises"]
    assert exercises["attention"]["feedback"] == ["注意力分数没有除以 sqrt(dk)（7 项检查）"]
    assert exercises["warmup"]["feedback"] == ["全部 9 项检查都通过了"]


def test_init_stores_the_language_and_check_reads_it(tmp_path, monkeypatch):
    from course_cli.language import read_language

    result = CliRunner().invoke(main, ["init", str(tmp_path / "c"), "--course-id", "t", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert read_language(tmp_path / "c") == "en"
    assert "c.Course.language = 'en'" in (tmp_path / "c" / "nbgrader_config.py").read_text(encoding="utf-8")
    assert CliRunner().invoke(main, ["init", str(tmp_path / "d"), "--course-id", "t", "--lang", "fr"]).exit_code == 2
    CliRunner().invoke(main, ["init", str(tmp_path / "e"), "--course-id", "t"])
    assert read_language(tmp_path / "e") == "both"
