"""Forbidden computation caught where it happens, whatever name reached it.

autograder/forbidden.py reads the student's source for the contract's forbidden
shortcuts; `torch.ops.aten.layer_norm`, a name built from strings, or a module
that reaches them indirectly do not appear there, and a name in a self-test
under __main__ is left to what runs. For such files this watcher runs in the
child, around every request of the judge: a
TorchDispatchMode sees each aten operator run, by any route, and refuses the
exercise's forbidden ones (fused attention, native layer norm, ...); a global
forward hook refuses the forbidden torch.nn modules, a TorchFunctionMode the
forbidden functions that run no operator of their own, and an import hook the
forbidden libraries; each only when the exercise's own file ran them. The
shims of earlier exercises may use them (the attention stand-in is written
with F.scaled_dot_product_attention): an operator whose innermost caller in the
exercise's package is a shim's file does not count.

Python sees every operator then, which makes the student's code several times
slower (benchmarks/watch.py): the judge asks for it only for the files whose
source names a forbidden shortcut or reaches torch by a route the source check
cannot follow (forbidden.shortcuts, forbidden.watched).

Once caught, every later request of that exercise is answered with the same
error, so catching the exception changes nothing; the judge scores the
exercise 0 with the watcher's one line.

Limits: this is a Python-level watcher in the student's own process. A student
who deliberately takes torch's mode stack apart, runs the call in a thread of
its own (modes are per thread), has a stand-in's code make the call (the
innermost package frame is then the stand-in's), or patches this module from
an earlier exercise's file in the same child, can get past it; that is
tampering, which the source check and the review of flagged submissions are for.
"""
import contextlib
import os
import sys

import torch.nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

# aten operator (or name prefix) -> the forbidden name the student is told. Composite operators
# are split up before a dispatch mode sees them: scaled_dot_product_attention shows as its fused
# kernel, or (its math path, taken for expanded or masked inputs) as _safe_softmax, which only it uses.
NAMES = {"scaled_dot_product_attention": "scaled_dot_product_attention",
         "_scaled_dot_product_": "scaled_dot_product_attention", "_safe_softmax": "scaled_dot_product_attention",
         "_native_multi_head_attention": "MultiheadAttention", "_transformer_encoder_layer_fwd": "TransformerEncoderLayer",
         "layer_norm": "layer_norm", "native_layer_norm": "layer_norm"}
FUSED_ATTENTION = ("scaled_dot_product_attention", "_scaled_dot_product_", "_safe_softmax")
FUSED_LAYER_NORM = ("layer_norm", "native_layer_norm")
# forbidden name (as an assignment's table lists it) -> the aten operators (or name prefixes) it runs as.
# The encoder layer's fast path is a fused multi-head attention too.
OPS = {
    "scaled_dot_product_attention": FUSED_ATTENTION,
    "MultiheadAttention": ("_native_multi_head_attention", "_transformer_encoder_layer_fwd"),
    "LayerNorm": FUSED_LAYER_NORM,
    "layer_norm": FUSED_LAYER_NORM,
    "native_layer_norm": FUSED_LAYER_NORM,
    "TransformerEncoderLayer": ("_transformer_encoder_layer_fwd",),
    "TransformerEncoder": ("_transformer_encoder_layer_fwd",),
}


def operators(forbidden):
    """The aten operators (or name prefixes) that the forbidden names run as, each once."""
    return tuple(dict.fromkeys(op for name in forbidden for op in OPS.get(name, ())))


def modules(forbidden):
    """The torch.nn module classes among the forbidden names, seen by a global forward hook: some run
    as no operator of their own (nn.TransformerDecoderLayer is ordinary operators), and
    nn.MultiheadAttention's fused operator runs only in eval mode without autograd."""
    return tuple(getattr(torch.nn, name) for name in forbidden if isinstance(getattr(torch.nn, name, None), type))


def functions(forbidden):
    """The torch.nn.functional functions among the forbidden names that run as no operator of their own
    (multi_head_attention_forward is ordinary operators): seen when called, by any name (FunctionWatcher)."""
    found = (getattr(torch.nn.functional, name, None) for name in forbidden if name not in OPS)
    return tuple(f for f in found if callable(f) and not isinstance(f, type))


def libraries(forbidden):
    """The forbidden names that are whole libraries (a CRF package), not names in torch."""
    return tuple(name for name in forbidden if name not in OPS
                 and not any(hasattr(space, name) for space in (torch, torch.nn, torch.nn.functional)))


class ForbiddenShortcut(Exception):
    """The exercise's own code ran an operator the exercise forbids (the judge's one line)."""


class Watcher(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.ops, self.modules, self.functions, self.libraries = (), (), (), ()
        self.folder, self.shims = os.sep, set()
        self.used = None  # the message, once the exercise has run a forbidden operator

    def exercise(self, folder, module_name, files, watch=()):
        """Watch the exercise `module_name` ("transformer.attention"), whose package `files`
        ({path: text}, as Server.enter writes them) are in folder, for the operators of the forbidden
        names `watch` (the exercise's, from its assignment's table); watch=(): not at all."""
        self.ops, self.modules, self.libraries = operators(watch or ()), modules(watch or ()), libraries(watch or ())
        self.functions = functions(watch or ())
        self.folder = os.path.join(folder, "")
        own = module_name.replace(".", "/") + ".py"
        self.shims = {os.path.join(folder, p) for p in files if p != own and not p.endswith("__init__.py")}
        self.used = None
        # A forbidden library is caught when imported, at any request of the exercise (its file's own
        # import included, which runs before the first request this watcher wraps).
        if self.libraries and self not in sys.meta_path:
            sys.meta_path.insert(0, self)
        elif not self.libraries and self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(self, fullname, path=None, target=None):
        """An import of a forbidden library by the exercise's own code ends the exercise (never a module)."""
        if fullname.split(".")[0] in self.libraries and self._students():
            self.used = f"uses {fullname.split('.')[0]}, which this exercise forbids"
            raise ForbiddenShortcut(self.used)
        return None

    def _forward(self, module, args):
        if isinstance(module, self.modules) and self._students():
            self.used = f"uses {type(module).__name__} (torch.nn), which this exercise forbids"
            raise ForbiddenShortcut(self.used)

    def around(self):
        """The context to answer a request in: this mode, or nothing where the exercise forbids nothing
        (no cost there). Chosen before the request: an `enter` switches exercises inside it."""
        if not (self.modules or self.functions):
            return self if self.ops else contextlib.nullcontext()
        stack = contextlib.ExitStack()  # a global forward hook, only while a request is answered
        if self.modules:
            stack.callback(torch.nn.modules.module.register_module_forward_pre_hook(self._forward).remove)
        if self.functions:
            stack.enter_context(FunctionWatcher(self))
        if self.ops:
            stack.enter_context(self)
        return stack

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func._schema.name.split("::")[-1]
        if name.startswith(self.ops) and self._students():
            public = next(NAMES[op] for op in self.ops if name.startswith(op))
            self.used = f"uses {public} (torch.ops.aten.{name}), which this exercise forbids"
            raise ForbiddenShortcut(self.used)
        return func(*args, **(kwargs or {}))

    def _students(self):
        """Whether the innermost caller that is a file of the package is not a shim."""
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename in self.shims:
                return False
            if frame.f_code.co_filename.startswith(self.folder):
                return True
            frame = frame.f_back
        return True


class FunctionWatcher(TorchFunctionMode):
    """Sees the torch functions called (by any name), for the forbidden ones that run no operator of their own."""

    def __init__(self, watcher):
        super().__init__()
        self.watcher = watcher

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in self.watcher.functions and self.watcher._students():
            self.watcher.used = f"uses {func.__name__} (torch.nn.functional), which this exercise forbids"
            raise ForbiddenShortcut(self.watcher.used)
        return func(*args, **(kwargs or {}))
