"""Compare the student's answer with the reference's, and say what is wrong in one sentence.

A probe is a function of a module (the student's Remote, the reference, or a
catalogued mutant) that builds something, feeds it inputs and returns tensors
or numbers. `expect` runs it on both; when they differ it looks for the
catalogued mistake that gives the student's exact answer, and otherwise shows
a small "yours vs expected" excerpt.
"""
import contextlib
import importlib
import math
import reprlib

import torch

from . import parts
from .remote import Remote, StudentError

ATOL = RTOL = 1e-7  # float64; equivalent formulations agree to ~1e-14


class Wrong(AssertionError):
    """A check the student's code failed, with the line to tell them.

    candidates: the catalogued mistakes whose patch gives the student's answer on this check;
    `resolve` names one only if it explains every failed check of the exercise. certain: the
    message itself is an observation of the student's code (fail), true whatever else failed."""

    def __init__(self, message, candidates=(), certain=False):
        super().__init__(message)
        self.candidates, self.certain = tuple(candidates), certain


def _catalog():
    """The catalog of the assignment whose hidden tests run now (parts.using)."""
    return parts.catalog(parts.current())


def fail(mistake_id):
    raise Wrong(_catalog().BY_ID[mistake_id].sentence, (mistake_id,), certain=True)


# What a line of feedback shows of a value: a student's function may return a string of megabytes
_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 80


def _flatten(value, path=""):
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _flatten(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k in sorted(value, key=repr):  # a student's keys may be of mixed types
            yield from _flatten(value[k], f"{path}[{_SHOWN.repr(k)}]")
    else:
        yield path, value


def difference(yours, expected, atol=ATOL, rtol=RTOL, axes=None):
    """None when the two agree, else an excerpt of the first disagreement (axes: {rank: axis names})."""
    a, b = list(_flatten(yours)), list(_flatten(expected))
    if isinstance(yours, dict) and isinstance(expected, dict) and yours.keys() != expected.keys():
        lacking = [k for k in sorted(expected, key=repr) if k not in yours]
        if lacking:
            return f"{_SHOWN.repr(lacking[0])} is missing from your result"
        return f"your result has {_SHOWN.repr(min((k for k in yours if k not in expected), key=repr))}, which is not expected"
    if len(a) != len(b):
        return f"returned {len(a)} values, expected {len(b)}"
    for (where, x), (there, y) in zip(a, b):
        if where != there:  # other keys, or the same values nested otherwise
            return f"returned {where or 'a single value'} where {there or 'a single value'} is expected"
        if isinstance(x, torch.Tensor) and x.dim() == 0 and isinstance(y, (int, float)) and not isinstance(y, bool):
            x = x.item()  # a 0-dim tensor where a number is expected is fine
        if isinstance(y, torch.Tensor):
            if not isinstance(x, torch.Tensor):
                kind = x._type if isinstance(x, Remote) else type(x).__name__  # a Remote: an object left in the student's process
                return f"{where or 'the result'} is a {kind}, expected a tensor"
            if tuple(x.shape) != tuple(y.shape):
                return f"{where or 'the result'} has shape {tuple(x.shape)}, expected {tuple(y.shape)}"
            if x.dtype == torch.bool or y.dtype == torch.bool:
                if x.dtype != y.dtype or not torch.equal(x, y):
                    return _excerpt(where, x, y, f"a {y.dtype} tensor equal to", axes)
                continue
            x64, y64 = x.detach().to(torch.float64), y.detach().to(torch.float64)
            if not isinstance(atol, torch.Tensor) and torch.allclose(x64, y64, rtol=rtol, atol=atol):
                continue  # most checks end here: allclose is the test below in one call (an infinity close to itself only)
            tol = atol
            if isinstance(atol, torch.Tensor) and not _broadcasts(atol.shape, y64.shape):
                tol = atol.max()
            # an infinity expected is matched by itself only (rtol x inf would let any value be close to it)
            near = torch.where(torch.isinf(y64), x64 == y64, (x64 - y64).abs() <= tol + rtol * y64.abs())
            if bool(near.all()):
                continue  # close everywhere (a tensor atol), so no NaN on either side: the rest would agree
            if torch.isnan(x64).any() and not torch.isnan(y64).any():
                return f"{where or 'your output'} contains NaN"
            close = near | (torch.isnan(x64) & torch.isnan(y64))
            if not bool(close.all()):
                return _excerpt(where, x64, y64, axes=axes)
        elif isinstance(y, float) or isinstance(x, float):
            if not isinstance(x, (int, float)) or isinstance(x, bool):
                return f"{where or 'the result'} is {_SHOWN.repr(x)}, expected {_SHOWN.repr(y)}"
            if math.isnan(x) or not math.isclose(x, y, rel_tol=rtol, abs_tol=atol):
                return f"{where or 'the result'}: yours {_SHOWN.repr(x)}, expected {_SHOWN.repr(y)}"
        elif x != y:
            return f"{where or 'the result'}: yours {_SHOWN.repr(x)}, expected {_SHOWN.repr(y)}"
    return None


def _broadcasts(a, b):
    """Whether shapes a and b broadcast together (torch.broadcast_shapes imports sympy, ~0.3 s)."""
    return all(m == n or 1 in (m, n) for m, n in zip(reversed(a), reversed(b)))


def _excerpt(where, x, y, expected_word="expected", axes=None):
    """One line naming the largest difference (what its index means, when the check says), then a few
    values around it along the last axis, yours above expected (the feedback page shows them; the
    terminal shows the first line)."""
    x, y = x.to(torch.float64), y.to(torch.float64)
    gap = torch.where(x == y, 0.0, (x - y).abs())  # equal infinities agree
    gap = torch.where(torch.isnan(gap), torch.full_like(gap, math.inf), gap)
    index, flat = [], int(gap.argmax())  # unravelled by hand: torch.unravel_index imports sympy (~0.3 s)
    for size in reversed(gap.shape):
        flat, i = divmod(flat, size)
        index.insert(0, i)
    index = tuple(index)
    at = f"{where}{list(index)}" if index else (where or "the result")
    names = (axes or {}).get(len(index))
    if names:
        at += " (" + ", ".join(f"{name} {i}" for name, i in zip(names, index)) + ")"
    line = (f"at {at}: yours {x[index].item():.6g}, {expected_word} {y[index].item():.6g}"
            f" (largest difference {gap.max().item():.3g})")
    if not index:
        return line
    row, j = index[:-1], index[-1]
    columns = range(max(0, j - 2), min(x.shape[-1], j + 3))
    label = names[-1] if names else "index"
    cells = lambda t: " ".join(f"{t[row + (c,)].item():>12.7g}" for c in columns)
    return (f"{line}\n{label:>10} " + " ".join(f"{c:>12}" for c in columns)
            + f"\n{'yours':>10} {cells(x)}\n{'expected':>10} {cells(y)}")


def diagnose_error(exercise, exc):
    """The line for an exception the student's code raised: what it raised, and where (the function
    and line of the student's file, from the traceback). It never guesses a mistake from the
    exception's type: expect() offers the catalog's candidates, and resolve() picks one only when it
    explains every failed check."""
    if exc.type == "NotImplementedError":
        return f"not implemented yet ({exc.message})" if exc.message else "not implemented yet"
    if exc.type == "WrongWeights":  # the grader's own refusal to load its weights (sandbox.child.load_weights)
        return exc.message
    return f"your code raised {exc}"


_REFERENCE_ANSWERS = {}


@contextlib.contextmanager
def _inputs_restored(probe):
    """Put back every tensor the probe can reach (its closure, its module's globals) as it was."""
    reachable = [c.cell_contents for c in probe.__closure__ or ()] + list(probe.__globals__.values())
    saved = [(t, t.clone()) for t in reachable if isinstance(t, torch.Tensor)]
    try:
        yield
    finally:
        with torch.no_grad():
            for tensor, copy in saved:
                tensor.copy_(copy)


def _freeze(value):
    """A hashable stand-in for a probe's captured value, or None when there is none."""
    if isinstance(value, torch.Tensor):
        return ("tensor", value.dtype, tuple(value.shape), value.detach().cpu().numpy().tobytes())
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, (tuple, list)):
        items = tuple(_freeze(v) for v in value)
        return None if any(i is None and v is not None for i, v in zip(items, value)) else (type(value).__name__, items)
    return None


def _probe_key(probe, module):
    """What identifies probe(module) across submissions (its code, its captured values, the module), or
    None where a captured value has no hashable stand-in."""
    closure = probe.__closure__ or ()
    cells = tuple(_freeze(c.cell_contents) for c in closure)
    if any(f is None and c.cell_contents is not None for f, c in zip(cells, closure)):
        return None
    return probe.__code__, module.__name__, cells


def _answer(probe, module):
    """("ok", probe(module)) or ("raised", the exception's type name): computed once per probe, captured
    values and module, since it is the same for every submission (the reference, or a catalogued mutant)."""
    key = _probe_key(probe, module)
    if key is not None and key in _REFERENCE_ANSWERS:
        return _REFERENCE_ANSWERS[key]
    try:
        with _inputs_restored(probe):  # a mutant runs here, and some mutants modify their inputs
            answer = ("ok", _detached(probe(module)))
    except Exception as exc:
        answer = ("raised", type(exc).__name__)
    if key is not None:
        _REFERENCE_ANSWERS[key] = answer
    return answer


def _detached(value):
    """value with each tensor detached: a kept answer must not keep its autograd graph (the parameters and
    saved activations of the module that computed it: most of a worker's memory growth)."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, (tuple, list)):
        return type(value)(_detached(v) for v in value)
    if isinstance(value, dict):
        return {k: _detached(v) for k, v in value.items()}
    return value


def _reference_answer(probe, reference):
    status, value = _answer(probe, reference)
    if status != "ok":
        raise RuntimeError(f"the reference raised {value} on a hidden check")
    return value


def candidates(probe, exercise, want, yours=None, raised=None, atol=ATOL, rtol=RTOL):
    """The catalogued mistakes of `exercise` whose patch gives what the student gave on this check:
    the same answer (and not the reference's), or an exception of the same type."""
    found = []
    catalog = _catalog()
    for m in catalog.for_exercise(exercise):
        if not m.patch:
            continue
        status, theirs = _answer(probe, catalog.mutant(m))
        if raised is not None:
            if status == "raised" and theirs == raised.type and (not m.error or m.error_matches(raised)):
                found.append(m.id)
        elif status == "ok" and difference(yours, theirs, atol, rtol) is None and difference(theirs, want, atol, rtol) is not None:
            found.append(m.id)
    return tuple(found)


# (submission, exercise) -> [(probe, atol, rtol)] of the checks the student passed, so that resolve() can
# tell whether a candidate mistake would have failed one of them.
PASSED = {}


def expect(probe, student, reference, exercise, atol=ATOL, rtol=RTOL, key=None, also=None, axes=None, fed=None):
    """Run probe on the student's module and the reference's; raise Wrong unless they agree.

    also: a second module-like whose answer is accepted too (the reference's wiring around the
    student's own pieces, so that a slip in one method costs that method's checks only).
    fed: (English, Chinese) words for what the check feeds in, said before a generic line."""
    said = (lambda line: f"with {fed[0]}: {line}") if fed else (lambda line: line)
    want = _reference_answer(probe, reference)
    try:
        yours = probe(student)
        if isinstance(student, Remote):
            student._child.flush()  # what the probe made and never used (see Remote) raises here, if anywhere
    except StudentError as exc:
        raise Wrong(said(diagnose_error(exercise, exc)), candidates(probe, exercise, want, raised=exc)) from None
    gap = difference(yours, want, atol, rtol)
    if gap is not None and also is not None:
        try:
            alternative = probe(also)
        except Exception:  # the student's piece raised, or does not fit the reference's wiring
            alternative = None
        if alternative is not None and difference(yours, alternative, atol, rtol) is None:
            return yours
    if gap is None:
        if key is not None:
            PASSED.setdefault(key, []).append((probe, atol, rtol))
        return yours
    if _changes_between_runs(probe, student, yours, atol, rtol):
        raise Wrong(RANDOM, _random_candidates(probe, exercise, atol, rtol))
    if axes:
        gap = difference(yours, want, atol, rtol, axes)
    raise Wrong(said(gap), candidates(probe, exercise, want, yours, atol=atol, rtol=rtol))


# Every check's answer is deterministic (eval mode, or deterministic stand-ins for dropout): one that
# changes between two runs on the same input can only come from randomness left on.
RANDOM = ("your output changes from one run to the next on the same input, where it must not (eval mode, or dropout 0):"
          " some randomness stays on, such as F.dropout without training=self.training, or a dropout or sub-module"
          " built without this module's dropout argument")


def _random_candidates(probe, exercise, atol, rtol):
    """The catalogued mistakes of `exercise` whose patch also changes from run to run on this check (a
    sub-module built without the dropout argument): resolve() names one where another check tells which."""
    found = []
    catalog = _catalog()
    for m in catalog.for_exercise(exercise):
        if m.patch and _varies(probe, catalog.mutant(m), atol, rtol):
            found.append(m.id)
    return tuple(found)


_VARIES = {}


def _varies(probe, module, atol, rtol):
    """Whether two runs of probe on a catalogued mutant disagree (once per probe, captured values and mutant)."""
    key = _probe_key(probe, module)
    if key is not None and key in _VARIES:
        return _VARIES[key]
    try:
        with _inputs_restored(probe):
            first = _detached(probe(module))
        with _inputs_restored(probe):
            varies = difference(first, _detached(probe(module)), atol, rtol) is not None
    except Exception:  # noqa: BLE001 (a mutant that raises here is not this mistake)
        varies = False
    if key is not None:
        _VARIES[key] = varies
    return varies


def _changes_between_runs(probe, student, yours, atol, rtol):
    """Whether a second run gives another answer. Only data (tensors, numbers, text) can tell: a module or
    function the student's code returned is another object each run, random or not."""
    if not all(isinstance(v, (torch.Tensor, int, float, complex, str, type(None))) for _, v in _flatten(yours)):
        return False
    try:
        again = probe(student)
        if isinstance(student, Remote):
            student._child.flush()
    except StudentError:
        return False
    return difference(yours, again, atol, rtol) is not None


def _explains_passed(mistake_id, exercise, passed):
    """Whether the mistake's patch also passes every check the student passed."""
    catalog = _catalog()
    mutant = catalog.mutant(catalog.BY_ID[mistake_id])
    reference = importlib.import_module(f"solutions.{parts.current().id}.{exercise}")
    for probe, atol, rtol in passed:
        status, theirs = _answer(probe, mutant)
        if status != "ok" or difference(theirs, _reference_answer(probe, reference), atol, rtol) is not None:
            return False
    return True


def resolve(records):
    """Name a catalogued mistake only where it is true: for each submission's exercise, the first
    mistake that is a candidate of every failed check and passes every check the student passed.
    Its sentence replaces those checks' generic lines; otherwise they stay. Returns the records."""
    groups = {}
    for r in records:
        groups.setdefault((r["submission"], r["exercise"]), []).append(r)
    for key, group in groups.items():
        passed = PASSED.pop(key, [])
        failed = [r for r in group if not r["passed"] and not r["fatal"] and not r.get("certain")]
        if not failed:
            continue
        common = set.intersection(*(set(r.get("candidates") or ()) for r in failed))
        eligible = (m for m in _catalog().for_exercise(key[1]) if m.id in common and _explains_passed(m.id, key[1], passed))
        chosen = next(eligible, None)
        if any(r["message"] == RANDOM for r in failed) and next(eligible, None) is not None:
            chosen = None  # randomness alone fits several mistakes: named only where the other checks tell which
        if chosen is not None:
            for r in failed:
                r["message"] = chosen.sentence
    return records
