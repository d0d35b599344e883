"""`course similarity`: copied pairs are found; the stubs, the reference and the other files never count.

Five simulated students: alice (a correct solution of her own, written differently
from the reference), bob (alice's files, disguised), carol (the reference solution),
erin (the reference with renamed variables and reordered lines: the standard solution
written independently) and dave (the untouched stubs).
"""
import re
import shutil

import pytest
from click.testing import CliRunner

from autograder.transformer.mistakes import BY_ID as PATCHES
from course_cli.cmd_similarity import similarity as similarity_command
from course_cli.similarity import format_pairs, similar_pairs
from tests.table import FILES

EXERCISE_FILES = FILES[1:]
from tests.helpers import EXERCISES, SOLUTIONS


def rewrite(text, *pairs):
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def reference(file):
    return (SOLUTIONS / file).read_text(encoding="utf-8")


def erin_files():
    """The reference, written again: local names renamed, lines reordered, comments and blank lines changed."""
    return {
        "attention.py": rewrite(
            reference("attention.py"),
            ("        dk = query.size(-1)\n        scores = query @ key.transpose(-2, -1) / math.sqrt(dk)  # (..., Lq, Lk)\n",
             "        d_k = query.size(-1)\n\n        s = query @ key.transpose(-2, -1) / math.sqrt(d_k)\n"),
            ("            scores = scores.masked_fill(mask == 0, -1e9)\n        weights = scores.softmax(dim=-1)  # (..., Lq, Lk)\n",
             "            s = s.masked_fill(mask == 0, -1e9)\n        # softmax over the keys\n        p_attn = s.softmax(dim=-1)\n"),
            ("            weights = dropout(weights)\n        return weights @ value, weights  # (..., Lq, dv), (..., Lq, Lk)\n",
             "            p_attn = dropout(p_attn)\n        return p_attn @ value, p_attn\n"),
        ),
        "feed_forward.py": rewrite(
            reference("feed_forward.py"),
            ("        self.input_layer = nn.Linear(hidden_size, 4 * hidden_size)\n"
             "        self.output_layer = nn.Linear(4 * hidden_size, hidden_size)\n"
             "        self.dropout = nn.Dropout(dropout)\n"
             "        self.activation = nn.GELU()\n",
             "        self.activation = nn.GELU()\n"
             "        self.dropout = nn.Dropout(dropout)\n"
             "        self.input_layer = nn.Linear(hidden_size, 4 * hidden_size)\n"
             "        self.output_layer = nn.Linear(4 * hidden_size, hidden_size)\n"),
            ("        h = self.activation(self.input_layer(x))  # (B, L, 4H)\n        return self.output_layer(self.dropout(h))  # (B, L, H)\n",
             "        hidden = self.activation(self.input_layer(x))\n        return self.output_layer(self.dropout(hidden))\n"),
        ),
        "multi_head.py": rewrite(
            reference("multi_head.py"),
            ("        key = self.split_heads(self.key_linear(x))  # (B, h, L, d)\n"
             "        value = self.split_heads(self.value_linear(x))  # (B, h, L, d)\n",
             "        v = self.split_heads(self.value_linear(x))\n"
             "        k = self.split_heads(self.key_linear(x))\n"),
            ("        query = self.split_heads(self.query_linear(x))  # (B, h, L, d)\n",
             "        q = self.split_heads(self.query_linear(x))\n"),
            ("        out, _ = self.attention(query, key, value, mask=mask, dropout=self.dropout)  # (B, h, L, d)\n"
             "        return self.output_linear(self.merge_heads(out))  # (B, L, H)\n",
             "        heads, _ = self.attention(q, k, v, mask=mask, dropout=self.dropout)\n"
             "        return self.output_linear(self.merge_heads(heads))\n"),
        ),
    }


def alice_files():
    """A correct solution of alice's own: catalogued rewrites for three files, her own code for two others."""
    files = {PATCHES[v].exercise + ".py": PATCHES[v].source()
             for v in ("attention.einsum", "feed_forward.functional_gelu", "bert.integer_mask")}
    files["positional_encoding.py"] = rewrite(
        reference("positional_encoding.py"),
        ("        position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)  # (max_len, 1)\n"
         "        two_i = torch.arange(0, embed_size, 2, dtype=torch.float64)  # (embed_size/2,)\n"
         "        div_term = torch.exp(two_i * (-math.log(10000.0) / embed_size))  # 10000^(-2i/embed_size)\n"
         "        pe = torch.zeros(max_len, embed_size, dtype=torch.float64)\n"
         "        pe[:, 0::2] = torch.sin(position * div_term)\n"
         "        pe[:, 1::2] = torch.cos(position * div_term)\n"
         "        self.register_buffer(\"pe\", pe.unsqueeze(0).float())  # (1, max_len, embed_size)\n",
         "        table = torch.empty(max_len, embed_size)\n"
         "        for pos in range(max_len):\n"
         "            for col in range(0, embed_size, 2):\n"
         "                angle = pos / math.pow(10000, col / embed_size)\n"
         "                table[pos, col] = math.sin(angle)\n"
         "                if col + 1 < embed_size:\n"
         "                    table[pos, col + 1] = math.cos(angle)\n"
         "        self.register_buffer(\"pe\", table[None])\n"),
        ("        return self.pe[:, : x.size(1)]  # (1, L, embed_size)\n",
         "        length = x.shape[1]\n        return self.pe[:, :length]\n"),
    )
    files["multi_head.py"] = rewrite(
        reference("multi_head.py"),
        ("        if hidden_size % head_num != 0:\n"
         "            raise ValueError(f\"hidden_size {hidden_size} is not divisible by head_num {head_num}\")\n",
         "        if hidden_size % head_num:\n            raise ValueError(\"head_num must divide hidden_size\")\n"),
        ("        B, L, _ = x.shape\n"
         "        return x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)  # (B, h, L, d)\n",
         "        batch, length = x.size(0), x.size(1)\n"
         "        x = x.reshape(batch, length, self.head_num, -1)\n"
         "        return x.permute(0, 2, 1, 3)\n"),
        ("        B, _, L, _ = x.shape\n"
         "        return x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)  # (B, L, H)\n",
         "        x = x.permute(0, 2, 1, 3)\n        return x.reshape(x.size(0), x.size(1), -1)\n"),
        ("        query = self.split_heads(self.query_linear(x))  # (B, h, L, d)\n"
         "        key = self.split_heads(self.key_linear(x))  # (B, h, L, d)\n"
         "        value = self.split_heads(self.value_linear(x))  # (B, h, L, d)\n"
         "        out, _ = self.attention(query, key, value, mask=mask, dropout=self.dropout)  # (B, h, L, d)\n"
         "        return self.output_linear(self.merge_heads(out))  # (B, L, H)\n",
         "        layers = (self.query_linear, self.key_linear, self.value_linear)\n"
         "        q, k, v = (self.split_heads(layer(x)) for layer in layers)\n"
         "        context = self.attention(q, k, v, mask, self.dropout)[0]\n"
         "        return self.output_linear(self.merge_heads(context))\n"),
    )
    files["transformer_block.py"] = rewrite(
        reference("transformer_block.py"),
        ("        mean = x.mean(dim=-1, keepdim=True)  # (B, L, 1)\n"
         "        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # (B, L, 1), biased\n"
         "        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias  # (B, L, H)\n",
         "        centered = x - x.mean(-1, keepdim=True)\n"
         "        scale = torch.rsqrt(centered.pow(2).mean(-1, keepdim=True) + self.eps)\n"
         "        return self.weight * centered * scale + self.bias\n"),
        ("        x = self.layer_norm1(x + self.dropout1(self.multi_head_attention(x, mask)))  # (B, L, H)\n"
         "        return self.layer_norm2(x + self.dropout2(self.feed_forward(x)))  # (B, L, H)\n",
         "        attended = self.dropout1(self.multi_head_attention(x, mask))\n"
         "        x = self.layer_norm1(attended + x)\n"
         "        fed = self.dropout2(self.feed_forward(x))\n"
         "        return self.layer_norm2(fed + x)\n"),
    )
    text = reference("warmup.py")
    start, end = text.index("    if schedule not in SCHEDULES:\n"), text.index("    ### END SOLUTION\n")
    text = text[:start] + (
        "    if schedule not in (\"linear\", \"cosine\", \"noam\"):\n"
        "        raise ValueError(\"unknown schedule: \" + str(schedule))\n"
        "    if total_steps <= 0 or step < 0 or warmup_steps < 0:\n"
        "        raise ValueError(\"bad step counts\")\n"
        "    if schedule == \"noam\":\n"
        "        if warmup_steps == 0:\n"
        "            raise ValueError(\"noam needs a warmup\")\n"
        "        n = step if step > 0 else 1\n"
        "        return min(n * warmup_steps ** -1, (warmup_steps / n) ** 0.5)\n"
        "    if warmup_steps > total_steps:\n"
        "        raise ValueError(\"more warmup than steps\")\n"
        "    if step < warmup_steps:\n"
        "        return step / warmup_steps\n"
        "    span = total_steps - warmup_steps\n"
        "    done = (step - warmup_steps) / max(1, span)\n"
        "    if schedule == \"cosine\":\n"
        "        return max(0.0, (1 + math.cos(math.pi * done)) / 2)\n"
        "    return max(0.0, 1.0 - done) if span else 0.0\n") + text[end:]
    files["warmup.py"] = rewrite(
        text,
        ("    lr_lambda(0, warmup_steps, total_steps, schedule)  # validates the arguments\n"
         "    return LambdaLR(optimizer, lambda step: lr_lambda(step, warmup_steps, total_steps, schedule))\n",
         "    lr_lambda(0, warmup_steps, total_steps, schedule)\n\n"
         "    def multiplier(step):\n"
         "        return lr_lambda(step, warmup_steps, total_steps, schedule)\n\n"
         "    return LambdaLR(optimizer, multiplier)\n"),
    )
    return files


# The same long file in two folders, beside the exercise files: it must never count.
SHARED_HELPER = "".join(f"def helper_{i}(values, scale={i}):\n    return [v * scale + {i} for v in values if v > {i}]\n\n"
                        for i in range(40))


def disguise(files):
    """Copied files, disguised: comment lines dropped, blank lines added, local names changed."""
    out = {}
    for name, text in files.items():
        lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
        text = "\n\n".join(lines) + "\n"
        out[name] = re.sub(r"\b(div_term|position|done|span)\b", lambda m: m.group(1) + "_x", text)
    return out


@pytest.fixture
def classroom(tmp_path, make_submission):
    """submitted/<student>/transformer/*.py for alice, bob, carol and erin; dave's stub files directly in submitted/dave/."""
    alice = make_submission("submitted/alice", alice_files())
    bob = make_submission("submitted/bob", disguise(alice_files()))
    carol = make_submission("submitted/carol")
    erin = make_submission("submitted/erin", erin_files())
    dave = tmp_path / "submitted" / "dave"
    shutil.copytree(EXERCISES, dave)  # the stubs, with the public tests and READMEs beside them
    for folder in (carol, dave):
        (folder / "helpers.py").write_text(SHARED_HELPER, encoding="utf-8")
    return tmp_path / "submitted", {"alice": alice, "bob": bob, "carol": carol, "erin": erin, "dave": dave}


def pair_of(pairs, a, b):
    return next((p for p in pairs if {p["a"], p["b"]} == {a, b}), None)


def test_the_copied_pair_comes_first_and_the_stubs_and_the_reference_never_count(classroom, tmp_path):
    _, students = classroom
    report = tmp_path / "report.html"
    pairs = similar_pairs(students, EXERCISES, threshold=0.0, out_html=report, reference_dir=SOLUTIONS)
    top = pairs[0]
    assert {top["a"], top["b"]} == {"alice", "bob"}
    assert top["similarity"] >= 0.9, pairs
    assert set(top["files"]) >= {"positional_encoding.py", "warmup.py"}
    assert set(top["files"]) <= set(EXERCISE_FILES)
    # Even at threshold 0 dave, who shares the stubs (and a helper file with carol), is paired with no one.
    assert all("dave" not in (p["a"], p["b"]) for p in pairs), pairs
    assert [p["similarity"] for p in pairs] == sorted((p["similarity"] for p in pairs), reverse=True)
    for p in pairs:
        assert 0 <= p["similarity"] <= 1 and p["similarity"] == max(p["similarity_a"], p["similarity_b"])

    text = report.read_text(encoding="utf-8")
    assert 'id="students">Students: <code>alice</code>, <code>bob</code>, <code>carol</code>, <code>dave</code>, <code>erin</code>' in text
    assert "alice and bob:" in text and "<mark>" in text and text.count('src="data:image/png;base64,') == 2
    assert "course-similarity-" not in text, "the temporary folders are never shown"
    assert "https://" not in text, "the report opens offline"


def test_two_independent_standard_solutions_are_not_flagged(classroom):
    _, students = classroom
    without_reference = pair_of(similar_pairs(students, EXERCISES, threshold=0.0), "carol", "erin")
    assert without_reference is not None and without_reference["similarity"] >= 0.5  # what the reference's absence did
    pairs = similar_pairs(students, EXERCISES, reference_dir=SOLUTIONS)
    assert [(p["a"], p["b"]) for p in pairs] == [("alice", "bob")], pairs
    table = format_pairs(pairs)
    assert "alice" in table and "bob" in table and "warmup.py" in table and "%" in table


def test_copydetect_output_is_captured_unless_asked_for(classroom, capsys):
    _, students = classroom
    similar_pairs(students, EXERCISES)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    similar_pairs(students, EXERCISES, quiet=False)
    assert "code comparison" in capsys.readouterr().out.lower()


def test_fewer_than_two_submissions_give_no_pairs_and_say_why(classroom, tmp_path):
    submitted, students = classroom
    assert similar_pairs({}, EXERCISES) == []
    assert similar_pairs({"alice": students["alice"]}, EXERCISES, out_html=tmp_path / "one.html") == []
    assert "Nothing to compare: 1 submission(s) with exercise files" in (tmp_path / "one.html").read_text()
    assert similar_pairs({"alice": students["alice"], "ghost": tmp_path / "nowhere"}, EXERCISES) == []
    assert format_pairs([], 0.5) == "no pair shares more than 50% beyond the stubs and the reference"
    for name in ("bob", "carol", "erin", "dave"):
        shutil.rmtree(submitted / name)
    result = CliRunner().invoke(similarity_command, ["transformer", "-s", str(submitted), "-q"])
    assert result.exit_code == 0 and "nothing to compare: 1 submission(s) with exercise files" in result.output


def test_cli_lists_the_pairs_and_writes_the_report(classroom, tmp_path):
    submitted, _ = classroom
    report = tmp_path / "out.html"
    result = CliRunner().invoke(similarity_command, ["transformer", "--submissions", str(submitted), "--html", str(report)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["student", "a", "student", "b"]
    assert lines[2].split()[:2] == ["alice", "bob"]
    assert "5 submissions compared, 1 pairs" in result.stdout
    assert result.stderr == "comparing 5 submissions, file by file...\n"  # before the table, and alone
    assert report.is_file() and "alice and bob:" in report.read_text(encoding="utf-8")

    shutil.rmtree(submitted / "bob")
    result = CliRunner().invoke(similarity_command, ["transformer", "-s", str(submitted), "--threshold", "0.5", "-q"])
    assert result.exit_code == 0, result.output
    assert "no pair shares more than 50% beyond the stubs and the reference" in result.output


@pytest.mark.parametrize("args, message", [
    (["transformer", "--submissions", "{tmp}/missing"], "does not exist"),
    (["gpt", "--submissions", "{tmp}"], "unknown assignment 'gpt'"),
])
def test_cli_errors_are_one_line(tmp_path, args, message):
    result = CliRunner().invoke(similarity_command, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
