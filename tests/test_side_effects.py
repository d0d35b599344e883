"""Which student files make the next exercise's child check everything (autograder/side_effects.py)."""
import pytest

from autograder.transformer.mistakes import MISTAKES, VARIANTS
from autograder.side_effects import flagged
from autograder.workspace import stub_source
from tests.table import EXERCISES

from tests.helpers import SOLUTIONS


def test_honest_files_are_not_flagged():
    sources = [f.read_text(encoding="utf-8") for f in SOLUTIONS.glob("*.py")]
    sources += [m.source() for m in MISTAKES + VARIANTS] + [stub_source(e) for e in EXERCISES]
    assert not [s for s in sources if flagged(s)]


@pytest.mark.parametrize("source", [
    "import torch\ntorch.allclose = lambda *a, **k: True",
    "from torch import nn\nnn.Linear.forward = None",
    "import torch.nn.functional as F\nF.__dict__['gelu'] = abs",
    "import torch\ndel torch.Tensor.softmax",
    "def f():\n    np.pi = 3\nimport numpy as np",  # the import comes after the store
    "setattr(__import__('torch'), 'equal', None)",
    "import gc",
    "from importlib import reload",
    "import sys\nsys.setrecursionlimit(50)",
    "x = (1).__class__",
    "exec('pass')",
    "def broken(:",
])
def test_what_could_change_the_process_is_flagged(source):
    assert flagged(source)


@pytest.mark.parametrize("source", [
    "import torch\nclass A(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.w = torch.zeros(3)",
    "import torch\nt = torch.zeros(3)\nt[0] = 1",
    "import os.path\nhere = os.path.dirname(__file__)",
    "import math\nscale = math.sqrt(8)",
])
def test_what_changes_only_its_own_objects_is_not(source):
    assert not flagged(source)
