"""What a grading child may do, applied right after the fork and before any student code.

- Namespaces first (sandbox/namespaces.py), where the kernel lets us: the
  child becomes process 1 of its own mount, PID and network namespaces, in a
  root holding only the Python installation (read-only) and a 64 MiB tmpfs
  scratch. What follows is the second line, and the only one without them.
- Landlock (when the kernel has it): the child reads only the Python
  installation it runs on, a few system files and its own scratch folder;
  it writes only to that folder; it executes nothing; it cannot bind or
  connect TCP sockets; it cannot signal or reach abstract sockets outside
  its sandbox (ABI >= 6).
- seccomp (x86_64): no sockets other than AF_UNIX, no connect(), no
  sendmsg, no io_uring: no UDP, no raw sockets, no UNIX servers either;
  no setuid or setgid bits on its files.
- Resource limits: address space (the zygote's own size plus a budget,
  2 GiB by default), processes, open files, file size, CPU time, no core dumps.
- When the judge is root: the child drops to a uid and gid of its own
  (UID_BASE + its pid) and every capability, so it cannot signal another
  child nor raise its limits; without Landlock it can then write only what
  is world-writable and read only what is world-readable. If the Python
  installation is not readable by other users (pyenv under /root) and
  Landlock is in force, the child keeps 0 as its file-system uid only
  (`fs_root`): it reads as root's owner, and Landlock alone says what.
- stdin, stdout and stderr are /dev/null, the environment is scrubbed, no
  file descriptor but the judge's socket (3) survives, PR_SET_NO_NEW_PRIVS,
  and it dies with the zygote (PR_SET_PDEATHSIG).

Orphans: the child and the zygote are both child subreapers. Whatever a
child spawns and abandons (setsid, double fork) stays the child's while it
lives, and becomes the zygote's once it is killed; the zygote kills it when
the judge is done with that child (`reap`).

Why the memory limit is relative: RLIMIT_AS counts the address space the
child inherits from the zygote, which is torch's own (about 620 MiB for the
CPU build measured here, several GiB for a CUDA build). A fixed 2 GiB would
leave the student 1.4 GiB here and nothing at all on a CUDA machine, so the
limit is the zygote's size at the fork plus `memory` (2 GiB by default).
"""
import ctypes
import errno
import math
import os
import platform
import resource
import signal
import stat
import struct
import sys
import sysconfig
import tempfile
from pathlib import Path

GiB = 1 << 30
DEFAULTS = {
    "memory": 2 * GiB,          # bytes of address space above the zygote's own
    "processes": 32,            # processes and threads the child may have at once (its own uid)
    "open_files": 64,
    "file_size": 64 << 20,      # bytes, per file written
    "landlock": True,           # False: skip Landlock even where the kernel has it (tests of the second line)
    "seccomp": True,
    "drop_uid": True,           # when root: run the child as an unprivileged uid
    "namespaces": True,         # False: skip the namespaces even where they work (tests of the other layers)
    "scratch_bytes": 64 << 20,  # bytes the child may write in all (its /scratch tmpfs; namespaces only)
}
UID_BASE = 0x60000000  # child uid = UID_BASE + its pid (root only); unused by any real account
NOBODY = 65534         # shared by all children where a user namespace does not map those uids

# The course's repository: no child may read anything in it (except a venv that happens to live there).
REPO = Path(__file__).resolve().parent.parent.parent

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

PR_SET_PDEATHSIG, PR_SET_SECCOMP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 22, 36, 38
SECCOMP_MODE_FILTER = 2


class ConfinementError(RuntimeError):
    """The child could not be confined as promised; it must not run student code."""


def _check(result, what):
    if result < 0:
        err = ctypes.get_errno()
        raise ConfinementError(f"{what}: {os.strerror(err)}")
    return result


def _prctl(option, arg=0):
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl({option})")


# --- Landlock ---------------------------------------------------------------

SYS_landlock_create_ruleset, SYS_landlock_add_rule, SYS_landlock_restrict_self = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS = {name: 1 << i for i, name in enumerate(
    ["EXECUTE", "WRITE_FILE", "READ_FILE", "READ_DIR", "REMOVE_DIR", "REMOVE_FILE", "MAKE_CHAR", "MAKE_DIR",
     "MAKE_REG", "MAKE_SOCK", "MAKE_FIFO", "MAKE_BLOCK", "MAKE_SYM", "REFER", "TRUNCATE", "IOCTL_DEV"])}
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2
READ = FS["READ_FILE"] | FS["READ_DIR"]
READ_FILE = FS["READ_FILE"]
SCRATCH = (READ | FS["WRITE_FILE"] | FS["REMOVE_DIR"] | FS["REMOVE_FILE"] | FS["MAKE_DIR"] | FS["MAKE_REG"]
           | FS["MAKE_SYM"] | FS["REFER"] | FS["TRUNCATE"])
FILE_RIGHTS = FS["EXECUTE"] | FS["WRITE_FILE"] | FS["READ_FILE"] | FS["TRUNCATE"] | FS["IOCTL_DEV"]


def landlock_abi():
    """The kernel's Landlock ABI version, 0 if it has none (or it is disabled)."""
    if platform.system() != "Linux":
        return 0
    abi = _libc.syscall(SYS_landlock_create_ruleset, None, ctypes.c_size_t(0),
                        ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return max(0, int(abi))


def _fs_rights(abi):
    bits = 13 + (abi >= 2) + (abi >= 3)
    rights = (1 << bits) - 1
    if abi >= 5:
        rights |= FS["IOCTL_DEV"]
    return rights


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock(abi, rules):
    """Restrict this thread (and what it forks) to `rules`: [(path, access)]. Returns what it handled."""
    handled = _fs_rights(abi)
    attr = struct.pack("=QQQ", handled, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                       SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    buf = ctypes.create_string_buffer(attr, 24)
    ruleset = _check(_libc.syscall(SYS_landlock_create_ruleset, buf, ctypes.c_size_t(size), ctypes.c_uint32(0)),
                     "landlock_create_ruleset")
    try:
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path this machine does not have
            try:
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    access &= FILE_RIGHTS
                rule = _PathBeneath(access & handled, fd)
                _check(_libc.syscall(SYS_landlock_add_rule, ctypes.c_int(ruleset), ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
                                     ctypes.byref(rule), ctypes.c_uint32(0)), f"landlock_add_rule({path})")
            finally:
                os.close(fd)
        _check(_libc.syscall(SYS_landlock_restrict_self, ctypes.c_int(ruleset), ctypes.c_uint32(0)),
               "landlock_restrict_self")
    finally:
        os.close(ruleset)


# --- seccomp ----------------------------------------------------------------

AUDIT_ARCH_X86_64 = 0xC000003E
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
# x86_64 numbers. Denied outright: connect, sendmsg, sendmmsg, io_uring_setup/enter/register.
_DENIED = (42, 46, 307, 425, 426, 427)
_SOCKET, _AF_UNIX = 41, 1
# chmod, fchmod (mode is argument 1) and fchmodat, fchmodat2 (argument 2): no setuid or setgid bits,
# which matter where the child's files belong to root (fs_root).
_CHMOD = {90: 1, 91: 1, 268: 2, 452: 2}
_SETID = 0o6000


def seccomp_available():
    return platform.machine() == "x86_64"


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _assemble(program):
    """[(code, jt, jf, k) or "label"], jt/jf a label (later in the program) or an offset -> sock_filter array."""
    at, index = {}, 0
    for item in program:
        if isinstance(item, str):
            at[item] = index
        else:
            index += 1
    out, index = [], 0
    for item in program:
        if isinstance(item, str):
            continue
        code, jt, jf, k = item
        jt = at[jt] - index - 1 if isinstance(jt, str) else jt
        jf = at[jf] - index - 1 if isinstance(jf, str) else jf
        assert 0 <= jt < 256 and 0 <= jf < 256, "BPF jumps only forward"
        out.append(_SockFilter(code, jt, jf, k))
        index += 1
    return (_SockFilter * len(out))(*out)


def seccomp():
    """No network: socket() for AF_UNIX only, no connect, sendmsg or io_uring; no setuid bits (EACCES)."""
    LD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ/JGE/JSET|K, BPF_RET|K
    deny = SECCOMP_RET_ERRNO | errno.EACCES
    program = [(LD, 0, 0, 4),                      # arch
               (JEQ, 1, 0, AUDIT_ARCH_X86_64),
               (RET, 0, 0, deny),                  # i386 calls (int 0x80): nothing
               (LD, 0, 0, 0),                      # the syscall number
               (JGE, "deny", 0, 0x40000000)]       # x32 calls
    program += [(JEQ, "deny", 0, nr) for nr in _DENIED]
    program += [(JEQ, "socket", 0, _SOCKET)]
    program += [(JEQ, f"mode{arg}", 0, nr) for nr, arg in _CHMOD.items()]
    program += [(RET, 0, 0, SECCOMP_RET_ALLOW),
                "socket", (LD, 0, 0, 16), (JEQ, "allow", "deny", _AF_UNIX),  # args[0], low half
                "mode1", (LD, 0, 0, 24), (JSET, "deny", "allow", _SETID),     # args[1]
                "mode2", (LD, 0, 0, 32), (JSET, "deny", "allow", _SETID),     # args[2]
                "allow", (RET, 0, 0, SECCOMP_RET_ALLOW),
                "deny", (RET, 0, 0, deny)]
    filters = _assemble(program)
    prog = _SockFprog(len(filters), filters)
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0), "seccomp")


# --- what the child may read ------------------------------------------------

def _inside(path, folder):
    return path == folder or folder == "/" or path.startswith(folder.rstrip("/") + "/")


def _forbidden(path):
    """A folder no child may read: the repository, or one that holds it, the temporary folder or a home."""
    path = os.path.realpath(path)
    prefix = os.path.realpath(sys.prefix)
    for private in (str(REPO), os.path.realpath(tempfile.gettempdir()), os.path.realpath(os.path.expanduser("~"))):
        if _inside(private, path):
            return True  # path is private or holds it
    return _inside(path, str(REPO)) and not _inside(path, prefix)


def readable_roots():
    """The folders and files of the Python installation and the system a child may read. Call in the zygote."""
    candidates = set()
    for scheme_vars in (None, {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}):
        paths = sysconfig.get_paths(vars=scheme_vars) if scheme_vars else sysconfig.get_paths()
        candidates.update(paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib"))
    candidates.update(p for p in sys.path if p and os.path.isabs(p))
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and os.path.isabs(file):
            top = sys.modules.get(module.__name__.partition(".")[0])
            top_file = getattr(top, "__file__", None) or file
            candidates.add(os.path.dirname(top_file))
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split(None, 5)[-1].strip() if line.count(" ") >= 5 else ""
                if path.startswith("/") and ".so" in os.path.basename(path):
                    candidates.add(os.path.dirname(path))
    except OSError:
        pass
    candidates.update(["/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib", "/usr/share/zoneinfo",
                       "/etc/ld.so.cache", "/etc/localtime", "/dev/urandom", "/dev/random", "/dev/zero",
                       "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/sys/devices/system/cpu"])
    roots = []
    for path in sorted({os.path.realpath(p) for p in candidates if os.path.exists(p)}):
        if _forbidden(path) or any(_inside(path, r) for r in roots):
            continue
        roots.append(path)
    return roots


def _user_tasks():
    """How many processes and threads this uid runs now (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                pass
    return count


def _others_can_read(path):
    """Whether a user with no relation to its owner can read `path` (its folders' modes only)."""
    try:
        st = os.stat(path)
        need = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(st.st_mode) else 0)
        if st.st_mode & need != need:
            return False
        parent = os.path.dirname(path)
        while True:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
            if parent == os.path.dirname(parent):
                return True
            parent = os.path.dirname(parent)
    except OSError:
        return False


def _mapped(first, count):
    """Whether uids first .. first + count - 1 exist in this user namespace."""
    try:
        with open("/proc/self/uid_map") as f:
            ranges = [tuple(int(x) for x in line.split()) for line in f if line.strip()]
    except OSError:
        return True
    return any(inside <= first and first + count <= inside + length for inside, _, length in ranges)


def _child_uid(pid, plan):
    return plan["uid_base"] + pid if plan["uid_base"] is not None else NOBODY


def plan(options=None):
    """What this machine lets us do for every child, computed once in the zygote before it forks."""
    options = {**DEFAULTS, **(options or {})}
    root = os.geteuid() == 0
    roots = readable_roots()
    abi = landlock_abi() if options["landlock"] else 0
    drop = root and options["drop_uid"]
    hidden = [r for r in roots if not _others_can_read(r)]
    why_not = "turned off"
    if options["namespaces"]:
        from . import namespaces

        why_not = namespaces.available({"root": root, "roots": roots, "options": options})
    unshare = not why_not
    return {
        "namespaces": unshare,
        "namespaces_missing": why_not,  # why not, in a few words ("" when they are in force)
        "options": options,
        "root": root,
        "landlock": abi,
        "seccomp": seccomp_available() and options["seccomp"],
        "drop_uid": drop,
        # A Python installation other users cannot read (pyenv in /root): the child keeps uid 0 for
        # file access only (its fsuid), with no capability; Landlock then decides what it may read.
        # Without Landlock that would open every file root owns, so it is never done then.
        # Not needed in a mount namespace: the folders above the bind mounts are the child's own, 0755.
        "fs_root": bool(drop and abi and hidden and not unshare),
        "unreadable": hidden if drop and not abi and not unshare else [],
        "roots": roots,
        # what stays of sys.path in the child: no repository, no working folder
        "sys_path": [p for p in sys.path if p and (not os.path.isabs(p)  # the editable install's hook
                                                   or any(_inside(os.path.realpath(p), r) for r in roots))],
        "user_tasks": 0 if drop else _user_tasks(),
        "uid_base": UID_BASE if _mapped(UID_BASE, _pid_max()) else None,
    }


def _pid_max():
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 1 << 22


def describe(plan):
    """One line: what confines a child under this plan."""
    abi, parts = plan["landlock"], []
    if plan["namespaces"]:
        from . import namespaces

        scratch = plan["options"]["scratch_bytes"] / (1 << 20)
        parts.append(f"namespaces ({namespaces.names(plan['root'])}; own root, {scratch:g} MiB scratch)")
    elif plan["namespaces_missing"] != "turned off":
        parts.append(f"WARNING: no namespaces ({plan['namespaces_missing']}), so children see the file system's "
                     "layout, share the network namespace and the process table, and write to disk with no total cap")
    if abi:
        what = "files" + (" + TCP" if abi >= 4 else "") + (" + signals" if abi >= 6 else "")
        parts.append(f"landlock ABI {abi} ({what})")
    if plan["seccomp"]:
        parts.append("seccomp (no network sockets)")
    memory = plan["options"]["memory"] / GiB
    parts.append(f"rlimits (memory +{memory:g} GiB, {plan['options']['processes']} processes)")
    if plan["drop_uid"]:
        parts.append("non-root uid per child" + (" (files read as root, within Landlock)" if plan["fs_root"] else ""))
    elif plan["root"]:
        parts.append("WARNING: children run as root")
    else:
        parts.append("children keep your uid (a uid per child needs root)")
    line = ", ".join(parts)
    if not abi and not plan["drop_uid"] and not plan["namespaces"]:
        why = "no namespaces, Landlock unavailable and " + ("children run as root" if plan["root"] else "not root")
        return f"none: {why}, so student code can read and write what you can ({line})"
    if not abi and not plan["namespaces"]:
        line += ("; WARNING: without Landlock a child can still read world-readable files (the solutions too), "
                 "write world-writable folders and use TCP")
        if plan["unreadable"]:
            line += f"; {plan['unreadable'][0]} is not readable by other users, so students can import only what is preloaded"
    return line


def isolation(options=None):
    """What is in force on this machine, e.g. "landlock ABI 7 (files + TCP + signals), seccomp ..., non-root uid per child"."""
    return describe(plan(options))


# --- in the zygote and the child -------------------------------------------

def become_subreaper():
    """Orphans of our children become ours (not init's), so that reap() finds them."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def children():
    """The pids of this process's children (those of all its threads)."""
    pids = set()
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/children") as f:
                pids.update(int(p) for p in f.read().split())
        except OSError:
            pass
    return pids


def kill(pid, keep=()):
    """SIGKILL, without waiting: the child `pid`, its process group, and our other children not in `keep`."""
    for victim in ({pid} | children()) - set(keep) - {os.getpid()}:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def reap(pid, keep=()):
    """Kill the child `pid` and every other process of ours not in `keep`, and wait for all of them."""
    killed = 0
    victims = {pid} if pid else set()
    for _ in range(1000):
        victims |= children() - set(keep)
        victims.discard(os.getpid())
        if not victims:
            break
        for victim in victims:
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for victim in victims:
            try:
                os.waitpid(victim, 0)  # once it is gone, its own children have become ours
                killed += 1
            except ChildProcessError:
                pass
        victims = set()
    return killed


PR_SET_KEEPCAPS = 8
CAP_SETUID = 7


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _capset(caps):
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)(_CapData(caps, caps, 0), _CapData(0, 0, 0))
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def become(uid, gid, fs_root=False):
    """Leave root for good: uid and gid everywhere, no groups, no capabilities. With fs_root the
    file-system uid stays 0 (owner access to root's files), as nothing else does."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    if fs_root:
        _prctl(PR_SET_KEEPCAPS, 1)
    os.setresuid(uid, uid, uid)
    if fs_root:
        _capset(1 << CAP_SETUID)
        _libc.setfsuid(0)
        _capset(0)
        _prctl(PR_SET_KEEPCAPS, 0)
        if _libc.setfsuid(-1) != 0:  # -1 changes nothing and returns the current one
            raise ConfinementError("could not keep the file-system uid")
    if 0 in os.getresuid() or 0 in os.getresgid():
        raise ConfinementError("could not leave root")


def confine(conn_fd, workdir, cpu_seconds, plan):
    """Called by the child, as itself, before it imports anything of the student's; the judge's socket
    becomes fd 3. Returns the child's scratch folder as it sees it (/scratch in its namespaces). Raises (ConfinementError or OSError) if any of it fails: the child must then run nothing."""
    options = plan["options"]
    zygote = os.getppid()
    workdir = os.path.realpath(workdir)

    # Descriptors: the judge's socket becomes 3; stdin, stdout and stderr go nowhere.
    if conn_fd != 3:
        os.dup2(conn_fd, 3, inheritable=False)  # dup3, which refuses equal descriptors
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    for fd in [int(n) for n in os.listdir("/proc/self/fd")]:  # closerange(4, big) costs ~5 ms
        if fd > 3:
            try:
                os.close(fd)
            except OSError:
                pass  # the listing's own descriptor

    uid = gid = None
    if plan["drop_uid"]:
        uid = gid = _child_uid(os.getpid(), plan)  # this pid, before a PID namespace makes it 1
    alive = None
    if plan["namespaces"]:  # from here on, process 1 of its own namespaces, in its own root
        from . import namespaces

        workdir, alive = namespaces.enter(plan, uid)

    # Environment
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8",
                       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
                       "USER": "student", "LOGNAME": "student"})
    tempfile.tempdir = workdir
    sys.path[:] = plan["sys_path"]

    if uid is not None:
        if not plan["fs_root"] and not plan["namespaces"]:  # its files are accessed as uid, not as root
            for folder, dirs, files in os.walk(workdir):
                for name in [folder] + [os.path.join(folder, n) for n in dirs + files]:
                    os.chown(name, uid, gid, follow_symlinks=False)
        os.chmod(workdir, 0o700)

    # Resource limits
    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limits = {
        resource.RLIMIT_AS: size + options["memory"],
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_FSIZE: options["file_size"],
        resource.RLIMIT_NOFILE: options["open_files"],
        resource.RLIMIT_NPROC: options["processes"] + plan["user_tasks"],
    }
    if cpu_seconds and math.isfinite(cpu_seconds):
        limits[resource.RLIMIT_CPU] = int(cpu_seconds) + 2  # a backstop: the judge kills on wall time first
    for which, value in limits.items():
        hard = resource.getrlimit(which)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the size limit fails instead of killing

    # Its orphans (setsid, double fork) become its own children, not the zygote's, so that it can
    # tell the judge it is not alone (sandbox/child.py); once it dies they become the zygote's.
    become_subreaper()

    # Files and network
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    if plan["landlock"]:
        rules = [(r, READ) for r in plan["roots"]]
        rules += [("/dev/null", READ_FILE | FS["WRITE_FILE"] | FS["TRUNCATE"]), ("/proc/self", READ), (workdir, SCRATCH)]
        landlock(plan["landlock"], rules)
    if plan["seccomp"]:
        seccomp()

    # Credentials: last, as root was needed for the above
    if uid is not None:
        become(uid, gid, plan["fs_root"])
    elif plan["namespaces"] and not plan["root"]:
        _capset(0)  # those it had in its user namespace, which built its root
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after setresuid, which clears it
    if alive is not None:
        if namespaces.parent_gone(alive):
            os._exit(0)
        os.close(alive)
    elif os.getppid() != zygote:
        os._exit(0)  # the zygote died meanwhile
    try:
        os.listdir(workdir)
    except OSError as exc:
        raise ConfinementError(f"the child cannot reach its scratch folder {workdir} ({exc.strerror}): "
                               "its parent folders must be searchable by other users") from None
    return workdir
