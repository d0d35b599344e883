"""The `decoder` stand-ins (autograder/decoder/shims/): the contract's names and state, the reference's
numbers, and no way for the student's code to reach a working later exercise or a reference generate."""
import importlib
import shutil
import sys

import pytest
import torch

from autograder import workspace
from autograder.grade import grade
from autograder.probes import randomized
from course_core import assignments
from tests.helpers import ROOT

TABLE = assignments.get("decoder")
SHIMS, SOLUTIONS = ROOT / "autograder" / "decoder" / "shims", ROOT / "solutions" / "decoder"
IDS = torch.tensor([[1, 5, 7, 9, 0], [2, 4, 0, 0, 0]])
TARGET = torch.tensor([[1, 3, 6, 0], [1, 8, 2, 5]])


def randn(*shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# exercise -> (class, its arguments, its inputs): what each stand-in must compute as the reference does
MODELS = {
    "cross_attention": ("CrossAttention", (2, 8, 0.0), (randn(2, 3, 8, seed=1), randn(2, 5, 8, seed=2), IDS.ne(0)[:, None, None, :])),
    "decoder_block": ("DecoderBlock", (8, 2, 0.0), (randn(2, 4, 8, seed=3), randn(2, 5, 8, seed=4),
                                                    torch.tril(torch.ones(1, 1, 4, 4, dtype=torch.bool)), IDS.ne(0)[:, None, None, :])),
    "gpt": ("GPT", (13, 8, 2, 2, 16, 0.0), (IDS,)),
}


def test_every_exercise_has_a_stand_in_and_none_is_the_reference():
    assert sorted(p.stem for p in SHIMS.glob("*.py") if p.stem != "__init__") == sorted(e.id for e in TABLE.exercises)
    for path in SHIMS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and text != (SOLUTIONS / path.name).read_text(encoding="utf-8")
    assert "def generate" not in (SHIMS / "gpt.py").read_text(encoding="utf-8")  # the model generate is graded with


@pytest.mark.parametrize("exercise", sorted(MODELS))
def test_a_stand_in_has_the_reference_state_and_numbers(exercise):
    cls, args, inputs = MODELS[exercise]
    package = _package(exercise, (SHIMS / f"{exercise}.py").read_text(encoding="utf-8"))
    try:
        mine = getattr(package, cls)(*args).double().eval()
        theirs = getattr(importlib.import_module(f"solutions.decoder.{exercise}"), cls)(*args).double().eval()
        state = randomized(theirs, seed=3)
        theirs.load_state_dict(state)
        mine.load_state_dict(state)  # strict: the same names and shapes
        torch.testing.assert_close(mine(*inputs), theirs(*inputs), atol=1e-12, rtol=1e-12)
        if exercise == "gpt":
            assert mine.lm_head.weight is mine.token_embedding.weight and mine.max_len == 16
            torch.testing.assert_close(mine.loss(IDS), theirs.loss(IDS), atol=1e-12, rtol=1e-12)
    finally:
        _forget()


@pytest.mark.parametrize("exercise", [e.id for e in TABLE.exercises])
def test_each_reference_file_works_among_the_stand_ins(exercise):
    """What the sandbox does: the exercise's file beside layers.py and the earlier exercises' stand-ins,
    never a later one's (a placeholder, with no code)."""
    e = TABLE.by_id[exercise]
    files = workspace.package_files(e, (SOLUTIONS / e.file).read_text(encoding="utf-8"))
    for later in (x for x in TABLE.exercises if x.number > e.number):
        assert files[f"decoder/{later.file}"].count("def ") == 1 and "class " not in files[f"decoder/{later.file}"]
    assert files["decoder/layers.py"] == (SOLUTIONS / "layers.py").read_text(encoding="utf-8")
    if exercise != "seq2seq":
        return
    package = _package(exercise, files[f"decoder/{e.file}"])
    try:
        mine, theirs = package.Seq2Seq(11, 13, 8, 2, 2, 0.0).double().eval(), \
            importlib.import_module("solutions.decoder.seq2seq").Seq2Seq(11, 13, 8, 2, 2, 0.0).double().eval()
        state = randomized(theirs, seed=5)
        mine.load_state_dict(state)
        theirs.load_state_dict(state)
        torch.testing.assert_close(mine(IDS, TARGET), theirs(IDS, TARGET), atol=1e-12, rtol=1e-12)
    finally:
        _forget()


def test_the_seq2seq_stand_in_has_the_reference_masks():
    """A later exercise may reuse them (gpt.py importing make_target_mask)."""
    package = _package("gpt", (SOLUTIONS / "gpt.py").read_text(encoding="utf-8"))
    try:
        mine, theirs = importlib.import_module(f"{NAME}.seq2seq"), importlib.import_module("solutions.decoder.seq2seq")
        for ids in (IDS, TARGET, IDS[:, :1]):
            for helper in ("make_source_mask", "make_target_mask"):
                assert torch.equal(getattr(mine, helper)(ids), getattr(theirs, helper)(ids)), (helper, ids)
    finally:
        _forget()


@pytest.mark.parametrize("graded, line, said", [
    ("classifier", "from .seq2seq import make_source_mask",
     "make_source_mask cannot come from seq2seq.py: it is exercise 4, graded after this one, and an exercise may import only"
     " the given files and the exercises before it; define it in your own file"),
    ("generate", "from .seq2seq import Seq2Seq",
     "Seq2Seq cannot come from seq2seq.py: it is exercise 4, and while a later exercise is graded it is a stand-in that holds"
     " only what later exercises use; define it in your own file"),
])
def test_a_name_no_stand_in_holds_fails_with_a_sentence_that_says_why(graded, line, said):
    with pytest.raises(ImportError) as raised:
        _package(graded, line + "\n")
    _forget()
    assert str(raised.value) == said


NAME = "_decoder_among_stand_ins"
_tmp = []


def _package(exercise, source):
    """The package the sandbox would write for `exercise` (its file: source), imported from a folder."""
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="course-test-"))
    _tmp.append(root)
    for path, text in workspace.package_files(TABLE.by_id[exercise], source).items():
        target = root / NAME / path.split("/", 1)[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(root))
    return importlib.import_module(f"{NAME}.{exercise}")


def _forget():
    for key in [k for k in sys.modules if k == NAME or k.startswith(NAME + ".")]:
        del sys.modules[key]
    while _tmp:
        root = _tmp.pop()
        sys.path.remove(str(root))
        shutil.rmtree(root)


def test_an_import_from_a_later_exercise_costs_that_exercise_only_and_says_where(tmp_path):
    """Graded for real: the classifier importing the later seq2seq.py's helper loses the classifier, told why at
    its own import line (not at the placeholder's); the other exercises keep full marks."""
    folder = tmp_path / "decoder"
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    source = (folder / "classifier.py").read_text(encoding="utf-8")
    line = source.splitlines().index("from torch import nn") + 2
    (folder / "classifier.py").write_text(source.replace("from torch import nn\n", "from torch import nn\nfrom .seq2seq import make_source_mask\n"),
                                          encoding="utf-8")
    result = grade([str(folder)], time_limit=20.0)["results"][0]["exercises"]
    assert result["classifier"]["score"] == 0
    assert result["classifier"]["feedback"][0] == (
        "classifier.py cannot be imported: ImportError: make_source_mask cannot come from seq2seq.py: it is exercise 4, graded after"
        " this one, and an exercise may import only the given files and the exercises before it; define it in your own file"
        f" (classifier.py, line {line}, in <module>)")
    assert all(result[e.id]["score"] == e.points for e in TABLE.exercises if e.id != "classifier")
