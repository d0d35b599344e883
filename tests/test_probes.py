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


import torch
from torch import nn


class Chained(nn.Module):
    """Two named layers, chained once more in an nn.Sequential, and a buffer no contract names."""

    def __init__(self):
        super().__init__()
        self.first = nn.Linear(2, 2)
        self.second = nn.Linear(2, 2)
        self.chain = nn.Sequential(self.first, self.second)
        self.register_buffer("seen", torch.full((1,), 7.0))

    def forward(self, x):
        return self.chain(x) + 0 * self.seen


class Doubles(nn.Module):
    def forward(self, x):
        return 2 * x


class Triples(nn.Module):
    def forward(self, x):
        return 3 * x


class Piped(Chained):
    """The layers kept once more in a plain tuple, run in a loop; and one module shared by two names."""

    def __init__(self):
        super().__init__()
        self.pipe = (self.first, self.second)
        self.gate = nn.Identity()
        self.gate_again = self.gate

    def forward(self, x):
        for layer in self.pipe:
            x = layer(x)
        return self.gate_again(self.gate(x))


class Scaled(Chained):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))


class Tied(Chained):
    def __init__(self):
        super().__init__()
        self.second.weight = self.first.weight


class LongerTable(Chained):
    def __init__(self):
        super().__init__()
        self.register_buffer("table", torch.arange(5.0))
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


def contract_weights(seed=0):
    g = torch.Generator().manual_seed(seed)
    return {name: torch.randn(shape, generator=g, dtype=torch.float64)
            for name, shape in [("first.weight", (2, 2)), ("first.bias", (2,)), ("second.weight", (2, 2)), ("second.bias", (2,))]}


def test_weights_load_by_the_contracts_names_and_a_modules_own_extras_stay(modules):
    """The contract's names are loaded; a buffer it does not name and the alias of the layers keep working."""
    w, x = contract_weights(), torch.randn(3, 2, dtype=torch.float64)
    expected = (x @ w["first.weight"].T + w["first.bias"]) @ w["second.weight"].T + w["second.bias"]
    for side in modules:
        model = probes.make(side, "Chained", state=w)
        assert torch.allclose(model(x), expected)
        assert probes.named_like(model, w) == {name: tuple(v.shape) for name, v in w.items()}
        assert probes.named_like(model, ["seen"], shapes=False)["seen"].tolist() == [7.0]


@pytest.mark.parametrize("cls, state, message", [
    ("Chained", {"third.weight": torch.zeros(2, 2)}, "your Chained has no weight named 'third.weight' in its state_dict"),
    ("Chained", {"first.weight": torch.zeros(2, 5)}, "your Chained's first.weight has shape (2, 2), expected (2, 5)"),
    ("Scaled", {}, "your Scaled has a parameter the contract does not give it: scale"),
    ("Tied", {}, "your Tied's first.weight and second.weight are one tensor; the contract keeps them apart"),
])
def test_weights_that_would_not_be_the_graders_are_refused_in_one_line(modules, cls, state, message):
    """A name the module lacks, a parameter of another shape, one the contract does not give (it would keep
    a random value), two names the contract keeps apart on one tensor (the second load overwrites the first)."""
    remote, here = modules
    with pytest.raises(StudentError) as raised:
        probes.make(remote, cls, state={**contract_weights(), **state})(torch.zeros(1, 2, dtype=torch.float64))
    assert raised.value.type == "WrongWeights" and raised.value.message.startswith(message)
    with pytest.raises(Exception, match=message.replace("(", r"\(").replace(")", r"\)")):
        probes.make(here, cls, state={**contract_weights(), **state})


def test_a_buffer_of_another_length_keeps_its_own(modules):
    """A table for more positions than the contract's: its answers within them are the same."""
    for side in modules:
        model = probes.make(side, "LongerTable", state={**contract_weights(), "table": torch.zeros(3, dtype=torch.float64)})
        assert probes.named_like(model, ["table"], shapes=False)["table"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_stand_in_replaces_its_submodule_wherever_it_sits(modules):
    """A stand-in swapped in for `first` is what forward runs, through the nn.Sequential alias too."""
    w, x = contract_weights(), torch.randn(3, 2, dtype=torch.float64)
    for side in modules:
        model = probes.with_submodules(probes.make(side, "Chained", state=w), first=side.Doubles())
        assert torch.allclose(model(x), (2 * x) @ w["second.weight"].T + w["second.bias"])


def test_a_stand_in_runs_where_a_plain_tuple_keeps_the_old_module_and_shared_names_keep_their_own(modules):
    w, x = contract_weights(), torch.randn(3, 2, dtype=torch.float64)
    for side in modules:
        model = probes.with_submodules(probes.make(side, "Piped", state=w), first=side.Doubles(), gate=side.Doubles(),
                                       gate_again=side.Triples())
        assert torch.allclose(model(x), 6 * ((2 * x) @ w["second.weight"].T + w["second.bias"]))
