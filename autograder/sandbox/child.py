"""The student's process: imports the submission and answers the judge's requests.

It holds the student's objects in a table and hands the judge numbered
handles to them. Only plain data (tensors, numbers, strings and containers of
them) travels back by value.

One child serves one submission, exercise after exercise: `enter` forgets the
last exercise (its objects, its modules, its folder), writes the next one's
package (the judge sends its files) and imports it. It refuses ("tainted")
when the last exercise left something behind that could change what the next
one computes: a thread or a process, a changed default dtype, grad mode or
global hook, or (when the judge asks: see autograder/side_effects.py) a
patched attribute of torch, numpy, math or builtins. The judge then starts a
fresh child for that exercise.
"""
import builtins
import importlib
import importlib.machinery
import math
import os
import shutil
import sys
import threading
import traceback
import types

import torch

from . import limits, watch, wire


class Ref:
    """A handle to an object of the child's, as the judge writes it in a request."""

    __slots__ = ("id",)

    def __init__(self, id):
        self.id = id

    def __reduce__(self):
        return (type(self), (self.id,))


class Copy(Ref):
    """A handle to a value the judge sent once (remote.Child.constant): each use gets a fresh copy of it, so
    that code which changes what it is handed changes its own copy only."""

    __slots__ = ()


SCALARS = (type(None), bool, int, float, complex, str, torch.dtype)
# What the judge may keep a handle to instead of asking again: an attribute that holds one of
# these is the same thing the next time in any sane code (a class, a module, a function, a method).
STABLE = (type, types.ModuleType, types.FunctionType, types.MethodType, types.BuiltinFunctionType)


class Tainted(Exception):
    """This process can no longer grade another exercise faithfully (the reason)."""


def namespaces():
    """The modules and classes the shims and the student compute with, as they are before any student code."""
    import numpy
    from torch import nn

    modules = {name: m for name, m in sys.modules.items()
               if name.split(".")[0] in ("torch", "numpy", "math", "builtins") and type(m) is types.ModuleType}
    spaces = [builtins, math, numpy, torch, torch.Tensor, torch._C.TensorBase, torch._C._nn, type(torch._C._VariableFunctions)]
    spaces += [m for name, m in modules.items() if name.startswith(("torch.nn", "torch.testing", "torch.linalg"))]
    spaces += [c for c in vars(nn).values() if isinstance(c, type)]
    return modules, spaces


def fingerprint(modules, spaces):
    """The modules `import` finds, and the identity of every attribute of `spaces`."""
    return (tuple(sys.modules.get(name) is m for name, m in modules.items())
            + tuple(hash(tuple(map(id, vars(space).values()))) for space in spaces))


def _company():
    """How many threads and child processes this process has besides its main thread."""
    return len(os.listdir("/proc/self/task")) - 1 + len(limits.children()) + threading.active_count() - 1


class Baseline:
    """How a child starts, taken once in the zygote before it forks any (no child pays for it):
    torch's global modes and hooks, the namespaces to watch and their fingerprint."""

    def __init__(self):
        from torch.nn.modules import module

        self.hooks = [v for k, v in vars(module).items() if k.startswith("_global_") and isinstance(v, dict)]
        self.modes = self._modes()
        self.modules, self.spaces = namespaces()
        self.fingerprint = fingerprint(self.modules, self.spaces)

    def _modes(self):
        return (torch.get_default_dtype(), torch.is_grad_enabled(), torch.are_deterministic_algorithms_enabled(),
                torch.get_num_threads(), str(torch.get_default_device()), sys.getrecursionlimit(),
                tuple(map(len, self.hooks)))

    def changed(self, everything=True):
        """What no longer is as it was, in words, or None. everything=False: only the cheap part
        (modes and hooks); fingerprinting the namespaces costs milliseconds (see side_effects.py)."""
        if self._modes() != self.modes:
            return "the last exercise changed torch's global settings or hooks"
        if everything and fingerprint(self.modules, self.spaces) != self.fingerprint:
            return "the last exercise changed torch, numpy, math or builtins"
        return None


class Server:
    def __init__(self, sock, workdir, baseline):
        self.sock, self.workdir = sock, os.path.realpath(workdir)
        self.objects, self.ids = {}, {}
        self.next_id = 1
        self.baseline = baseline
        self.entered = False
        self.package = set()  # the modules the last enter wrote (a module the student wrote and imported stays)
        self.own = None  # the real path of the exercise's own file: where its errors are placed first
        self.watcher = watch.Watcher()

    def handle(self, obj):
        key = id(obj)
        if key not in self.ids:
            self.ids[key] = self.next_id  # never reused: a handle from a past exercise fails, not aliases
            self.objects[self.next_id] = obj
            self.next_id += 1
        return {"__handle__": self.ids[key], "__type__": type(obj).__name__, "__stable__": isinstance(obj, STABLE),
                "__class__": isinstance(obj, type)}

    def keep(self, handle, obj):
        """obj under the handle the judge chose for it (a negative number: the judge's own count)."""
        self.objects[handle] = obj
        self.ids[id(obj)] = handle

    def enter(self, files, name, everything=True, watch=()):
        """Forget the last exercise, write this one's package (files: {path: text}) into the
        exercise folder, emptied first, and import `name` from there. everything: check all
        of Baseline.changed, not only its cheap part; watch: the exercise's forbidden names, to run it
        under watch.Watcher (empty: unwatched)."""
        self.watcher.used = None  # the last exercise's forbidden use is its own: the judge has scored it
        if self.entered:
            if _company():
                raise Tainted("a thread or process the last exercise started is still running")
            changed = self.baseline.changed(everything)
            if changed:
                raise Tainted(changed)
        self.entered = True
        self.objects.clear()
        self.ids.clear()
        for module_name in self.package:  # by name: going through all of sys.modules costs ~3 ms in a fresh child
            sys.modules.pop(module_name, None)
        self.package = {".".join(p.removesuffix(".py").split("/")).removesuffix(".__init__") for p in files}
        folder = os.path.join(self.workdir, "exercise")
        try:
            if os.path.islink(folder):
                os.unlink(folder)
            elif os.path.exists(folder):
                shutil.rmtree(folder)  # nothing the last exercise planted survives
        except OSError as exc:
            raise Tainted(f"the last exercise left files that cannot be removed ({exc.strerror})") from None
        for where in {os.path.dirname(os.path.join(folder, path)) for path in files}:
            os.makedirs(where, exist_ok=True)
        for path, text in files.items():
            with open(os.path.join(folder, path), "w", encoding="utf-8") as f:
                f.write(text)
        sys.path[0] = folder
        os.chdir(folder)
        self.own = os.path.realpath(os.path.join(folder, name.replace(".", "/") + ".py"))
        self.watcher.exercise(folder, name, files, watch)
        for cached in [p for p in sys.path_importer_cache if p.startswith(folder)]:
            del sys.path_importer_cache[cached]  # the folder's listing changed
        return self.handle(importlib.import_module(name))

    def to_data(self, value, depth=0):
        if depth > 20:
            raise ValueError("the value is nested too deeply")
        if isinstance(value, torch.Tensor):
            kept = value.detach().as_subclass(torch.Tensor)  # dump_reply copies its bytes
            return kept.requires_grad_() if value.requires_grad else kept  # said, not the graph
        if isinstance(value, SCALARS):
            return value
        if isinstance(value, torch.Size):
            return tuple(int(v) for v in value)
        if isinstance(value, (list, tuple, types.GeneratorType)):
            items = [self.to_data(v, depth + 1) for v in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, dict):
            return {str(k): self.to_data(v, depth + 1) for k, v in value.items()}
        return self.handle(value)

    def resolve(self, value):
        if isinstance(value, Copy):
            return _fresh(self.objects[value.id])
        if isinstance(value, Ref):
            return self.objects[value.id]
        if isinstance(value, (list, tuple)):
            return type(value)(self.resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def answer(self, request):
        op, *args = request
        if op == "import":
            return self.handle(importlib.import_module(args[0]))
        if op == "enter":
            return self.enter(*args)
        if op == "batch":  # requests the judge deferred, each kept under its handle (if any), then this one
            for handle, deferred in args[0]:
                value = self.answer(deferred)
                if handle is not None:
                    self.keep(handle, value)
            return self.answer(args[1])
        if op == "noop":
            return None
        if op == "value":  # a constant (remote.Child.constant), kept under the handle the judge chose
            return args[0]
        if op == "calls":  # several calls, in order, in one round trip: [(target, args, kwargs), ...]
            return [self.objects[t](*self.resolve(a), **self.resolve(k)) for t, a, k in args[0]]
        if op == "tries":  # several calls, each whatever the others raised: None where it returned, else its error
            outcomes = []
            for t, a, k in args[0]:
                try:
                    self.objects[t](*self.resolve(a), **self.resolve(k))
                    outcomes.append(None)
                except BaseException as exc:  # as in serve: the student's exit is one more exception
                    outcomes.append(self.error(exc))
            return outcomes
        target = self.objects[args[0]]
        if op == "getattr":
            return getattr(target, args[1])
        if op == "setattr":
            return setattr(target, args[1], self.resolve(args[2]))
        if op == "swap":
            return swap_submodules(target, self.resolve(args[1]))
        if op == "build":  # target.name(*args, **kwargs), then methods called on the result: one round trip
            built = getattr(target, args[1])(*self.resolve(args[2]), **self.resolve(args[3]))
            for method, method_args, method_kwargs in args[4]:
                step(built, method, *self.resolve(method_args), **self.resolve(method_kwargs))
            return built
        if op == "call":
            call_args, call_kwargs = self.resolve(args[1]), self.resolve(args[2])
            result = target(*call_args, **call_kwargs)
            if args[3]:  # also send back the arguments, to see whether they were modified
                return (result, call_args, call_kwargs)
            return result
        raise ValueError(f"unknown request {op!r}")

    def error(self, exc):
        """{type, message, where} of the student's exception, as plain text. Its class is the student's:
        a __str__ that raises, or a name or message that is no str, must not end the conversation."""
        where = ""
        # walk_tb, not extract_tb: no source line is read (the judge's files are not readable here). The
        # innermost line of the exercise's own file, else of its package: a stand-in's lines are not the
        # student's (their own seq2seq.py is another file than the stand-in beside this exercise).
        frames = [(os.path.realpath(frame.f_code.co_filename), lineno, frame.f_code.co_name)
                  for frame, lineno in traceback.walk_tb(exc.__traceback__)]
        for filename, lineno, function in reversed(sorted(frames, key=lambda f: f[0] == self.own)):
            if filename.startswith(self.workdir + os.sep):
                where = f"{os.path.basename(filename)}, line {lineno}, in {function}"
                break
        if isinstance(exc, SyntaxError):
            where = _text(lambda: f"{os.path.basename(exc.filename)}, line {int(exc.lineno)}", where) if exc.filename else where
            message = _text(lambda: exc.msg, "")
        else:
            message = _text(lambda: str(exc), "its message could not be turned into text")
        name = _text(lambda: type(exc).__name__, "Exception")
        return {"type": name[:500], "message": " ".join(message.split())[:500], "where": where[:500]}

    def serve(self):
        while True:
            try:
                sequence, request = wire.load_request(wire.recv(self.sock))
            except EOFError:
                return
            try:
                with self.watcher.around():
                    value = self.answer(request)
                reply = ("ok", self.to_data(value))
            except Tainted as exc:
                reply = ("tainted", str(exc))
            except BaseException as exc:  # SystemExit too: the student's exit must not end the conversation
                reply = ("err", self.error(exc))
            if self.watcher.used:  # the whole exercise is lost, whatever its code did with the exception
                reply = ("err", {"type": watch.ForbiddenShortcut.__name__, "message": self.watcher.used, "where": ""})
            try:
                data = wire.dump_reply((*reply, sequence))
            except BaseException as exc:
                data = wire.dump_reply(("err", self.error(exc), sequence))
            wire.send(self.sock, data)


class WrongWeights(Exception):
    """The module has no weight of a name the contract gives, or one of another shape (its message says which)."""


def load_weights(model, state, skip=()):
    """Load `state` (the reference's weights, by the contract's names) into `model`, but the submodules in
    `skip` (the test puts stand-ins there). A module may keep more than the contract names (a buffer, an
    alias of its submodules), and a buffer of another length (a table for more positions): those keep
    their own values. What would make its answers other than the grader's weights give is refused with a
    line that says which: a name it lacks, a parameter of another shape, a parameter the contract does
    not give it (it would keep a random value), two names the contract keeps apart on one tensor."""
    own = model.state_dict()
    kind = type(model).__name__
    lacking = [name for name in state if name not in own]
    if lacking:
        listed = ", ".join(repr(name) for name in lacking[:3]) + (", ..." if len(lacking) > 3 else "")
        raise WrongWeights(f"your {kind} has no weight named {listed} in its state_dict "
                           f"(the contract's names for its submodules and parameters, kept as nn.Module and nn.Parameter attributes)")
    parameters = dict(model.named_parameters(remove_duplicate=False))
    named = {id(parameters[name]) for name in state if name in parameters}
    extra = [name for name, p in parameters.items() if name not in state and id(p) not in named
             and name.split(".")[0] not in skip]
    if extra:
        raise WrongWeights(f"your {kind} has a parameter the contract does not give it: {extra[0]} "
                           f"(keep the contract's submodules and parameters, as built there)")
    loaded = {}
    for name, value in state.items():
        if isinstance(value, torch.Tensor) and tuple(own[name].shape) != tuple(value.shape):
            if name not in parameters:
                continue  # a buffer of its own length
            raise WrongWeights(f"your {kind}'s {name} has shape {tuple(own[name].shape)}, expected {tuple(value.shape)}")
        loaded[name] = value
    tensors = {}
    for name, value in loaded.items():
        if isinstance(value, torch.Tensor) and own[name].numel():
            first = tensors.setdefault(own[name].data_ptr(), name)
            if first != name and not torch.equal(loaded[first], value):
                raise WrongWeights(f"your {kind}'s {first} and {name} are one tensor; the contract keeps them apart")
    model.load_state_dict(loaded, strict=False)


def swap_submodules(model, standins):
    """setattr(model, name, value) for each {name: value} of standins: a stand-in must be what forward runs
    wherever the student's code keeps the old submodule (an nn.Sequential alias, a plain list, tuple or
    closure), so the old one's forward calls it too. An old submodule the student shares between two of
    these names (one nn.Dropout as dropout1 and dropout2) keeps its own: each name has its own stand-in,
    and the names are what run."""
    olds = {name: getattr(model, name, None) for name in standins}
    for name, value in standins.items():
        setattr(model, name, value)
        old = olds[name]
        if isinstance(old, torch.nn.Module) and sum(o is old for o in olds.values()) == 1:
            old.__dict__["forward"] = value  # an instance attribute: Module.__call__ runs self.forward


def step(model, method, *args, **kwargs):
    """model.method(*args, **kwargs), where method "load_weights" is load_weights(model, ...): what
    probes.make() asks of a module it builds, the same in the student's process and the judge's."""
    if method == "load_weights":
        return load_weights(model, *args, **kwargs)
    return getattr(model, method)(*args, **kwargs)


def _fresh(value):
    """A copy of a constant: its containers and tensors new, the rest (numbers, strings) shared."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_fresh(v) for v in value)
    return value


def _text(make, fallback):
    """make() as a plain str (not a student's subclass of it), or fallback if it raises or is no str."""
    try:
        value = make()
        return str.__str__(value) if isinstance(value, str) else fallback
    except Exception:  # noqa: BLE001 (whatever the student's code raises here)
        return fallback


def refuse(sock, reason):
    """The child could not be confined: answer every request with the reason, and run nothing."""
    while True:
        try:
            sequence, _ = wire.load_request(wire.recv(sock))
        except EOFError:
            return
        wire.send(sock, wire.dump_reply(("sandbox", reason, sequence)))


def _compile_once(loader, data, path, *, _optimize=-1):
    """SourceLoader.source_to_code, remembering: the shims come back exercise after exercise, unchanged."""
    key = (path, bytes(data))
    if key not in _COMPILED:
        _COMPILED[key] = _source_to_code(loader, data, path, _optimize=_optimize)
    return _COMPILED[key]


_COMPILED = {}
_source_to_code = importlib.machinery.SourceFileLoader.source_to_code


def run(sock, workdir, baseline):
    """Serve the judge from a fresh process whose working folder is the scratch copy."""
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    importlib.machinery.SourceFileLoader.source_to_code = _compile_once
    Server(sock, workdir, baseline).serve()
