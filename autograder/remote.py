"""The judge's side of the sandbox: start the zygote, spawn children, and talk
to the student's objects through `Remote` proxies that look like the real ones
to the hidden tests (`student.Attention()(q, k, v)` works on either)."""
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

from .sandbox import wire
from .sandbox.child import Ref

ROOT = Path(__file__).resolve().parent.parent
REPLY_LIMIT = 64 << 20  # bytes a child may send back in one answer


class SandboxError(Exception):
    """The child cannot answer any more: it timed out, died or was killed. One line."""


class StudentError(Exception):
    """An exception raised by the student's code, reported as one line."""

    def __init__(self, type, message, where=""):
        super().__init__(type, message, where)
        self.type, self.message, self.where = type, message, where

    def __str__(self):
        text = f"{self.type}: {self.message}" if self.message else self.type
        return f"{text} ({self.where})" if self.where else text


class Zygote:
    def __init__(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
               "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.zygote", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.control = ours

    def spawn(self, workdir, time_limit):
        """A new child serving the package in workdir, with time_limit seconds for everything it does."""
        judge_end, child_end = socket.socketpair()
        try:
            socket.send_fds(self.control, [pickle.dumps({"workdir": str(workdir)})], [child_end.fileno()])
            reply = self.control.recv(8)
        finally:
            child_end.close()
        if len(reply) != 8:
            raise SandboxError("the grading sandbox is not running")
        (pid,) = struct.unpack("!q", reply)
        return Child(judge_end, pid, time_limit)

    def close(self):
        self.control.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Child:
    def __init__(self, sock, pid, time_limit):
        self.sock, self.pid = sock, pid
        self.time_limit = time_limit
        self.deadline = time.monotonic() + time_limit
        self.dead = None  # the one-line reason, once it can no longer answer

    def request(self, *message):
        if self.dead:
            raise SandboxError(self.dead)
        try:
            self.sock.settimeout(max(0.001, self.deadline - time.monotonic()))
            wire.send(self.sock, wire.dump_request(message))
            status, value = wire.load_reply(wire.recv(self.sock, REPLY_LIMIT))
        except socket.timeout:
            self.kill(f"time limit exceeded: the exercise took longer than {self.time_limit:g} s (an endless loop?)")
        except (OSError, EOFError):
            self.kill("your code ended the process running it (sys.exit, os._exit or a crash)")
        except Exception as exc:  # an answer the judge refuses to read
            self.kill(f"your code returned something that is not plain tensors or numbers ({type(exc).__name__})")
        if status == "err":
            raise StudentError(**value)
        return self.wrap(value)

    def wrap(self, value):
        if isinstance(value, dict):
            if "__handle__" in value:
                return Remote(self, value["__handle__"], value.get("__type__", "object"))
            return {k: self.wrap(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.wrap(v) for v in value)
        return value

    def import_module(self, name):
        return self.request("import", name)

    def kill(self, reason="closed"):
        self.dead = self.dead or reason
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.sock.close()
        raise SandboxError(self.dead)

    def close(self):
        try:
            self.kill()
        except SandboxError:
            pass


def _refs(value):
    if isinstance(value, Remote):
        return Ref(object.__getattribute__(value, "_id"))
    if isinstance(value, (list, tuple)):
        return type(value)(_refs(v) for v in value)
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    return value


class Remote:
    """An object in the student's process. Attribute reads and calls go there;
    tensors and numbers come back by value, anything else as another Remote."""

    __slots__ = ("_child", "_id", "_type")

    def __init__(self, child, id, type):
        object.__setattr__(self, "_child", child)
        object.__setattr__(self, "_id", id)
        object.__setattr__(self, "_type", type)

    def __getattr__(self, name):
        return self._child.request("getattr", self._id, name)

    def __setattr__(self, name, value):
        self._child.request("setattr", self._id, name, _refs(value))

    def __call__(self, *args, **kwargs):
        return self._child.request("call", self._id, _refs(args), _refs(kwargs), False)

    def call_returning_args(self, *args, **kwargs):
        """(result, args, kwargs) with the arguments as the call left them."""
        return self._child.request("call", self._id, _refs(args), _refs(kwargs), True)

    def __len__(self):
        return self.__getattr__("__len__")()

    def __getitem__(self, key):
        return self.__getattr__("__getitem__")(key)

    def __repr__(self):
        return f"<student's {self._type}>"
