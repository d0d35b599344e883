"""The wheel a student installs holds the command, never the answers."""
import subprocess
import sys
import zipfile

from tests.helpers import ROOT


def test_wheel_contains_course_cli_and_the_tables_only(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("course-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"course_cli", "course_core", next(t for t in top if t.endswith(".dist-info"))}, top
    assert "course_cli/cli.py" in names and "course_cli/templates/README.zh.md.j2" in names
    assert "course_cli/public/transformer/test_public.py" in names
    assert "course_cli/public/decoder/test_public.py" in names  # each assignment's public tests and README
    assert {"course_cli/templates/decoder/README.md.j2", "course_cli/templates/decoder/README.zh.md.j2"} <= set(names)
    assert "course_core/assignments/transformer.json" in names and "course_core/tempfiles.py" in names
    # course_core: the tables, the temp folders and the stub generator; nothing of an answer
    assert {n for n in names if n.startswith("course_core/")} == {
        "course_core/__init__.py", "course_core/tempfiles.py", "course_core/stubs.py", "course_core/assignments/__init__.py",
        *(f"course_core/assignments/{p.name}" for p in (ROOT / "course_core" / "assignments").glob("*.json"))}
    assert not any(n.startswith(("solutions/", "autograder/", "exercises/", "tests/")) for n in names)
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "course = course_cli.cli:main" in entry_points
