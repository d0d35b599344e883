"""`course audit`: prove an assignment's hidden tests against its catalog.

- the reference scores full marks;
- the released stubs score 0, "not implemented" in every exercise;
- every catalogued mistake loses points in its own exercise, and the
  feedback names it with the catalog's sentence;
- every catalogued variant (a correct rewrite) keeps full marks.

One submission carries one entry of each exercise (its exercises are graded
apart); an exercise of it that holds no entry holds the reference's file and
must keep full marks, which a mistake that spilled over would break.
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


def _verdict(kind, entry, result, assignment, shared=()):
    """(ok, what happened) for one audited entry. shared: the exercises of its submission that hold other
    entries of the catalog (see audit); every other exercise holds the reference's file and must keep full marks."""
    BY_ID, MAX_SCORE = assignment.by_id, assignment.max_score
    scores = {k: v["score"] for k, v in result["exercises"].items()}
    if kind == "reference":
        return result["score"] == MAX_SCORE, f"{result['score']:g}/{MAX_SCORE:g}"
    if kind == "stub":
        bad = [k for k, v in result["exercises"].items() if v["score"] != 0 or "not implemented" not in " ".join(v["feedback"])]
        return not bad, f"{result['score']:g}" + (f", not 0 with 'not implemented' in {', '.join(bad)}" if bad else "")
    own = entry.exercise
    others = [k for k, v in scores.items() if k != own and k not in shared and v != BY_ID[k].points]
    if kind == "variant":
        lost = [k for k in [own, *others] if scores[k] != BY_ID[k].points]
        return not lost, "full marks" if not lost else f"lost points in {', '.join(lost)}: " + \
            "; ".join((result["exercises"][k]["feedback"] or ["no feedback"])[0] for k in lost)
    named = any(entry.sentence in line for line in result["exercises"][own]["feedback"])
    problems = []
    if scores[own] >= BY_ID[own].points:
        problems.append("kept full marks")
    if others:
        problems.append(f"also lost points in {', '.join(others)}")
    if not named:
        problems.append("not named; feedback: " + " | ".join(result["exercises"][own]["feedback"])[:300])
    return not problems, f"{scores[own]:g}/{BY_ID[own].points:g}" + ("" if not problems else "; " + "; ".join(problems))


def _slots(entries):
    """The entries dealt into submissions of at most one entry an exercise: exercises are graded apart
    (each beside stand-ins, in a fresh package), so one submission proves one entry of each, a few times
    fewer submissions than one an entry."""
    by_exercise = {}
    for entry in entries:
        by_exercise.setdefault(entry.exercise, []).append(entry)
    return [[group[i] for group in by_exercise.values() if i < len(group)]
            for i in range(max(map(len, by_exercise.values()), default=0))]


def audit(assignment_id, jobs=1, time_limit=20.0):
    """Rows (kind, id, ok, detail) for the assignment's reference, its stubs, every mistake and every variant."""
    assignment = assignments.get(assignment_id)
    catalog, reference = parts.catalog(assignment), parts.reference(assignment)
    with tempfiles.folder("audit") as root:
        stubs = {e.file: stub_source(e) for e in assignment.exercises}
        cases = [("reference", "reference", _submission(root, "reference", {}, reference)),
                 ("stub", "stubs", _submission(root, "stubs", stubs, reference))]
        for kind, entries in (("mistake", catalog.MISTAKES), ("variant", catalog.VARIANTS)):
            for i, slot in enumerate(_slots(entries)):
                files = {assignment.by_id[e.exercise].file: e.source() for e in slot}
                cases.append((kind, slot, _submission(root, f"{kind}-{i}", files, reference)))
        report = grade([c[2] for c in cases], time_limit=time_limit, jobs=jobs, assignment=assignment.id)
        rows = []
        for (kind, slot, _), result in zip(cases, report["results"]):
            if slot in ("reference", "stubs"):
                rows.append((kind, slot, *_verdict(kind, None, result, assignment)))
                continue
            for entry in slot:
                shared = {e.exercise for e in slot if e is not entry}
                rows.append((kind, entry.id, *_verdict(kind, entry, result, assignment, shared)))
        order = {m.id: i for i, m in enumerate(catalog.MISTAKES + catalog.VARIANTS)}
        return rows[:2] + sorted(rows[2:], key=lambda row: order[row[1]])
