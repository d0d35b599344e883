"""The `decoder` assignment's students' version (exercises/decoder/): generated from its master, kept in
step with it, and giving no answer away."""
import filecmp
import importlib
import importlib.util
import shutil
import sys

import pytest
import torch

from course_core import assignments
from tests.helpers import ROOT

TABLE = assignments.get("decoder")
SOLUTIONS = ROOT / "solutions" / "decoder"
EXERCISES = ROOT / "exercises" / "decoder"


def test_committed_exercises_equal_a_fresh_generation(tmp_path):
    from course_cli.build import regenerate_exercises

    fresh = regenerate_exercises(TABLE, tmp_path / "decoder")
    committed = sorted(p.name for p in EXERCISES.iterdir() if p.name != "__pycache__")
    assert sorted(p.name for p in fresh.iterdir()) == committed
    _, mismatch, errors = filecmp.cmpfiles(fresh, EXERCISES, committed, shallow=False)
    assert not mismatch and not errors, f"exercises/decoder is stale: run `course build decoder` ({mismatch})"


def test_the_given_file_ships_whole():
    for name in TABLE.given:
        assert (EXERCISES / name).read_bytes() == (SOLUTIONS / name).read_bytes()


def test_the_given_file_holds_no_line_of_the_first_assignments_answers():
    """layers.py is the first assignment's API on torch's library functions: released with the decoder, it
    must not hand out a line of `transformer`'s solution regions (the check `course release` makes)."""
    from course_cli.workflow import _solution_lines

    answers = _solution_lines(assignments.get("transformer"))
    for name in TABLE.given:
        text = (SOLUTIONS / name).read_text(encoding="utf-8")
        assert not [line for line in answers if line in text], name


def solution_regions(path):
    """The lines of code between ### BEGIN SOLUTION and ### END SOLUTION in one master file."""
    inside, lines = False, []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("### BEGIN SOLUTION"):
            inside = True
        elif stripped.startswith("### END SOLUTION"):
            inside = False
        elif inside and stripped and not stripped.startswith("#"):
            lines.append(stripped)
    return lines


@pytest.mark.parametrize("exercise", [e.id for e in TABLE.exercises])
def test_no_solution_line_leaks_into_the_stub(exercise):
    master = SOLUTIONS / f"{exercise}.py"
    stub = (EXERCISES / f"{exercise}.py").read_text(encoding="utf-8")
    assert "### BEGIN SOLUTION" not in stub and "### END SOLUTION" not in stub
    regions = solution_regions(master)
    assert regions
    stub_lines = {line.strip() for line in stub.splitlines()}
    assert [line for line in regions if line in stub_lines] == []
    number = TABLE.by_id[exercise].number
    english = [l for l in stub.splitlines() if f"# TODO (exercise {number})" in l]
    chinese = [l for l in stub.splitlines() if f"# TODO（第 {number} 题）" in l]
    assert len(english) == len(chinese) == master.read_text(encoding="utf-8").count("### BEGIN SOLUTION")
    assert stub.count("raise NotImplementedError(") == len(english)


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    """stubs(exercise): the stub of `exercise` imported beside the reference's other files (as the grader
    puts an exercise beside finished siblings), so that it is its own stub that raises."""
    made = []

    def load(exercise):
        name = f"stub_decoder_{exercise}"
        if name not in sys.modules:
            folder = tmp_path_factory.mktemp(name)
            for path in SOLUTIONS.glob("*.py"):
                shutil.copyfile(path, folder / path.name)
            shutil.copyfile(EXERCISES / f"{exercise}.py", folder / f"{exercise}.py")
            spec = importlib.util.spec_from_file_location(name, folder / "__init__.py", submodule_search_locations=[str(folder)])
            package = importlib.util.module_from_spec(spec)
            sys.modules[name] = package
            spec.loader.exec_module(package)
            made.append(name)
        return importlib.import_module(f"{name}.{exercise}")

    yield load
    for name in [n for n in sys.modules if any(n == m or n.startswith(m + ".") for m in made)]:
        del sys.modules[name]


class _LM(torch.nn.Module):
    max_len = 8

    def forward(self, ids):
        return torch.zeros(*ids.shape, 5)


IDS = torch.tensor([[3, 4, 0]])
# Every function the stubs leave to the student, called: "exercise N: file.function".
CALLS = {
    "classifier.__init__": lambda m: m.SequenceClassifier(torch.nn.Identity(), 8, 2),
    "cross_attention.__init__": lambda m: m.CrossAttention(2, 8),
    "decoder_block.forward": lambda m: m.DecoderBlock(8, 2)(torch.zeros(1, 3, 8), torch.zeros(1, 2, 8)),
    "seq2seq.make_source_mask": lambda m: m.make_source_mask(IDS),
    "seq2seq.make_target_mask": lambda m: m.make_target_mask(IDS),
    "seq2seq.encode": lambda m: m.Seq2Seq(10, 10, hidden_size=8, layer_num=1, head_num=2).encode(IDS),
    "seq2seq.decode": lambda m: m.Seq2Seq(10, 10, hidden_size=8, layer_num=1, head_num=2).decode(IDS, torch.zeros(1, 3, 8), IDS),
    "seq2seq.forward": lambda m: m.Seq2Seq(10, 10, hidden_size=8, layer_num=1, head_num=2)(IDS, IDS),
    "gpt.__init__": lambda m: m.GPT(10, hidden_size=8, layer_num=1, head_num=2),
    "generate.generate": lambda m: m.generate(_LM(), IDS, 2),
    "crf.__init__": lambda m: m.CRF(3),
}


@pytest.mark.parametrize("what", sorted(CALLS))
def test_every_stub_imports_and_raises_not_implemented(stubs, what):
    module = stubs(what.split(".")[0])
    number = TABLE.by_id[what.split(".")[0]].number
    with pytest.raises(NotImplementedError, match=rf"^exercise {number}: {what.split('.')[0]}\."):
        CALLS[what](module)
