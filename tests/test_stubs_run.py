"""Every stub, called, raises NotImplementedError; bert's crashes on the lecture's bug."""
import importlib.util
import shutil
import sys

import pytest
import torch

from tests.helpers import EXERCISES, SOLUTIONS


@pytest.fixture(scope="module")
def stubs():
    spec = importlib.util.spec_from_file_location("stub_transformer", EXERCISES / "__init__.py",
                                                  submodule_search_locations=[str(EXERCISES)])
    package = importlib.util.module_from_spec(spec)
    sys.modules["stub_transformer"] = package
    spec.loader.exec_module(package)
    yield lambda name: importlib.import_module(f"stub_transformer.{name}")
    for name in [n for n in sys.modules if n.startswith("stub_transformer")]:
        del sys.modules[name]


CALLS = {
    "positional_encoding": lambda m: m.PositionalEmbedding(8, 16),
    "attention.forward": lambda m: m.Attention()(torch.ones(1, 2, 4), torch.ones(1, 2, 4), torch.ones(1, 2, 4)),
    "attention.subsequent_mask": lambda m: m.subsequent_mask(3),
    "multi_head": lambda m: m.MultiHeadedAttention(2, 8),
    "feed_forward": lambda m: m.FeedForward(8),
    "transformer_block.LayerNorm": lambda m: m.LayerNorm(8),
    "transformer_block.TransformerBlock": lambda m: m.TransformerBlock(8, 2),
    "warmup.lr_lambda": lambda m: m.lr_lambda(1, 2, 10),
    "warmup.get_scheduler": lambda m: m.get_scheduler(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0), 2, 10),
}


@pytest.mark.parametrize("what", sorted(CALLS))
def test_stub_raises_not_implemented(stubs, what):
    with pytest.raises(NotImplementedError, match=r"exercise \d: "):
        CALLS[what](stubs(what.split(".")[0]))


def test_bert_stub_crashes_reading_x_before_it_exists(tmp_path):
    # Beside the reference siblings, as the grader runs it: only the mask is broken.
    package = tmp_path / "bert_stub_pkg"
    shutil.copytree(SOLUTIONS, package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(EXERCISES / "bert.py", package / "bert.py")
    sys.path.insert(0, str(tmp_path))
    try:
        model = importlib.import_module("bert_stub_pkg.bert").BERT(20, hidden_size=8, layer_num=1, head_num=2)
        with pytest.raises(UnboundLocalError, match="'x'"):
            model(torch.tensor([[3, 4, 0]]), torch.zeros(1, 3, dtype=torch.long))
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("bert_stub_pkg")]:
            del sys.modules[name]
