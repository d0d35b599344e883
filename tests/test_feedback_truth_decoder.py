"""The `decoder` assignment's feedback is true on mistakes nobody tuned the grader to
(tests/student_mistakes_decoder.py): each costs points in its own exercise only, most are named by the
catalog's true sentence, none by a false one; and every correct rewrite keeps full marks.

The exercises are graded apart (no cascade: each beside the given layers.py and stand-ins of the files it
imports), so one submission carries one slip or rewrite in each of its seven files, and the whole set is
graded in as many submissions as one file has slips and rewrites (19) instead of 105: a rewrite's exercise at full marks in a round also shows that the
other files' slips cost it nothing. DECODER_TRUTH_SEPARATE=1 grades each slip and rewrite in a submission
of its own (the reference's other files), as tests/test_feedback_truth.py does: slower, the same verdicts."""
import os
import shutil

from autograder.decoder import mistakes
from autograder.grade import grade
from course_core import assignments
from tests.helpers import ROOT
from tests.student_mistakes_decoder import CASES, REWRITES

SOLUTIONS = ROOT / "solutions" / "decoder"
BY_ID = assignments.get("decoder").by_id


def said(line, sentence):
    """Whether a feedback line says this sentence ("sentence", "label: sentence", "sentence (3 checks)")."""
    return line == sentence or line.endswith(f": {sentence}") or line.startswith(f"{sentence} (")


def rounds(separate=False):
    """Submissions as lists of slots (file, kind "case" or "rewrite", the CASES/REWRITES entry): one slot a
    file. Each file's slips, then its rewrites, repeated to the longest list's length and rotated by a step of
    its own, so that the rewrites spread over the rounds (and each round has some exercises at full marks)."""
    if separate:
        return [[(c[1], "case", c)] for c in CASES] + [[(r[1], "rewrite", r)] for r in REWRITES]
    files = sorted({c[1] for c in CASES} | {r[1] for r in REWRITES})
    slots = {f: [(f, "case", c) for c in CASES if c[1] == f] + [(f, "rewrite", r) for r in REWRITES if r[1] == f] for f in files}
    n = max(len(s) for s in slots.values())
    for i, f in enumerate(files):
        own, rewrites = slots[f], [s for s in slots[f] if s[1] == "rewrite"]
        padded = own + [rewrites[k % len(rewrites)] for k in range(n - len(own))]
        shift = (3 * i) % n
        slots[f] = padded[shift:] + padded[:shift]
    return [[slots[f][r] for f in files] for r in range(n)]


def _submission(root, name, slots):
    folder = root / name / "decoder"
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for file, _, entry in slots:
        text = (folder / file).read_text(encoding="utf-8")
        for old, new in entry[2]:
            assert text.count(old) == 1, (entry[0], old)
            text = text.replace(old, new)
        (folder / file).write_text(text, encoding="utf-8")
    return str(folder)


def test_decoder_mistakes_are_named_truly_and_rewrites_keep_full_marks(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    names = [c[0] for c in CASES] + [r[0] for r in REWRITES]
    assert len(names) == len(set(names))
    for exercise in BY_ID:  # at least 6 slips and 3 rewrites of each exercise
        assert sum(c[1] == f"{exercise}.py" for c in CASES) >= 6, exercise
        assert sum(r[1] == f"{exercise}.py" for r in REWRITES) >= 3, exercise
    for _, _, _, truth in CASES:
        assert truth is None or truth in mistakes.BY_ID, truth
    plan = rounds(separate=bool(os.environ.get("DECODER_TRUTH_SEPARATE")))
    folders = [_submission(tmp_path, f"round-{i}", slots) for i, slots in enumerate(plan)]
    results = grade(folders, jobs=2)["results"]

    graded = {e[0] for slots in plan for _, _, e in slots}
    assert graded == set(names)
    lost, leaks, named, false = {}, [], set(), []
    for slots, result in zip(plan, results):
        scores = {k: v["score"] for k, v in result["exercises"].items()}
        files = {file for file, _, _ in slots}
        for exercise, score in scores.items():  # an exercise whose file is the reference's keeps full marks
            if f"{exercise}.py" not in files and score != BY_ID[exercise].points:
                leaks.append(([e[0] for _, _, e in slots], exercise, score))
        for file, kind, entry in slots:
            exercise = file.removesuffix(".py")
            feedback = result["exercises"][exercise]["feedback"]
            if kind == "rewrite":
                if scores[exercise] != BY_ID[exercise].points:
                    lost[entry[0]] = (scores[exercise], feedback)
                continue
            name, _, _, truth = entry
            if scores[exercise] >= BY_ID[exercise].points:
                leaks.append((name, exercise, "full marks"))
            lines = [line.split("\n")[0] for line in feedback]
            true_sentence = mistakes.BY_ID[truth].sentence if truth else None
            for m in mistakes.for_exercise(exercise):
                if m.sentence != true_sentence and any(said(line, m.sentence) for line in lines):
                    false.append((name, m.id, lines))
            if truth and any(said(line, true_sentence) for line in lines):
                named.add(name)
    with_truth = [c for c in CASES if c[3]]
    share = len(named) / len(with_truth)
    print(f"\n{len(named)} of {len(with_truth)} decoder student mistakes named by their true sentence ({share:.0%}); "
          f"{len({f[0] for f in false})} said a false sentence; {len(CASES) - len(with_truth)} more with no true sentence "
          f"in the catalog; {len(REWRITES) - len(lost)} of {len(REWRITES)} rewrites at full marks ({len(plan)} submissions)")
    assert not lost, lost
    assert not leaks, leaks
    assert not false, false
    assert share >= 0.9, sorted({c[0] for c in with_truth} - set(named))
