"""The student's process: imports the submission and answers the judge's requests.

It holds the student's objects in a table and hands the judge numbered
handles to them. Only plain data (tensors, numbers, strings and containers of
them) travels back by value.
"""
import os
import sys
import traceback
import types

import torch

from . import wire


class Ref:
    """A handle to an object of the child's, as the judge writes it in a request."""

    __slots__ = ("id",)

    def __init__(self, id):
        self.id = id

    def __reduce__(self):
        return (Ref, (self.id,))


SCALARS = (type(None), bool, int, float, complex, str, torch.dtype)


class Server:
    def __init__(self, sock, workdir):
        self.sock, self.workdir = sock, os.path.realpath(workdir)
        self.objects, self.ids = {}, {}

    def handle(self, obj):
        key = id(obj)
        if key not in self.ids:
            self.ids[key] = len(self.objects) + 1
            self.objects[self.ids[key]] = obj
        return {"__handle__": self.ids[key], "__type__": type(obj).__name__}

    def to_data(self, value, depth=0):
        if depth > 20:
            raise ValueError("the value is nested too deeply")
        if isinstance(value, torch.Tensor):
            return value.detach().as_subclass(torch.Tensor).clone()
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
            import importlib

            return self.handle(importlib.import_module(args[0]))
        target = self.objects[args[0]]
        if op == "getattr":
            return getattr(target, args[1])
        if op == "setattr":
            return setattr(target, args[1], self.resolve(args[2]))
        if op == "build":  # target.name(*args, **kwargs), then methods called on the result: one round trip
            built = getattr(target, args[1])(*self.resolve(args[2]), **self.resolve(args[3]))
            for method, method_args, method_kwargs in args[4]:
                getattr(built, method)(*self.resolve(method_args), **self.resolve(method_kwargs))
            return built
        if op == "call":
            call_args, call_kwargs = self.resolve(args[1]), self.resolve(args[2])
            result = target(*call_args, **call_kwargs)
            if args[3]:  # also send back the arguments, to see whether they were modified
                return (result, call_args, call_kwargs)
            return result
        raise ValueError(f"unknown request {op!r}")

    def error(self, exc):
        where = ""
        # walk_tb, not extract_tb: no source line is read (the judge's files are not readable here)
        for frame, lineno in reversed(list(traceback.walk_tb(exc.__traceback__))):
            filename = frame.f_code.co_filename
            if os.path.realpath(filename).startswith(self.workdir + os.sep):
                where = f"{os.path.basename(filename)}, line {lineno}"
                break
        if isinstance(exc, SyntaxError) and exc.filename:
            where = f"{os.path.basename(exc.filename)}, line {exc.lineno}"
        message = " ".join(str(exc).split())
        if isinstance(exc, SyntaxError):
            message = exc.msg
        return {"type": type(exc).__name__, "message": message[:500], "where": where}

    def serve(self):
        while True:
            try:
                request = wire.load_request(wire.recv(self.sock))
            except EOFError:
                return
            try:
                reply = ("ok", self.to_data(self.answer(request)))
            except BaseException as exc:  # SystemExit too: the student's exit must not end the conversation
                reply = ("err", self.error(exc))
            try:
                data = wire.dump_reply(reply)
            except BaseException as exc:
                data = wire.dump_reply(("err", self.error(exc)))
            wire.send(self.sock, data)


def refuse(sock, reason):
    """The child could not be confined: answer every request with the reason, and run nothing."""
    while True:
        try:
            wire.recv(sock)
        except EOFError:
            return
        wire.send(sock, wire.dump_reply(("sandbox", reason)))


def run(sock, workdir):
    """Serve the judge from a fresh process whose working folder is the scratch copy."""
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    Server(sock, workdir).serve()
