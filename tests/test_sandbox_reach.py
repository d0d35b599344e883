"""No answers within reach of the student: checked from inside the child, by
what a submission there can find (its package folder, its working folder, the
search path outside the Python installation, the files of every loaded module).

The reference files are the only ones that carry solution markers; the
stand-ins (autograder/transformer/shims/) carry none.
"""
from autograder.grade import grade
from tests.table import BY_ID, EXERCISES
from tests.helpers import SOLUTIONS

SCAN = '''

def _scan():
    import os, sys
    needle = "### BEGIN " + "SOLUTION"
    installed = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})
    here = os.path.abspath(__file__)
    roots = {os.path.dirname(here), os.getcwd()} | {p for p in sys.path if p and not p.startswith(installed)}
    files = {getattr(m, "__file__", None) for m in list(sys.modules.values())}
    for root in roots:
        for folder, _, names in os.walk(root):
            files.update(os.path.join(folder, n) for n in names)
    found = []
    for path in sorted(f for f in files if f and os.path.abspath(f) != here):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                if needle in f.read():
                    found.append(path)
        except OSError:
            pass
    if found:
        raise RuntimeError("reference code within reach: " + ", ".join(found))


_scan()
'''


def _unmarked(text):
    return "".join(line for line in text.splitlines(True) if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


def test_a_child_finds_no_reference_code_in_any_exercise(tmp_path):
    folder = tmp_path / "seeker" / "transformer"
    folder.mkdir(parents=True)
    for file in SOLUTIONS.glob("*.py"):
        text = _unmarked(file.read_text(encoding="utf-8"))
        (folder / file.name).write_text(text + (SCAN if file.stem in BY_ID else ""), encoding="utf-8")
    (result,) = grade([str(folder)])["results"]
    for e in EXERCISES:
        assert result["exercises"][e.id]["score"] == e.points, result["exercises"][e.id]["feedback"]
