"""The judge's side of the sandbox: start the zygote, spawn children, and talk
to the student's objects through `Remote` proxies that look like the real ones
to the hidden tests (`student.Attention()(q, k, v)` works on either)."""
import math
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


class SandboxFailure(RuntimeError):
    """The sandbox itself failed (a child could not be confined): the grader's fault, not the student's."""


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
            pass_fds=[theirs.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )
        theirs.close()
        self.control = ours

    def spawn(self, workdir, time_limit, budget=math.inf, total_limit=None, limits=None):
        """A new child serving the package in workdir, confined (see sandbox/limits.py), with time_limit
        seconds for everything it does and `budget` seconds of answering (what is left of the submission's
        total_limit)."""
        judge_end, child_end = socket.socketpair()
        request = {"op": "spawn", "workdir": str(workdir), "time_limit": float(time_limit), "limits": limits or {}}
        try:
            socket.send_fds(self.control, [pickle.dumps(request)], [child_end.fileno()])
            reply = self.control.recv(8)
        except OSError:
            reply = b""
        finally:
            child_end.close()
        if len(reply) != 8:
            judge_end.close()
            raise SandboxError("the grading sandbox is not running")
        (pid,) = struct.unpack("!q", reply)
        return Child(judge_end, pid, time_limit, self, budget, total_limit, workdir)

    def reap(self, pid, workdir=None):
        """Have the zygote kill the child and everything it left behind, then delete workdir
        (no answer: this overlaps the judge's own work)."""
        try:
            self.control.send(pickle.dumps({"op": "reap", "pid": pid, "workdir": workdir and str(workdir)}))
        except OSError:
            pass

    def close(self):
        self.control.close()  # the zygote kills whatever it still has, then exits
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Child:
    def __init__(self, sock, pid, time_limit, zygote=None, budget=math.inf, total_limit=None, workdir=None):
        self.sock, self.pid, self.zygote, self.workdir = sock, pid, zygote, workdir
        self.time_limit, self.total_limit = time_limit, total_limit
        self.deadline = time.monotonic() + time_limit
        self.budget = budget  # seconds of answering this child may still use (the submission's total)
        self.used = 0.0       # seconds spent waiting for its answers
        self.dead = None  # the one-line reason, once it can no longer answer

    def request(self, *message):
        if self.dead:
            raise SandboxError(self.dead)
        start = time.monotonic()
        per_exercise = self.deadline <= start + (self.budget - self.used)
        try:
            deadline = min(self.deadline, start + self.budget - self.used)
            self.sock.settimeout(max(0.001, deadline - start))
            wire.send(self.sock, wire.dump_request(message))
            status, value = wire.load_reply(wire.recv(self.sock, REPLY_LIMIT, deadline))
        except socket.timeout:
            if per_exercise:
                self.kill(f"time limit exceeded: the exercise took longer than {self.time_limit:g} s (an endless loop?)")
            self.kill(f"time limit exceeded: the submission's exercises together took longer than {self.total_limit:g} s")
        except (OSError, EOFError):
            self.kill("your code ended the process running it (sys.exit, os._exit or a crash)")
        except Exception as exc:  # an answer the judge refuses to read
            self.kill(f"your code returned something that is not plain tensors or numbers ({type(exc).__name__})")
        finally:
            self.used += time.monotonic() - start
        if status == "sandbox":
            self.close()
            raise SandboxFailure(f"the grading sandbox could not confine the student's process: {value}")
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
        if not self.dead:
            self.dead = reason
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.sock.close()
            if self.zygote is not None:
                self.zygote.reap(self.pid, self.workdir)
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

    def build(self, name, args=(), kwargs=None, then=()):
        """self.name(*args, **kwargs), then each (method, args, kwargs) of `then` called on it; in one round trip."""
        then = [(m, _refs(tuple(a)), _refs(dict(k))) for m, a, k in then]
        return self._child.request("build", self._id, name, _refs(tuple(args)), _refs(dict(kwargs or {})), then)

    def call_returning_args(self, *args, **kwargs):
        """(result, args, kwargs) with the arguments as the call left them."""
        return self._child.request("call", self._id, _refs(args), _refs(kwargs), True)

    def __len__(self):
        return self.__getattr__("__len__")()

    def __getitem__(self, key):
        return self.__getattr__("__getitem__")(key)

    def __repr__(self):
        return f"<student's {self._type}>"
