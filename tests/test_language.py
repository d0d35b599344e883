"""The course's language, kept in its nbgrader_config.py."""
import pytest

from course_cli.language import read_language, write_language


def test_missing_config_or_key_reads_as_both(tmp_path):
    assert read_language(tmp_path) == "both"
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n", encoding="utf-8")
    assert read_language(tmp_path) == "both"


def test_write_then_read_replaces_the_one_line(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'x'\n", encoding="utf-8")
    write_language(tmp_path, "zh")
    write_language(tmp_path, "en")
    text = (tmp_path / "nbgrader_config.py").read_text(encoding="utf-8")
    assert read_language(tmp_path) == "en" and text.count("c.Course.language") == 1
    assert text.startswith("c = get_config()\nc.CourseDirectory.course_id = 'x'\n")


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        write_language(tmp_path, "fr")
    (tmp_path / "nbgrader_config.py").write_text("c.Course.language = 'fr'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown language"):
        read_language(tmp_path)
