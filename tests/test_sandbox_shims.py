"""The shims (autograder/transformer/shims/) stand in for the reference siblings: same names, same state, same numbers."""
import importlib
import shutil
import sys

import pytest
import torch
from torch import nn

from autograder import forbidden, workspace
from tests.table import ASSIGNMENT, BY_ID, EXERCISES

from tests.helpers import ROOT, SOLUTIONS

SHIMS = ROOT / "autograder" / "transformer" / "shims"
TOL = dict(atol=1e-12, rtol=1e-12)


def ref(name):
    return importlib.import_module(f"solutions.{ASSIGNMENT}.{name}")


def shim(name):
    return importlib.import_module(f"autograder.transformer.shims.{name}")


def randn(*shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def twins(name, cls, *args, train=False, **kwargs):
    """The reference's and the shim's cls(*args), float64, with the same random state."""
    a, b = getattr(ref(name), cls)(*args, **kwargs).double(), getattr(shim(name), cls)(*args, **kwargs).double()
    state = a.state_dict()
    params = dict(a.named_parameters())
    g = torch.Generator().manual_seed(7)
    state = {k: torch.randn(v.shape, generator=g, dtype=torch.float64) if k in params else v for k, v in state.items()}
    a.load_state_dict(state)
    b.load_state_dict(state)  # strict: the same names and shapes
    return a.train(train), b.train(train)


def close(x, y):
    if isinstance(x, tuple):
        assert len(x) == len(y)
        for u, v in zip(x, y):
            close(u, v)
    else:
        assert x.shape == y.shape and x.dtype == y.dtype
        torch.testing.assert_close(x, y, **TOL)


def padding(lengths, L, square=False, dtype=torch.bool):
    mask = torch.arange(L)[None, :] < torch.tensor(lengths)[:, None]  # (B, L)
    mask = mask[:, None, None, :]
    if square:
        mask = mask.expand(-1, 1, L, L)
    return mask.to(dtype)


def test_every_file_has_a_shim_and_no_shim_is_the_reference():
    assert sorted(p.name for p in SHIMS.glob("*.py")) == sorted(p.name for p in SOLUTIONS.glob("*.py"))
    for path in SHIMS.glob("*.py"):
        reference = (SOLUTIONS / path.name).read_text(encoding="utf-8")
        assert path.read_text(encoding="utf-8") != reference
        assert "BEGIN SOLUTION" not in path.read_text(encoding="utf-8")


def test_the_shims_of_attention_and_layer_norm_are_forbidden_shortcuts():
    # Copied into a submission, they score 0: no use to a student who reads them.
    for exercise, file in (("attention", "attention.py"), ("multi_head", "attention.py"), ("multi_head", "multi_head.py"),
                           ("transformer_block", "transformer_block.py")):
        assert forbidden.shortcuts(BY_ID[exercise], (SHIMS / file).read_text(encoding="utf-8")), (exercise, file)


Q, K, V = randn(2, 3, 4, 8, seed=1), randn(2, 3, 4, 8, seed=2), randn(2, 3, 4, 8, seed=3)
BLOCKED_ROW = torch.ones(2, 1, 4, 4, dtype=torch.bool)
BLOCKED_ROW[0, 0, 1] = False


@pytest.mark.parametrize("args,kwargs", [
    ((Q, K, V), {}),
    ((Q[0, 0], K[0, 0], V[0, 0]), {}),
    ((randn(2, 5, 6, seed=4), randn(2, 7, 6, seed=5), randn(2, 7, 3, seed=6)), {}),
    ((randn(2, 5, 6, seed=4), randn(2, 7, 6, seed=5), randn(2, 7, 3, seed=6)), {"mask": padding([7, 2], 7)[:, 0]}),
    ((Q, K, V), {"mask": padding([4, 2], 4)}),
    ((Q, K, V), {"mask": padding([3, 2], 4, square=True, dtype=torch.long)}),
    ((Q, K, V), {"mask": BLOCKED_ROW}),
    ((Q, K, V), {"mask": padding([0, 4], 4)}),
    ((Q, K, V), {"mask": torch.tril(torch.ones(1, 4, 4, dtype=torch.bool))}),
    ((Q, K, V), {"mask": padding([2, 3], 4), "dropout": nn.Hardtanh(0.0, 0.25)}),
    ((Q, K, V), {"dropout": nn.Dropout(1.0).train()}),
    ((Q, K, V), {"mask": padding([2, 3], 4), "dropout": nn.Dropout(0.0).train()}),
    ((randn(3, 3, 4, 8, seed=8), randn(3, 3, 4, 8, seed=9), V[:1]), {"mask": padding([1, 2, 3], 4)[:, 0]}),  # (B, 1, L) with B == h
])
def test_attention(args, kwargs):
    close(ref("attention").Attention()(*args, **kwargs), shim("attention").Attention()(*args, **kwargs))


def test_subsequent_mask():
    for size in (1, 2, 5):
        a, b = ref("attention").subsequent_mask(size), shim("attention").subsequent_mask(size)
        assert a.dtype == b.dtype and torch.equal(a, b)


X = randn(2, 5, 8, seed=4)


@pytest.mark.parametrize("mask", [None, padding([5, 2], 5), padding([3, 4], 5, square=True, dtype=torch.long),
                                  torch.tril(torch.ones(1, 5, 5, dtype=torch.bool)), padding([0, 5], 5)])
@pytest.mark.parametrize("dropout,train", [(0.0, False), (1.0, True), (0.0, True)])
def test_multi_head_attention(mask, dropout, train):
    a, b = twins("multi_head", "MultiHeadedAttention", 2, 8, dropout=dropout, train=train)
    close(a(X, mask), b(X, mask))
    close(a.split_heads(X), b.split_heads(X))
    close(a.merge_heads(a.split_heads(X)), b.merge_heads(b.split_heads(X)))
    assert (a.head_num, a.hidden_size, a.per_head_dim) == (b.head_num, b.hidden_size, b.per_head_dim)
    assert type(b.attention).__name__ == "Attention" and isinstance(b.dropout, nn.Dropout)
    with pytest.raises(ValueError):
        shim("multi_head").MultiHeadedAttention(3, 8)


@pytest.mark.parametrize("dropout,train", [(0.0, False), (1.0, True)])
def test_feed_forward(dropout, train):
    a, b = twins("feed_forward", "FeedForward", 8, dropout=dropout, train=train)
    close(a(X), b(X))
    assert isinstance(b.activation, nn.GELU)


@pytest.mark.parametrize("scale", [1.0, 3e-3])
def test_layer_norm(scale):
    a, b = twins("transformer_block", "LayerNorm", 8, eps=0.1)
    close(a(X * scale), b(X * scale))
    assert b.eps == 0.1


@pytest.mark.parametrize("mask", [None, padding([5, 3], 5), torch.tril(torch.ones(1, 5, 5, dtype=torch.bool))])
@pytest.mark.parametrize("dropout,train", [(0.0, False), (1.0, True), (0.0, True)])
def test_transformer_block(mask, dropout, train):
    a, b = twins("transformer_block", "TransformerBlock", 8, 2, dropout=dropout, train=train)
    close(a(X, mask), b(X, mask))


def test_positional_embedding_is_bit_for_bit():
    for size, max_len in ((8, 512), (6, 10), (2, 1)):
        a, b = ref("positional_encoding").PositionalEmbedding(size, max_len), shim("positional_encoding").PositionalEmbedding(size, max_len)
        assert a.pe.dtype == b.pe.dtype == torch.float32 and torch.equal(a.pe, b.pe)
        assert dict(a.named_buffers()).keys() == dict(b.named_buffers()).keys()
        assert torch.equal(a(torch.zeros(3, 4, 1)), b(torch.zeros(3, 4, 1)))


@pytest.mark.parametrize("exercise", [e.id for e in EXERCISES])
def test_each_reference_file_works_among_the_shims(exercise, tmp_path):
    """What the sandbox does: the exercise's file (here the reference's) beside the shims. Its classes
    give the reference's numbers."""
    source = (SOLUTIONS / BY_ID[exercise].file).read_text(encoding="utf-8")
    files = workspace.package_files(BY_ID[exercise], source)
    for e in EXERCISES:  # no working version of an exercise not graded yet: a placeholder, with no code
        if e.number > BY_ID[exercise].number:
            assert files[f"{ASSIGNMENT}/{e.file}"].count("def ") == 1 and "class " not in files[f"{ASSIGNMENT}/{e.file}"]
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    name = f"_shimmed_{exercise}"
    shutil.move(tmp_path / ASSIGNMENT, tmp_path / name)
    sys.path.insert(0, str(tmp_path))
    try:
        mine = importlib.import_module(f"{name}.{exercise}")
        theirs = ref(exercise)
        ids = torch.tensor([[5, 6, 7, 0], [8, 0, 0, 0], [9, 10, 11, 12]])
        models = {"positional_encoding": ("PositionalEmbedding", (8,), (X,)),
                  "attention": ("Attention", (), (Q, K, V, padding([4, 2], 4))),
                  "multi_head": ("MultiHeadedAttention", (2, 8, 0.0), (X, padding([5, 2], 5))),
                  "feed_forward": ("FeedForward", (8, 0.0), (X,)),
                  "transformer_block": ("TransformerBlock", (8, 2, 0.0), (X, padding([5, 3], 5))),
                  "bert": ("BERT", (13, 8, 2, 2, 0.0), (ids, (ids > 6).long()))}
        if exercise == "warmup":
            assert mine.lr_lambda(3, 10, 100, "cosine") == theirs.lr_lambda(3, 10, 100, "cosine")
            return
        cls, args, inputs = models[exercise]
        a, b = getattr(theirs, cls)(*args).double().eval(), getattr(mine, cls)(*args).double().eval()
        g = torch.Generator().manual_seed(3)
        params = dict(a.named_parameters())
        state = {k: torch.randn(v.shape, generator=g, dtype=torch.float64) if k in params else v for k, v in a.state_dict().items()}
        a.load_state_dict(state)
        b.load_state_dict(state)
        close(a(*inputs), b(*inputs))
    finally:
        sys.path.remove(str(tmp_path))
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
