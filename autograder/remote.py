"""The judge's side of a child (spawned by pool.Zygote): talk to the student's
objects through `Remote` proxies that look like the real ones to the hidden
tests (`student.Attention()(q, k, v)` works on either)."""
import math
import os
import signal
import socket
import time

from .pool import SandboxFailure  # noqa: F401 (re-exported)
from .sandbox import wire
from .sandbox.child import Copy, Ref

REPLY_LIMIT = 64 << 20  # bytes a child may send back in one answer
SAID = 500  # characters kept of any text the child sends for a person to read (an exception's type, message, place)


class SandboxError(Exception):
    """The child cannot answer any more: it timed out, died or was killed. One line."""


class Tainted(SandboxError):
    """The child refuses another exercise: the last one left something behind (one line). Use a fresh child.
    Only ever raised by `enter`; it is the child's word, so a fresh child saying it is not believed."""


class StudentError(Exception):
    """An exception raised by the student's code, reported as one line."""

    def __init__(self, type, message, where=""):
        super().__init__(type, message, where)
        self.type, self.message, self.where = type, message, where

    def __str__(self):
        text = f"{self.type}: {self.message}" if self.message else self.type
        return f"{text} ({self.where})" if self.where else text


class Forbidden(Exception):
    """The exercise's own code ran an operator the exercise forbids: the whole exercise scores 0 (one line)."""


class Child:
    def __init__(self, sock, pid, time_limit, zygote=None, budget=math.inf, total_limit=None, workdir=None):
        self.sock, self.pid, self.zygote, self.workdir = sock, pid, zygote, workdir
        self.time_limit, self.total_limit = time_limit, total_limit
        self.deadline = time.monotonic() + time_limit
        self.budget = budget  # seconds of answering this child may still use (the submission's total)
        self.used = 0.0       # seconds spent waiting for its answers
        self.dead = None  # the one-line reason, once it can no longer answer
        self.crashed = False  # whether it ended by itself (its socket closed): maybe with its zygote
        self.out_of_step = False  # whether it answered with a number not asked for (the student's code wrote on its socket)
        self.sequence = 0  # the number of the last request: the child's reply carries it back
        # () -> why a fresh child cannot be confined, or None: set by the session, to check a child's claim
        self.verify = None
        # Requests whose answer is only a handle (a class called: an instance; a build), sent with the
        # next request instead of on their own; the judge numbers their handles itself, from -1 down.
        self.deferred, self.next_handle = [], -1
        self.modules = {}  # name -> Remote of a module imported in the child this exercise (import_module)
        self.constants = {}  # id(value) -> (value, its handle in the child) this exercise (constant)

    def defer(self, *message, keep=True):
        """A Remote for what message will return, sent with the next request (see flush); keep=False: its
        answer is not wanted (a setattr), and nothing is returned."""
        if not keep:
            self.deferred.append((None, message))
            return None
        handle, self.next_handle = self.next_handle, self.next_handle - 1
        self.deferred.append((handle, message))
        return Remote(self, handle, "object")

    def constant(self, value):
        """A stand-in for `value` (tensors, numbers, strings and containers of them) in requests: it goes to
        the child once an exercise, and each use there gets a fresh copy. For what many requests carry
        unchanged: the weights make() loads (~40 tensors for each build of a BERT)."""
        if id(value) not in self.constants:
            handle, self.next_handle = self.next_handle, self.next_handle - 1
            # first in the next batch: a deferred request that raises ends its batch, and this runs no student code
            self.deferred.insert(0, (handle, ("value", value)))
            self.constants[id(value)] = (value, handle)  # value kept alive: its id is its own meanwhile
        return Copy(self.constants[id(value)][1])

    def flush(self):
        """Send what is deferred now: raises what the student's code raises there."""
        if self.deferred:
            self.request("noop")

    def request(self, *message):
        if self.dead:
            raise SandboxError(self.dead)
        if self.deferred:
            message, self.deferred = ("batch", self.deferred, message), []
        start = time.monotonic()
        per_exercise = self.deadline <= start + (self.budget - self.used)
        self.sequence += 1
        try:
            deadline = min(self.deadline, start + self.budget - self.used)
            self.sock.settimeout(max(0.001, deadline - start))
            wire.send(self.sock, wire.dump_request((self.sequence, message)))
            reply = wire.load_reply(wire.recv(self.sock, REPLY_LIMIT, deadline))
        except socket.timeout:
            if per_exercise:
                self.kill(f"time limit exceeded: the exercise took longer than {self.time_limit:g} s (an endless loop?)")
            self.kill(f"time limit exceeded: the submission's exercises together took longer than {self.total_limit:g} s")
        except (OSError, EOFError) as exc:
            if isinstance(exc, wire.WireError) and str(exc) != wire.CLOSED:
                self.kill(f"the process running your code sent a reply the grader did not ask for ({exc})")
            self.crashed = True
            self.kill("your code ended the process running it (sys.exit, os._exit or a crash)")
        except Exception as exc:  # an answer the judge refuses to read
            self.kill(f"your code returned something that is not plain tensors or numbers ({type(exc).__name__})")
        finally:
            self.used += time.monotonic() - start
        # Everything below is the child's word: the student's code may have written any reply on its socket.
        # (status, value, this request's number): anything else was written by the student's code, or is the
        # real reply to a request whose answer it wrote itself (number and all), now read out of step
        if not (isinstance(reply, tuple) and len(reply) == 3 and reply[2] == self.sequence):
            self.out_of_step = True
            self.kill("the process running your code sent a reply the grader did not ask for")
        status, value, _ = reply
        if status == "sandbox":
            reason = self.verify() if self.verify else said(value)
            if reason:  # a fresh child, which ran no student code, says the same
                self.close()
                raise SandboxFailure(f"the grading sandbox could not confine the student's process: {reason}")
            self.kill("the process running your code claimed the sandbox failed, but a fresh one was confined: "
                      "this exercise cannot be graded")
        if status == "tainted" and message[0] == "enter":
            raise Tainted(said(value))
        if status == "err" and isinstance(value, dict):
            if value.get("type") == "ForbiddenShortcut":  # sandbox/watch.py: this exercise's code ran a forbidden op
                raise Forbidden(said(value.get("message", "")))
            return self._raise(value)
        if status != "ok":
            self.kill("the process running your code sent a reply the grader did not ask for")
        return self.wrap(value)

    def _raise(self, value):
        raise self.student_error(value)

    def student_error(self, value):
        """The StudentError of an exception the child reported ({type, message, where}: the child's word)."""
        if not isinstance(value, dict):
            self.kill("the process running your code sent a reply the grader did not ask for")
        return StudentError(*(said(value.get(k, "")) for k in ("type", "message", "where")))

    def wrap(self, value):
        if isinstance(value, dict):
            if "__handle__" in value:
                return Remote(self, value["__handle__"], said(value.get("__type__", "object")), value.get("__stable__", False),
                              value.get("__class__", False))
            return {k: self.wrap(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.wrap(v) for v in value)
        return value

    def import_module(self, name):
        """The module `name` in the child, as a Remote: asked for once an exercise (enter forgets them all)."""
        if name not in self.modules:
            self.modules[name] = self.request("import", name)
        return self.modules[name]

    def enter(self, files, name, everything=True, watch=()):
        """Start the next exercise: its own time_limit from now, its package {path: text} written into a
        fresh folder, the module `name` imported from there. Raises Tainted when the child refuses
        (everything=False: it checks only the cheap part; see side_effects.py; watch: the forbidden names to
        watch the exercise's operators for, see forbidden.watched)."""
        self.deadline = time.monotonic() + self.time_limit
        self.deferred = []  # the last exercise's, never needed (compare.expect flushes after each probe)
        self.modules = {}  # the last exercise's handles are void in the child after this
        self.constants = {}
        return self.request("enter", files, name, everything, list(watch or ()))

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


def said(value):
    """Text the child sent, as one line of at most SAID characters: the student's exception may name itself
    with megabytes, and every line of feedback goes on to be read, translated and stored."""
    text = value if isinstance(value, str) else repr(value)
    return " ".join(text[:SAID].split())


def refs(value):
    """value with every Remote in it replaced by a Ref, as a request carries it."""
    if isinstance(value, Remote):
        return Ref(object.__getattribute__(value, "_id"))
    if isinstance(value, (list, tuple)):
        return type(value)(refs(v) for v in value)
    if isinstance(value, dict):
        return {k: refs(v) for k, v in value.items()}
    return value


class Remote:
    """An object in the student's process. Attribute reads and calls go there;
    tensors and numbers come back by value, anything else as another Remote.
    An attribute holding a class, module, function or method is asked for once,
    and an instance, a build or a setattr is made with the request that follows it
    (Child.defer): errors it raises show there, or at Child.flush."""

    __slots__ = ("_child", "_id", "_type", "_stable", "_class", "_attributes")

    def __init__(self, child, id, type, stable=False, cls=False):
        object.__setattr__(self, "_child", child)
        object.__setattr__(self, "_id", id)
        object.__setattr__(self, "_type", type)
        object.__setattr__(self, "_stable", stable)
        object.__setattr__(self, "_class", cls)
        object.__setattr__(self, "_attributes", {})

    def __getattr__(self, name):
        if name in self._attributes:
            return self._attributes[name]
        value = self._child.request("getattr", self._id, name)
        if isinstance(value, Remote) and value._stable:
            self._attributes[name] = value
        return value

    def __setattr__(self, name, value):
        self._attributes.pop(name, None)
        self._child.defer("setattr", self._id, name, refs(value), keep=False)

    def __call__(self, *args, **kwargs):
        message = ("call", self._id, refs(args), refs(kwargs), False)
        return self._child.defer(*message) if self._class else self._child.request(*message)

    def build(self, name, args=(), kwargs=None, then=()):
        """self.name(*args, **kwargs), then each (method, args, kwargs) of `then` called on it (deferred)."""
        then = [(m, refs(tuple(a)), refs(dict(k))) for m, a, k in then]
        return self._child.defer("build", self._id, name, refs(tuple(args)), refs(dict(kwargs or {})), then)

    def swap(self, standins):
        """sandbox.child.swap_submodules(self, standins) (deferred, like a setattr)."""
        for name in standins:
            self._attributes.pop(name, None)
        self._child.defer("swap", self._id, refs(dict(standins)), keep=False)

    def call_returning_args(self, *args, **kwargs):
        """(result, args, kwargs) with the arguments as the call left them."""
        return self._child.request("call", self._id, refs(args), refs(kwargs), True)

    def __len__(self):
        return self.__getattr__("__len__")()

    def __getitem__(self, key):
        return self.__getattr__("__getitem__")(key)

    def __repr__(self):
        return f"<student's {self._type}>"
