"""Building blocks of the hidden tests' probes. Each works the same on the
student's Remote module, the reference module and a mutant."""
import importlib
from functools import lru_cache

import torch

from . import parts
from .remote import Remote, StudentError, refs
from .sandbox.child import step, swap_submodules


@lru_cache(maxsize=None)
def _reference_class(assignment, name):
    """The class `name` of the reference of `assignment` (an exercise's, or a given file's)."""
    for stem in [e.id for e in assignment.exercises] + [g.removesuffix(".py") for g in assignment.given]:
        module = importlib.import_module(f"solutions.{assignment.id}.{stem}")
        if isinstance(getattr(module, name, None), type):
            return getattr(module, name)
    raise KeyError(name)


def _random_state(cls, args, kwargs, seed, skip=()):
    # the assignment whose hidden tests run now: two may name a class alike
    return _random_state_of(parts.current(), cls, args, kwargs, seed, skip)


@lru_cache(maxsize=None)
def _random_state_of(assignment, cls, args, kwargs, seed, skip=()):
    """randomized()'s weights, less those of the submodules in `skip`: one dict for each, kept."""
    if skip:
        state = _random_state_of(assignment, cls, args, kwargs, seed)
        return {k: v for k, v in state.items() if k.split(".")[0] not in skip}
    torch.manual_seed(0)
    return randomized(_reference_class(assignment, cls)(*args, **dict(kwargs)), seed)


def randomized(model, seed=0):
    """The state_dict of `model` (a reference-built module) in float64, its parameters drawn from
    0.4 N(0, 1) with `seed` in the order of the state's names, its buffers kept: the weights that make()
    loads. A parameter shared under two names (a tied embedding) is drawn once."""
    model = model.double()
    params = {name for name, _ in model.named_parameters(remove_duplicate=False)}
    g, drawn = torch.Generator().manual_seed(seed), {}
    state = {}
    for name, value in model.state_dict().items():
        if name in params:
            key = value.data_ptr()
            if key not in drawn:
                drawn[key] = torch.randn(value.shape, generator=g, dtype=torch.float64) * 0.4
            state[name] = drawn[key]
        else:
            state[name] = value.clone()
    return state


def sibling(module, stem):
    """The module `stem` of the package `module` belongs to: for the student's Remote, the one in their
    process (the given layers.py, or the stand-in of an earlier exercise); for the reference or a
    mutant, the reference's. Checks build the objects an exercise is handed (an encoder, a model) there."""
    if isinstance(module, Remote):
        return module._child.import_module(f"{parts.current().id}.{stem}")
    return importlib.import_module(f"{module.__name__.rpartition('.')[0]}.{stem}")


def torch_of(module):
    """The torch module on the side of `module` (in the student's process for a Remote)."""
    return module._child.import_module("torch") if isinstance(module, Remote) else torch


def generator(module, seed):
    """A torch.Generator seeded with `seed`, on the side of `module` (in the student's process for a Remote)."""
    made = torch_of(module).Generator()
    made.manual_seed(seed)
    return made


def make(module, cls, *args, seed=0, train=False, randomize=True, skip=(), state=None, double=True, **kwargs):
    """module.cls(*args, **kwargs) in float64, with the same random weights in every implementation.

    The weights are loaded by the contract's names (sandbox.child.load_weights): a module that keeps
    more (a mask buffer, an alias of its submodules) keeps those as it made them.
    skip: submodules whose weights are not loaded (the test replaces them with stand-ins); state: the
    weights to load, where the class's arguments are objects (an encoder) rather than numbers;
    double=False: loaded as built, not in float64 first."""
    then = [("double", (), {})] if double else []
    if state is None and randomize:
        state = _random_state(cls, args, tuple(sorted(kwargs.items())), seed, tuple(skip))
        if isinstance(module, Remote):  # the same weights, build after build: sent once an exercise
            state = module._child.constant(state)
    if state is not None:
        then.append(("load_weights", (state, tuple(skip)), {}))
    then.append(("train", (train,), {}))
    if isinstance(module, Remote):
        return module.build(cls, args, kwargs, then)
    model = getattr(module, cls)(*args, **kwargs)
    for method, method_args, method_kwargs in then:
        step(model, method, *method_args, **method_kwargs)
    return model


def calls(pairs):
    """[fn(*args) for fn, args in pairs], in order, stopping at the first exception: in one round
    trip when every fn is a Remote of the same child."""
    fns = [fn for fn, _ in pairs]
    if fns and all(isinstance(fn, Remote) and fn._child is fns[0]._child for fn in fns):
        return fns[0]._child.request("calls", [(fn._id, refs(tuple(args)), {}) for fn, args in pairs])
    return [fn(*args) for fn, args in pairs]


def raised(fn, *args, **kwargs):
    """The name of the exception fn raises, or "nothing"."""
    try:
        result = fn(*args, **kwargs)
        if isinstance(result, Remote):
            result._child.flush()  # a class called is made with the next request: make it now
    except StudentError as exc:
        if exc.type == "NotImplementedError":
            raise
        return exc.type
    except Exception as exc:
        return type(exc).__name__
    return "nothing"


def raised_each(*tries):
    """[raised(fn, *args, **kwargs) for fn, args, kwargs in tries] (kwargs may be left out): in one round
    trip when every fn is a Remote of the same child, where each runs whatever the others raised."""
    tries = [(t[0], tuple(t[1]), dict(t[2] if len(t) > 2 else {})) for t in tries]
    fns = [fn for fn, _, _ in tries]
    if not (fns and all(isinstance(fn, Remote) and fn._child is fns[0]._child for fn in fns)):
        return [raised(fn, *args, **kwargs) for fn, args, kwargs in tries]
    child = fns[0]._child
    outcomes = child.request("tries", [(fn._id, refs(args), refs(kwargs)) for fn, args, kwargs in tries])
    if not isinstance(outcomes, list) or len(outcomes) != len(tries):  # the child's word: the student's code may have written it
        child.kill("the process running your code sent a reply the grader did not ask for")
    names = []
    for outcome in outcomes:
        if outcome is None:
            names.append("nothing")
            continue
        error = child.student_error(outcome)
        if error.type == "NotImplementedError":
            raise error
        names.append(error.type)
    return names


def call_keeping_args(fn, *args, **kwargs):
    """(result, args as the call left them): whether the call modified its inputs."""
    if isinstance(fn, Remote):
        result, after, _ = fn.call_returning_args(*args, **kwargs)
        return result, after
    copies = tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)
    return fn(*copies, **kwargs), copies


def kept_and_computed(fn, *args):
    """(the arguments as a call left them, whether its output is computed from the first one): the
    output must change when the first argument does, and must not be that argument itself, so that
    a forward that returns zeros, a constant or its input earns nothing here."""
    result, after = call_keeping_args(fn, *args)
    output = result[0] if isinstance(result, (tuple, list)) else result
    other = fn(args[0] * 1.5 + 0.25, *args[1:])
    other = other[0] if isinstance(other, (tuple, list)) else other
    same_shape = isinstance(output, torch.Tensor) and output.shape == args[0].shape
    return after, not torch.equal(output, other), not (same_shape and torch.equal(output, args[0]))


def sgd(lr):
    """torch.optim.SGD over one zero parameter, built without importing torch._dynamo.

    Optimizer methods wrapped by torch._compile._disable_dynamo import it on first call (~1 s
    here) only to mark themselves "not for torch.compile". The grader compiles nothing, so it
    caches on each the mark torch would: the function itself. Best effort: a method it misses
    still works, after the import."""
    for cls in (torch.optim.Optimizer, torch.optim.SGD):
        for method in vars(cls).values():
            raw = getattr(method, "__wrapped__", None)
            if callable(raw) and not hasattr(raw, "__dynamo_disable"):
                setattr(raw, "__dynamo_disable", raw)  # the attribute torch/_compile.py caches
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)


def randn(*shape, seed=0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64) * scale


def padding_mask(lengths, length, square=False, dtype=torch.bool):
    """(B, 1, 1, L) (or (B, 1, L, L)) mask with the first lengths[b] keys of example b visible."""
    keep = torch.arange(length)[None, :] < torch.tensor(lengths)[:, None]  # (B, L)
    mask = keep[:, None, None, :]
    if square:
        mask = mask.expand(-1, 1, length, -1).clone()
    return mask.to(dtype)


def dropout_standin(bound):
    """A deterministic stand-in for a dropout module: a clamp to [-bound, bound], then softsign x / (1 + |x|).
    Unlike real dropout at p = 0 or 1 it changes every input differently, and twice is not once, so the
    output shows exactly where it is applied, and how often (a clamp alone hid a dropout applied twice)."""
    standin = torch.nn.Sequential(torch.nn.Hardtanh(-bound, bound), torch.nn.Softsign())
    standin.p = 0.5  # read by code that calls F.dropout(x, self.dropout.p, ...)
    return standin


def dropout_rates(model, names):
    """{"name.p": p} for the dropout modules at the dotted `names` in model ("feed_forward.dropout",
    "blocks.0.dropout1"): the contract builds each with the module's dropout argument, its own ones and
    those of the sub-modules it builds. (Run in eval mode a fixed rate shows nowhere else.)"""
    rates = {}
    for name in names:
        found = model
        for part in name.split("."):
            found = found[int(part)] if part.isdigit() else getattr(found, part)
        rates[f"{name}.p"] = found.p
    return rates


def layer_norm_standin(hidden_size, length, weight, bias, eps=1e-5):
    """A correct LayerNorm over the last axis of (B, length, hidden_size), built from torch modules only
    (InstanceNorm1d normalises each row over H, a diagonal Linear scales and shifts): the block's wiring
    is graded with it in place of the student's LayerNorm, which is graded on its own."""
    affine = torch.nn.Linear(hidden_size, hidden_size).double()
    with torch.no_grad():
        affine.weight.copy_(torch.diag(weight))
        affine.bias.copy_(bias)
    return torch.nn.Sequential(torch.nn.InstanceNorm1d(length, eps=eps), affine)


def with_submodules(model, **submodules):
    """model, with each named submodule replaced, wherever else the student's code keeps it too
    (sandbox.child.swap_submodules); on the student's side through a request."""
    if isinstance(model, Remote):
        model.swap(submodules)
    else:
        swap_submodules(model, submodules)
    return model


def named_like(model, names, shapes=True):
    """{name: shape (or value, shapes=False)} of model's state_dict, for the contract's `names` (the
    reference's: random_weights(...) or a state_dict): a module may keep more (a mask buffer, an alias
    of its submodules), and is graded on the contract's names only."""
    names = set(names)
    return {k: tuple(v.shape) if shapes else v for k, v in model.state_dict().items() if k in names}


def random_weights(cls, *args, seed=0, **kwargs):
    """The weights make() loads into cls(*args, **kwargs)."""
    return _random_state(cls, args, tuple(sorted(kwargs.items())), seed)
