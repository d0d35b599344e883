"""`course audit` passes: the hidden tests are proved against the whole catalog."""
import os
import re
import subprocess

from autograder.transformer.mistakes import MISTAKES, VARIANTS
from tests.helpers import COURSE, ROOT


def test_catalog_is_large_enough_and_ids_are_unique():
    ids = [m.id for m in MISTAKES + VARIANTS]
    assert len(ids) == len(set(ids))
    assert len(MISTAKES) >= 120 and len(VARIANTS) >= 10


def test_every_function_of_every_exercise_has_catalogued_mistakes():
    """Each function a student writes has at least one mistake in the catalog, found by the patch's text."""
    functions = {"positional_encoding": ["register_buffer", "div_term", "return self.pe"],
                 "attention": ["scores", "softmax", "dropout", "torch.tril"],
                 "multi_head": ["split_heads", "merge_heads", "ValueError", "linear"],
                 "feed_forward": ["activation", "dropout", "output_layer"],
                 "transformer_block": ["var", "eps", "weight", "layer_norm1", "layer_norm2"],
                 "bert": ["attention_mask", "dropout"],
                 "warmup": ["warmup_steps", "cos", "s = ", "ValueError", "lambda step: lr_lambda"]}
    for exercise, words in functions.items():
        patches = " ".join(old + new for m in MISTAKES if m.exercise == exercise for old, new in m.patch)
        assert all(w in patches for w in words), (exercise, [w for w in words if w not in patches])


def test_audit_passes_on_reference_stubs_mistakes_and_variants_and_leaves_tmpdir_empty(private_tmpdir):
    out = subprocess.run([*COURSE, "audit"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert re.search(rf"transformer: {len(MISTAKES)} mistakes, {len(VARIANTS)} variants, 0 misses", out.stdout)
    from autograder.decoder import mistakes as decoder

    assert len(decoder.MISTAKES) >= 60  # the floor for the second assignment
    assert re.search(rf"decoder: {len(decoder.MISTAKES)} mistakes, {len(decoder.VARIANTS)} variants, 0 misses", out.stdout)
    assert re.search(r"reference\s+reference\s+ok\s+100/100", out.stdout)
    assert re.search(r"stub\s+stubs\s+ok\s+0\b", out.stdout)
    assert not os.listdir(private_tmpdir)  # no copies of the reference (mutants) left behind
