"""The public tests of the `transformer` assignment, run by `course test`.

They only check that each of your files imports, has the classes and functions
the assignment names, and gives outputs of the right shape and type on a tiny
example. They do not check the numbers: the hidden autograder does that, and
much more. Passing here does not mean full points.

The folder tested is the one in the environment variable COURSE_ASSIGNMENT_DIR
(the folder holding __init__.py and the exercise files). Run them with
`course test`. Plain pytest works too, inside your assignment folder (then the
folder of this file is tested) or from anywhere with the variable set:

    python -m pytest test_public.py
    COURSE_ASSIGNMENT_DIR=path/to/transformer python -m pytest path/to/test_public.py

Each file is tested on its own: when a file uses a sibling (multi_head.py uses
attention.py, ...), its own tests give it a simple stand-in for that sibling, so
an unfinished attention.py does not fail multi_head.py. The stand-ins only keep
the shapes right; they are not the real thing. The tests named
`..._with_your_files` then run your real files together, and are skipped while
a sibling they need does not work yet.
"""
import importlib
import importlib.util
import math
import os
import sys
import traceback
import types
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

# (number, exercise id) in the order of the assignment; the exercise id is the file's stem.
EXERCISES = (
    (1, "positional_encoding"),
    (2, "attention"),
    (3, "multi_head"),
    (4, "feed_forward"),
    (5, "transformer_block"),
    (6, "bert"),
    (7, "warmup"),
)
NUMBER = {ex: number for number, ex in EXERCISES}
# The sibling files each exercise imports, directly or through another sibling.
NEEDS = {
    "multi_head": ("attention",),
    "transformer_block": ("attention", "multi_head", "feed_forward"),
    "bert": ("positional_encoding", "attention", "multi_head", "feed_forward", "transformer_block"),
}

_here = Path(__file__).resolve().parent
if os.environ.get("COURSE_ASSIGNMENT_DIR"):
    ASSIGNMENT_DIR = Path(os.environ["COURSE_ASSIGNMENT_DIR"]).resolve()
elif any((_here / f"{ex}.py").is_file() for _, ex in EXERCISES):
    ASSIGNMENT_DIR = _here  # this file sits in the assignment folder, next to the exercise files
else:
    pytest.skip(
        "set COURSE_ASSIGNMENT_DIR to the folder holding your exercise files, or run `course test`",
        allow_module_level=True,
    )
PACKAGE = "transformer"
FILES = {f"{ex}.py" for _, ex in EXERCISES} | {"__init__.py"}

sys.dont_write_bytecode = True  # leave no __pycache__ in the student's folder
torch.manual_seed(0)


def exercise(ex):
    """The marker that says which exercise a test belongs to (`course test` registers it)."""
    with warnings.catch_warnings():  # a plain `pytest test_public.py` does not know the marker
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        return pytest.mark.exercise(ex)


@pytest.fixture(autouse=True)
def _exercise_of_test(request):
    """Every test names its exercise twice (marker and name prefix); they must agree."""
    marker = request.node.get_closest_marker("exercise")
    assert marker is not None, f"{request.node.name} has no exercise marker"
    ex = marker.args[0]
    assert ex in NUMBER and request.node.name.startswith(f"test_{ex}__"), (ex, request.node.name)


# The language of these messages: COURSE_LANG is zh, en or both (the default; English first).
LANG = os.environ.get("COURSE_LANG", "both")


def say(en, zh):
    """A message in the student's language."""
    return {"en": en, "zh": zh}.get(LANG, f"{en} / {zh}")


# --- Loading the student's files ---------------------------------------------------------------

_modules = {}  # (package, exercise) -> the module, or why it did not import (one line)


def _package(name, run_init):
    """A package `name` whose submodules are the files of ASSIGNMENT_DIR."""
    known = sys.modules.get(name)
    if known is not None and str(ASSIGNMENT_DIR) in [str(Path(p).resolve()) for p in getattr(known, "__path__", [])]:
        return known  # e.g. pytest imported this folder's package to import this file from it
    init = ASSIGNMENT_DIR / "__init__.py"
    if run_init and init.is_file():
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(ASSIGNMENT_DIR)])
        pkg = importlib.util.module_from_spec(spec)
        sys.modules[name] = pkg
        try:
            spec.loader.exec_module(pkg)
        except Exception as e:  # noqa: BLE001 - reported by every test that needs the package
            pkg.__course_error__ = say(f"__init__.py does not import: {_describe(e)}", f"__init__.py 无法导入：{_describe(e)}")
        return pkg
    pkg = types.ModuleType(name)
    pkg.__path__ = [str(ASSIGNMENT_DIR)]
    pkg.__package__ = name
    sys.modules[name] = pkg
    return pkg


def _import(package, ex):
    """Import package.ex once; returns (module, None) or (None, one-line reason)."""
    key = (package, ex)
    if key not in _modules:
        pkg = sys.modules[package]
        if getattr(pkg, "__course_error__", None):
            _modules[key] = pkg.__course_error__
        elif not (ASSIGNMENT_DIR / f"{ex}.py").is_file():
            _modules[key] = say(f"{ex}.py is missing", f"缺少 {ex}.py")
        else:
            try:
                _modules[key] = importlib.import_module(f"{package}.{ex}")
            except NotImplementedError as e:
                _modules[key] = say(f"not implemented yet: {e}", f"尚未实现：{e}")
            except BaseException as e:  # noqa: BLE001 - SyntaxError, ImportError, anything at import time
                if isinstance(e, KeyboardInterrupt):
                    raise
                _modules[key] = say(f"{ex}.py does not import: {_describe(e)}", f"{ex}.py 无法导入：{_describe(e)}")
    value = _modules[key]
    return (None, value) if isinstance(value, str) else (value, None)


def real_module(ex):
    """Your file as `transformer.<ex>`, importing your real sibling files."""
    _package(PACKAGE, run_init=True)
    return _import(PACKAGE, ex)


def own_module(ex):
    """Your file, with stand-ins for the sibling files it imports (see the module docstring)."""
    if ex not in NEEDS:
        return real_module(ex)
    name = f"{PACKAGE}_alone_{ex}"
    if name not in sys.modules:
        pkg = _package(name, run_init=False)
        for sibling, classes in _STAND_INS.items():
            if sibling != ex:
                stand_in = _stand_in_module(f"{name}.{sibling}", sibling, classes)
                sys.modules[stand_in.__name__] = stand_in
                setattr(pkg, sibling, stand_in)
    return _import(name, ex)


def load(ex, *names):
    """The module of exercise `ex` (with stand-ins) and the named attributes; fails the test if missing."""
    module, error = own_module(ex)
    if error:
        pytest.fail(error, pytrace=False)
    missing = [n for n in names if not hasattr(module, n)]
    if missing:
        pytest.fail(say(f"{ex}.py has no {', '.join(missing)}", f"{ex}.py 中没有 {'、'.join(missing)}"), pytrace=False)
    return [getattr(module, n) for n in names]


# --- Running the student's code ----------------------------------------------------------------


def _describe(e):
    """'Type: message (file.py, line N)' for the innermost frame in the assignment folder."""
    if isinstance(e, SyntaxError):
        return f"{type(e).__name__}: {e.msg} ({Path(e.filename or '?').name}, line {e.lineno})"
    text = f"{type(e).__name__}: {e}".splitlines()[0] if str(e) else type(e).__name__
    where = _where(e)
    if where:
        text += f" ({where[0]}, line {where[1]})"
    return text


def _where(e):
    """(file name, line) of the innermost frame of e's traceback that is in the assignment folder."""
    if isinstance(e, SyntaxError) and e.filename and Path(e.filename).parent == ASSIGNMENT_DIR:
        return Path(e.filename).name, e.lineno
    found = None
    for frame in traceback.extract_tb(e.__traceback__):
        path = Path(frame.filename)
        if path.parent == ASSIGNMENT_DIR and path.name in FILES:
            found = (path.name, frame.lineno)
    return found


def _message(ex, e):
    """The one-line failure for an exception raised by the student's code."""
    if isinstance(e, NotImplementedError):
        return say(f"not implemented yet: {e}", f"尚未实现：{e}")
    if isinstance(e, UnboundLocalError) and ex == "bert":
        return say(f"still the lecture's broken mask ({_describe(e)})", f"仍是讲义中那个有错误的掩码（{_describe(e)}）")
    return _describe(e)


def run(ex, fn, *args, **kwargs):
    """Call your code; turn "not implemented" and crashes into a one-line failure."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - any crash of the student's code is a failure with its place
        message = _message(ex, e)
    pytest.fail(message, pytrace=False)  # outside the except: no "during handling" chain


def with_your_files(ex, fn):
    """Run fn(module) on your real file and your real siblings; skip while a sibling isn't ready."""
    for sibling in NEEDS[ex]:
        _, error = real_module(sibling)
        if error:
            pytest.skip(say(f"needs {sibling}.py first: {error}", f"需要先完成 {sibling}.py：{error}"))
    module, error = real_module(ex)
    if error:
        pytest.fail(error, pytrace=False)
    skip = None
    try:
        return fn(module)
    except Exception as e:  # noqa: BLE001
        where = _where(e)
        if isinstance(e, NotImplementedError) and where and where[0] != f"{ex}.py":
            skip = say(f"needs {where[0]} first: not implemented yet: {e}", f"需要先完成 {where[0]}：尚未实现：{e}")
        message = _message(ex, e)
        if not isinstance(e, (NotImplementedError, UnboundLocalError)):
            message = say(f"with your files: {message}", f"使用你自己的文件时：{message}")
    if skip:
        pytest.skip(skip)
    pytest.fail(message, pytrace=False)


def check_shape(what, tensor, shape, dtype=torch.float32):
    assert isinstance(tensor, torch.Tensor), say(f"{what} should be a tensor, got {type(tensor).__name__}", f"{what} 应为张量，实际是 {type(tensor).__name__}")
    assert tuple(tensor.shape) == tuple(shape), say(f"{what} should have shape {tuple(shape)}, got {tuple(tensor.shape)}", f"{what} 的形状应为 {tuple(shape)}，实际是 {tuple(tensor.shape)}")
    assert tensor.dtype == dtype, say(f"{what} should be {dtype}, got {tensor.dtype}", f"{what} 的类型应为 {dtype}，实际是 {tensor.dtype}")
    if tensor.is_floating_point():
        assert torch.isfinite(tensor).all(), say(f"{what} has NaN or inf entries", f"{what} 中含有 NaN 或 inf")


def check_mask(who, mask, shape):
    """A mask must broadcast to `shape` (the attention scores)."""
    if mask is None:
        return
    try:
        broadcast = torch.broadcast_shapes(tuple(mask.shape), tuple(shape))
    except (RuntimeError, AttributeError):
        broadcast = None
    if broadcast != tuple(shape):
        pytest.fail(
            say(f"{who} got a mask of shape {tuple(getattr(mask, 'shape', ()))}, which does not broadcast to {tuple(shape)}",
                f"{who} 收到的掩码形状是 {tuple(getattr(mask, 'shape', ()))}，无法广播到 {tuple(shape)}"),
            pytrace=False,
        )


# --- Stand-ins for sibling files: right shapes, nothing more -----------------------------------


class StandInPositionalEmbedding(nn.Module):
    """Stands in for positional_encoding.py: all zeros."""

    def __init__(self, embed_size, max_len=512):
        super().__init__()
        self.embed_size = embed_size
        self.register_buffer("pe", torch.zeros(1, max_len, embed_size))

    def forward(self, x):
        return self.pe[:, : x.size(1)]


class StandInAttention(nn.Module):
    """Stands in for attention.py: the same weight for every key, whatever the mask."""

    def forward(self, query, key, value, mask=None, dropout=None):
        batch = torch.broadcast_shapes(query.shape[:-2], key.shape[:-2])
        shape = (*batch, query.shape[-2], key.shape[-2])
        check_mask("Attention", mask, shape)
        weights = torch.full(shape, 1.0 / key.shape[-2], dtype=query.dtype)
        if dropout is not None:
            weights = dropout(weights)
        output = torch.matmul(weights, value)
        return output, weights


class StandInMultiHeadedAttention(nn.Module):
    """Stands in for multi_head.py: returns its input."""

    def __init__(self, head_num, hidden_size, dropout=0.1):
        super().__init__()
        self.head_num, self.hidden_size = head_num, hidden_size

    def forward(self, x, mask=None):
        B, L, _ = x.shape
        check_mask("MultiHeadedAttention", mask, (B, self.head_num, L, L))
        return x.clone()


class StandInFeedForward(nn.Module):
    """Stands in for feed_forward.py: returns its input."""

    def __init__(self, hidden_size, dropout=0.1):
        super().__init__()

    def forward(self, x):
        return x.clone()


class StandInTransformerBlock(nn.Module):
    """Stands in for transformer_block.py: returns its input, after looking at the mask's shape."""

    def __init__(self, hidden_size, head_num, dropout=0.1):
        super().__init__()
        self.head_num = head_num

    def forward(self, x, mask=None):
        B, L, _ = x.shape
        if mask is None:
            pytest.fail(say("BERT gives its transformer blocks no padding mask", "BERT 没有把填充掩码传给 Transformer 块"), pytrace=False)
        check_mask("a TransformerBlock inside BERT", mask, (B, self.head_num, L, L))
        return x.clone()


_STAND_INS = {
    "positional_encoding": {"PositionalEmbedding": StandInPositionalEmbedding},
    "attention": {"Attention": StandInAttention},
    "multi_head": {"MultiHeadedAttention": StandInMultiHeadedAttention},
    "feed_forward": {"FeedForward": StandInFeedForward},
    "transformer_block": {"TransformerBlock": StandInTransformerBlock},
}


def _stand_in_module(name, sibling, classes):
    """A module with the stand-in classes; any other name comes from your real sibling file."""
    module = types.ModuleType(name)
    module.__dict__.update(classes)

    def __getattr__(attr):
        real, _ = real_module(sibling)
        if real is None or not hasattr(real, attr):
            raise AttributeError(attr)
        return getattr(real, attr)

    module.__getattr__ = __getattr__
    return module


# --- 1. positional_encoding ---------------------------------------------------------------------


@exercise("positional_encoding")
def test_positional_encoding__imports():
    (cls,) = load("positional_encoding", "PositionalEmbedding")
    assert isinstance(cls, type) and issubclass(cls, nn.Module), say("PositionalEmbedding should be an nn.Module", "PositionalEmbedding 应为 nn.Module")


@exercise("positional_encoding")
def test_positional_encoding__pe_is_a_buffer():
    (cls,) = load("positional_encoding", "PositionalEmbedding")
    module = run("positional_encoding", cls, 16, 64)
    buffers = dict(module.named_buffers())
    assert "pe" in buffers, say("pe should be registered as a buffer (register_buffer)", "pe 应注册为缓冲区（register_buffer）")
    assert "pe" not in dict(module.named_parameters()), say("pe should be a buffer, not a parameter", "pe 应是缓冲区，而不是参数")
    check_shape("pe of PositionalEmbedding(16, 64)", buffers["pe"], (1, 64, 16))
    default = run("positional_encoding", cls, 8)
    check_shape("pe of PositionalEmbedding(8)", default.pe, (1, 512, 8))


@exercise("positional_encoding")
def test_positional_encoding__forward_shape():
    (cls,) = load("positional_encoding", "PositionalEmbedding")
    module = run("positional_encoding", cls, 16, 64)
    out = run("positional_encoding", module, torch.zeros(2, 10, 16))
    check_shape("PositionalEmbedding(16, 64)(x) with x of shape (2, 10, 16)", out, (1, 10, 16))
    out = run("positional_encoding", module, torch.zeros(3, 7, dtype=torch.long))
    check_shape("PositionalEmbedding(16, 64)(ids) with ids of shape (3, 7)", out, (1, 7, 16))


# --- 2. attention -------------------------------------------------------------------------------


@exercise("attention")
def test_attention__imports():
    cls, mask_fn = load("attention", "Attention", "subsequent_mask")
    assert isinstance(cls, type) and issubclass(cls, nn.Module), say("Attention should be an nn.Module", "Attention 应为 nn.Module")
    assert callable(mask_fn), say("subsequent_mask should be a function", "subsequent_mask 应为函数")


@exercise("attention")
def test_attention__output_and_weights_shapes():
    (cls,) = load("attention", "Attention")
    attention = run("attention", cls)
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 4)
    result = run("attention", attention, q, k, v)
    assert isinstance(result, tuple) and len(result) == 2, say("Attention should return (output, weights)", "Attention 应返回 (output, weights)")
    output, weights = result
    check_shape("the output for query (2, 3, 5, 8), key (2, 3, 7, 8), value (2, 3, 7, 4)", output, (2, 3, 5, 4))
    check_shape("the weights for query (2, 3, 5, 8), key (2, 3, 7, 8)", weights, (2, 3, 5, 7))
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3, 5), atol=1e-5), say("each row of the weights should sum to 1", "注意力权重的每一行之和应为 1")


@exercise("attention")
def test_attention__runs_with_a_mask():
    (cls,) = load("attention", "Attention")
    attention = run("attention", cls)
    q, k, v = torch.randn(2, 4, 8), torch.randn(2, 6, 8), torch.randn(2, 6, 8)
    mask = torch.ones(2, 1, 6, dtype=torch.bool)
    mask[:, :, 4:] = False
    output, weights = run("attention", attention, q, k, v, mask=mask)
    check_shape("the output with a mask", output, (2, 4, 8))
    check_shape("the weights with a mask", weights, (2, 4, 6))
    assert torch.allclose(weights.sum(-1), torch.ones(2, 4), atol=1e-5), say("each row of the weights should sum to 1", "注意力权重的每一行之和应为 1")


@exercise("attention")
def test_attention__subsequent_mask_shape_and_dtype():
    (mask_fn,) = load("attention", "subsequent_mask")
    mask = run("attention", mask_fn, 5)
    check_shape("subsequent_mask(5)", mask, (1, 5, 5), dtype=torch.bool)


# --- 3. multi_head ------------------------------------------------------------------------------


@exercise("multi_head")
def test_multi_head__imports():
    (cls,) = load("multi_head", "MultiHeadedAttention")
    assert isinstance(cls, type) and issubclass(cls, nn.Module), say("MultiHeadedAttention should be an nn.Module", "MultiHeadedAttention 应为 nn.Module")
    for name in ("split_heads", "merge_heads", "forward"):
        assert callable(getattr(cls, name, None)), say(f"MultiHeadedAttention has no method {name}", f"MultiHeadedAttention 没有方法 {name}")


@exercise("multi_head")
def test_multi_head__attributes():
    (cls,) = load("multi_head", "MultiHeadedAttention")
    mha = run("multi_head", cls, 4, 32)
    for name, value in (("head_num", 4), ("hidden_size", 32), ("per_head_dim", 8)):
        assert getattr(mha, name, None) == value, say(f"MultiHeadedAttention(4, 32).{name} should be {value}", f"MultiHeadedAttention(4, 32).{name} 应为 {value}")
    for name in ("query_linear", "key_linear", "value_linear", "output_linear", "attention", "dropout"):
        assert isinstance(getattr(mha, name, None), nn.Module), say(f"MultiHeadedAttention has no submodule {name}", f"MultiHeadedAttention 没有子模块 {name}")


@exercise("multi_head")
def test_multi_head__rejects_indivisible_hidden_size():
    (cls,) = load("multi_head", "MultiHeadedAttention")
    message = say("MultiHeadedAttention(5, 32) should raise ValueError (32 is not divisible by 5)", "MultiHeadedAttention(5, 32) 应抛出 ValueError（32 不能被 5 整除）")
    try:
        cls(5, 32)
    except ValueError:
        return
    except Exception as e:  # noqa: BLE001
        message = _message("multi_head", e)
        if not isinstance(e, NotImplementedError):
            message = say(f"MultiHeadedAttention(5, 32) should raise ValueError, got {message}", f"MultiHeadedAttention(5, 32) 应抛出 ValueError，实际是 {message}")
    pytest.fail(message, pytrace=False)


@exercise("multi_head")
def test_multi_head__split_and_merge_shapes():
    (cls,) = load("multi_head", "MultiHeadedAttention")
    mha = run("multi_head", cls, 4, 32)
    x = torch.randn(2, 5, 32)
    heads = run("multi_head", mha.split_heads, x)
    check_shape("split_heads of (2, 5, 32) with 4 heads", heads, (2, 4, 5, 8))
    merged = run("multi_head", mha.merge_heads, heads)
    check_shape("merge_heads of (2, 4, 5, 8)", merged, (2, 5, 32))
    assert torch.equal(merged, x), say("merge_heads(split_heads(x)) should give x back", "merge_heads(split_heads(x)) 应还原出 x")


@exercise("multi_head")
def test_multi_head__forward_shape():
    (cls,) = load("multi_head", "MultiHeadedAttention")
    mha = run("multi_head", cls, 4, 32).eval()
    x = torch.randn(2, 5, 32)
    check_shape("MultiHeadedAttention(4, 32)(x) with x (2, 5, 32)", run("multi_head", mha, x), (2, 5, 32))
    mask = torch.ones(2, 1, 1, 5, dtype=torch.bool)
    out = run("multi_head", mha, x, mask)
    check_shape("MultiHeadedAttention(4, 32)(x, mask) with mask (2, 1, 1, 5)", out, (2, 5, 32))


@exercise("multi_head")
def test_multi_head__with_your_files():
    def body(module):
        mha = module.MultiHeadedAttention(4, 32).eval()
        out = mha(torch.randn(2, 5, 32), torch.ones(2, 1, 1, 5, dtype=torch.bool))
        check_shape("MultiHeadedAttention with your Attention", out, (2, 5, 32))

    with_your_files("multi_head", body)


# --- 4. feed_forward ----------------------------------------------------------------------------


@exercise("feed_forward")
def test_feed_forward__imports():
    (cls,) = load("feed_forward", "FeedForward")
    assert isinstance(cls, type) and issubclass(cls, nn.Module), say("FeedForward should be an nn.Module", "FeedForward 应为 nn.Module")


@exercise("feed_forward")
def test_feed_forward__submodules():
    (cls,) = load("feed_forward", "FeedForward")
    ff = run("feed_forward", cls, 16)
    for name in ("input_layer", "output_layer", "dropout", "activation"):
        assert isinstance(getattr(ff, name, None), nn.Module), say(f"FeedForward has no submodule {name}", f"FeedForward 没有子模块 {name}")


@exercise("feed_forward")
def test_feed_forward__forward_shape():
    (cls,) = load("feed_forward", "FeedForward")
    ff = run("feed_forward", cls, 16).eval()
    out = run("feed_forward", ff, torch.randn(2, 5, 16))
    check_shape("FeedForward(16)(x) with x (2, 5, 16)", out, (2, 5, 16))


# --- 5. transformer_block -----------------------------------------------------------------------


@exercise("transformer_block")
def test_transformer_block__imports():
    layer_norm, block = load("transformer_block", "LayerNorm", "TransformerBlock")
    for cls in (layer_norm, block):
        assert isinstance(cls, type) and issubclass(cls, nn.Module), say(f"{cls.__name__} should be an nn.Module", f"{cls.__name__} 应为 nn.Module")


@exercise("transformer_block")
def test_transformer_block__layer_norm_parameters_and_shape():
    (cls,) = load("transformer_block", "LayerNorm")
    norm = run("transformer_block", cls, 16)
    params = dict(norm.named_parameters())
    for name in ("weight", "bias"):
        assert name in params, say(f"LayerNorm(16) should have a parameter {name} (nn.Parameter)", f"LayerNorm(16) 应有参数 {name}（nn.Parameter）")
        check_shape(f"LayerNorm(16).{name}", params[name].detach(), (16,))
    out = run("transformer_block", norm, torch.randn(2, 5, 16))
    check_shape("LayerNorm(16)(x) with x (2, 5, 16)", out, (2, 5, 16))


@exercise("transformer_block")
def test_transformer_block__forward_shape():
    (cls,) = load("transformer_block", "TransformerBlock")
    block = run("transformer_block", cls, 16, 4).eval()
    x = torch.randn(2, 5, 16)
    check_shape("TransformerBlock(16, 4)(x) with x (2, 5, 16)", run("transformer_block", block, x), (2, 5, 16))
    mask = torch.ones(2, 1, 1, 5, dtype=torch.bool)
    out = run("transformer_block", block, x, mask)
    check_shape("TransformerBlock(16, 4)(x, mask) with mask (2, 1, 1, 5)", out, (2, 5, 16))


@exercise("transformer_block")
def test_transformer_block__with_your_files():
    def body(module):
        block = module.TransformerBlock(16, 4).eval()
        out = block(torch.randn(2, 5, 16), torch.ones(2, 1, 1, 5, dtype=torch.bool))
        check_shape("TransformerBlock with your MultiHeadedAttention and FeedForward", out, (2, 5, 16))

    with_your_files("transformer_block", body)


# --- 6. bert ------------------------------------------------------------------------------------

IDS = torch.tensor([[5, 7, 9, 3, 0, 0], [4, 8, 2, 6, 1, 0]])  # id 0 is [PAD]
TYPES = torch.tensor([[0, 0, 0, 1, 0, 0], [0, 0, 1, 1, 1, 0]])


@exercise("bert")
def test_bert__imports():
    embedding, bert = load("bert", "BERTEmbedding", "BERT")
    for cls in (embedding, bert):
        assert isinstance(cls, type) and issubclass(cls, nn.Module), say(f"{cls.__name__} should be an nn.Module", f"{cls.__name__} 应为 nn.Module")


@exercise("bert")
def test_bert__embedding_shape():
    (cls,) = load("bert", "BERTEmbedding")
    embedding = run("bert", cls, 50, 16).eval()
    out = run("bert", embedding, IDS, TYPES)
    check_shape("BERTEmbedding(50, 16)(input_ids, token_type_ids) with ids (2, 6)", out, (2, 6, 16))


@exercise("bert")
def test_bert__forward_shape():
    (cls,) = load("bert", "BERT")
    bert = run("bert", cls, 50, hidden_size=16, layer_num=2, head_num=4).eval()
    out = run("bert", bert, IDS, TYPES)
    check_shape("BERT(50, hidden_size=16, layer_num=2, head_num=4) on ids (2, 6)", out, (2, 6, 16))


@exercise("bert")
def test_bert__with_your_files():
    def body(module):
        bert = module.BERT(50, hidden_size=16, layer_num=2, head_num=4).eval()
        check_shape("BERT with all your files", bert(IDS, TYPES), (2, 6, 16))

    with_your_files("bert", body)


# --- 7. warmup ----------------------------------------------------------------------------------


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@exercise("warmup")
def test_warmup__imports():
    lr_lambda, get_scheduler = load("warmup", "lr_lambda", "get_scheduler")
    assert callable(lr_lambda) and callable(get_scheduler)


@exercise("warmup")
@pytest.mark.parametrize("schedule", ["linear", "cosine", "noam"])
def test_warmup__multiplier_is_a_number_in_0_1(schedule):
    (lr_lambda,) = load("warmup", "lr_lambda")
    for step in (0, 1, 5, 10, 11, 50, 99, 100):
        value = run("warmup", lr_lambda, step, 10, 100, schedule)
        assert _is_number(value), say(f"lr_lambda({step}, 10, 100, {schedule!r}) should be a Python float, got {type(value).__name__}",
                                   f"lr_lambda({step}, 10, 100, {schedule!r}) 应为 Python 浮点数，实际是 {type(value).__name__}")
        assert math.isfinite(value) and 0.0 <= value <= 1.0 + 1e-9, (
            say(f"lr_lambda({step}, 10, 100, {schedule!r}) should be in [0, 1], got {value}",
                f"lr_lambda({step}, 10, 100, {schedule!r}) 应在 [0, 1] 之间，实际是 {value}")
        )


@exercise("warmup")
def test_warmup__linear_peaks_at_the_end_of_warmup():
    (lr_lambda,) = load("warmup", "lr_lambda")
    value = run("warmup", lr_lambda, 10, 10, 100, "linear")
    assert _is_number(value) and abs(value - 1.0) < 1e-9, say(f"lr_lambda(10, 10, 100, 'linear') should be 1.0, got {value!r}",
                                                            f"lr_lambda(10, 10, 100, 'linear') 应为 1.0，实际是 {value!r}")


@exercise("warmup")
def test_warmup__get_scheduler_returns_a_lambda_lr():
    (get_scheduler,) = load("warmup", "get_scheduler")
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = run("warmup", get_scheduler, optimizer, 10, 100)
    assert isinstance(scheduler, torch.optim.lr_scheduler.LambdaLR), (
        say(f"get_scheduler should return a torch.optim.lr_scheduler.LambdaLR, got {type(scheduler).__name__}",
            f"get_scheduler 应返回 torch.optim.lr_scheduler.LambdaLR，实际是 {type(scheduler).__name__}")
    )
