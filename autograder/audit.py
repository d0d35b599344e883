"""`course audit`: prove an assignment's hidden tests against its catalog.

- the reference scores full marks;
- the released stubs score 0, "not implemented" in every exercise;
- every catalogued mistake loses points in its own exercise only, and the
  feedback names it with the catalog's sentence;
- every catalogued variant (a correct rewrite) keeps full marks.
"""
import shutil
from pathlib import Path

from course_core import assignments, tempfiles

from . import parts
from .grade import grade
from .workspace import stub_source


def _submission(root, name, files, reference):
    folder = Path(root) / name
    shutil.copytree(reference, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return str(folder)


def _verdict(kind, entry, result, assignment):
    """(ok, what happened) for one audited submission."""
    BY_ID, MAX_SCORE = assignment.by_id, assignment.max_score
    scores = {k: v["score"] for k, v in result["exercises"].items()}
    if kind == "reference":
        return result["score"] == MAX_SCORE, f"{result['score']:g}/{MAX_SCORE:g}"
    if kind == "stub":
        bad = [k for k, v in result["exercises"].items() if v["score"] != 0 or "not implemented" not in " ".join(v["feedback"])]
        return not bad, f"{result['score']:g}" + (f", not 0 with 'not implemented' in {', '.join(bad)}" if bad else "")
    if kind == "variant":
        lost = {k: v for k, v in scores.items() if v != BY_ID[k].points}
        return not lost, "full marks" if not lost else f"lost points in {', '.join(lost)}: " + \
            "; ".join((result["exercises"][k]["feedback"] or ["no checks ran"])[0] for k in lost)
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


def audit(assignment_id, jobs=1, time_limit=20.0):
    """Rows (kind, id, ok, detail) for the assignment's reference, its stubs, every mistake and every variant."""
    assignment = assignments.get(assignment_id)
    catalog, reference = parts.catalog(assignment), parts.reference(assignment)
    with tempfiles.folder("audit") as root:
        stubs = {e.file: stub_source(e) for e in assignment.exercises}
        cases = [("reference", "reference", None, _submission(root, "reference", {}, reference)),
                 ("stub", "stubs", None, _submission(root, "stubs", stubs, reference))]
        for kind, entries in (("mistake", catalog.MISTAKES), ("variant", catalog.VARIANTS)):
            for entry in entries:
                files = {assignment.by_id[entry.exercise].file: entry.source()}
                cases.append((kind, entry.id, entry, _submission(root, f"{kind}-{entry.id}", files, reference)))
        report = grade([c[3] for c in cases], time_limit=time_limit, jobs=jobs, assignment=assignment.id)
        rows = []
        for (kind, name, entry, _), result in zip(cases, report["results"]):
            ok, detail = _verdict(kind, entry, result, assignment)
            rows.append((kind, name, ok, detail))
        return rows
