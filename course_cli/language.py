"""The course's language: what its students read, "zh", "en" or "both" (Chinese, then English).

It is kept in the course config, nbgrader_config.py, as `c.Course.language = "zh"` (a section of
our own, which nbgrader ignores), written by `course init --lang` and read by the commands that
give students feedback; `course check --lang` overrides it for one run.

    read_language(course_dir=".") -> "zh" | "en" | "both"   (DEFAULT when unset or no config)
    write_language(course_dir, lang)                         (adds or replaces the line)
"""
import re
from pathlib import Path

from .i18n import DEFAULT, LANGUAGES

CONFIG_FILE = "nbgrader_config.py"
LINE = re.compile(r"^c\.Course\.language\s*=\s*['\"](\w+)['\"]\s*(#.*)?$", re.M)


def _check(lang):
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def read_language(course_dir="."):
    config = Path(course_dir) / CONFIG_FILE
    if not config.is_file():
        return DEFAULT
    match = LINE.search(config.read_text(encoding="utf-8"))
    return _check(match.group(1)) if match else DEFAULT


def write_language(course_dir, lang):
    config = Path(course_dir) / CONFIG_FILE
    line = f"c.Course.language = {_check(lang)!r}  # what students read: zh, en or both (course's own key)"
    text = config.read_text(encoding="utf-8") if config.is_file() else ""
    text = LINE.sub(line, text, count=1) if LINE.search(text) else text + ("" if text.endswith("\n") or not text else "\n") + line + "\n"
    config.write_text(text, encoding="utf-8")
