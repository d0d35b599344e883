"""What the forbidden-operator watcher (autograder/sandbox/watch.py) costs a call.

    python benchmarks/watch.py

Times the reference's forward passes (float64, the hidden tests' sizes) with and
without the watcher's TorchDispatchMode, in one process, one thread.
"""
import os
import sys
import timeit
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.sandbox.watch import Watcher  # noqa: E402
from solutions.transformer import attention, multi_head, transformer_block  # noqa: E402


def main():
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    x = torch.randn(2, 7, 16)
    mask = torch.ones(2, 1, 1, 7, dtype=torch.bool)
    cases = {
        "attention": (attention, lambda: attention.Attention()(x, x, x, mask)),
        "multi_head": (multi_head, lambda: multi_head.MultiHeadedAttention(4, 16, 0.0).eval()(x, mask)),
        "transformer_block": (transformer_block, lambda: transformer_block.TransformerBlock(16, 4, 0.0).eval()(x, mask)),
    }
    print(f"{os.cpu_count()} cores, torch {torch.__version__}; microseconds per call (best of 5 x 200)")
    print(f"{'exercise':<20}{'without':>10}{'watched':>10}{'extra':>10}")
    for name, (module, call) in cases.items():
        watcher = Watcher()
        folder = str(Path(module.__file__).parent.parent)
        watcher.exercise(folder, f"transformer.{name}", {f"transformer/{name}.py": ""})
        plain = min(timeit.repeat(call, number=200, repeat=5)) / 200 * 1e6

        def watched():
            with watcher.around():
                call()

        seen = min(timeit.repeat(watched, number=200, repeat=5)) / 200 * 1e6
        print(f"{name:<20}{plain:>10.0f}{seen:>10.0f}{seen - plain:>10.0f}")


if __name__ == "__main__":
    main()
