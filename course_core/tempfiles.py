"""Temporary folders that never outlive the command that made them.

Every folder a `course` command (or a grading worker) makes outside the course
directory comes from here. It is named `course-<kind>-...` and holds a marker
file recording who made it (uid, pid and that process's start time), and it is
removed when the command ends: normally, by an exception, by Ctrl-C, or by
SIGTERM (`interrupt_on_sigterm` makes it end the process as Ctrl-C does). A run killed
outright (SIGKILL) cannot clean up, so each run first removes the folders that
*dead* runs of the *same* user left behind: never another user's, never an
unmarked folder, never a live run's.

Lives in course_core because course_cli and autograder both use it (and the
students' wheel needs it, for `course submit`).
"""
import atexit
import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
from pathlib import Path

PREFIX = "course-"
MARKER = ".course-tmp-owner"
_mine = {}  # path -> the pid that made it (a forked child must not remove its parent's folders)
_swept = []


def _started(pid):
    """The process's start time in clock ticks since boot (tells a reused pid apart), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _owner():
    return {"uid": os.geteuid(), "pid": os.getpid(), "start": _started(os.getpid())}


def remove(path):
    """Remove a folder whatever it holds (deep trees, folders without write or search permission)."""
    path = os.fspath(path)
    if not os.path.lexists(path):
        return

    def unlock(func, name, _):
        try:
            os.chmod(os.path.dirname(name), 0o700)
            os.chmod(name, 0o700) if os.path.isdir(name) and not os.path.islink(name) else None
            func(name)
        except OSError:
            pass

    try:
        shutil.rmtree(path, onerror=unlock)
    except RecursionError:  # a tree deeper than Python's recursion: rm walks it without recursing
        subprocess.run(["rm", "-rf", "--one-file-system", "--", path], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.path.lexists(path):
        subprocess.run(["chmod", "-R", "u+rwx", "--", path], check=False, stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", "--one-file-system", "--", path], check=False, stderr=subprocess.DEVNULL)


def _stale(entry):
    """Whether `entry` (in the temp folder) is a marked folder of this user whose run is dead."""
    try:
        st = os.lstat(entry)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            return False
        marker = os.path.join(entry, MARKER)
        mst = os.lstat(marker)
        if not stat.S_ISREG(mst.st_mode) or mst.st_uid != os.geteuid() or mst.st_size > 4096:
            return False
        with open(marker, encoding="utf-8") as f:
            owner = json.load(f)
        uid, pid, start = int(owner["uid"]), int(owner["pid"]), owner.get("start")
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if uid != os.geteuid() or pid == os.getpid():
        return False
    return _started(pid) is None or _started(pid) != start  # gone, or the pid now belongs to another process


def sweep(where=None):
    """Remove the marked folders that dead runs of this user left in the temp folder; their paths."""
    where = where or tempfile.gettempdir()
    try:
        names = [n for n in os.listdir(where) if n.startswith(PREFIX)]
    except OSError:
        return []
    gone = []
    for name in names:
        entry = os.path.join(where, name)
        if _stale(entry):
            remove(entry)
            gone.append(entry)
    return gone


def mkdtemp(kind):
    """A new marked folder `course-<kind>-XXXX` in the temp folder, removed when this process exits
    (see `folder` for one removed sooner). The first call of a process sweeps dead runs' leftovers."""
    if not _swept:
        _swept.append(True)
        sweep()
    path = tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-")
    with open(os.path.join(path, MARKER), "w", encoding="utf-8") as f:
        json.dump(_owner(), f)
    _mine[path] = os.getpid()
    return Path(path)


def discard(path):
    """Remove a folder made by mkdtemp now."""
    path = os.fspath(path)
    if _mine.get(path) == os.getpid():
        del _mine[path]
        remove(path)


@contextlib.contextmanager
def folder(kind):
    """with folder("audit") as path: a marked temp folder, removed at the end of the block."""
    path = mkdtemp(kind)
    try:
        yield path
    finally:
        discard(path)


@atexit.register
def _remove_mine():
    for path in [p for p, pid in _mine.items() if pid == os.getpid()]:
        discard(path)


def interrupt_on_sigterm():
    """Make SIGTERM end this process as Ctrl-C does (KeyboardInterrupt, which pytest too treats as
    "stop now", where it would count SystemExit as one failed test), through every `finally` and
    exit handler. Only from the main thread; a no-op elsewhere."""
    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM kills outright
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, stop)
