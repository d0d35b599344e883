"""A broken or hostile exercise costs that exercise only, with one line saying why."""
import json
import subprocess

import pytest

from autograder.grade import grade
from tests.table import BY_ID

from tests.helpers import COURSE, EXERCISES, ROOT, SOLUTIONS

REF = {f.name: f.read_text(encoding="utf-8") for f in SOLUTIONS.glob("*.py")}


def only_exercise_lost(result, exercise_id, kept=0.0):
    """The exercise keeps only `kept` points (checks its broken code never ran); the others keep all."""
    for k, v in result["exercises"].items():
        if k == exercise_id:
            assert v["score"] == kept, v
        else:
            assert v["score"] == BY_ID[k].points, (k, v["feedback"])
    return result["exercises"][exercise_id]["feedback"]


BROKEN = {
    "syntax_error": ("attention", "def forward(self:\n", "SyntaxError", 0),
    "exception_at_import": ("multi_head", "raise RuntimeError('boom at import')\n", "boom at import", 0),
    "missing_class": ("feed_forward", "import torch\n", "FeedForward", 0),
    # Only LayerNorm's own checks run LayerNorm.forward: the 2-point check of its parameters does not,
    # and the block's 10 points are graded with a correct LayerNorm in its place.
    "exception_in_forward": ("transformer_block", REF["transformer_block.py"].replace(
        "        mean = x.mean(dim=-1, keepdim=True)  # (B, L, 1)\n",
        "        raise KeyError('oops in forward')\n"), "oops in forward", 12),
    "sys_exit_at_import": ("warmup", "import sys\nsys.exit(3)\n", "SystemExit", 0),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_loses_its_exercise_only(make_submission, case):
    exercise, source, expected, kept = BROKEN[case]
    folder = make_submission(case, {BY_ID[exercise].file: source})
    (result,) = grade([folder])["results"]
    feedback = only_exercise_lost(result, exercise, kept)
    assert any(expected in line for line in feedback), feedback
    assert all("\n" not in line for line in feedback)


def test_missing_file_and_nan_and_hang_in_one_batch(make_submission):
    missing = make_submission("missing", {"bert.py": None})
    nan = make_submission("nan", {"feed_forward.py": REF["feed_forward.py"].replace(
        "return self.output_layer(self.dropout(h))", "return self.output_layer(self.dropout(h)) * float('nan')")})
    hang = make_submission("hang", {"positional_encoding.py": REF["positional_encoding.py"].replace(
        "        return self.pe[:, : x.size(1)]", "        while True:\n            pass")})
    good = make_submission("good")
    results = grade([missing, nan, hang, good], time_limit=3)["results"]
    assert "bert.py is missing" in only_exercise_lost(results[0], "bert")[0]
    # The checks of the submodules' names and of the activation alone (4 points) never see the NaN.
    assert any("NaN" in line for line in only_exercise_lost(results[1], "feed_forward", kept=4))
    assert "time limit" in only_exercise_lost(results[2], "positional_encoding")[0]
    assert results[3]["score"] == 100


def test_unreadable_path_still_gets_an_entry(tmp_path):
    (result,) = grade([tmp_path / "nowhere"], assignment="transformer")["results"]
    assert result["score"] == 0
    assert all("does not exist" in e["feedback"][0] for e in result["exercises"].values())
    # in a batch, a folder that names no assignment is graded as the others are, and stops no one
    good, missing = grade([SOLUTIONS, tmp_path / "nowhere"])["results"]
    assert good["score"] == 100 and missing["assignment"] == "transformer" and missing["score"] == 0
    assert all("does not exist" in e["feedback"][0] for e in missing["exercises"].values())


def test_check_json_prints_exactly_the_contract_report():
    out = subprocess.run([*COURSE, "check", str(SOLUTIONS), str(EXERCISES), "--json"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)  # the whole of stdout is one JSON document
    ref, stub = report["results"]
    assert ref["submission"] == str(SOLUTIONS) and ref["score"] == 100.0 and ref["max_score"] == 100.0
    assert stub["score"] == 0
    for exercise in BY_ID.values():
        assert ref["exercises"][exercise.id]["score"] == exercise.points
        assert ref["exercises"][exercise.id]["max_score"] == exercise.points
        assert any("not implemented" in line for line in stub["exercises"][exercise.id]["feedback"])
