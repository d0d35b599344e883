"""Forbidden shortcuts score 0 on their exercise, whatever route reaches them.

The source check (autograder/forbidden.py) is the first line; what it cannot
see (torch.ops.aten, names built at run time) is caught in the child as the
operator runs (autograder/sandbox/watch.py); a file whose coding cookie would
make the import read other text than the check is refused. Each dodge is a
real submission, graded in one batch with clean ones.
"""
import pytest

from autograder.forbidden import main_blocks, shortcuts, watched
from autograder.side_effects import nodes
from autograder.grade import grade
from autograder.transformer.mistakes import MISTAKES, VARIANTS
from tests.table import BY_ID, EXERCISES
from tests.helpers import SOLUTIONS

REF = {f.name: f.read_text(encoding="utf-8") for f in SOLUTIONS.glob("*.py")}
ATTENTION_BODY = "        dk = query.size(-1)\n"
BIAS = "        bias = (mask == 0).to(query.dtype) * -1e9 if mask is not None else None\n"
WEIGHTS = "        weights = (query @ key.transpose(-2, -1) / math.sqrt(query.size(-1)) + (0 if bias is None else bias)).softmax(-1)\n"


def attention(call):
    """The reference attention.py whose output comes from `call` (weights computed by hand)."""
    return REF["attention.py"].replace(ATTENTION_BODY, BIAS + WEIGHTS + f"        return {call}, weights\n" + ATTENTION_BODY)


UTF7_HIDDEN = ("        #+AAo-        return torch.nn.functional.scaled+AF8-dot+AF8-product+AF8-attention"
               "(query, key, value, attn+AF8-mask+AD0-bias), weights\n")

SUBMISSIONS = {
    "attention_source": ("attention.py", attention("torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=bias)")),
    "attention_aten": ("attention.py", attention("torch.ops.aten.scaled_dot_product_attention(query, key, value, bias)")),
    "attention_getattr": ("attention.py", attention(
        'getattr(torch.nn.functional, "scaled_dot_" + "product_attention")(query, key, value, attn_mask=bias)')),
    # UTF-7 spells "+" as "+-" and has no raw non-ASCII bytes: the reference's Chinese docstrings are left out
    "attention_utf7": ("attention.py", "# coding: utf-7\n" + "".join(c for c in REF["attention.py"] if c.isascii())
                       .replace(ATTENTION_BODY, "\0").replace("+", "+-")
                       .replace("\0", (BIAS + WEIGHTS).replace("+", "+-") + UTF7_HIDDEN + ATTENTION_BODY.replace("+", "+-"))),
    "multi_head_aten": ("multi_head.py", REF["multi_head.py"].replace(
        "        out, _ = self.attention(query, key, value, mask=mask, dropout=self.dropout)",
        "        import torch\n        bias = None if mask is None else (mask == 0).to(query.dtype) * -1e9\n"
        "        out = torch.ops.aten.scaled_dot_product_attention(query, key, value, bias)")),
    "multi_head_shim_alias": ("multi_head.py", REF["multi_head.py"].replace(
        "        out, _ = self.attention(query, key, value, mask=mask, dropout=self.dropout)",
        "        from .attention import F  # the attention stand-in's own torch.nn.functional\n"
        "        bias = None if mask is None else (mask == 0).to(query.dtype) * -1e9\n"
        "        out = F.scaled_dot_product_attention(query, key, value, attn_mask=bias)")),
    # the module in training mode runs ordinary operators: seen by the forward hook
    "multi_head_module": ("multi_head.py", REF["multi_head.py"].replace(
        "        query = self.split_heads(self.query_linear(x))  # (B, h, L, d)\n",
        "        shortcut = getattr(nn, 'Multihead' + 'Attention')(self.hidden_size, self.head_num, batch_first=True).train()\n"
        "        return shortcut(x, x, x)[0]\n"
        "        query = self.split_heads(self.query_linear(x))  # (B, h, L, d)\n")),
    # runs no operator of its own: seen by the function mode
    "multi_head_function": ("multi_head.py", REF["multi_head.py"].replace(
        "        query = self.split_heads(self.query_linear(x))  # (B, h, L, d)\n",
        "        t = x.transpose(0, 1)\n"
        "        w = torch.cat([self.query_linear.weight, self.key_linear.weight, self.value_linear.weight])\n"
        "        b = torch.cat([self.query_linear.bias, self.key_linear.bias, self.value_linear.bias])\n"
        "        out, _ = getattr(torch.nn.functional, 'multi_head_' + 'attention_forward')(\n"
        "            t, t, t, self.hidden_size, self.head_num, w, b, None, None, False, 0.0,\n"
        "            self.output_linear.weight, self.output_linear.bias, training=False, need_weights=False)\n"
        "        return out.transpose(0, 1)\n"
        "        query = self.split_heads(self.query_linear(x))  # (B, h, L, d)\n").replace(
        "from torch import nn\n", "import torch\nfrom torch import nn\n", 1)),
    # a name in an ordinary function counts, called or not: a stand-in of an earlier exercise can be made to call it
    "unused_helper": ("attention.py", REF["attention.py"] + (
        "\n\ndef _fused(query, key, value):\n    return torch.nn.functional.scaled_dot_product_attention(query, key, value)\n")),
    # a self-test under __main__ counts where the file could make it run: here it names __name__ itself
    "main_block_run_by_name": ("attention.py", "__name__ = '__main__'\n" + REF["attention.py"] + (
        "\n\nif __name__ == '__main__':\n"
        "    Attention.forward = lambda self, q, k, v, mask=None, dropout=None: (\n"
        "        torch.nn.functional.scaled_dot_product_attention(q, k, v), None)\n")),
    "layer_norm_aten": ("transformer_block.py", REF["transformer_block.py"] + "\n\ndef _forward(self, x):\n"
                        "    return torch.ops.aten.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)\n\n\n"
                        "LayerNorm.forward = _forward\n"),
}
# Watched (getattr), and its attention comes from the stand-in, which uses F.scaled_dot_product_attention.
HONEST = {"watched_but_honest": ("multi_head.py", REF["multi_head.py"].replace(
    "out, _ = self.attention(query,", 'out, _ = getattr(self, "attention")(query,')),
    # a forbidden name that never runs when graded: a self-test under __main__ (the grader imports the file)
    "forbidden_name_never_run": ("attention.py", REF["attention.py"] + (
        "\n\nif __name__ == \"__main__\":\n"
        "    q = torch.randn(2, 3, 4)\n"
        "    fused = torch.nn.functional.scaled_dot_product_attention(q, q, q)\n"
        "    assert torch.allclose(Attention()(q, q, q)[0], fused, atol=1e-6)\n"))}
EXPECTED = {  # what each submission is told on the exercise it loses
    "attention_source": "uses torch.nn.functional.scaled_dot_product_attention, which this exercise forbids",
    "unused_helper": "uses torch.nn.functional.scaled_dot_product_attention, which this exercise forbids",
    "main_block_run_by_name": "uses torch.nn.functional.scaled_dot_product_attention, which this exercise forbids",
    "attention_aten": "uses scaled_dot_product_attention (torch.ops.aten.",
    "attention_getattr": "uses scaled_dot_product_attention (torch.ops.aten.",
    "attention_utf7": "attention.py declares the encoding utf-7: only UTF-8 is accepted",
    "multi_head_aten": "uses scaled_dot_product_attention (torch.ops.aten.",
    "multi_head_shim_alias": "uses scaled_dot_product_attention (torch.ops.aten.",
    "multi_head_module": "uses MultiheadAttention (torch.nn), which this exercise forbids",
    "multi_head_function": "uses multi_head_attention_forward (torch.nn.functional), which this exercise forbids",
    "layer_norm_aten": "uses layer_norm (torch.ops.aten.native_layer_norm), which this exercise forbids",
}


def test_the_dodges_get_past_the_source_check():
    """Otherwise these submissions would prove nothing about the checks behind it."""
    for name, (file, text) in SUBMISSIONS.items():
        seen = text.encode("utf-8").decode("utf-8")
        assert name in ("attention_source", "unused_helper", "main_block_run_by_name") \
            or shortcuts(BY_ID[file[:-3]], seen) == [], name
    hidden = SUBMISSIONS["attention_utf7"][1].encode("utf-8").decode("utf-7")
    assert "\n        return torch.nn.functional.scaled_dot_product_attention(query" in hidden


def test_honest_files_are_not_watched_and_the_dodges_are():
    """Watching makes the student's code several times slower: only files that reach torch by a
    route the source check cannot follow pay for it (see benchmarks/watch.py)."""
    for entry in (m for m in VARIANTS + MISTAKES if not shortcuts(BY_ID[m.exercise], m.source())
                  and not main_blocks(nodes(m.source()))):  # a self-test under __main__ naming a shortcut is watched
        assert not watched(BY_ID[entry.exercise], entry.source()), entry.id
    for e in EXERCISES:
        assert not watched(e, REF[e.file])
    for name, (file, text) in SUBMISSIONS.items():
        if name not in ("attention_source", "attention_utf7"):
            assert watched(BY_ID[file[:-3]], text), name


def test_the_source_check_finds_names_aliases_and_strings():
    assert shortcuts(BY_ID["attention"], REF["attention.py"]) == []
    assert shortcuts(BY_ID["transformer_block"], REF["transformer_block.py"]) == []
    assert shortcuts(BY_ID["bert"], "from torch.nn import TransformerEncoderLayer\n") == ["TransformerEncoderLayer"]
    assert shortcuts(BY_ID["multi_head"], "import torch.nn.functional as G\ny = getattr(G, 'scaled_dot_product_attention')\n") \
        == ["scaled_dot_product_attention"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("forbidden")
    folders = {}
    for name in ["clean", *HONEST, *SUBMISSIONS]:
        folder = root / name / "transformer"
        folder.mkdir(parents=True)
        for file, text in REF.items():
            (folder / file).write_text(text, encoding="utf-8")
        if name in SUBMISSIONS or name in HONEST:
            file, text = {**SUBMISSIONS, **HONEST}[name]
            (folder / file).write_bytes(text.encode("utf-8"))
        folders[name] = str(folder)
    results = grade(list(folders.values()), time_limit=20.0, jobs=2)["results"]
    return dict(zip(folders, results))


@pytest.mark.parametrize("name", ["clean", *HONEST])
def test_honest_submissions_keep_full_marks_beside_them(report, name):
    """The shims' own F.scaled_dot_product_attention and F.layer_norm never count against a student,
    watched or not, and neither does a forbidden name in a self-test under __main__."""
    assert report[name]["score"] == 100, report[name]


def test_a_self_test_under_main_is_watched_not_scored():
    file, text = HONEST["forbidden_name_never_run"]
    assert shortcuts(BY_ID[file[:-3]], text) == [] and watched(BY_ID[file[:-3]], text)
    assert watched(BY_ID["multi_head"], HONEST["watched_but_honest"][1])
    # what could make it run takes the exemption away
    for line in ("import sys\n", "globals()\n", "from importlib import import_module\n", "print(__spec__)\n"):
        assert shortcuts(BY_ID[file[:-3]], line + text) == ["torch.nn.functional.scaled_dot_product_attention"], line


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_a_forbidden_shortcut_scores_zero_on_its_exercise_only(report, name):
    result = report[name]
    own = SUBMISSIONS[name][0][:-3]
    assert result["exercises"][own]["score"] == 0, result["exercises"][own]
    assert EXPECTED[name] in result["exercises"][own]["feedback"][0]
    for e in EXERCISES:
        if e.id != own:
            assert result["exercises"][e.id]["score"] == BY_ID[e.id].points, (e.id, result["exercises"][e.id])
