"""`course test`: run the public tests (public/<id>/test_public.py) on a student's folder.

The tests run in a fresh Python process (a broken or endless student file must not
take the CLI down with it), with no configuration from the student's folder, and
report through a JUnit XML file that is read back into one row per exercise.
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from course_core import assignments, tempfiles

from . import tables

PUBLIC = Path(__file__).resolve().parent / "public"
MARKER = "exercise(id): the exercise of the assignment a public test belongs to"
PYTEST_INI = f"[pytest]\nmarkers =\n    {MARKER}\n"
CLOSING = (
    "These public tests only check that your files import, have the right names and give "
    "outputs of the right shape.\nThe hidden autograder checks much more (the values, masks, "
    "edge cases): passing here is not full points."
)


def which_assignment(folder, assignment=None):
    """The table of the assignment in `folder`: `assignment` (an id) if given, else the one whose files it holds."""
    try:
        return assignments.get(assignment) if assignment else assignments.detect(folder)
    except assignments.UnknownAssignment as exc:
        if not assignment and assignments.only():
            return assignments.only()  # nothing to choose from: find_assignment says what is missing
        raise FileNotFoundError(str(exc)) from None


def find_assignment(folder, assignment=None):
    """The folder holding the exercise files: `folder` itself, or folder/<id>."""
    folder = Path(folder)
    table = which_assignment(folder, assignment)
    found = table.folder(folder)
    if found is None:
        raise FileNotFoundError(
            f"no {table.id} assignment in {folder}: expected its exercise files "
            f"({table.exercises[0].file}, ...) there or in {folder / table.id}"
        )
    return found


def _first_line(text):
    for line in (text or "").splitlines():
        if line.strip():
            line = line.strip()
            return line[len("Failed: "):] if line.startswith("Failed: ") else line
    return ""


def _exercise_of(name):
    """test_<exercise id>__<what>[params] -> exercise id, or None."""
    if name.startswith("test_") and "__" in name:
        return name[len("test_"):].split("__", 1)[0]
    return None


def run_public_tests(folder, timeout=300, assignment=None):
    """Run the public tests on `folder`; one row per exercise, in the assignment's order:

        {"number": 2, "exercise": "attention", "passed": 3, "total": 4, "skipped": 0,
         "messages": ["not implemented yet: exercise 2: attention.forward"]}

    `total` counts the tests that ran (passed or failed), `skipped` the tests that
    waited for a sibling file, `messages` the first line of each failure (then of
    each skip). Raises FileNotFoundError when there is no assignment in `folder`.
    """
    table = which_assignment(folder, assignment)
    assignment = find_assignment(folder, table.id)
    TEST_FILE = PUBLIC / table.id / "test_public.py"
    if not TEST_FILE.is_file():
        raise FileNotFoundError(f"the public tests are missing from this installation: {TEST_FILE}")
    with tempfiles.folder("test") as tmp:
        ini = tmp / "pytest.ini"
        ini.write_text(PYTEST_INI, encoding="utf-8")
        report = tmp / "report.xml"
        command = [
            sys.executable, "-m", "pytest", str(TEST_FILE), "-q",
            "-p", "no:cacheprovider", "--strict-markers", "--noconftest",
            "-c", str(ini), "--rootdir", str(tmp), f"--junitxml={report}",
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.update(
            COURSE_ASSIGNMENT_DIR=str(assignment),
            PYTHONDONTWRITEBYTECODE="1",
            PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        )
        try:
            done = subprocess.run(
                command, cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise TimeoutError(
                f"the public tests did not finish within {timeout:g} s: is there an endless loop in {assignment}?"
            ) from None
        if not report.is_file():
            raise RuntimeError(f"the public tests could not run:\n{(done.stdout + done.stderr).strip()}")
        return _rows(ET.parse(report).getroot(), done.stdout + done.stderr, table.exercises)


def _rows(root, output, exercises):
    rows = {e.id: {"number": e.number, "exercise": e.id, "passed": 0, "total": 0, "skipped": 0, "messages": []}
            for e in exercises}
    skips = {e.id: [] for e in exercises}
    for case in root.iter("testcase"):
        name = case.get("name", "")
        problems = [child for child in case if child.tag in ("failure", "error")]
        skipped = [child for child in case if child.tag == "skipped"]
        ex = _exercise_of(name)
        if ex not in rows:
            if problems:  # a collection error of the test file itself
                problem = problems[0]
                raise RuntimeError(
                    f"the public tests could not run: {_first_line(problem.get('message'))}\n"
                    f"{(problem.text or output).strip()}"
                )
            continue
        row = rows[ex]
        if problems:
            row["total"] += 1
            row["messages"].append(_first_line(problems[0].get("message")) or _first_line(problems[0].text))
        elif skipped:
            row["skipped"] += 1
            skips[ex].append("skipped: " + _first_line(skipped[0].get("message")))
        else:
            row["total"] += 1
            row["passed"] += 1
    if not any(row["total"] or row["skipped"] for row in rows.values()):
        raise RuntimeError(f"the public tests ran no test:\n{output.strip()}")
    for ex, row in rows.items():
        row["messages"].extend(skips[ex])
    return [rows[e.id] for e in exercises]


def format_table(rows, width=None, verbose=False):
    """A per-exercise table: #, exercise, passed/total, the first problem (every problem, with verbose),
    wrapped to the terminal's width (or `width`); then a reminder."""
    lines = []
    for row in rows:
        count = f"{row['passed']}/{row['total']}"
        if row.get("skipped"):
            count += f" ({row['skipped']} skipped)"
        messages = list(dict.fromkeys(row["messages"]))  # distinct, in order
        if verbose:
            problem = "\n".join(f"- {m}" for m in messages) or ("ok" if row["total"] else "")
        else:
            problem = (messages[0] if messages else ("ok" if row["total"] else ""))
            problem += f" (+{len(messages) - 1} more: -v)" if len(messages) > 1 else ""
        lines.append([str(row["number"]), row["exercise"], count, problem])
    passed = sum(r["passed"] for r in rows)
    total = sum(r["total"] for r in rows)
    lines.append(["", "total", f"{passed}/{total}", ""])
    headers = ["#", "exercise", "passed", "problems" if verbose else "first problem"]
    return tables.render(headers, lines, max_width=width) + "\n\n" + tables.wrap(CLOSING, width)
