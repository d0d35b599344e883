"""The judge's handle on the zygote (sandbox/zygote.py): start it, have it fork children and reap them.

Importing this imports no torch, so that a grading process can start its
zygote first thing (`prestart`) and let it import torch while it imports its own.
"""
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

ROOT = Path(__file__).resolve().parent.parent
_prestarted = []


class SandboxFailure(RuntimeError):
    """The grading machinery failed, as the judge observed it itself (a zygote that does not answer, a
    fork that fails, a sandbox that cannot confine a child that ran no student code): never a student's
    fault. Nothing a child sends raises it."""


def prestart(fork=False):
    """Start a zygote now, for the next `take()` of this process.

    fork=True: import torch here, then fork the zygote from this very process, which saves it
    its own import (~1.3 s). Only for a process that holds nothing yet that a student's code
    should not see (no reference, no hidden test, no submission's path) and has no other
    thread; with another thread it starts a fresh interpreter instead."""
    if _prestarted:
        return
    if fork:
        import torch  # noqa: F401

        fork = len(os.listdir("/proc/self/task")) == 1
    _prestarted.append(Zygote(fork))


def take():
    """The prestarted zygote, or a new one."""
    return _prestarted.pop() if _prestarted else Zygote()


class Zygote:
    def __init__(self, fork=False):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.reaped = False
        if fork:
            self.pid, self.proc = os.fork(), None
            if self.pid == 0:
                _become_zygote(ours, theirs)
        else:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
                   "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "autograder.sandbox.zygote", str(theirs.fileno())],
                pass_fds=[theirs.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            )
            self.pid = self.proc.pid
        theirs.close()
        self.control = ours

    def spawn(self, workdir, time_limit, budget=math.inf, total_limit=None, limits=None):
        """A new child working in workdir, confined (see sandbox/limits.py), with time_limit seconds of
        wall time from its start and from each `enter`, and `budget` seconds of answering in all (what is
        left of the submission's total_limit)."""
        judge_end, child_end = socket.socketpair()
        answering = min(budget, total_limit or math.inf)  # may be spread over several exercises
        request = {"op": "spawn", "workdir": str(workdir), "limits": limits or {},
                   "cpu_seconds": float(time_limit if math.isinf(answering) else max(time_limit, answering))}
        try:
            socket.send_fds(self.control, [pickle.dumps(request)], [child_end.fileno()])
            reply = self.control.recv(8)
        except OSError:
            reply = b""
        finally:
            child_end.close()
        from .remote import Child  # it imports torch

        if len(reply) != 8:
            judge_end.close()
            raise SandboxFailure("the grading sandbox (its zygote) stopped answering")
        (pid,) = struct.unpack("!q", reply)
        return Child(judge_end, pid, time_limit, self, budget, total_limit, workdir)

    def alive(self):
        """Whether the zygote still runs and holds its end of the control socket (no round trip)."""
        if self._exited():
            return False
        try:
            return self.control.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
        except BlockingIOError:
            return True
        except OSError:
            return False

    def reap(self, pid, workdir=None):
        """Have the zygote kill the child and everything it left behind, then delete workdir
        (no answer: this overlaps the judge's own work)."""
        try:
            self.control.send(pickle.dumps({"op": "reap", "pid": pid, "workdir": workdir and str(workdir)}))
        except OSError:
            pass

    def _exited(self):
        """Whether the zygote has exited (and is reaped)."""
        if self.proc is not None:
            return self.proc.poll() is not None
        if not self.reaped:
            try:
                if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                    return False
            except ChildProcessError:
                pass
            self.reaped = True
        return True

    def close(self):
        self.control.close()  # the zygote kills whatever it still has, then exits
        end = time.monotonic() + 10
        while not self._exited():
            if time.monotonic() > end:
                os.kill(self.pid, signal.SIGKILL)
                end = math.inf
            time.sleep(0.005)


def _become_zygote(ours, theirs):
    """In the forked process: leave the judge's descriptors, folder and search path, and serve as the
    zygote. The search path matters: sandbox/limits.py lets the children read its folders."""
    try:
        ours.close()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        extra = {os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
        sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) not in extra | {os.getcwd()}] + [str(ROOT)]
        os.chdir("/")
        from .sandbox import zygote

        zygote.main(theirs.fileno())
    finally:
        os._exit(0)
