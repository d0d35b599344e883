"""Kernel namespaces: a grading child sees a file system, a network and a process table of its own.

`enter` runs in the child the zygote has just forked, before anything else of
limits.confine. It unshares a mount, a PID and a network namespace (and a user
namespace when the judge is not root: that is what lets a non-root user create
the others), then forks once more: the grandchild is process 1 of the new PID
namespace and grades; the child it came from only waits for it (so the judge's
pid, process group and the zygote's reaping work as before).

What the grandchild's file system holds, built on a small tmpfs and swapped in
with pivot_root (the old root is detached, so nothing of it stays reachable):

- read-only bind mounts of `plan["roots"]` (the Python installation, the
  system libraries: see limits.readable_roots) at their own paths; the folders
  above them are empty folders of the tmpfs, so the repository, `solutions/`,
  `autograder/<id>/hidden/`, other submissions, /tmp and the homes do not exist;
- /dev/null, /dev/zero, /dev/random and /dev/urandom, bound from the host;
- a /proc of its own PID namespace (no other process is in it);
- /scratch, its only writable folder: a tmpfs of `scratch_bytes` (64 MiB by
  default) for everything it writes. Past that, writes fail with ENOSPC, for
  this child only, and the tmpfs vanishes with the namespace: nothing is left
  on disk to delete. The root itself is remounted read-only, so chmod, chown,
  utime or setxattr outside /scratch fail with EROFS.

The network namespace has only a loopback interface, down: no socket reaches
another process's, and pathname UNIX sockets outside do not exist in the mount
namespace (abstract ones are scoped to the network namespace).

Measured on the development machine (see benchmarks/grading.py): the extra
fork and the namespaces cost a few milliseconds per child.
"""
import ctypes
import os
import stat

from . import limits

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = \
    32, 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
MNT_DETACH = 2
ST_NOEXEC, ST_NOATIME, ST_NODIRATIME, ST_RELATIME = 8, 1024, 2048, 4096

SCRATCH = "/scratch"  # the child's folder, as it sees it
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")
BASE = "/tmp"  # where the new root is built, in the child's own mount namespace only (as bubblewrap does)

_libc = limits._libc
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def _mount(source, target, fstype, flags, data=None):
    enc = lambda s: s.encode() if isinstance(s, str) else s  # noqa: E731
    limits._check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount({target})")


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def flags(root):
    """The namespaces a child gets: a user namespace too when the judge is not root."""
    return CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | (0 if root else CLONE_NEWUSER)


def names(root):
    return "mount, pid, net" + ("" if root else ", user")


def enter(plan, uid=None):
    """In the forked child: unshare, fork; returns (in the grandchild, process 1 of its PID namespace, in
    its new root) the scratch folder's path. The child itself never returns: it waits for the grandchild
    and exits. uid: the owner of /scratch (the child's uid when the judge is root)."""
    outer_uid, outer_gid, zygote = os.getuid(), os.getgid(), os.getppid()
    limits._check(_libc.unshare(flags(plan["root"])), "unshare")
    if not plan["root"]:  # we are that user inside, with the capabilities it needs to build the root
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{outer_uid} {outer_uid} 1")
        _write("/proc/self/gid_map", f"{outer_gid} {outer_gid} 1")
    alive_r, alive_w = os.pipe()  # the grandchild sees EOF once its parent is gone
    # Listed now: once the grandchild has pivoted (the root of the whole mount namespace), this
    # process's /proc is the grandchild's, where it is not.
    fds = [int(n) for n in os.listdir("/proc/self/fd")]
    pid = os.fork()
    if pid:
        _wait(pid, alive_w, fds, zygote)
    os.close(alive_w)
    limits._prctl(limits.PR_SET_PDEATHSIG, 9)
    if parent_gone(alive_r):
        os._exit(0)
    # Opened in the new mount namespace (a bind mount's source must be one of its mounts), before
    # BASE is covered: a root may live under it.
    sources = _open_sources(plan["roots"])
    try:
        _build_root(plan, sources, uid)
    finally:
        for fd in sources.values():
            os.close(fd)
    return SCRATCH, alive_r


def _wait(pid, keep, fds, zygote):
    """The child between the zygote and process 1: holds nothing, dies with the zygote or with process 1."""
    limits._prctl(limits.PR_SET_PDEATHSIG, 9)
    if os.getppid() != zygote:  # the zygote died before the line above: no signal will come
        os._exit(0)  # process 1 follows (its own death signal, or parent_gone)
    for fd in fds:
        if fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass
    try:
        os.waitpid(pid, 0)
    finally:
        os._exit(0)


def parent_gone(alive_r):
    import select

    return bool(select.select([alive_r], [], [], 0)[0])  # readable: EOF, the writer is gone


def _open_sources(roots):
    sources = {}
    for path in list(roots) + list(DEVICES) + ["/sys/devices/system/cpu"]:
        if path.startswith("/proc/") or path in sources:
            continue  # the child's own /proc has them
        try:
            sources[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            pass
    return sources


def _build_root(plan, sources, uid):
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount here shows outside
    new = BASE
    _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    for path, fd in sources.items():
        target = new + path
        is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
        os.makedirs(target if is_dir else os.path.dirname(target), exist_ok=True)
        if not is_dir:
            open(target, "a").close()
        _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND)
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | _kept_flags(target, path in DEVICES))
    os.makedirs(new + "/proc")
    _mount("proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(new + SCRATCH)
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    size = plan["options"]["scratch_bytes"]
    _mount("tmpfs", new + SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
           f"size={size},nr_inodes=65536,mode=0700{owner}")
    os.chdir(new)
    limits._check(_libc.syscall(155, b".", b"."), "pivot_root")  # SYS_pivot_root: the old root now sits on top
    limits._check(_libc.umount2(b".", MNT_DETACH), "umount the old root")
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _kept_flags(target, device):
    """The flags a read-only remount must keep (a user namespace may not clear them), plus nodev."""
    have = os.statvfs(target).f_flag
    kept = (MS_NOEXEC if have & ST_NOEXEC else 0) | (MS_NOATIME if have & ST_NOATIME else 0) \
        | (MS_NODIRATIME if have & ST_NODIRATIME else 0) | (MS_RELATIME if have & ST_RELATIME else 0)
    return kept | (0 if device else MS_NODEV)


_available = {}


def available(plan):
    """Why namespaces cannot confine a child here (a short reason), or "" when they can: tried for real,
    once per process, in a throwaway child."""
    key = plan["root"]
    if key not in _available:
        _available[key] = _probe(plan)
    return _available[key]


def _probe(plan):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            workdir, _ = enter(plan)
            os.write(w, b"ok" if os.path.isdir(workdir) else b"no scratch")
        except BaseException as exc:
            try:
                os.write(w, str(exc).encode()[:200])
            except BaseException:
                pass
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        said = f.read().decode(errors="replace")
    os.waitpid(pid, 0)
    return "" if said == "ok" else (said or "the probe died")
