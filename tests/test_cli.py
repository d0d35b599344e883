"""The `course` command: every command documents itself, and user errors are one line."""
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


def test_check_of_a_missing_folder_grades_it_zero_and_exits_zero(tmp_path):
    result = CliRunner().invoke(main, ["check", str(tmp_path / "missing"), "--json", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert '"score": 0' in result.output and "does not exist" in result.output


def test_test_command_on_a_folder_without_the_assignment_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
