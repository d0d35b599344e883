"""Hostile submissions, graded in one batch with clean ones.

For each: the batch finishes; the hostile exercise scores what its code really
earns (0 where it cheats or crashes, the same as its honest twin where it
only tries to fool the comparison); the other exercises keep full marks and
the clean students 100; no process is left behind; no file appears outside
the scratch space. (That a child's stdout and stderr are /dev/null is
checked in test_sandbox_confinement.py.)
"""
import glob
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import uuid

import pytest

from autograder.grade import grade
from autograder.sandbox.limits import isolation
from tests.table import BY_ID, EXERCISES

from tests.helpers import ROOT, SOLUTIONS, namespaces_refused

if isolation().startswith("none"):
    pytest.skip("no isolation on this machine: hostile code would harm it", allow_module_level=True)

REF = {f.name: f.read_text(encoding="utf-8") for f in SOLUTIONS.glob("*.py")}
MARK = "hx" + uuid.uuid4().hex[:6]  # in the name of every process a hostile submission starts
TIME_LIMIT = 3.0

# Names the process (its `comm`, at most 15 bytes) so that the test can look for survivors.
NAME = f"""import ctypes as _ctypes
def _name(tag):
    _ctypes.CDLL(None).prctl(15, _ctypes.c_char_p(("{MARK}-" + tag).encode()[:15]), 0, 0, 0)
"""

PATCH_COMPARISONS = """import numpy, torch, torch.testing
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.allclose = lambda *a, **k: True
torch.Tensor.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
"""


def fake_report():
    return ('{"results": [{"submission": "FAKE-%s", "score": 100.0, "max_score": 100.0}]}' % MARK)


def unscaled_attention():
    """A wrong attention (scores not divided by sqrt(dk)): what an honest mistake earns."""
    return REF["attention.py"].replace("scores = query @ key.transpose(-2, -1) / math.sqrt(dk)",
                                       "scores = query @ key.transpose(-2, -1)")


def with_line(file, anchor, code):
    """REF[file] with `code` (indented like anchor) inserted before the line holding `anchor`."""
    text = REF[file]
    line = next(l for l in text.splitlines() if anchor in l)
    indent = line[: len(line) - len(line.lstrip())]
    body = "".join(indent + l + "\n" for l in code.strip("\n").splitlines())
    return text.replace(line + "\n", body + line + "\n", 1)


def daemons(outside):
    return NAME + f"""import os, time
def _spawn(tag, setsid, double):
    pid = os.fork()
    if pid:
        if double:
            os.waitpid(pid, 0)
        return
    try:
        if setsid:
            os.setsid()
        if double and os.fork():
            os._exit(0)
        _name(tag)
        end = time.time() + 90
        while time.time() < end:
            try:
                open({outside!r}, "w").write("daemon")
            except OSError:
                pass
            time.sleep(0.05)
    finally:
        os._exit(0)
_spawn("group", False, False)
_spawn("session", True, False)
_spawn("daemon", True, True)
"""


def hunt_reference():
    return """import gc, sys
def _hunt():
    for name, module in list(sys.modules.items()):
        if "solution" in name or "mutant" in name:
            cls = getattr(module, "MultiHeadedAttention", None)
            if cls is not None:
                return cls
    for obj in gc.get_objects():
        if isinstance(obj, type) and obj.__name__ == "MultiHeadedAttention" and obj.__module__ != __name__:
            return obj
    for name in ("solutions.transformer.multi_head", "autograder.transformer.hidden.conftest", "autograder.fixtures"):
        try:
            __import__(name)
            return sys.modules["solutions.transformer.multi_head"].MultiHeadedAttention
        except Exception:
            pass
    raise RuntimeError("no reference to copy")
MultiHeadedAttention = _hunt()
"""


def walk_for_reference():
    target = str(SOLUTIONS / "positional_encoding.py")
    return f"""import os, time
def _find():
    deadline = time.time() + 1.0
    candidates = [{target!r}]
    starts = ["/", "/work", "/tmp", "/root", "/home", os.path.dirname(os.getcwd()), os.path.expanduser("~")]
    try:
        pids = os.listdir("/proc")
    except OSError:
        pids = []
    for pid in pids:
        if pid.isdigit():
            try:
                starts.append(os.readlink("/proc/%s/cwd" % pid))
                starts += [a for a in open("/proc/%s/cmdline" % pid).read().split("\\0") if a.startswith("/")]
            except OSError:
                pass
    for start in starts:
        for folder, dirs, files in os.walk(start):
            if time.time() > deadline:
                break
            if folder.count("/") > 6:
                dirs[:] = []
            if "positional_encoding.py" in files and not folder.startswith(os.getcwd()):
                candidates.append(os.path.join(folder, "positional_encoding.py"))
    for path in candidates:
        try:
            source = open(path).read()
        except OSError:
            continue
        if "class PositionalEmbedding" in source and "NotImplementedError" not in source:
            return source
    raise RuntimeError("found no reference solution")
exec(_find())
"""


def write_outside(targets):
    return f"""import os
for _path in {targets!r}:
    for _attempt in (lambda p: open(p, "w").write("x"), lambda p: os.mkdir(p + ".d"),
                     lambda p: os.symlink(p, "link-" + os.path.basename(p)) or open("link-" + os.path.basename(p), "w").write("x")):
        try:
            _attempt(_path)
        except OSError:
            pass
open("scratch-{MARK}", "w").write("in my own scratch: allowed")
"""


# --- Isolation attacks (issue 10): each a class, each must earn only what its honest code earns ---------

NO_NAMESPACES = namespaces_refused()  # the attacks that need namespaces are tried wherever the kernel gives them
NAMESPACES = not NO_NAMESPACES
SECRET = "course-secret-" + uuid.uuid4().hex  # planted in the instructor's environment by the batch fixture


def deep_tree():
    """A tree 5,000 folders deep in its scratch, beside its exercise's folder (a recursive clean-up dies on
    it). Built from the bottom up by renames, each near the top: fast, whatever checks each path."""
    return """import os
_here = os.getcwd()
os.chdir("..")
os.mkdir("deep")
for _ in range(5000):
    os.mkdir("up")
    os.rename("deep", "up/d")
    os.rename("up", "deep")
os.chdir(_here)
"""


def changes_outside(targets):
    """chmod, chown, utime and setxattr on files and folders outside its scratch, and chmod 0 on the
    scratch's parent and root: whatever happens, it carries on honestly."""
    return f"""import os
for _path in {targets!r} + [os.path.dirname(os.path.dirname(os.getcwd())), os.path.dirname(os.getcwd()) + "/..", "/"]:
    for _change in (lambda p: os.chmod(p, 0o777), lambda p: os.chown(p, os.getuid(), os.getgid()),
                    lambda p: os.utime(p, (0, 0)), lambda p: os.setxattr(p, "user.{MARK}", b"x"),
                    lambda p: os.chmod(p, 0)):
        try:
            _change(_path)
        except OSError:
            pass
"""


def stats_the_answers(paths):
    """stat() needs no read permission: sizes and times of the answers would leak. Fails loudly if any exists."""
    return f"""import os
_seen = []
for _path in {paths!r}:
    try:
        os.stat(_path)
        _seen.append(_path)
    except OSError:
        pass
if _seen:
    raise RuntimeError("I can see " + " ".join(_seen))
"""


def reads_environments():
    """The instructor's environment, through /proc: its own block, its parents', any process's; and the
    command line and folder it inherited."""
    return f"""import os
_found = []
for _pid in ["self", "1", str(os.getppid())] + [str(p) for p in range(1, 400)]:
    try:
        with open("/proc/%s/environ" % _pid, "rb") as _f:
            if b"{SECRET}" in _f.read():
                _found.append(_pid)
    except OSError:
        pass
if _found or "{SECRET}" in str(os.environ):
    raise RuntimeError("the instructor's secret: {SECRET}")
for _what in ("cmdline", "cwd"):
    try:
        _text = open("/proc/self/cmdline").read() if _what == "cmdline" else os.readlink("/proc/self/cwd")
    except OSError:
        continue
    if {str(ROOT)!r} in _text or "pytest" in _text:
        raise RuntimeError("the instructor's command line or folder: " + _text)
"""


def writes_640_mib():
    """640 MiB in 1 MiB files: the disk it would fill is its own capped scratch, and only this exercise pays."""
    return """_block = b"x" * (1 << 20)
for _n in range(640):
    with open("flood-%d" % _n, "wb") as _f:
        _f.write(_block)
"""


def datagrams(addresses):
    """sendto() on UNIX datagram sockets whose listeners are outside (a pathname one, an abstract one)."""
    return f"""import socket
for _address in {addresses!r}:
    try:
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"{MARK}", _address)
    except OSError:
        pass
"""


def lists_processes():
    """Other processes, by listing /proc or by trying every pid: it must find none but its own threads."""
    return """import os
_mine = set(os.listdir("/proc/self/task")) | {"self", "thread-self", str(os.getpid())}
try:
    _listed = [p for p in os.listdir("/proc") if p.isdigit()]
except OSError:
    _listed = []
_probed = [str(p) for p in range(1, 5000) if os.path.exists("/proc/%d" % p)]
_others = sorted(set(_listed + _probed) - _mine, key=int)
if _others:
    raise RuntimeError("I can see processes " + " ".join(_others[:20]))
"""


def isolation_cases(canary, submissions_root, sockets):
    outside = [os.path.join(canary, "private"), canary, str(SOLUTIONS / "attention.py")]
    answers = [str(SOLUTIONS), str(SOLUTIONS / "attention.py"), str(ROOT / "autograder" / "transformer" / "hidden"),
               os.path.join(submissions_root, "clean_first", "transformer", "attention.py"),
               os.path.join(submissions_root, "clean_first")]
    if not NAMESPACES:  # the kernel refuses them: these attacks work (the README says so), so they are not tried
        return {"deep_tree": ({"attention.py": deep_tree() + REF["attention.py"]}, {}),
                "reads_environments": ({"bert.py": reads_environments() + REF["bert.py"]}, {})}
    return {
        "deep_tree": ({"attention.py": deep_tree() + REF["attention.py"]}, {}),
        "changes_files_outside": ({"feed_forward.py": changes_outside(outside) + REF["feed_forward.py"]}, {}),
        "stats_the_answers": ({"multi_head.py": stats_the_answers(answers) + REF["multi_head.py"]}, {}),
        "reads_environments": ({"bert.py": reads_environments() + REF["bert.py"]}, {}),
        "writes_640_mib": ({"warmup.py": writes_640_mib() + REF["warmup.py"]}, {"warmup": 0}),
        "sends_datagrams_outside": ({"positional_encoding.py": datagrams(sockets) + REF["positional_encoding.py"]}, {}),
        "lists_processes": ({"transformer_block.py": lists_processes() + REF["transformer_block.py"]}, {}),
    }


UNPRINTABLE = """class SandboxFailure(Exception):
    def __str__(self):
        raise RuntimeError("no text")

    def __repr__(self):
        raise RuntimeError("no text")


"""


def cases(canary, submissions_root):
    """name -> (files of the submission, {exercise: expected score}, where the rest keeps full marks)."""
    outside = [os.path.join(canary, f"{MARK}-canary"), os.path.join(tempfile.gettempdir(), f"{MARK}-tmp"),
               f"/dev/shm/{MARK}-shm", os.path.join(submissions_root, f"{MARK}-beside-submission"),
               os.path.join(submissions_root, "write_outside", "transformer", f"{MARK}-in-submission"),
               f"../{MARK}-scratch-parent", f"../../{MARK}-scratch-root"]
    return {
        "clean_first": ({}, {}),
        "infinite_loop": ({"attention.py": NAME + with_line("attention.py", "dk = query.size(-1)",
                                                          "_name('loop')\nwhile True:\n    pass")}, {"attention": 0}),
        "sleep_at_import": ({"multi_head.py": NAME + "import time\n_name('sleep')\ntime.sleep(1000)\n" + REF["multi_head.py"]},
                            {"multi_head": 0}),
        "sys_exit_at_import": ({"feed_forward.py": "import sys\nsys.exit(0)\n" + REF["feed_forward.py"]}, {"feed_forward": 0}),
        "os_exit_in_forward": ({"transformer_block.py": with_line("transformer_block.py", "mean = x.mean(dim=-1", "import os\nos._exit(0)")},
                               {"transformer_block": 0}),
        "segfault": ({"warmup.py": with_line("warmup.py", "if schedule not in SCHEDULES", "import ctypes\nctypes.string_at(0)")},
                     {"warmup": 0}),
        "ignores_sigterm_while_looping": ({"positional_encoding.py": NAME + "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                           "_name('sigterm')\nwhile True:\n    pass\n" + REF["positional_encoding.py"]},
                                          {"positional_encoding": 0}),
        "allocates_6_gib": ({"bert.py": "hog = bytearray(6 << 30)\nhog[::4096] = b'x' * len(hog[::4096])\n" + REF["bert.py"]}, {"bert": 0}),
        # Its allocation fails, it carries on, its code is right: full marks, and the machine is fine.
        "allocation_refused_then_correct": ({"bert.py": "import torch\ntry:\n    hog = torch.ones(6 << 30, dtype=torch.uint8)\n"
                                             "except RuntimeError:\n    hog = None\n" + REF["bert.py"]}, {}),
        "background_processes": ({"transformer_block.py": daemons(outside[0]) + REF["transformer_block.py"]}, {}),
        "fork_bomb": ({"warmup.py": NAME + "import os\n_name('bomb')\nwhile True:\n    os.fork()\n" + REF["warmup.py"]}, {"warmup": 0}),
        "floods_stdout": ({"attention.py": f"import os, sys\n_chunk = b'{MARK}-FLOOD ' * 10000\nfor _ in range(2000):\n"
                                           "    os.write(1, _chunk)\n    os.write(2, _chunk)\n"
                                           f"print('{MARK}-FLOOD' * 1000)\n" + REF["attention.py"]}, {}),
        "fake_grade_report": ({"bert.py": f"import sys\nprint({fake_report()!r})\nsys.stderr.write({fake_report()!r})\n"
                                          "raise SystemExit(0)\n" + REF["bert.py"]}, {"bert": 0}),
        # Monkeypatched comparisons fool nobody: the same score as the same mistake made honestly.
        "patches_comparisons": ({"attention.py": PATCH_COMPARISONS + unscaled_attention()}, {"attention": "honest_mistake"}),
        "patches_from_init": ({"__init__.py": PATCH_COMPARISONS + f"print({fake_report()!r})\n",
                               "attention.py": unscaled_attention()}, {"attention": "honest_mistake"}),
        "honest_mistake": ({"attention.py": unscaled_attention()}, {"attention": "honest_mistake"}),
        "hunts_sys_modules_and_gc": ({"multi_head.py": hunt_reference()}, {"multi_head": 0}),
        "walks_the_file_system": ({"positional_encoding.py": walk_for_reference()}, {"positional_encoding": 0}),
        "writes_outside": ({"feed_forward.py": write_outside(outside) + REF["feed_forward.py"]}, {}),
        # An exception that cannot describe itself (its __str__ and __repr__ raise, its class borrows the
        # sandbox's name) costs what an honest exception in the same place costs, no more.
        "raises_in_forward": ({"feed_forward.py": with_line("feed_forward.py", "h = self.activation(",
                                                            "raise ValueError('not done')")}, {"feed_forward": "raises_in_forward"}),
        "unprintable_exception": ({"feed_forward.py": UNPRINTABLE + with_line("feed_forward.py", "h = self.activation(",
                                                                              "raise SandboxFailure()")},
                                  {"feed_forward": "raises_in_forward"}),
        # a name of megabytes, ": " after ": " (what a translation splits on): it comes back cut to a line
        "long_exception_name": ({"feed_forward.py": with_line("feed_forward.py", "h = self.activation(",
                                                              "raise type('X' + ': ' * 1_000_000, (Exception,), {})('m')")},
                                {"feed_forward": "raises_in_forward"}),
        # the child's own error() cuts what it sends; a forged one is cut by the judge (the forger then exits, in
        # the last exercise: neither the real reply, which would follow, nor the child's death is this case's subject)
        "forges_a_long_error": ({"warmup.py": forge_long_error() + "_os._exit(0)\n" + REF["warmup.py"]}, {"warmup": 0}),
        "kills_what_it_can": ({"warmup.py": "import os, signal\nfor _pid in (-1, os.getppid()):\n    try:\n"
                                            "        os.kill(_pid, signal.SIGKILL)\n    except OSError:\n        pass\n" + REF["warmup.py"]}, {}),
    }, outside


def forge(reply):
    """Code that writes `reply` on the child's socket to the judge (fd 3), framed as the child's own and
    numbered as the judge expects (FORGE_NUMBERED): so it reaches the judge's reading of its status."""
    return FORGE_NUMBERED.replace("('ok', None)", repr(tuple(reply)))


def forged_replies():
    """Submissions that forge the sandbox's own messages: their word about their own exercise only."""
    return {
        "forges_sandbox_failure_at_import": ({"attention.py": forge(("sandbox", "Landlock failed")) + REF["attention.py"]},
                                             {"attention": 0}),
        # a fresh child cannot refuse its first exercise: only the student's code says "tainted" there
        "forges_tainted_at_import": ({"multi_head.py": forge(("tainted", "a thread is still running")) + REF["multi_head.py"]},
                                     {"multi_head": 0}),
        "forges_tainted_in_forward": ({"feed_forward.py": with_line("feed_forward.py", "h = self.activation(",
                                                                    forge(("tainted", "left behind")))}, {"feed_forward": 0}),
        "forges_sandbox_failure_in_forward": ({"bert.py": with_line("bert.py", "attention_mask = (input_ids > 0)",
                                                                    forge(("sandbox", "seccomp failed")))}, {"bert": 0}),
    }


# A reply written with the number the judge expects (found in the child's own frames); the real reply follows it.
FORGE_NUMBERED = """import sys as _sys, os as _os
_f = _sys._getframe()
while _f is not None and 'sequence' not in _f.f_locals:
    _f = _f.f_back
_w = _sys.modules['autograder.sandbox.wire']
_d = _w.dump_reply(('ok', None) + ((_f.f_locals['sequence'],) if _f is not None else ()))
_os.write(3, _w.HEADER.pack(len(_d)) + _d)
"""


def planted():
    """Code of one exercise aimed at the process that grades the exercises after it, hidden from the source
    reading (through an alias, not an imported name): a function patched to end that process, and a reply
    written on its socket, numbered as the judge expects. Only the planter's own exercise may lose."""
    return {
        "plants_a_crash_in_a_later_exercise": ({"feed_forward.py": "import os as _os\nimport torch.optim.lr_scheduler as _s\n"
                                                                   "_c = _s.LambdaLR\n_c.get_lr = lambda self: _os._exit(0)\n"
                                                                   + REF["feed_forward.py"]}, {}),
        "plants_a_crash_at_the_next_exercise_start": ({"feed_forward.py": "import os as _os\nimport shutil as _s\n_r = _s\n"
                                                                          "_r.rmtree = lambda *a, **k: _os._exit(0)\n"
                                                                          + REF["feed_forward.py"]}, {}),
        "forges_a_numbered_reply": ({"feed_forward.py": with_line("feed_forward.py", "h = self.activation(", FORGE_NUMBERED)},
                                    {"feed_forward": 0}),
    }


def forge_long_error():
    """An exception whose type, message and place are each megabytes long (made at run time: a file over
    1 MiB is not graded), written as the child's reply, numbered as the judge expects (FORGE_NUMBERED)."""
    long = "{k: 'X' + ': ' * 1_000_000 for k in ('type', 'message', 'where')}"
    return FORGE_NUMBERED.replace("('ok', None)", f"('err', {long})")


def processes_marked():
    alive = []
    for comm in glob.glob("/proc/[0-9]*/comm"):
        try:
            with open(comm) as f:
                if f.read().startswith(MARK):
                    alive.append(comm.split("/")[2])
        except OSError:
            pass
    return alive


def my_children():
    pids = set()
    for path in glob.glob(f"/proc/{os.getpid()}/task/*/children"):
        with open(path) as f:
            pids.update(f.read().split())
    return pids


# In this process (its zygote a fresh interpreter), and split between two workers (each forks its
# zygote from itself: what `course grade` does by default on a machine with more than one core).
@pytest.fixture(scope="module", params=[1, 2], ids=["one-process", "two-workers"])
def batch(tmp_path_factory, request):
    root = tmp_path_factory.mktemp("hostile")
    canary = tempfile.mkdtemp(prefix=f"{MARK}-canary-")
    os.chmod(canary, 0o777)  # only the sandbox keeps a child out of it
    targets = make_targets(tmp_path_factory.mktemp("targets"))
    table, outside = cases(canary, str(root))
    table.update(forged_replies())
    table.update(planted())
    table.update(isolation_cases(targets["private"], str(root), [targets["socket_path"], targets["abstract"]]))
    table["clean_last"] = ({}, {})
    paths = []
    for name, (files, _) in table.items():
        folder = root / name / "transformer"
        shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
        for file, text in files.items():
            (folder / file).write_text(text, encoding="utf-8")
        paths.append(str(folder))
    children_before = my_children()
    before = snapshot(targets)
    batch_mode = stat.S_IMODE(os.stat(SOLUTIONS / "attention.py").st_mode)
    # A private temporary folder (the scratch folders' parent), and a secret in the instructor's environment
    # (beside the system's, not under pytest's 0700 folders: without namespaces a child's uid must cross it)
    tmpdir = tempfile.mkdtemp(prefix="course-hostile-tmpdir-")
    os.chmod(tmpdir, 0o755)
    small = os.geteuid() == 0  # and small: 32 MiB, less than writes_640_mib tries to write
    if small:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs", tmpdir], check=True)
    saved = {k: os.environ.get(k) for k in ("TMPDIR", "COURSE_SECRET_TOKEN")}
    os.environ.update({"TMPDIR": tmpdir, "COURSE_SECRET_TOKEN": SECRET})
    tempfile.tempdir = None
    start = time.monotonic()
    try:
        report = grade(paths, time_limit=TIME_LIMIT, jobs=request.param)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        tempfile.tempdir = None
    elapsed = time.monotonic() - start
    results = dict(zip(table, report["results"]))
    yield {"table": table, "results": results, "elapsed": elapsed, "canary": canary, "outside": outside,
           "root": root, "children_before": children_before, "targets": targets, "before": before,
           "after": snapshot(targets), "tmpdir_left": os.listdir(tmpdir)}
    if small:
        subprocess.run(["umount", "--lazy", tmpdir], check=False)
    shutil.rmtree(tmpdir, ignore_errors=True)
    shutil.rmtree(canary, ignore_errors=True)
    if stat.S_IMODE(os.stat(SOLUTIONS / "attention.py").st_mode) != batch_mode:
        os.chmod(SOLUTIONS / "attention.py", batch_mode)  # an attack worked (the test failed): leave the file as it was
    for sock in targets["listeners"]:
        sock.close()


def make_targets(folder):
    """What the isolation attacks aim at: a private folder (0700) and file (0600) of the instructor's, and
    UNIX datagram listeners anyone may write to (a pathname one and an abstract one)."""
    private = folder / "private"
    private.mkdir(mode=0o700)
    (private / "key").write_text("secret")
    (private / "key").chmod(0o600)
    sockets = folder / "sockets"
    sockets.mkdir()
    sockets.chmod(0o777)
    pathname = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    pathname.bind(str(sockets / "listener"))
    (sockets / "listener").chmod(0o777)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    abstract.bind(f"\0{MARK}-listener")
    for sock in (pathname, abstract):
        sock.setblocking(False)
    return {"private": str(private), "socket_path": str(sockets / "listener"), "abstract": f"\0{MARK}-listener",
            "listeners": [pathname, abstract]}


def snapshot(targets):
    """Mode, owner, times and extended attributes of the attacked files outside the sandbox."""
    out = {}
    for path in (targets["private"], os.path.join(targets["private"], "key"), str(SOLUTIONS / "attention.py"), str(SOLUTIONS)):
        st = os.stat(path)
        out[path] = (st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns, st.st_atime_ns, sorted(os.listxattr(path)))
    return out


def test_the_batch_finishes_in_reasonable_time(batch):
    assert len(batch["results"]) == len(batch["table"])
    # three exercises hang for TIME_LIMIT each; everything else takes about a second per student
    assert batch["elapsed"] < 3 * TIME_LIMIT + 4 * len(batch["table"]), batch["elapsed"]


def _expected(batch, name):
    _, expected = batch["table"][name]
    out = {}
    for exercise in EXERCISES:
        want = expected.get(exercise.id, exercise.points)
        if isinstance(want, str):  # the score of the honest twin
            want = batch["results"][want]["exercises"][exercise.id]["score"]
        out[exercise.id] = want
    return out


def test_an_exception_that_cannot_describe_itself_costs_what_an_honest_one_costs(batch):
    honest, unprintable = (batch["results"][n]["exercises"]["feed_forward"] for n in ("raises_in_forward", "unprintable_exception"))
    assert 0 < honest["score"] < BY_ID["feed_forward"].points  # the checks that never run forward keep their points
    assert unprintable["score"] == honest["score"]
    assert any("SandboxFailure" in line and "could not be turned into text" in line for line in unprintable["feedback"]), unprintable


@pytest.mark.parametrize("name", ["clean_first", "infinite_loop", "sleep_at_import", "sys_exit_at_import", "os_exit_in_forward",
                                  "segfault", "ignores_sigterm_while_looping", "allocates_6_gib", "allocation_refused_then_correct",
                                  "background_processes", "fork_bomb", "floods_stdout", "fake_grade_report", "patches_comparisons",
                                  "patches_from_init", "hunts_sys_modules_and_gc", "walks_the_file_system", "writes_outside",
                                  "kills_what_it_can", "raises_in_forward", "unprintable_exception", "long_exception_name", "forges_a_long_error",
                                  "clean_last"])
def test_each_scores_what_its_code_earns_and_nothing_else_moves(batch, name):
    result = batch["results"][name]
    scores = {k: v["score"] for k, v in result["exercises"].items()}
    feedback = {k: v["feedback"] for k, v in result["exercises"].items() if v["score"] != BY_ID[k].points}
    assert scores == _expected(batch, name), feedback
    for lines in feedback.values():
        assert all("\n" not in line for line in lines)


@pytest.mark.parametrize("name", list(forged_replies()))
def test_forged_sandbox_replies_cost_only_their_own_exercise(batch, name):
    result = batch["results"][name]
    assert "error" not in result
    scores = {k: v["score"] for k, v in result["exercises"].items()}
    assert scores == _expected(batch, name)
    (exercise,) = batch["table"][name][1]
    assert "the process running your code" in " ".join(result["exercises"][exercise]["feedback"])


@pytest.mark.parametrize("name", list(planted()))
def test_code_planted_for_the_later_exercises_costs_them_nothing(batch, name):
    # they are graded again from their start in a fresh child, whose first exercise they are
    result = batch["results"][name]
    assert {k: v["score"] for k, v in result["exercises"].items()} == _expected(batch, name), result["exercises"]


@pytest.mark.parametrize("name, exercise", [("long_exception_name", "feed_forward"), ("forges_a_long_error", "warmup")])
def test_text_from_the_child_reaches_the_feedback_cut_to_a_line(batch, name, exercise):
    feedback = batch["results"][name]["exercises"][exercise]["feedback"]
    assert feedback and all(len(line) < 2000 for line in feedback), [len(line) for line in feedback]
    assert any(line.count(": ") > 100 for line in feedback)  # what the child sent, cut, not left out


def test_the_honest_mistake_loses_points(batch):
    assert batch["results"]["honest_mistake"]["exercises"]["attention"]["score"] < BY_ID["attention"].points


def test_hangs_and_crashes_say_why(batch):
    said = {name: " ".join(batch["results"][name]["exercises"][ex]["feedback"])
            for name, (_, expected) in batch["table"].items() for ex in expected}
    for name in ("infinite_loop", "sleep_at_import", "ignores_sigterm_while_looping"):
        assert "time limit" in said[name]
    for name in ("os_exit_in_forward", "segfault"):
        assert "ended the process" in said[name]
    assert "MemoryError" in said["allocates_6_gib"]
    assert "SystemExit" in said["sys_exit_at_import"]
    assert "no reference to copy" in said["hunts_sys_modules_and_gc"]
    assert "found no reference solution" in said["walks_the_file_system"]


def test_no_process_is_left_behind(batch):
    assert processes_marked() == []
    assert my_children() <= batch["children_before"]  # the zygote is gone too


def test_no_file_appears_outside_the_scratch_space(batch):
    assert os.listdir(batch["canary"]) == []
    for path in batch["outside"]:
        if os.path.isabs(path):
            assert not os.path.lexists(path), path
            assert not os.path.lexists(path + ".d"), path
    tmp = tempfile.gettempdir()  # this test run's own (tests/conftest.py): it holds only what the run made
    assert [n for n in os.listdir(tmp) if MARK in n and os.path.join(tmp, n) != batch["canary"]] == []
    assert [n for n in os.listdir(tmp) if n.startswith("course-grade-")] == []  # no scratch folder left over
    assert not glob.glob(f"/dev/shm/*{MARK}*")
    for name in batch["table"]:  # nor in any submission
        assert not [p for p in os.listdir(batch["root"] / name) if MARK in p]
        assert not [p for p in os.listdir(batch["root"] / name / "transformer") if MARK in p]


# --- Isolation attacks (issue 10) -------------------------------------------

@pytest.mark.parametrize("name", ["deep_tree", "changes_files_outside", "stats_the_answers", "reads_environments",
                                  "writes_640_mib", "sends_datagrams_outside", "lists_processes"])
def test_each_isolation_attack_scores_what_its_honest_code_earns(batch, name):
    if name not in batch["table"]:
        pytest.skip(f"needs namespaces, which this machine refuses: {NO_NAMESPACES}")
    test_each_scores_what_its_code_earns_and_nothing_else_moves(batch, name)


@pytest.mark.skipif(not NAMESPACES, reason=f"needs namespaces, which this machine refuses: {NO_NAMESPACES}")
def test_isolation_attacks_change_nothing_outside(batch):
    assert batch["after"] == batch["before"]  # mode, owner, times, extended attributes
    for listener in batch["targets"]["listeners"]:
        with pytest.raises(BlockingIOError):
            listener.recv(64)  # no datagram arrived
    # every scratch folder is gone, the 5,000-deep tree too (the judge's own cache of mutants may stay)
    assert [p for p in batch["tmpdir_left"] if p.startswith("course-grade-")] == []


def test_no_student_sees_the_instructors_environment(batch):
    for result in batch["results"].values():
        for exercise in result["exercises"].values():
            assert SECRET not in " ".join(exercise["feedback"])


@pytest.mark.skipif(not NAMESPACES, reason=f"needs namespaces, which this machine refuses: {NO_NAMESPACES}")
def test_writing_past_the_cap_costs_that_exercise_only(batch):
    said = " ".join(batch["results"]["writes_640_mib"]["exercises"]["warmup"]["feedback"])
    assert "No space left on device" in said


# --- The same, with a judge that is not root ---------------------------------

NON_ROOT_RUN = """set -e
mkdir -p /tmp/.course-pyenv-$$ && mount --bind /root/.pyenv /tmp/.course-pyenv-$$
mount -t tmpfs -o mode=0755 tmpfs /root
mkdir /root/.pyenv /root/tmp && chmod 1777 /root/tmp
mount --bind /tmp/.course-pyenv-$$ /root/.pyenv && umount /tmp/.course-pyenv-$$ && rmdir /tmp/.course-pyenv-$$
exec setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
  env -i PATH=/usr/bin:/bin HOME=/root/tmp TMPDIR=/root/tmp PYTHONDONTWRITEBYTECODE=1 \
  "$@"
"""


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder: the non-root judge's run below has this")
def test_a_folder_the_judge_may_not_read_costs_that_student_only(tmp_path):
    """A folder of mode 000 (a zip can carry one): its student's zeros, saying why, and the batch goes on."""
    clean, locked = (shutil.copytree(SOLUTIONS, tmp_path / name / "transformer", ignore=shutil.ignore_patterns("__pycache__"))
                     for name in ("clean", "locked"))
    locked.chmod(0)
    try:
        report = grade([str(clean.parent), str(locked.parent)], time_limit=TIME_LIMIT, jobs=1)
    finally:
        locked.chmod(0o700)
    graded, shut = report["results"]
    assert graded["score"] == graded["max_score"] == sum(e.points for e in EXERCISES)
    assert "error" not in shut and shut["score"] == 0
    assert all(ex["feedback"] == ["locked/transformer cannot be read by the grader (its permissions)"]
               for ex in shut["exercises"].values()), shut


@pytest.mark.skipif(os.geteuid() != 0, reason="this run is itself the non-root judge's")
def test_the_hostile_suite_holds_for_a_non_root_judge():
    """The hostile and confinement suites again, graded by `nobody`. Its Python must be readable: the
    pyenv under /root (0700) is shown to it in a private mount namespace, where /root is a 0755 tmpfs."""
    import sys

    argv = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-k", "not non_root_judge",
            "tests/test_sandbox_hostile.py", "tests/test_sandbox_confinement.py"]
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", NON_ROOT_RUN, "sh", *argv],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    tail = (done.stdout + done.stderr)[-3000:]
    assert done.returncode == 0, tail
    assert " passed" in tail and " failed" not in tail and " error" not in tail, tail
