"""What a grading child can reach: probes run in a real child of the zygote."""
import glob
import os
import shutil
import socket
import stat
import sys
import tempfile
import time

import pytest

from autograder.pool import Zygote
from autograder.remote import SandboxError, SandboxFailure
from autograder.sandbox import limits
from autograder.session import Fatal, Session
from tests.table import BY_ID

from tests.helpers import ROOT, SOLUTIONS, namespaces_refused

ABI = limits.landlock_abi()
ROOT_USER = os.geteuid() == 0
needs_landlock = pytest.mark.skipif(ABI < 4, reason="needs Landlock ABI >= 4 (files and TCP)")
NS = limits.plan()["namespaces"]
NS_REFUSED = namespaces_refused()  # a namespace test skips only where the kernel refuses them
needs_root = pytest.mark.skipif(not ROOT_USER, reason="the second line (another uid) needs root")

PROBE = '''
import os, socket, struct, subprocess, sys, time


def scratch():
    """The child's scratch folder: where the judge wrote this package (scratch/exercise/pkg/probe.py)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def attempt(fn, *args):
    try:
        result = fn(*args)
        return "ok" if result is None else result
    except BaseException as exc:
        return f"{type(exc).__name__}"


def read(path):
    return attempt(lambda: open(path, "rb").read(10) and "ok")


def listdir(path):
    return attempt(lambda: os.listdir(path) and "ok")


def write(path):
    return attempt(lambda: open(path, "w").write("x") and "ok")


def connect(port):
    def go():
        s = socket.socket()
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        return "ok"
    return attempt(go)


def udp(port):
    return attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", port)) and "ok")


def run(argv):
    return attempt(lambda: subprocess.run(argv, capture_output=True).returncode)


def kill(pid):
    return attempt(os.kill, pid, 0)


def ids():
    return [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()]


def fds():
    return {int(fd): attempt(os.readlink, f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}


def env():
    return dict(os.environ)


def path():
    return list(sys.path)


def rlimits():
    import resource
    return {n: resource.getrlimit(getattr(resource, n))[0]
            for n in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_FSIZE", "RLIMIT_CORE", "RLIMIT_CPU")}


def reserve(gib):
    import torch
    return attempt(lambda: torch.empty(int(gib * (1 << 30)), dtype=torch.uint8) is not None and "ok")


def forks(n):
    pids = []
    try:
        for _ in range(n):
            pid = os.fork()
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            pids.append(pid)
        return len(pids)
    except OSError as exc:
        return f"{type(exc).__name__} after {len(pids)}"


def daemon(seconds, name):
    """A double-forked, setsid daemon called `name` (its comm); returns its pid as the child sees it."""
    import ctypes
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork():
            os._exit(0)
        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name.encode()), 0, 0, 0)
        os.write(w, str(os.getpid()).encode())
        time.sleep(seconds)
        os._exit(0)
    os.waitpid(pid, 0)
    return int(os.read(r, 20))


def chmods(path):
    open(path, "w").close()
    return [attempt(os.chmod, path, mode) for mode in (0o600, 0o4755, 0o2755)]


def errno_of(fn, *args):
    """"ok", or the errno's name (EROFS, EPERM, ENOENT...)."""
    import errno
    try:
        fn(*args)
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))


def changes(path):
    """Try to change path's mode, owner, times and extended attributes (to what they are: harmless if it works)."""
    st = os.stat(path)
    return {"chmod": errno_of(os.chmod, path, st.st_mode & 0o7777),
            "chown": errno_of(os.chown, path, st.st_uid, st.st_gid),
            "utime": errno_of(lambda: os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))),
            "setxattr": errno_of(os.setxattr, path, "user.course", b"x")}


def stat(path):
    return errno_of(os.stat, path)


def proc_text(path):
    return attempt(lambda: open(path, "rb").read().decode("utf-8", "replace"))


def cwd():
    return os.readlink("/proc/self/cwd")


def fill(mib):
    """Write up to `mib` files of 1 MiB in the scratch folder: (how many, and the errno that stopped it)."""
    block = b"x" * (1 << 20)
    for n in range(mib):
        try:
            with open(f"fill-{n}", "wb") as f:
                f.write(block)
        except OSError as exc:
            import errno
            return n, errno.errorcode[exc.errno]
    return mib, "ok"


def unlink_fills():
    for name in os.listdir("."):
        if name.startswith("fill-"):
            os.unlink(name)


def datagram(address):
    return errno_of(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"x", address))


def trickle():
    """Answer nothing, but keep the judge's socket busy with a byte now and then."""
    os.write(3, struct.pack("!Q", 1000))  # an answer of 1000 bytes is coming...
    while True:
        time.sleep(0.2)
        os.write(3, b"\\0")
'''


@pytest.fixture(scope="module")
def scratch_root():
    root = tempfile.mkdtemp(prefix="course-confinement-")
    os.chmod(root, 0o711)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def zygote():
    z = Zygote()
    yield z
    z.close()


def spawn(zygote, scratch_root, time_limit=30, **options):
    """A child, its probe module, and its scratch folder as the child sees it (/scratch in its namespaces)."""
    workdir = tempfile.mkdtemp(dir=scratch_root)
    child = zygote.spawn(workdir, time_limit, limits=options)
    module = child.enter({"pkg/__init__.py": "", "pkg/probe.py": PROBE}, "pkg.probe")
    return child, module, module.scratch()


@pytest.fixture(scope="module")
def probe(zygote, scratch_root):
    child, module, workdir = spawn(zygote, scratch_root)
    module.workdir = workdir
    yield module
    child.close()


def test_isolation_says_what_is_in_force():
    line = limits.isolation()
    assert "\n" not in line
    if ABI:
        assert f"landlock ABI {ABI} (files" in line
        assert ("TCP" in line) == (ABI >= 4)
    if ROOT_USER:
        assert "non-root uid per child" in line
    else:
        assert "a uid per child needs root" in line
    if NS:
        assert line.startswith("namespaces (mount, pid, net" + ("" if ROOT_USER else ", user"))
    if not ABI and not ROOT_USER and not NS:
        assert line.startswith("none:")
    assert "memory +2 GiB" in line
    # A kernel that refuses them (no unprivileged user namespaces): the line says so, and why
    refused = {**limits.plan(), "namespaces": False, "namespaces_missing": "unshare: Operation not permitted"}
    assert "WARNING: no namespaces (unshare: Operation not permitted)" in limits.describe(refused)
    bare = limits.isolation({"landlock": False, "namespaces": False})
    assert "WARNING" in bare if ROOT_USER else bare.startswith("none: no namespaces, Landlock unavailable and not root")
    assert Session.isolation.__doc__


# Each layer alone keeps the answers out of reach: the namespaces (they do not exist there), and
# Landlock without them (they exist, but cannot be opened).
LAYERS = [pytest.param({}, id="namespaces", marks=pytest.mark.skipif(not NS, reason=f"no namespaces: {limits.plan()['namespaces_missing']}")),
          pytest.param({"namespaces": False}, id="landlock-alone", marks=needs_landlock)]


@pytest.fixture(params=LAYERS)
def layer(request, zygote, scratch_root):
    """(probe, what a closed path raises): a child confined by one layer of the two."""
    child, module, workdir = spawn(zygote, scratch_root, **request.param)
    module.workdir = workdir
    yield module, "PermissionError" if request.param else "FileNotFoundError"
    child.close()


def test_child_cannot_read_the_solutions_nor_the_autograder(layer, tmp_path):
    probe, closed = layer
    solution = SOLUTIONS / "attention.py"
    assert stat.S_IMODE(solution.stat().st_mode) & 0o004  # world-readable: only the sandbox keeps it out
    assert probe.read(str(solution)) == closed
    assert probe.listdir(str(SOLUTIONS)) == closed
    assert probe.read(str(ROOT / "autograder" / "grade.py")) == closed
    assert probe.read(str(ROOT / "autograder" / "transformer" / "hidden" / "test_attention.py")) == closed
    # (with a venv inside the repository, as here and in CI, the repository's folder exists, holding only
    # the path to the venv, and Landlock keeps it unlisted)
    assert probe.listdir(str(ROOT)) in (closed, "PermissionError")
    # Another student's submission, in a folder everyone may read
    other = tempfile.mkdtemp(prefix="course-other-student-")
    try:
        os.chmod(other, 0o755)
        shutil.copy(solution, other)
        os.chmod(os.path.join(other, "attention.py"), 0o644)
        assert probe.read(os.path.join(other, "attention.py")) == closed
        assert probe.listdir(tempfile.gettempdir()) == closed
    finally:
        shutil.rmtree(other)
    # The judge's own process: its command line names every submission
    assert probe.read(f"/proc/{os.getpid()}/cmdline") == closed
    assert probe.read(f"/proc/{os.getppid()}/environ") == closed
    # ... while its own files and Python are there
    assert probe.read(os.path.join(probe.workdir, "exercise", "pkg", "probe.py")) == "ok"
    assert probe.read(os.__file__) == "ok"


def test_child_writes_only_to_its_scratch_folder(layer, scratch_root):
    probe, closed = layer
    canary = tempfile.mkdtemp(prefix="course-canary-")
    try:
        os.chmod(canary, 0o777)  # anyone may write here: only the sandbox keeps the child out
        assert probe.write(os.path.join(canary, "x")) == closed
        assert probe.write(os.path.join(scratch_root, "beside")) == closed
        assert probe.write("/dev/shm/course-canary") == closed
        assert os.listdir(canary) == []
        assert probe.write(os.path.join(probe.workdir, "mine")) == "ok"
        assert probe.write("relative") == "ok"  # its working folder is the scratch folder
    finally:
        shutil.rmtree(canary)


needs_ns = pytest.mark.skipif(bool(NS_REFUSED), reason=f"no namespaces here: {NS_REFUSED}")


@needs_ns
def test_child_cannot_see_the_answers_exist_nor_change_a_file_outside_its_scratch(probe):
    for path in (SOLUTIONS, SOLUTIONS / "attention.py", ROOT / "autograder" / "transformer" / "hidden", ROOT / "autograder",
                 tempfile.gettempdir(), "/home", "/etc/passwd"):
        assert probe.stat(str(path)) == "ENOENT", path
    library = os.__file__  # in the Python installation: a read-only mount of it
    before = os.stat(library)
    for path in (library, os.path.dirname(library), "/", os.path.dirname(probe.workdir)):
        assert set(probe.changes(path).values()) <= {"EROFS", "EPERM"}, (path, probe.changes(path))
    after = os.stat(library)
    assert (after.st_mode, after.st_uid, after.st_mtime_ns, after.st_ctime_ns) == \
        (before.st_mode, before.st_uid, before.st_mtime_ns, before.st_ctime_ns)
    assert probe.changes(os.path.join(probe.workdir, "exercise", "pkg", "probe.py"))["chmod"] == "ok"  # its own


@needs_ns
def test_child_sees_no_other_process_and_nothing_of_the_instructor(zygote, probe):
    for pid in (os.getpid(), zygote.pid, os.getppid()):
        assert probe.proc_text(f"/proc/{pid}/environ") == "FileNotFoundError", pid
    assert probe.listdir("/proc") == "PermissionError"  # Landlock on top: only /proc/self
    environ = probe.proc_text("/proc/self/environ")
    cmdline = probe.proc_text("/proc/self/cmdline")
    for text in (environ, cmdline, probe.cwd()):
        assert str(ROOT) not in text and "PYTHONPATH" not in text and tempfile.gettempdir() not in text
    # the zygote blanked the block it was started with (as root, the child cannot even read it: no longer dumpable)
    assert environ == "PermissionError" or set(environ) <= {"\0"}, environ
    assert probe.cwd() == os.path.join(probe.workdir, "exercise")


@needs_ns
def test_what_a_child_writes_in_all_is_capped(probe):
    cap = limits.DEFAULTS["scratch_bytes"] >> 20
    written, error = probe.fill(cap + 10)
    assert error == "ENOSPC" and cap - 8 <= written < cap
    probe.unlink_fills()
    assert tuple(probe.fill(4)) == (4, "ok")  # its space is back once it deletes its files
    probe.unlink_fills()


@needs_ns
def test_child_reaches_no_unix_socket_outside(probe, tmp_path):
    os.chmod(tmp_path, 0o777)
    path = str(tmp_path / "listener")
    pathname = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    pathname.bind(path)
    os.chmod(path, 0o777)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"\0course-listener-{os.getpid()}"
    abstract.bind(name)
    try:
        assert probe.datagram(path) == "ENOENT"  # not in its mount namespace
        assert probe.datagram(name) in ("EPERM", "ECONNREFUSED")  # Landlock's scope; its own network namespace
        for listener in (pathname, abstract):
            listener.setblocking(False)
            with pytest.raises(BlockingIOError):
                listener.recv(16)  # nothing arrived
    finally:
        pathname.close()
        abstract.close()


def _listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    return server


@needs_landlock
@pytest.mark.parametrize("options", [{}, {"seccomp": False}], ids=["landlock+seccomp", "landlock-alone"])
def test_child_cannot_connect_to_tcp(zygote, scratch_root, options):
    server = _listener()
    child, probe, _ = spawn(zygote, scratch_root, **options)
    try:
        assert probe.connect(server.getsockname()[1]) == "PermissionError"
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody got through
    finally:
        child.close()
        server.close()


@pytest.mark.skipif(not limits.seccomp_available(), reason="seccomp filter written for x86_64")
def test_child_cannot_send_udp_nor_make_setuid_files(probe):
    assert probe.udp(9) == "PermissionError"
    assert probe.chmods(os.path.join(probe.workdir, "setuid")) == ["ok", "PermissionError", "PermissionError"]


def test_child_has_no_output_no_environment_and_no_way_out(probe):
    fds = {int(fd): target for fd, target in probe.fds().items()}  # keys travel as strings
    assert {fd: fds[fd] for fd in (0, 1, 2)} == {0: "/dev/null", 1: "/dev/null", 2: "/dev/null"}
    assert fds[3].startswith("socket:") and set(fds) <= {0, 1, 2, 3, 4}  # 4: the listing itself
    env = probe.env()
    assert "PYTHONPATH" not in env and env["HOME"] == probe.workdir and env["TMPDIR"] == probe.workdir
    # No entry in the repository, but for a venv that lives inside it (as in CI): that is the Python installation.
    assert not [p for p in probe.path() if p.startswith(str(ROOT)) and not p.startswith((probe.workdir, sys.prefix))]
    assert probe.kill(os.getpid()) == ("ProcessLookupError" if NS else "PermissionError")  # the judge
    if ABI or NS:
        assert probe.run(["/bin/true"]) == ("FileNotFoundError" if NS else "PermissionError")  # nothing executes


@needs_root
def test_child_is_not_root(probe):
    uid, euid, gid, groups = probe.ids()
    assert uid != 0 and euid != 0 and gid != 0 and groups == []
    assert uid >= limits.UID_BASE or uid == limits.NOBODY


def test_child_has_resource_limits(probe):
    got = probe.rlimits()
    assert got["RLIMIT_CORE"] == 0
    assert got["RLIMIT_FSIZE"] == limits.DEFAULTS["file_size"]
    assert got["RLIMIT_NOFILE"] == limits.DEFAULTS["open_files"]
    assert got["RLIMIT_CPU"] == 32  # 30 s of time limit, plus 2
    assert limits.DEFAULTS["memory"] < got["RLIMIT_AS"] < limits.DEFAULTS["memory"] + 16 * limits.GiB
    if ROOT_USER:
        assert got["RLIMIT_NPROC"] == limits.DEFAULTS["processes"]


def test_memory_limit_is_configurable(zygote, scratch_root, probe):
    assert probe.reserve(0.1) == "ok"
    assert probe.reserve(3) == "RuntimeError"  # over the default 2 GiB above the zygote
    child, bigger, _ = spawn(zygote, scratch_root, memory=4 * limits.GiB)
    try:
        assert bigger.reserve(3) == "ok"
    finally:
        child.close()


@needs_root
def test_process_count_is_capped(zygote, scratch_root):
    child, probe, _ = spawn(zygote, scratch_root)
    try:
        assert probe.forks(100).startswith("BlockingIOError after ")
    finally:
        child.close()


def _alive(name):
    """Whether a process called `name` runs on this machine (its pid in the child's namespace is not ours)."""
    for comm in glob.glob("/proc/[0-9]*/comm"):
        try:
            with open(comm) as f:
                if f.read().strip() == name:
                    with open(comm[:-4] + "stat") as f:
                        return f.read().split(") ")[1][0] != "Z"
        except OSError:
            pass
    return False


@pytest.mark.parametrize("namespaces", [pytest.param(True, marks=needs_ns), False])
def test_daemons_die_with_their_child(zygote, scratch_root, namespaces):
    """With namespaces the kernel kills what process 1 leaves; without them the zygote, a subreaper, must."""
    child, probe, _ = spawn(zygote, scratch_root, namespaces=namespaces)
    name = f"daemon{os.getpid() % 100000}"
    probe.daemon(60, name)
    assert _alive(name)
    child.close()
    # No clock: the zygote finishes a reap (kill, wait, hunt the orphans) right after answering the
    # next spawn, so once the spawn after that is answered, the daemon (sleeping 60 s) must be gone.
    for _ in range(2):
        spawn(zygote, scratch_root, namespaces=namespaces)[0].close()
    assert not _alive(name)


def test_trickling_bytes_do_not_extend_the_time_limit(zygote, scratch_root):
    child, probe, _ = spawn(zygote, scratch_root, time_limit=1.5)
    start = time.monotonic()
    with pytest.raises(SandboxError, match="time limit"):
        probe.trickle()
    assert time.monotonic() - start < 3


@needs_root
def test_second_line_without_landlock_is_another_uid(zygote, scratch_root):
    secret = tempfile.mkdtemp(prefix="course-secret-")  # root's, 0700
    try:
        with open(os.path.join(secret, "key"), "w") as f:
            f.write("secret")
        child, probe, workdir = spawn(zygote, scratch_root, landlock=False, namespaces=False)
        try:
            assert probe.ids()[0] != 0
            assert probe.read(os.path.join(secret, "key")) == "PermissionError"
            assert probe.write(os.path.join(secret, "x")) == "PermissionError"
            assert probe.write(os.path.join(workdir, "mine")) == "ok"
        finally:
            child.close()
    finally:
        shutil.rmtree(secret)


def test_a_child_that_cannot_be_confined_is_the_graders_failure(tmp_path):
    session = Session(time_limit=10, limits={"memory": "a lot"})
    try:
        with pytest.raises(SandboxFailure, match="could not confine"):
            session.module(str(SOLUTIONS), BY_ID["warmup"])
    finally:
        session.close()


def test_total_time_limit_of_a_submission(make_submission):
    loop = "    while True:\n        pass\n"
    folder = make_submission("loops", {
        "warmup.py": "def lr_lambda(*args, **kwargs):\n" + loop,
        "attention.py": "class Attention:\n    def __init__(self):\n" + "    " + loop.replace("\n    ", "\n        "),
    })
    session = Session(time_limit=2, total_time_limit=3)
    try:
        with pytest.raises(SandboxError, match="took longer than 2 s"):
            session.module(str(folder), BY_ID["warmup"]).lr_lambda(1, 2, 3)
        start = time.monotonic()
        with pytest.raises(SandboxError, match="together took longer than 3 s"):
            session.module(str(folder), BY_ID["attention"]).Attention().training  # made with its first use
        assert time.monotonic() - start < 1.8  # the 1 s left, not another 2
        with pytest.raises(Fatal, match="together took longer than 3 s"):
            session.module(str(folder), BY_ID["bert"])
        assert session.module(str(SOLUTIONS), BY_ID["bert"]) is not None  # another submission has its own budget
    finally:
        session.close()


def test_readable_roots_never_hold_the_repository(monkeypatch):
    roots = limits.plan()["roots"]
    for root in roots:
        assert not limits._inside(str(ROOT), root), root  # neither the repository nor a folder holding it
        assert not limits._inside(root, str(ROOT)) or limits._inside(root, os.path.realpath(sys.prefix)), root
    # CI's layout: the venv inside the repository, beside solutions/
    monkeypatch.setattr(sys, "prefix", str(ROOT / ".venv"))
    assert not limits._forbidden(str(ROOT / ".venv" / "lib" / "python3.11" / "site-packages"))
    for private in (ROOT, ROOT / "solutions", ROOT / "autograder", ROOT.parent, "/", tempfile.gettempdir()):
        assert limits._forbidden(str(private)), private
