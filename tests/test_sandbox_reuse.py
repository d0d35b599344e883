"""One child grades a whole submission, exercise after exercise (autograder/session.py).

What that must not cost: a later exercise is graded as if in a fresh process
whatever the earlier ones did to theirs, and an exercise never has within
reach the working version (shim) of an exercise not graded yet.
"""
import os
import shutil

import pytest

from autograder import session as session_module
from autograder.grade import grade
from autograder.sandbox.limits import isolation
from tests.table import BY_ID, EXERCISES, MAX_SCORE

from tests.helpers import SOLUTIONS

REF = {f.name: f.read_text(encoding="utf-8") for f in SOLUTIONS.glob("*.py")}

# Doubles what every nn.Linear computes from here on: multi_head (graded next) would lose its points
# in the same process. The student's attention itself uses no Linear, so it keeps its own.
DOUBLE_LINEAR = """
import torch.nn.functional as _F
_linear = _F.linear
_F.linear = lambda x, w, b=None: 2 * _linear(x, w, b)
"""
LEAVE_A_THREAD = """
import threading as _threading, time as _time
_threading.Thread(target=lambda: _time.sleep(600), daemon=True).start()
"""
CHANGE_THE_DEFAULT_DTYPE = """
import torch as _torch
_torch.set_default_dtype(_torch.float16)
"""


def look_for(*markers):
    """Source that raises at import if any file this process can read under its scratch folder holds a marker.
    (Each marker is spelt in two halves, so that this source does not hold it.)"""
    halves = [(m[: len(m) // 2], m[len(m) // 2:]) for m in markers]
    return f"""
import os as _os
def _look():
    markers = [a + b for a, b in {halves!r}]
    root = _os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))))  # the scratch folder
    for folder, _, files in _os.walk(root):
        for name in files:
            try:
                text = open(_os.path.join(folder, name), encoding="utf-8", errors="replace").read()
            except OSError:
                continue
            for marker in markers:
                if marker in text:
                    raise RuntimeError("found " + marker + " in " + name)
_look()
"""


CASES = {
    "clean": {},
    "doubles_linear": {"attention.py": REF["attention.py"] + DOUBLE_LINEAR},
    "leaves_a_thread": {"attention.py": REF["attention.py"] + LEAVE_A_THREAD},
    "changes_the_default_dtype": {"positional_encoding.py": REF["positional_encoding.py"] + CHANGE_THE_DEFAULT_DTYPE},
    # multi_head (3) must not see feed_forward's or transformer_block's working versions (4, 5)
    "looks_for_later_shims": {"multi_head.py": look_for("class FeedForward", "class TransformerBlock", "class LayerNorm")
                              + REF["multi_head.py"]},
    # An instance is made with the request that first uses it (remote.Child.defer): its error must still show.
    "constructor_raises": {"attention.py": REF["attention.py"].replace(
        "class Attention(nn.Module):", "class Attention(nn.Module):\n    def __new__(cls, *args, **kwargs):\n"
        "        raise ValueError('no attention today')\n", 1)},
    # A setattr is sent with the next request too (the tests put stand-ins into a block): its error must show.
    "setattr_raises": {"transformer_block.py": REF["transformer_block.py"].replace(
        "        self.dropout2 = nn.Dropout(dropout)\n", "        self.dropout2 = nn.Dropout(dropout)\n        self.frozen = True\n\n"
        "    def __setattr__(self, name, value):\n        if getattr(self, 'frozen', False):\n"
        "            raise AttributeError('this block is frozen')\n        super().__setattr__(name, value)\n", 1)},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("reuse")
    paths = []
    for name, files in CASES.items():
        folder = root / name / "transformer"
        shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
        for file, text in files.items():
            (folder / file).write_text(text, encoding="utf-8")
        paths.append(str(folder))
    spawned = {}
    original = session_module.Session._spawn

    def counting(self, budget):
        spawned[self.submission] = spawned.get(self.submission, 0) + 1
        return original(self, budget)

    session_module.Session._spawn = counting
    try:
        report = grade(paths)
    finally:
        session_module.Session._spawn = original
    return {name: (result, spawned.get(path, 0)) for name, path, result in zip(CASES, paths, report["results"])}


def test_a_clean_submission_is_graded_by_one_child(graded):
    result, children = graded["clean"]
    assert result["score"] == MAX_SCORE
    assert children == 1


@pytest.mark.parametrize("name", ["doubles_linear", "leaves_a_thread", "changes_the_default_dtype"])
def test_what_an_exercise_leaves_behind_reaches_no_later_exercise(graded, name):
    result, children = graded[name]
    scores = {k: v["score"] for k, v in result["exercises"].items()}
    assert scores == {e.id: e.points for e in EXERCISES}, result["exercises"]
    assert children == 2  # the next exercise got a fresh child


@pytest.mark.parametrize("case, exercise, line", [
    ("constructor_raises", "attention", "ValueError: no attention today (attention.py, line"),
    ("setattr_raises", "transformer_block", "AttributeError: this block is frozen (transformer_block.py, line"),
])
def test_an_error_in_a_deferred_request_is_reported_as_raised_there_and_costs_its_exercise_only(graded, case, exercise, line):
    """An instance, a build or a setattr is sent with the request after it (remote.Child.defer)."""
    result, _ = graded[case]
    mine = result["exercises"][exercise]
    assert mine["score"] < BY_ID[exercise].points
    assert any(line in feedback for feedback in mine["feedback"]), mine
    assert all(result["exercises"][e.id]["score"] == e.points for e in EXERCISES if e.id != exercise)


@pytest.mark.skipif(not isolation().startswith(("namespaces", "landlock")), reason="only namespaces or Landlock keep a child out of other folders")
def test_a_later_exercises_working_version_is_never_within_reach(graded):
    result, children = graded["looks_for_later_shims"]
    assert result["exercises"]["multi_head"]["score"] == BY_ID["multi_head"].points, result["exercises"]["multi_head"]
    assert children == 1


@pytest.mark.skipif(not isolation().startswith(("namespaces", "landlock")), reason="only namespaces or Landlock keep a child out of other folders")
def test_children_of_a_grading_worker_cannot_read_its_working_folder(tmp_path, monkeypatch):
    """Workers fork their zygote from themselves (pool.prestart(fork=True)): nothing of the worker's
    working folder or search path may become readable to the children."""
    secret = tmp_path / "cwd" / "secret-of-the-course.txt"
    secret.parent.mkdir()
    secret.write_text("gradebook", encoding="utf-8")
    probe = f"""
try:
    open({str(secret)!r}).read()
except OSError:
    pass
else:
    raise RuntimeError("read the worker's working folder")
"""
    paths = []
    for name in ("a", "b"):
        folder = tmp_path / name / "transformer"
        shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
        (folder / "positional_encoding.py").write_text(probe + REF["positional_encoding.py"], encoding="utf-8")
        paths.append(str(folder))
    monkeypatch.chdir(secret.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(secret.parent), os.environ.get("PYTHONPATH", "")]))
    report = grade(paths, jobs=2)
    for result in report["results"]:
        assert result["exercises"]["positional_encoding"]["score"] == BY_ID["positional_encoding"].points, result
