"""`course audit`: prove the hidden tests against the catalog.

- the reference scores full marks;
- the released stubs score 0, "not implemented" in every exercise;
- every catalogued mistake loses points in its own exercise only, and the
  feedback names it with the catalog's sentence;
- every catalogued variant (a correct rewrite) keeps full marks.
"""
import shutil
from pathlib import Path

from course_cli import tempfiles
from course_cli.assignment import BY_ID, EXERCISES, MAX_SCORE

from . import mistakes
from .grade import grade
from .workspace import REFERENCE, stub_source


def _submission(root, name, files):
    folder = Path(root) / name
    shutil.copytree(REFERENCE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return str(folder)


def _verdict(kind, entry, result):
    """(ok, what happened) for one audited submission."""
    scores = {k: v["score"] for k, v in result["exercises"].items()}
    if kind == "reference":
        return result["score"] == MAX_SCORE, f"{result['score']:g}/{MAX_SCORE:g}"
    if kind == "stub":
        bad = [k for k, v in result["exercises"].items() if v["score"] != 0 or "not implemented" not in " ".join(v["feedback"])]
        return not bad, f"{result['score']:g}" + (f", not 0 with 'not implemented' in {', '.join(bad)}" if bad else "")
    if kind == "variant":
        lost = {k: v for k, v in scores.items() if v != BY_ID[k].points}
        return not lost, "full marks" if not lost else f"lost points in {', '.join(lost)}: " + \
            "; ".join(result["exercises"][k]["feedback"][0] for k in lost)
    own = entry.exercise
    others = [k for k, v in scores.items() if k != own and v != BY_ID[k].points]
    named = any(entry.sentence in line for line in result["exercises"][own]["feedback"])
    problems = []
    if scores[own] >= BY_ID[own].points:
        problems.append("kept full marks")
    if others:
        problems.append(f"also lost points in {', '.join(others)}")
    if not named:
        problems.append("not named; feedback: " + " | ".join(result["exercises"][own]["feedback"])[:300])
    return not problems, f"{scores[own]:g}/{BY_ID[own].points:g}" + ("" if not problems else "; " + "; ".join(problems))


def audit(jobs=1, time_limit=20.0):
    """Rows (kind, id, ok, detail) for the reference, the stubs, every mistake and every variant."""
    with tempfiles.folder("audit") as root:
        cases = [("reference", "reference", None, _submission(root, "reference", {})),
                 ("stub", "stubs", None, _submission(root, "stubs", {e.file: stub_source(e) for e in EXERCISES}))]
        for kind, entries in (("mistake", mistakes.MISTAKES), ("variant", mistakes.VARIANTS)):
            for entry in entries:
                files = {BY_ID[entry.exercise].file: entry.source()}
                cases.append((kind, entry.id, entry, _submission(root, f"{kind}-{entry.id}", files)))
        report = grade([c[3] for c in cases], time_limit=time_limit, jobs=jobs)
        rows = []
        for (kind, name, entry, _), result in zip(cases, report["results"]):
            ok, detail = _verdict(kind, entry, result)
            rows.append((kind, name, ok, detail))
        return rows
