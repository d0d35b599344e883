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
