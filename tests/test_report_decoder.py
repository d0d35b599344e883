"""The `decoder` feedback page's pictures: the cross-attention weights, the Viterbi path and the
continuations, computed from a student's own code in the sandbox, beside the reference's, and drawn in a
real headless Chromium."""
import copy
import re
import shutil

import pytest
import torch

from autograder.decoder import artifacts as decoder_artifacts
from course_cli.report import render_feedback
from tests.helpers import ROOT
from tests.test_report import CHROMIUM_FLAGS, IMG, _chromium, _run

SOLUTIONS = ROOT / "solutions" / "decoder"
MAGMA_YELLOW = (252, 253, 191)  # the top of the attention heat map's color scale (weight 1)


def _entry(name):
    from course_core import assignments

    table = assignments.get("decoder")
    exercises = {e.id: {"score": e.points, "max_score": e.points, "feedback": ["all 4 checks passed"], "tests": []}
                 for e in table.exercises}
    return {"submission": f"/submissions/{name}/decoder", "assignment": "decoder", "score": table.max_score,
            "max_score": table.max_score, "exercises": exercises}


@pytest.fixture(scope="module")
def reference():
    return decoder_artifacts.reference()


@pytest.fixture(scope="module")
def students(tmp_path_factory):
    """Two submissions graded in the sandbox: the reference's files, and one with three slips (the source
    mask left out of the cross-attention, Viterbi paths returned backwards, greedy decoding that repeats
    the last prompt token)."""
    root = tmp_path_factory.mktemp("decoder-students")
    good, slips = root / "good" / "decoder", root / "slips" / "decoder"
    for folder in (good, slips):
        shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))

    def patch(file, old, new):
        text = (slips / file).read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        (slips / file).write_text(text.replace(old, new), encoding="utf-8")

    patch("cross_attention.py", "mask=memory_mask, dropout", "mask=None, dropout")
    patch("crf.py", "paths.append(path[::-1])", "paths.append(path)")
    patch("generate.py", "next_ids = logits.argmax(dim=-1)  # (B,)", "next_ids = ids[:, -1]  # (B,)")
    return decoder_artifacts.collect([good, slips])


def test_reference_artifacts_hold_weights_a_path_and_continuations(reference):
    weights = reference["cross_attention"]["expected"]
    assert len(weights) == decoder_artifacts.HEADS and len(weights[0]) == decoder_artifacts.LT
    for head in weights:
        for row in head:
            assert sum(row) == pytest.approx(1.0) and row[-1] == 0.0  # the padded source position gets nothing
    path = reference["viterbi"]["expected"]
    assert len(path) == decoder_artifacts.STEPS and all(0 <= t < decoder_artifacts.TAGS for t in path)
    for mode in ("greedy", "sampled"):
        rows = reference["continuations"]["expected"][mode]
        assert [r[:3] for r in rows] == decoder_artifacts.PROMPT
        assert all(len(r) == 3 + decoder_artifacts.NEW for r in rows)


def test_a_students_pictures_come_from_their_own_code(students, reference):
    good, slips = students.values()
    for name in ("cross_attention", "viterbi", "continuations"):
        assert good[name]["error"] is None
    assert torch.allclose(torch.tensor(good["cross_attention"]["yours"]), torch.tensor(reference["cross_attention"]["expected"]))
    assert good["viterbi"]["yours"] == reference["viterbi"]["expected"]
    assert good["continuations"]["yours"] == reference["continuations"]["expected"]
    # no source mask: the padded position gets weight
    assert sum(row[-1] for head in slips["cross_attention"]["yours"] for row in head) > 0.5
    assert slips["viterbi"]["yours"] == reference["viterbi"]["expected"][::-1]
    greedy = slips["continuations"]["yours"]["greedy"]
    assert greedy == [p + [p[-1]] * decoder_artifacts.NEW for p in decoder_artifacts.PROMPT]
    assert slips["continuations"]["yours"]["sampled"] == reference["continuations"]["expected"]["sampled"]


def test_a_picture_the_students_code_cannot_make_says_why(tmp_path, reference):
    odd = copy.deepcopy(reference)
    odd["cross_attention"].update(yours=None, error="not implemented yet: cross_attention.py is unchanged")
    odd["viterbi"].update(yours=[[1, 2], "x"], error=None)
    odd["continuations"].update(yours=None, error="your code raised IndexError")
    text = render_feedback(_entry("odd"), odd, tmp_path / "odd.html").read_text(encoding="utf-8")
    assert len(IMG.findall(text)) == 3
    for caption in ("Exercise 2: the attention weights", "Exercise 7: the emission scores", "Exercise 6: your generate"):
        assert caption in text


def test_decoder_feedback_page_renders_in_chromium(tmp_path, students):
    slips = list(students.values())[1]
    page = render_feedback(_entry("slips"), slips, tmp_path / "slips.html", lang="both")
    common = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,4000"]
    dom = _run([*common, "--dump-dom", page.as_uri()], tmp_path)
    assert len(re.findall(r'<img src="data:image/png;base64,', dom)) == 3
    assert "第 2 题" in dom and "Viterbi" in dom
    shot = tmp_path / "page.png"
    _run([*common, f"--screenshot={shot}", page.as_uri()], tmp_path)
    from matplotlib.image import imread

    pixels = imread(shot)
    near = (abs(pixels[..., :3] * 255 - MAGMA_YELLOW) <= 10).all(axis=-1)
    assert near.sum() > 200, f"{near.sum()} pixels of the heat map's top color: the picture did not show"
