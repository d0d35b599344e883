"""probes: the hidden tests' building blocks give the same answers on the student's Remote (in a real
child of the zygote) as on a module in this process, in fewer round trips."""
import importlib
import os
import shutil
import sys
import tempfile

import pytest
import torch

from autograder import probes
from autograder.pool import Zygote
from autograder.remote import Child, SandboxError, StudentError

PACKAGE = '''
import os


def returns(x):
    return x


def value_error(x):
    raise ValueError(f"bad {x}")


def not_yet(x):
    raise NotImplementedError("write me")


def exits(x):
    raise SystemExit(3)


def spoil(weights):
    """Sums what it is handed, then spoils it: as a student's load_state_dict might."""
    total = float(weights["w"].sum())
    weights["w"].mul_(0)
    weights.clear()
    return total


def forge_replies():
    """From now on, answer any batch of calls with a number: the reply is the student's to write."""
    import sys
    server = sys.modules["autograder.sandbox.child"].Server
    answer = server.answer
    server.answer = lambda self, request: 5 if request[0] == "tries" else answer(self, request)


class Refuses:
    def __init__(self, n):
        if n < 1:
            raise ValueError("n must be positive")
'''


@pytest.fixture(scope="module")
def spawn():
    """spawn(): the package as the student's Remote, in a fresh child of one zygote."""
    root = tempfile.mkdtemp(prefix="course-probes-")
    os.chmod(root, 0o711)
    zygote, children = Zygote(), []

    def spawn():
        children.append(zygote.spawn(tempfile.mkdtemp(dir=root), 30))
        return children[-1].enter({"pkg/__init__.py": "", "pkg/calls.py": PACKAGE}, "pkg.calls")

    yield spawn
    for child in children:
        child.close()
    zygote.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def modules(spawn, tmp_path_factory):
    """The package as the student's Remote in a child, and as a module of this process."""
    here = tmp_path_factory.mktemp("here")
    (here / "probes_package_here.py").write_text(PACKAGE)
    sys.path.insert(0, str(here))
    try:
        yield spawn(), importlib.import_module("probes_package_here")
    finally:
        sys.path.remove(str(here))


def tries(m):
    return [(m.returns, (1,)), (m.value_error, (2,)), (m.Refuses, (0,)), (m.Refuses, (), {"n": 2}), (m.returns, (), {"x": 4})]


def test_raised_each_names_each_exception_whatever_the_others_raised(modules):
    remote, here = modules
    expected = ["nothing", "ValueError", "ValueError", "nothing", "nothing"]
    assert probes.raised_each(*tries(here)) == expected
    assert probes.raised_each(*tries(remote)) == expected
    assert [probes.raised(fn, *args, **(kw[0] if kw else {})) for fn, args, *kw in tries(remote)] == expected
    # the student's exit is one more exception in their process: the calls after it still run
    assert probes.raised_each((remote.exits, (1,)), (remote.value_error, (1,))) == ["SystemExit", "ValueError"]


def test_raised_each_asks_the_child_once(modules, monkeypatch):
    remote, _ = modules
    calls = tries(remote)  # the functions and classes, looked up before counting
    sent = []
    request = Child.request
    monkeypatch.setattr(Child, "request", lambda self, *message: sent.append(message[0]) or request(self, *message))
    probes.raised_each(*calls)
    assert sent == ["tries"]


def test_raised_each_passes_the_students_not_implemented_on_as_raised_does(modules):
    remote, _ = modules
    with pytest.raises(StudentError) as raised:
        probes.raised_each((remote.returns, (1,)), (remote.not_yet, (1,)), (remote.value_error, (1,)))
    assert raised.value.type == "NotImplementedError" and raised.value.message == "write me"


def test_a_forged_reply_to_raised_each_ends_the_exercise_in_one_line(spawn):
    remote = spawn()
    remote.forge_replies()
    with pytest.raises(SandboxError, match="sent a reply the grader did not ask for"):
        probes.raised_each((remote.returns, (1,)), (remote.value_error, (2,)))


def test_a_constant_goes_once_and_each_use_gets_its_own_copy(modules, monkeypatch):
    remote, _ = modules
    child, state = remote._child, {"w": torch.ones(3, dtype=torch.float64)}
    spoil = remote.spoil
    sent = []
    request = Child.request
    # each request: what goes before it in its batch (deferred requests, such as a constant), and itself
    monkeypatch.setattr(Child, "request", lambda self, *message: sent.append(([d[0] for _, d in self.deferred], message[0]))
                        or request(self, *message))
    assert [spoil(child.constant(state)) for _ in range(3)] == [3.0, 3.0, 3.0]
    assert sent == [(["value"], "call"), ([], "call"), ([], "call")]  # the weights went with the first call only
    assert torch.equal(state["w"], torch.ones(3, dtype=torch.float64))
