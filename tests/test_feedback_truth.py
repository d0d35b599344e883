"""Feedback is true on mistakes nobody tuned the grader to (tests/student_mistakes.py): most are named
by the catalog's true sentence, none by a false one, and each costs points in its own exercise only."""
from autograder.transformer import mistakes
from autograder.compare import RANDOM
from autograder.grade import grade
from tests.table import BY_ID
from tests.student_mistakes import CASES


def said(line, sentence):
    """Whether a feedback line says this sentence ("sentence", "label: sentence", "sentence (3 checks)")."""
    return line == sentence or line.endswith(f": {sentence}") or line.startswith(f"{sentence} (")


def test_student_mistakes_are_named_truly_or_not_at_all(make_submission, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert len(CASES) >= 40 and len({c[0] for c in CASES}) == len(CASES)
    folders = []
    for i, (name, file, patch, _) in enumerate(CASES):
        text = (make_submission(f"ref-{i}") / file).read_text(encoding="utf-8")
        for old, new in patch:
            assert text.count(old) == 1, (name, old)
            text = text.replace(old, new)
        folders.append(str(make_submission(f"case-{i}", {file: text})))
    results = grade(folders, jobs=2)["results"]
    named, false, leaks = [], [], []
    for (name, file, _, truth), result in zip(CASES, results):
        exercise = file.removesuffix(".py")
        scores = {k: v["score"] for k, v in result["exercises"].items()}
        if scores[exercise] >= BY_ID[exercise].points or any(v != BY_ID[k].points for k, v in scores.items() if k != exercise):
            leaks.append((name, scores))
        lines = [line.split("\n")[0] for line in result["exercises"][exercise]["feedback"]]
        true_sentence = mistakes.BY_ID[truth].sentence if truth else None
        for m in mistakes.for_exercise(exercise):
            if m.sentence != true_sentence and any(said(line, m.sentence) for line in lines):
                false.append((name, m.id, lines))
        if truth and any(said(line, true_sentence) for line in lines):
            named.append(name)
        if "F.dropout left in training mode" in name:  # no catalog sentence, but the observation is true
            assert any(said(line, RANDOM) for line in lines), (name, lines)
    with_truth = [c for c in CASES if c[3]]
    share = len(named) / len(with_truth)
    print(f"\n{len(named)} of {len(with_truth)} student mistakes named by their true sentence ({share:.0%}); "
          f"{len(false)} false sentences; {len(CASES) - len(with_truth)} more with no true sentence in the catalog")
    assert not leaks, leaks
    assert not false, false
    assert share >= 0.9, sorted({c[0] for c in with_truth} - set(named))
