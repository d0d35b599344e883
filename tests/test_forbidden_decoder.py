"""The `decoder` assignment's forbidden shortcuts score 0 on their exercise, whatever route reaches them:
a CRF library imported by name or by a string built at run time, torch's decoder layer reached through
getattr, fused attention reached through getattr. Each is a real submission graded in one batch with an
honest one that uses the same dynamic tools for nothing forbidden."""
import shutil

import pytest

from autograder.grade import grade
from course_core import assignments
from tests.helpers import ROOT

TABLE = assignments.get("decoder")
SOLUTIONS = ROOT / "solutions" / "decoder"
REF = {f.name: f.read_text(encoding="utf-8") for f in SOLUTIONS.glob("*.py")}
CRF_FORWARD = "        mask = self._mask(emissions, mask)  # (B, L)\n"
BLOCK_FORWARD = "        x = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))  # (B, Lt, H)\n"
CROSS_ATTEND = "        out, _ = self.attention(query, key, value, mask=memory_mask, dropout=self.dropout)  # (B, h, Lt, d)\n"


def _crf(line):
    """The reference crf.py that also runs `line` first in forward and in decode."""
    return REF["crf.py"].replace("import torch\n", "import importlib\n\nimport torch\n", 1).replace(
        CRF_FORWARD, f"        {line}\n" + CRF_FORWARD)


SUBMISSIONS = {  # name: (file, text, what the student is told)
    "crf_import": ("crf.py", REF["crf.py"].replace("import torch\n", "import torch\nimport torchcrf  # noqa\n", 1),
                   "uses torchcrf"),
    "crf_from_import": ("crf.py", REF["crf.py"].replace("import torch\n", "import torch\nfrom torchcrf import CRF as _C  # noqa\n", 1),
                        "uses torchcrf"),
    "crf_built_name": ("crf.py", _crf('importlib.import_module("torch" + "crf".lower())'), "uses torchcrf"),
    "decoder_block_getattr": ("decoder_block.py", REF["decoder_block.py"].replace(
        BLOCK_FORWARD, '        getattr(nn, "TransformerDe" + "coderLayer")(x.size(-1), 2, dropout=0.0, batch_first=True).double()(x, memory)\n'
        + BLOCK_FORWARD), "uses TransformerDecoderLayer"),
    "cross_attention_getattr": ("cross_attention.py", REF["cross_attention.py"].replace(
        CROSS_ATTEND, '        getattr(__import__("torch").nn.functional, "scaled_dot_" + "product_attention")(query, key, value)\n'
        + CROSS_ATTEND), "uses scaled_dot_product_attention"),
}
HONEST = ("crf.py", _crf('importlib.import_module("ma" + "th").sqrt(4.0)'))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("forbidden-decoder")
    paths = []
    for name, (file, text) in {**{n: s[:2] for n, s in SUBMISSIONS.items()}, "honest": HONEST}.items():
        folder = root / name / "decoder"
        shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
        (folder / file).write_text(text, encoding="utf-8")
        paths.append(str(folder))
    results = grade(paths, jobs=2)["results"]
    return {path.split("/")[-2]: result for path, result in zip(paths, results)}


def test_the_honest_dynamic_submission_keeps_full_marks(report):
    assert report["honest"]["score"] == TABLE.max_score, report["honest"]["exercises"]["crf"]["feedback"]


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_a_forbidden_shortcut_scores_zero_on_its_exercise_only(report, name):
    file, _, told = SUBMISSIONS[name]
    exercise = file.removesuffix(".py")
    result = report[name]
    assert result["exercises"][exercise]["score"] == 0
    assert told in result["exercises"][exercise]["feedback"][0], result["exercises"][exercise]["feedback"]
    assert all(result["exercises"][e.id]["score"] == e.points for e in TABLE.exercises if e.id != exercise)
