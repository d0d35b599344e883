"""The public tests of the `decoder` assignment, run by `course test`.

They only check that each of your files imports, has the classes and functions
the assignment names, and gives outputs of the right shape and type on a tiny
example. They do not check the numbers: the hidden autograder does that, and
much more. Passing here does not mean full points.

The folder tested is the one in the environment variable COURSE_ASSIGNMENT_DIR
(the folder holding __init__.py, layers.py and the exercise files). Run them
with `course test`. Plain pytest works too, inside your assignment folder (then
the folder of this file is tested) or from anywhere with the variable set:

    python -m pytest test_public.py
    COURSE_ASSIGNMENT_DIR=path/to/decoder python -m pytest path/to/test_public.py

Each file is tested on its own: when a file uses a sibling (decoder_block.py
uses cross_attention.py, seq2seq.py uses decoder_block.py), its own tests give
it a simple stand-in for that sibling, so an unfinished cross_attention.py does
not fail decoder_block.py. generate() gets a tiny stand-in language model
instead of your GPT, and SequenceClassifier a tiny stand-in encoder. The
stand-ins only keep the shapes right; they are not the real thing. The tests
named `..._with_your_files` then run your real files together, and are skipped
while a sibling they need does not work yet. layers.py is given, complete: it is
always the real one.
"""
import importlib
import importlib.util
import inspect
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
    (1, "classifier"),
    (2, "cross_attention"),
    (3, "decoder_block"),
    (4, "seq2seq"),
    (5, "gpt"),
    (6, "generate"),
    (7, "crf"),
)
NUMBER = {ex: number for number, ex in EXERCISES}
# The sibling files each exercise imports, directly or through another sibling (generate imports
# none: its `..._with_your_files` test runs it on your GPT). layers.py is given and always real.
NEEDS = {
    "decoder_block": ("cross_attention",),
    "seq2seq": ("cross_attention", "decoder_block"),
    "generate": ("gpt",),
}
GIVEN = "layers"

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
PACKAGE = "decoder"
FILES = {f"{ex}.py" for _, ex in EXERCISES} | {"__init__.py", f"{GIVEN}.py"}

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

_modules = {}  # (package, file stem) -> the module, or why it did not import (one line)


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


def _given_missing(e=None):
    """The message when layers.py is gone (e: the import that failed for it, if any), else None."""
    if e is not None and not (isinstance(e, ModuleNotFoundError) and (e.name or "").split(".")[-1] == GIVEN):
        return None
    if (ASSIGNMENT_DIR / f"{GIVEN}.py").is_file():
        return None
    return say(f"{GIVEN}.py is missing: it is given with the assignment, complete; put it back beside your files",
               f"缺少 {GIVEN}.py：它随作业一起给出，是完整的；请把它放回你的文件旁边")


def _import(package, ex):
    """Import package.ex once; returns (module, None) or (None, one-line reason)."""
    key = (package, ex)
    if key not in _modules:
        pkg = sys.modules[package]
        if getattr(pkg, "__course_error__", None):
            _modules[key] = pkg.__course_error__
        elif not (ASSIGNMENT_DIR / f"{ex}.py").is_file():
            _modules[key] = (ex == GIVEN and _given_missing()) or say(f"{ex}.py is missing", f"缺少 {ex}.py")
        else:
            try:
                _modules[key] = importlib.import_module(f"{package}.{ex}")
            except NotImplementedError as e:
                _modules[key] = say(f"not implemented yet: {e}", f"尚未实现：{e}")
            except BaseException as e:  # noqa: BLE001 - SyntaxError, ImportError, anything at import time
                if isinstance(e, KeyboardInterrupt):
                    raise
                _modules[key] = _given_missing(e) or say(f"{ex}.py does not import: {_describe(e)}",
                                                         f"{ex}.py 无法导入：{_describe(e)}")
    value = _modules[key]
    return (None, value) if isinstance(value, str) else (value, None)


def real_module(ex):
    """Your file as `decoder.<ex>`, importing your real sibling files."""
    _package(PACKAGE, run_init=True)
    return _import(PACKAGE, ex)


def own_module(ex):
    """Your file, with stand-ins for the sibling files it imports (see the module docstring)."""
    if not set(NEEDS.get(ex, ())) & set(_STAND_INS):
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


def given():
    """The given layers.py (its classes build the tiny models of these tests)."""
    module, error = real_module(GIVEN)
    if error:
        pytest.fail(error, pytrace=False)
    return module


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
    return _describe(e)


def run(ex, fn, *args, **kwargs):
    """Call your code; turn "not implemented" and crashes into a one-line failure."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - any crash of the student's code is a failure with its place
        message = _message(ex, e)
    pytest.fail(message, pytrace=False)  # outside the except: no "during handling" chain


def raises_value_error(ex, call, fn, *args, **kwargs):
    """`call` (its text, e.g. 'CRF(0)') must raise ValueError."""
    en, zh = f"{call} should raise ValueError", f"{call} 应抛出 ValueError"
    message = say(en, zh)
    try:
        fn(*args, **kwargs)
    except ValueError:
        return
    except Exception as e:  # noqa: BLE001
        message = _message(ex, e)
        if not isinstance(e, NotImplementedError):
            message = say(f"{en}, got {message}", f"{zh}，实际是 {message}")
    pytest.fail(message, pytrace=False)


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
        if not isinstance(e, NotImplementedError):
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


def check_module(who, module, names):
    """`module` (who: its call, e.g. 'GPT(20, ...)') has a submodule of each name."""
    for name in names:
        assert isinstance(getattr(module, name, None), nn.Module), say(f"{who} has no submodule {name}", f"{who} 没有子模块 {name}")


def check_parameters(who, fn, expected):
    """fn's parameters (self left out) are `expected`: [(name, default)], a name alone when it has none."""
    wanted = [p if isinstance(p, tuple) else (p, inspect.Parameter.empty) for p in expected]
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = None
    if params and params[0].name == "self":
        params = params[1:]
    got = None if params is None else [(p.name, p.default) for p in params]

    def text(pairs):
        return "(" + ", ".join(n if d is inspect.Parameter.empty else f"{n}={d!r}" for n, d in pairs) + ")"

    if got != wanted:
        shown = "?" if got is None else text(got)
        pytest.fail(say(f"{who} should take {text(wanted)}, it takes {shown}", f"{who} 的参数应为 {text(wanted)}，实际是 {shown}"),
                    pytrace=False)


def check_is_module_class(*classes):
    for cls in classes:
        assert isinstance(cls, type) and issubclass(cls, nn.Module), say(f"{getattr(cls, '__name__', cls)} should be an nn.Module", f"{getattr(cls, '__name__', cls)} 应为 nn.Module")


# --- Stand-ins: right shapes, nothing more -----------------------------------------------------


class StandInCrossAttention(nn.Module):
    """Stands in for cross_attention.py: returns its queries' input, after looking at memory and the mask."""

    def __init__(self, head_num, hidden_size, dropout=0.1):
        super().__init__()
        self.head_num, self.hidden_size = head_num, hidden_size

    def forward(self, x, memory, memory_mask=None):
        B, Lt, H = x.shape
        if not isinstance(memory, torch.Tensor) or memory.dim() != 3 or memory.shape[0] != B or memory.shape[2] != H:
            pytest.fail(say(f"the cross-attention got memory of shape {tuple(getattr(memory, 'shape', ()))}; it should be the encoder's output (B, Ls, H) = ({B}, Ls, {H})",
                            f"交叉注意力收到的 memory 形状是 {tuple(getattr(memory, 'shape', ()))}；它应是编码器的输出 (B, Ls, H) = ({B}, Ls, {H})"),
                        pytrace=False)
        check_mask("the CrossAttention inside DecoderBlock", memory_mask, (B, self.head_num, Lt, memory.shape[1]))
        return x.clone()


class StandInDecoderBlock(nn.Module):
    """Stands in for decoder_block.py: returns its input, after looking at memory and both masks."""

    def __init__(self, hidden_size, head_num, dropout=0.1):
        super().__init__()
        self.head_num = head_num

    def forward(self, x, memory, target_mask=None, memory_mask=None):
        B, Lt, H = x.shape
        if not isinstance(memory, torch.Tensor) or memory.dim() != 3 or memory.shape[0] != B or memory.shape[2] != H:
            pytest.fail(say(f"a DecoderBlock inside Seq2Seq got memory of shape {tuple(getattr(memory, 'shape', ()))}; it should be the encoder's output (B, Ls, H) = ({B}, Ls, {H})",
                            f"Seq2Seq 中的 DecoderBlock 收到的 memory 形状是 {tuple(getattr(memory, 'shape', ()))}；它应是编码器的输出 (B, Ls, H) = ({B}, Ls, {H})"),
                        pytrace=False)
        for mask, en, zh in ((target_mask, "target", "目标"), (memory_mask, "source", "源")):
            if mask is None:
                pytest.fail(say(f"Seq2Seq gives its decoder blocks no {en} mask", f"Seq2Seq 没有把{zh}掩码传给解码器块"), pytrace=False)
        check_mask("a DecoderBlock inside Seq2Seq (its target mask)", target_mask, (B, self.head_num, Lt, Lt))
        check_mask("a DecoderBlock inside Seq2Seq (its source mask)", memory_mask, (B, self.head_num, Lt, memory.shape[1]))
        return x.clone()


class StandInEncoder(nn.Module):
    """Stands in for the encoder handed to SequenceClassifier: one vector per token, (B, L, H)."""

    def __init__(self, vocab_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)

    def forward(self, input_ids, token_type_ids):
        for name, ids in (("input_ids", input_ids), ("token_type_ids", token_type_ids)):
            if not isinstance(ids, torch.Tensor) or ids.dim() != 2 or ids.dtype != torch.long:
                pytest.fail(say(f"SequenceClassifier should call its encoder with {name} as given, a LongTensor (B, L)",
                                f"SequenceClassifier 应把 {name} 原样传给编码器（(B, L) 的 LongTensor）"), pytrace=False)
        return self.embedding(input_ids)


class StandInLM(nn.Module):
    """Stands in for a GPT handed to generate(): the next token's logits depend on the last token only."""

    def __init__(self, vocab_size, max_len, always=None):
        super().__init__()
        self.max_len, self.vocab_size = max_len, vocab_size
        self.table = nn.Embedding(vocab_size, vocab_size)
        if always is not None:  # a model sure of one next token, whatever it reads
            with torch.no_grad():
                self.table.weight[:, always] = 50.0

    def forward(self, input_ids):
        if not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2 or input_ids.dtype != torch.long:
            pytest.fail(say("generate should call the model on a LongTensor of ids (B, L)", "generate 调用模型时应传入 (B, L) 的 LongTensor"),
                        pytrace=False)
        if input_ids.shape[1] > self.max_len:
            pytest.fail(say(f"generate fed the model {input_ids.shape[1]} tokens; its max_len is {self.max_len}: feed it at most the last model.max_len tokens",
                            f"generate 给模型输入了 {input_ids.shape[1]} 个词，而它的 max_len 是 {self.max_len}：最多只能输入最后 model.max_len 个词"),
                        pytrace=False)
        return self.table(input_ids)  # (B, L, V)


_STAND_INS = {
    "cross_attention": {"CrossAttention": StandInCrossAttention},
    "decoder_block": {"DecoderBlock": StandInDecoderBlock},
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


# Tiny batches; id 0 is padding. Three rows and two heads, so that a batch axis and a head axis
# mixed up do not broadcast by chance.
IDS = torch.tensor([[5, 7, 9, 3, 0, 0], [4, 8, 2, 6, 1, 0], [3, 3, 0, 0, 0, 0]])  # (3, 6)
TYPES = torch.tensor([[0, 0, 0, 1, 0, 0], [0, 0, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0]])
TARGET = torch.tensor([[1, 6, 4, 2], [1, 3, 0, 0], [1, 9, 8, 0]])  # (3, 4)
H, HEADS = 8, 2


# --- 1. classifier ------------------------------------------------------------------------------


@exercise("classifier")
def test_classifier__imports():
    (cls,) = load("classifier", "SequenceClassifier")
    check_is_module_class(cls)
    check_parameters("SequenceClassifier.__init__", cls.__init__,
                     ["encoder", "hidden_size", "num_classes", ("pooling", "cls"), ("dropout", 0.1)])
    check_parameters("SequenceClassifier.forward", cls.forward, ["input_ids", "token_type_ids"])


@exercise("classifier")
def test_classifier__submodules():
    (cls,) = load("classifier", "SequenceClassifier")
    encoder = StandInEncoder(20, H)
    model = run("classifier", cls, encoder, H, 3)
    check_module("SequenceClassifier(encoder, 8, 3)", model, ("encoder", "dropout", "classifier"))
    assert model.encoder is encoder, say("SequenceClassifier.encoder should be the encoder passed in", "SequenceClassifier.encoder 应是传入的编码器")


@exercise("classifier")
def test_classifier__rejects_an_unknown_pooling():
    (cls,) = load("classifier", "SequenceClassifier")
    raises_value_error("classifier", "SequenceClassifier(encoder, 8, 3, pooling='max')", cls, StandInEncoder(20, H), H, 3, pooling="max")


@exercise("classifier")
@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_classifier__forward_shape(pooling):
    (cls,) = load("classifier", "SequenceClassifier")
    model = run("classifier", cls, StandInEncoder(20, H), H, 3, pooling=pooling).eval()
    out = run("classifier", model, IDS, TYPES)
    check_shape(f"SequenceClassifier(encoder, 8, 3, pooling={pooling!r}) on ids (3, 6)", out, (3, 3))


@exercise("classifier")
def test_classifier__on_the_given_bert():
    (cls,) = load("classifier", "SequenceClassifier")
    bert = given().BERT(20, hidden_size=H, layer_num=1, head_num=HEADS)
    model = run("classifier", cls, bert, H, 4, pooling="mean").eval()
    check_shape("SequenceClassifier on the given BERT, pooling='mean'", run("classifier", model, IDS, TYPES), (3, 4))


# --- 2. cross_attention -------------------------------------------------------------------------


@exercise("cross_attention")
def test_cross_attention__imports():
    (cls,) = load("cross_attention", "CrossAttention")
    check_is_module_class(cls)
    check_parameters("CrossAttention.__init__", cls.__init__, ["head_num", "hidden_size", ("dropout", 0.1)])
    check_parameters("CrossAttention.forward", cls.forward, ["x", "memory", ("memory_mask", None)])


@exercise("cross_attention")
def test_cross_attention__attributes():
    (cls,) = load("cross_attention", "CrossAttention")
    attention = run("cross_attention", cls, 4, 32)
    for name, value in (("head_num", 4), ("hidden_size", 32), ("per_head_dim", 8)):
        assert getattr(attention, name, None) == value, say(f"CrossAttention(4, 32).{name} should be {value}", f"CrossAttention(4, 32).{name} 应为 {value}")
    check_module("CrossAttention(4, 32)", attention,
                 ("query_linear", "key_linear", "value_linear", "output_linear", "attention", "dropout"))


@exercise("cross_attention")
def test_cross_attention__rejects_indivisible_hidden_size():
    (cls,) = load("cross_attention", "CrossAttention")
    raises_value_error("cross_attention", "CrossAttention(5, 32) (32 is not divisible by 5)", cls, 5, 32)


@exercise("cross_attention")
def test_cross_attention__forward_shape():
    (cls,) = load("cross_attention", "CrossAttention")
    attention = run("cross_attention", cls, HEADS, H).eval()
    x, memory = torch.randn(3, 4, H), torch.randn(3, 6, H)
    out = run("cross_attention", attention, x, memory)
    check_shape("CrossAttention(2, 8)(x, memory) with x (3, 4, 8), memory (3, 6, 8)", out, (3, 4, H))
    mask = (IDS != 0)[:, None, None, :]  # (3, 1, 1, 6)
    out = run("cross_attention", attention, x, memory, mask)
    check_shape("CrossAttention(2, 8)(x, memory, memory_mask) with memory_mask (3, 1, 1, 6)", out, (3, 4, H))


# --- 3. decoder_block ---------------------------------------------------------------------------


@exercise("decoder_block")
def test_decoder_block__imports():
    (cls,) = load("decoder_block", "DecoderBlock")
    check_is_module_class(cls)
    check_parameters("DecoderBlock.__init__", cls.__init__, ["hidden_size", "head_num", ("dropout", 0.1)])
    check_parameters("DecoderBlock.forward", cls.forward, ["x", "memory", ("target_mask", None), ("memory_mask", None)])


@exercise("decoder_block")
def test_decoder_block__submodules():
    (cls,) = load("decoder_block", "DecoderBlock")
    block = run("decoder_block", cls, H, HEADS)
    check_module("DecoderBlock(8, 2)", block, ("self_attention", "cross_attention", "feed_forward",
                                              "layer_norm1", "layer_norm2", "layer_norm3",
                                              "dropout1", "dropout2", "dropout3"))


@exercise("decoder_block")
def test_decoder_block__forward_shape():
    (cls,) = load("decoder_block", "DecoderBlock")
    block = run("decoder_block", cls, H, HEADS).eval()
    x, memory = torch.randn(3, 4, H), torch.randn(3, 6, H)
    check_shape("DecoderBlock(8, 2)(x, memory) with x (3, 4, 8), memory (3, 6, 8)", run("decoder_block", block, x, memory), (3, 4, H))
    target_mask = torch.tril(torch.ones(4, 4, dtype=torch.bool))[None, None] & (TARGET != 0)[:, None, None, :]  # (3, 1, 4, 4)
    memory_mask = (IDS != 0)[:, None, None, :]  # (3, 1, 1, 6)
    out = run("decoder_block", block, x, memory, target_mask, memory_mask)
    check_shape("DecoderBlock(8, 2)(x, memory, target_mask (3, 1, 4, 4), memory_mask (3, 1, 1, 6))", out, (3, 4, H))


@exercise("decoder_block")
def test_decoder_block__with_your_files():
    def body(module):
        block = module.DecoderBlock(H, HEADS).eval()
        out = block(torch.randn(3, 4, H), torch.randn(3, 6, H), None, (IDS != 0)[:, None, None, :])
        check_shape("DecoderBlock with your CrossAttention", out, (3, 4, H))

    with_your_files("decoder_block", body)


# --- 4. seq2seq ---------------------------------------------------------------------------------


@exercise("seq2seq")
def test_seq2seq__imports():
    source_mask, target_mask, cls = load("seq2seq", "make_source_mask", "make_target_mask", "Seq2Seq")
    assert callable(source_mask) and callable(target_mask), say("make_source_mask and make_target_mask should be functions", "make_source_mask 和 make_target_mask 应为函数")
    check_is_module_class(cls)
    check_parameters("Seq2Seq.__init__", cls.__init__, ["source_vocab", "target_vocab", ("hidden_size", 256), ("layer_num", 3),
                                                         ("head_num", 4), ("dropout", 0.1)])
    for name, expected in (("encode", ["source_ids"]), ("decode", ["target_ids", "memory", "source_ids"]),
                           ("forward", ["source_ids", "target_ids"])):
        check_parameters(f"Seq2Seq.{name}", getattr(cls, name, None), expected)


@exercise("seq2seq")
def test_seq2seq__mask_shapes_and_dtype():
    source_mask, target_mask = load("seq2seq", "make_source_mask", "make_target_mask")
    check_shape("make_source_mask(source_ids) with source_ids (3, 6)", run("seq2seq", source_mask, IDS), (3, 1, 1, 6), dtype=torch.bool)
    check_shape("make_target_mask(target_ids) with target_ids (3, 4)", run("seq2seq", target_mask, TARGET), (3, 1, 4, 4), dtype=torch.bool)


def _seq2seq(cls):
    return run("seq2seq", cls, 20, 18, hidden_size=H, layer_num=2, head_num=HEADS).eval()


@exercise("seq2seq")
def test_seq2seq__submodules():
    (cls,) = load("seq2seq", "Seq2Seq")
    model = _seq2seq(cls)
    who = "Seq2Seq(20, 18, hidden_size=8, layer_num=2, head_num=2)"
    check_module(who, model, ("source_embedding", "target_embedding", "position_embedding", "dropout",
                              "encoder_blocks", "decoder_blocks", "output_layer"))
    for name in ("encoder_blocks", "decoder_blocks"):
        blocks = getattr(model, name)
        assert isinstance(blocks, nn.ModuleList) and len(blocks) == 2, say(f"{who}.{name} should be an nn.ModuleList of 2 blocks",
                                                                          f"{who}.{name} 应为包含 2 个块的 nn.ModuleList")


@exercise("seq2seq")
def test_seq2seq__encode_decode_forward_shapes():
    (cls,) = load("seq2seq", "Seq2Seq")
    model = _seq2seq(cls)
    memory = run("seq2seq", model.encode, IDS)
    check_shape("Seq2Seq.encode(source_ids) with source_ids (3, 6)", memory, (3, 6, H))
    decoded = run("seq2seq", model.decode, TARGET, memory, IDS)
    check_shape("Seq2Seq.decode(target_ids, memory, source_ids) with target_ids (3, 4)", decoded, (3, 4, H))
    logits = run("seq2seq", model, IDS, TARGET)
    check_shape("Seq2Seq(20, 18, ...)(source_ids (3, 6), target_ids (3, 4))", logits, (3, 4, 18))


@exercise("seq2seq")
def test_seq2seq__with_your_files():
    def body(module):
        model = module.Seq2Seq(20, 18, hidden_size=H, layer_num=2, head_num=HEADS).eval()
        check_shape("Seq2Seq with your DecoderBlock and CrossAttention", model(IDS, TARGET), (3, 4, 18))

    with_your_files("seq2seq", body)


# --- 5. gpt -------------------------------------------------------------------------------------

GPT_SIZE = dict(hidden_size=H, layer_num=2, head_num=HEADS, max_len=16)


@exercise("gpt")
def test_gpt__imports():
    (cls,) = load("gpt", "GPT")
    check_is_module_class(cls)
    check_parameters("GPT.__init__", cls.__init__, ["vocab_size", ("hidden_size", 256), ("layer_num", 4), ("head_num", 4),
                                                    ("max_len", 512), ("dropout", 0.1)])
    check_parameters("GPT.forward", cls.forward, ["input_ids"])
    check_parameters("GPT.loss", getattr(cls, "loss", None), ["input_ids"])


@exercise("gpt")
def test_gpt__submodules_and_tied_embedding():
    (cls,) = load("gpt", "GPT")
    model = run("gpt", cls, 20, **GPT_SIZE)
    who = "GPT(20, hidden_size=8, layer_num=2, head_num=2, max_len=16)"
    assert getattr(model, "max_len", None) == 16, say(f"{who}.max_len should be 16", f"{who}.max_len 应为 16")
    check_module(who, model, ("token_embedding", "position_embedding", "dropout", "blocks", "lm_head"))
    assert isinstance(model.blocks, nn.ModuleList) and len(model.blocks) == 2, say(f"{who}.blocks should be an nn.ModuleList of 2 blocks",
                                                                                    f"{who}.blocks 应为包含 2 个块的 nn.ModuleList")
    assert model.lm_head.weight is model.token_embedding.weight, say(
        "lm_head.weight should be the same Parameter as token_embedding.weight (tied), not a copy",
        "lm_head.weight 应与 token_embedding.weight 是同一个 Parameter（共享），而不是副本")


@exercise("gpt")
def test_gpt__forward_shape():
    (cls,) = load("gpt", "GPT")
    model = run("gpt", cls, 20, **GPT_SIZE).eval()
    check_shape("GPT(20, ...)(input_ids) with input_ids (3, 6)", run("gpt", model, IDS), (3, 6, 20))


@exercise("gpt")
def test_gpt__loss_is_a_scalar():
    (cls,) = load("gpt", "GPT")
    model = run("gpt", cls, 20, **GPT_SIZE).eval()
    loss = run("gpt", model.loss, IDS)
    check_shape("GPT.loss(input_ids) with input_ids (3, 6)", loss, ())


# --- 6. generate --------------------------------------------------------------------------------

PROMPT = torch.tensor([[3, 7, 5], [2, 9, 4]])  # (2, 3), no padding


def check_generated(what, out, new_tokens, vocab_size):
    check_shape(what, out, (2, 3 + new_tokens), dtype=torch.long)
    assert torch.equal(out[:, :3], PROMPT), say(f"{what} should start with the prompt", f"{what} 应以提示词开头")
    assert bool(((out >= 0) & (out < vocab_size)).all()), say(f"{what} has ids outside 0 ... {vocab_size - 1}", f"{what} 中有超出 0 ... {vocab_size - 1} 的 id")


@exercise("generate")
def test_generate__imports():
    (generate,) = load("generate", "generate")
    assert callable(generate), say("generate should be a function", "generate 应为函数")
    check_parameters("generate", generate, ["model", "input_ids", "max_new_tokens", ("temperature", 1.0), ("top_k", None),
                                            ("eos_id", None), ("generator", None)])


@exercise("generate")
def test_generate__greedy_shape():
    (generate,) = load("generate", "generate")
    model = StandInLM(12, max_len=16)
    out = run("generate", generate, model, PROMPT, 4, temperature=0.0)
    check_generated("generate(model, prompt (2, 3), 4, temperature=0)", out, 4, 12)


@exercise("generate")
def test_generate__sampling_with_top_k_shape():
    (generate,) = load("generate", "generate")
    model = StandInLM(12, max_len=16)
    out = run("generate", generate, model, PROMPT, 4, temperature=0.8, top_k=3, generator=torch.Generator().manual_seed(0))
    check_generated("generate(model, prompt (2, 3), 4, temperature=0.8, top_k=3, generator=...)", out, 4, 12)


@exercise("generate")
def test_generate__feeds_the_model_at_most_max_len_tokens():
    (generate,) = load("generate", "generate")
    model = StandInLM(12, max_len=4)
    out = run("generate", generate, model, PROMPT, 5, temperature=0.0)
    check_generated("generate(model with max_len 4, prompt (2, 3), 5, temperature=0)", out, 5, 12)


@exercise("generate")
def test_generate__stops_once_every_row_has_produced_eos():
    (generate,) = load("generate", "generate")
    model = StandInLM(12, max_len=16, always=2)  # its next token is always 2
    out = run("generate", generate, model, PROMPT, 5, temperature=0.0, eos_id=2)
    check_generated("generate(a model that always predicts 2, prompt (2, 3), 5, temperature=0, eos_id=2)", out, 1, 12)


@exercise("generate")
@pytest.mark.parametrize("call, kwargs", [
    ("temperature=-1", dict(temperature=-1.0)),
    ("top_k=0", dict(top_k=0)),
    ("max_new_tokens=-1", dict(max_new_tokens=-1)),
])
def test_generate__rejects_bad_arguments(call, kwargs):
    (generate,) = load("generate", "generate")
    arguments = dict(max_new_tokens=2, **kwargs) if "max_new_tokens" not in kwargs else kwargs
    raises_value_error("generate", f"generate(model, prompt, ..., {call})", generate, StandInLM(12, max_len=16), PROMPT, **arguments)


@exercise("generate")
def test_generate__with_your_files():
    def body(module):
        gpt, _ = real_module("gpt")
        model = gpt.GPT(20, hidden_size=H, layer_num=1, head_num=HEADS, max_len=4)
        out = module.generate(model, PROMPT, 3, temperature=0.0)
        check_generated("generate on your GPT (max_len 4), prompt (2, 3), 3 new tokens", out, 3, 20)

    with_your_files("generate", body)


# --- 7. crf -------------------------------------------------------------------------------------

TAGS = 5
EMISSIONS = torch.randn(3, 4, TAGS)
TAG_IDS = torch.tensor([[0, 1, 2, 3], [4, 4, 0, 0], [2, 0, 0, 0]])
LENGTHS = (4, 2, 1)
CRF_MASK = torch.arange(4)[None, :] < torch.tensor(LENGTHS)[:, None]  # (3, 4), a prefix of each row


@exercise("crf")
def test_crf__imports():
    (cls,) = load("crf", "CRF")
    check_is_module_class(cls)
    check_parameters("CRF.__init__", cls.__init__, ["num_tags"])
    check_parameters("CRF.forward", cls.forward, ["emissions", "tags", ("mask", None)])
    check_parameters("CRF.decode", getattr(cls, "decode", None), ["emissions", ("mask", None)])


@exercise("crf")
def test_crf__parameters():
    (cls,) = load("crf", "CRF")
    crf = run("crf", cls, TAGS)
    params = dict(crf.named_parameters())
    for name, shape in (("start_transitions", (TAGS,)), ("end_transitions", (TAGS,)), ("transitions", (TAGS, TAGS))):
        assert name in params, say(f"CRF(5) should have a parameter {name} (nn.Parameter)", f"CRF(5) 应有参数 {name}（nn.Parameter）")
        check_shape(f"CRF(5).{name}", params[name].detach(), shape)


@exercise("crf")
def test_crf__rejects_bad_arguments():
    (cls,) = load("crf", "CRF")
    raises_value_error("crf", "CRF(0)", cls, 0)
    crf = run("crf", cls, TAGS)
    off = CRF_MASK.clone()
    off[1, 0] = False
    raises_value_error("crf", "CRF.forward with mask[:, 0] not all on", crf, EMISSIONS, TAG_IDS, off)


@exercise("crf")
def test_crf__log_likelihood_shape():
    (cls,) = load("crf", "CRF")
    crf = run("crf", cls, TAGS)
    for mask, what in ((None, "no mask"), (CRF_MASK, "a bool mask (3, 4)"), (CRF_MASK.long(), "a 0/1 mask (3, 4)")):
        out = run("crf", crf, EMISSIONS, TAG_IDS, mask)
        check_shape(f"CRF(5)(emissions (3, 4, 5), tags (3, 4), {what})", out.detach() if isinstance(out, torch.Tensor) else out, (3,))
        assert bool((out <= 1e-4).all()), say(f"CRF(5)(emissions, tags, {what}) is a log-likelihood, at most 0; got {out.tolist()}",
                                              f"CRF(5)(emissions, tags, {what}) 是对数似然，不应大于 0；实际是 {out.tolist()}")


@exercise("crf")
def test_crf__decode_gives_one_tag_list_per_row():
    (cls,) = load("crf", "CRF")
    crf = run("crf", cls, TAGS)
    for mask, lengths, what in ((None, (4, 4, 4), "no mask"), (CRF_MASK, LENGTHS, "a mask of lengths 4, 2, 1")):
        paths = run("crf", crf.decode, EMISSIONS, mask)
        who = f"CRF(5).decode(emissions (3, 4, 5), {what})"
        assert isinstance(paths, list) and len(paths) == 3 and all(isinstance(p, list) for p in paths), say(
            f"{who} should return a list of 3 lists of tags, got {type(paths).__name__}", f"{who} 应返回 3 个标签列表组成的 list，实际是 {type(paths).__name__}")
        assert tuple(len(p) for p in paths) == lengths, say(f"{who}: the rows should have lengths {lengths}, got {tuple(len(p) for p in paths)}",
                                                           f"{who}：各行的长度应为 {lengths}，实际是 {tuple(len(p) for p in paths)}")
        assert all(type(t) is int and 0 <= t < TAGS for p in paths for t in p), say(f"{who}: every tag should be a Python int in 0 ... 4, got {paths}",
                                                                                     f"{who}：每个标签都应是 0 ... 4 之间的 Python int，实际是 {paths}")
