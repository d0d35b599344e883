"""The catalog: known mistakes, and equivalent ways of writing a correct answer.

Each entry is a patch of the reference file. A mistake's patch reproduces it,
so that (1) feedback can name it when the student's answer equals the
patched reference's, and (2) `course audit` can prove that it loses points in
its own exercise only, with this sentence. A variant's patch is a correct
rewrite that must keep full marks.
"""
import importlib
import importlib.abc
import importlib.util
import re
import sys
from dataclasses import dataclass
from functools import lru_cache

from course_cli.assignment import BY_ID as EXERCISES

from .workspace import REFERENCE


@dataclass(frozen=True)
class Patch:
    id: str  # "<exercise id>.<name>"
    sentence: str  # what the student is told (a mistake), or what the rewrite does (a variant)
    patch: tuple  # (old, new) pairs applied to the reference file, each old found exactly once
    error: str = ""  # a regex on "Type: message" of the exception this mistake raises

    @property
    def exercise(self):
        return self.id.split(".")[0]

    def error_matches(self, exc):
        return re.search(self.error, f"{exc.type}: {exc.message}") is not None

    def source(self):
        text = (REFERENCE / EXERCISES[self.exercise].file).read_text(encoding="utf-8")
        for old, new in self.patch:
            if text.count(old) != 1:
                raise ValueError(f"{self.id}: {old!r} occurs {text.count(old)} times in the reference")
            text = text.replace(old, new)
        return text


def M(id, sentence, *patch, error=""):
    return Patch(id, sentence, tuple(patch), error)


# Shared sentences, where several slips come to the same thing for the student.
NAMES = "the grader could not load weights into your module: keep the contract's submodule and parameter names and shapes"
COSINE_PERIOD = "the cosine has the wrong period: after warmup it is (1 + cos(pi * p)) / 2, with p going from 0 to 1"
PE_ASSIGN = "        pe[:, 0::2] = torch.sin(position * div_term)\n        pe[:, 1::2] = torch.cos(position * div_term)\n"
BLOCK_FORWARD = (
    "        x = self.layer_norm1(x + self.dropout1(self.multi_head_attention(x, mask)))  # (B, L, H)\n"
    "        return self.layer_norm2(x + self.dropout2(self.feed_forward(x)))  # (B, L, H)\n"
)
BERT_MASK = "        attention_mask = (input_ids > 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, L)\n"
ATTN_CORE = (
    "        scores = query @ key.transpose(-2, -1) / math.sqrt(dk)  # (..., Lq, Lk)\n"
    "        if mask is not None:\n"
    "            scores = scores.masked_fill(mask == 0, -1e9)\n"
)

MISTAKES = (
    # 1. positional_encoding
    M("positional_encoding.sin_cos_swapped", "sin and cos are swapped: even columns 2i take sin, odd columns 2i+1 take cos",
      (PE_ASSIGN, PE_ASSIGN.replace("sin", "SIN").replace("cos", "sin").replace("SIN", "cos"))),
    M("positional_encoding.concatenated", "sin and cos are concatenated as [sin | cos]; they interleave: sin in the even columns, cos in the odd ones",
      (PE_ASSIGN, "        pe = torch.cat([torch.sin(position * div_term), torch.cos(position * div_term)], dim=1)\n")),
    M("positional_encoding.column_index_exponent", "the exponent uses the column index: columns 2i and 2i+1 both use 2i / embed_size",
      ("pe[:, 1::2] = torch.cos(position * div_term)",
       "pe[:, 1::2] = torch.cos(position * torch.exp((two_i + 1) * (-math.log(10000.0) / embed_size)))")),
    M("positional_encoding.exponent_i", "the exponent uses i instead of 2i: the frequency of columns 2i and 2i+1 is 1 / 10000^(2i / embed_size)",
      ("two_i = torch.arange(0, embed_size, 2, dtype=torch.float64)", "two_i = torch.arange(0, embed_size // 2, dtype=torch.float64)")),
    M("positional_encoding.parameter", "the table is an nn.Parameter; it is not trained, so register it with register_buffer",
      ('self.register_buffer("pe", pe.unsqueeze(0).float())', "self.pe = nn.Parameter(pe.unsqueeze(0).float(), requires_grad=False)")),
    M("positional_encoding.plain_attribute", "the table is a plain attribute; register it with register_buffer so that it is saved in the state_dict and moves with .to()",
      ('self.register_buffer("pe", pe.unsqueeze(0).float())', "self.pe = pe.unsqueeze(0).float()")),
    M("positional_encoding.no_batch_axis", "the table has no leading batch axis: pe must be (1, max_len, embed_size)",
      ('self.register_buffer("pe", pe.unsqueeze(0).float())', 'self.register_buffer("pe", pe.float())')),
    M("positional_encoding.whole_table", "forward returns the whole table; return only the first L positions, pe[:, :L]",
      ("return self.pe[:, : x.size(1)]", "return self.pe")),
    M("positional_encoding.length_from_batch", "forward reads the length from the batch axis: x is (B, L, ...), so L is x.size(1)",
      ("return self.pe[:, : x.size(1)]", "return self.pe[:, : x.size(0)]")),
    M("positional_encoding.positions_from_one", "positions start at 1; the first position is 0",
      ("position = torch.arange(max_len, dtype=torch.float64)", "position = torch.arange(1, max_len + 1, dtype=torch.float64)")),
    # 2. attention
    M("attention.no_scale", "scores are not divided by sqrt(dk)", ("/ math.sqrt(dk)  #", "#")),
    M("attention.scale_dk", "scores are divided by dk; divide by sqrt(dk)", ("/ math.sqrt(dk)", "/ dk")),
    M("attention.scale_from_values", "the scale uses the size of the values; it is sqrt(dk), the last dimension of query and key",
      ("dk = query.size(-1)", "dk = value.size(-1)")),
    M("attention.softmax_over_queries", "the softmax runs over the queries (dim=-2); it runs over the keys, the last dimension",
      ("scores.softmax(dim=-1)", "scores.softmax(dim=-2)")),
    M("attention.mask_inverted", "the mask is inverted: entries equal to 0 (False) are the blocked keys", ("mask == 0", "mask != 0")),
    M("attention.mask_after_softmax", "the mask is applied after the softmax; fill the blocked scores before it, so each row still sums to 1",
      ("            scores = scores.masked_fill(mask == 0, -1e9)\n        weights = scores.softmax(dim=-1)  # (..., Lq, Lk)\n",
       "            scores = scores\n        weights = scores.softmax(dim=-1)  # (..., Lq, Lk)\n"
       "        if mask is not None:\n            weights = weights.masked_fill(mask == 0, 0.0)\n")),
    M("attention.neg_inf", "blocked scores are filled with -inf, so a query whose keys are all blocked gets NaN; use -1e9 (or torch.finfo(dtype).min)",
      ("mask == 0, -1e9)", 'mask == 0, float("-inf"))')),
    M("attention.fill_zero", "blocked scores are filled with 0, which still gives those keys weight; fill them with a large negative number such as -1e9",
      ("masked_fill(mask == 0, -1e9)", "masked_fill(mask == 0, 0.0)")),
    M("attention.dropout_on_output", "dropout is applied to the output; it belongs on the attention weights",
      ("            weights = dropout(weights)\n        return weights @ value, weights",
       "            return dropout(weights @ value), weights\n        return weights @ value, weights")),
    M("attention.dropout_ignored", "the dropout module passed in is never applied to the attention weights",
      ("            weights = dropout(weights)\n", "            pass\n")),
    M("attention.weights_before_dropout", "the returned weights are the ones before dropout; return them after dropout",
      ("            weights = dropout(weights)\n        return weights @ value, weights",
       "            return dropout(weights) @ value, weights\n        return weights @ value, weights")),
    M("attention.inputs_modified", "the inputs are modified in place; the caller's query, key and value must stay as they were",
      ("dk = query.size(-1)\n", "dk = query.size(-1)\n        query = query.mul_(1.0)\n        query.div_(math.sqrt(dk))\n"),
      ("query @ key.transpose(-2, -1) / math.sqrt(dk)", "query @ key.transpose(-2, -1)")),
    M("attention.causal_future", "subsequent_mask marks the future instead of the past: True where j <= i (torch.tril)",
      ("return torch.tril(", "return torch.triu(")),
    M("attention.causal_hides_self", "subsequent_mask hides the diagonal: a query may see its own position",
      ("torch.tril(torch.ones(1, size, size, dtype=torch.bool))", "torch.tril(torch.ones(1, size, size, dtype=torch.bool), diagonal=-1)")),
    M("attention.causal_no_batch_axis", "subsequent_mask has no leading axis: it is (1, size, size)",
      ("torch.ones(1, size, size, dtype=torch.bool)", "torch.ones(size, size, dtype=torch.bool)")),
    M("attention.causal_not_bool", "subsequent_mask is not a bool tensor",
      ("torch.ones(1, size, size, dtype=torch.bool)", "torch.ones(1, size, size)")),
    # 3. multi_head
    M("multi_head.view_without_transpose", "split_heads views the tensor as (B, h, L, d) directly, which mixes positions into heads; view as (B, L, h, d), then transpose(1, 2)",
      ("x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)", "x.view(B, self.head_num, L, self.per_head_dim)")),
    M("multi_head.heads_interleaved", "split_heads gives head k every h-th feature; head k takes the block of features k*d ... (k+1)*d - 1",
      ("x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)", "x.view(B, L, self.per_head_dim, self.head_num).permute(0, 3, 1, 2)"),
      ("x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)", "x.permute(0, 2, 3, 1).reshape(B, L, self.hidden_size)")),
    M("multi_head.merge_without_contiguous", "merge_heads calls view on a transposed tensor; call .contiguous() first, or use reshape",
      ("x.transpose(1, 2).contiguous().view(", "x.transpose(1, 2).view("), error=r"view size is not compatible"),
    M("multi_head.merge_without_transpose", "merge_heads flattens without moving the heads back: transpose(1, 2) before flattening",
      ("x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)", "x.contiguous().view(B, L, self.hidden_size)")),
    M("multi_head.no_value_error", "a hidden_size that head_num does not divide must raise ValueError",
      ("            raise ValueError(", "            print(")),
    M("multi_head.assert_not_value_error", "the divisibility check uses assert, which raises AssertionError (and vanishes under python -O); raise ValueError",
      ("        if hidden_size % head_num != 0:\n            raise ValueError(", "        assert hidden_size % head_num == 0, (")
      , error=r"^AssertionError"),
    M("multi_head.dropout_not_passed", "the attention is called without the dropout module; pass dropout=self.dropout",
      ("dropout=self.dropout)", "dropout=None)")),
    M("multi_head.no_output_linear", "the output projection output_linear is never applied",
      ("return self.output_linear(self.merge_heads(out))", "return self.merge_heads(out)")),
    M("multi_head.key_from_value_linear", "the keys are projected with value_linear; query, key and value each have their own linear layer",
      ("key = self.split_heads(self.key_linear(x))", "key = self.split_heads(self.value_linear(x))")),
    M("multi_head.mask_not_passed", "the mask is not passed on to the attention",
      ("mask=mask, dropout", "mask=None, dropout")),
    # 4. feed_forward
    M("feed_forward.relu", "the activation is ReLU; the contract asks for GELU (nn.GELU())", ("self.activation = nn.GELU()", "self.activation = nn.ReLU()")),
    M("feed_forward.tanh_gelu", "the activation is the tanh approximation of GELU; use the exact erf form, nn.GELU()",
      ("self.activation = nn.GELU()", 'self.activation = nn.GELU(approximate="tanh")')),
    M("feed_forward.dropout_after_output", "dropout is applied after output_layer; it belongs between the activation and output_layer",
      ("return self.output_layer(self.dropout(h))", "return self.dropout(self.output_layer(h))")),
    M("feed_forward.no_dropout", "dropout is never applied; it belongs between the activation and output_layer",
      ("return self.output_layer(self.dropout(h))", "return self.output_layer(h)")),
    M("feed_forward.no_activation", "there is no activation between the two linear layers",
      ("h = self.activation(self.input_layer(x))", "h = self.input_layer(x)")),
    M("feed_forward.wrong_width", NAMES + " (input_layer is nn.Linear(H, 4H), output_layer nn.Linear(4H, H))",
      ("nn.Linear(hidden_size, 4 * hidden_size)", "nn.Linear(hidden_size, 2 * hidden_size)"),
      ("nn.Linear(4 * hidden_size, hidden_size)", "nn.Linear(2 * hidden_size, hidden_size)"), error=r"size mismatch"),
    M("feed_forward.renamed_layers", NAMES + " (input_layer, activation, dropout, output_layer)",
      ("self.input_layer = nn.Linear", "self.fc1 = nn.Linear"), ("self.activation(self.input_layer(x))", "self.activation(self.fc1(x))"),
      error=r"(Missing|Unexpected) key"),
    # 5. transformer_block
    M("transformer_block.unbiased_variance", "LayerNorm uses the unbiased variance (dividing by H - 1); use the population variance (unbiased=False)",
      ("var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)", "var = x.var(dim=-1, keepdim=True)")),
    M("transformer_block.eps_outside_sqrt", "eps is added outside the square root; it goes inside: sqrt(var + eps)",
      ("torch.sqrt(var + self.eps)", "(torch.sqrt(var) + self.eps)")),
    M("transformer_block.divides_by_variance", "LayerNorm divides by the variance; divide by the standard deviation sqrt(var + eps)",
      ("torch.sqrt(var + self.eps)", "(var + self.eps)")),
    M("transformer_block.no_affine", "LayerNorm ignores its weight and bias", (" * self.weight + self.bias", "")),
    M("transformer_block.norm_over_positions", "LayerNorm normalises over the positions; normalise over the last dimension, the features",
      ("mean = x.mean(dim=-1, keepdim=True)", "mean = x.mean(dim=-2, keepdim=True)"),
      ("((x - mean) ** 2).mean(dim=-1, keepdim=True)", "((x - mean) ** 2).mean(dim=-2, keepdim=True)")),
    M("transformer_block.layer_norm_names", NAMES + " (LayerNorm's parameters are weight and bias)",
      ("self.weight = nn.Parameter", "self.gamma = nn.Parameter"), ("* self.weight +", "* self.gamma +"),
      error=r"(Missing|Unexpected) key"),
    M("transformer_block.pre_ln", "the block is pre-LN, x + f(norm(x)); BERT's block is post-LN, norm(x + f(x))",
      (BLOCK_FORWARD, "        x = x + self.dropout1(self.multi_head_attention(self.layer_norm1(x), mask))\n"
                      "        return x + self.dropout2(self.feed_forward(self.layer_norm2(x)))\n")),
    M("transformer_block.residual_from_input", "the second residual adds the block's input; it adds the output of the first sub-layer",
      (BLOCK_FORWARD, "        y = self.layer_norm1(x + self.dropout1(self.multi_head_attention(x, mask)))\n"
                      "        return self.layer_norm2(x + self.dropout2(self.feed_forward(y)))\n")),
    M("transformer_block.no_attention_residual", "the attention sub-layer has no residual connection: add x before layer_norm1",
      ("self.layer_norm1(x + self.dropout1(", "self.layer_norm1(self.dropout1(")),
    M("transformer_block.dropout_after_norm", "dropout is applied after the LayerNorm; it goes on the sub-layer's output, before the residual sum",
      (BLOCK_FORWARD, "        x = self.dropout1(self.layer_norm1(x + self.multi_head_attention(x, mask)))\n"
                      "        return self.dropout2(self.layer_norm2(x + self.feed_forward(x)))\n")),
    M("transformer_block.norms_swapped", "the two LayerNorms are swapped: layer_norm1 follows the attention, layer_norm2 the feed-forward network",
      (BLOCK_FORWARD, BLOCK_FORWARD.replace("layer_norm1", "LN_A").replace("layer_norm2", "layer_norm1").replace("LN_A", "layer_norm2"))),
    M("transformer_block.mask_dropped", "the mask is not passed to the attention", ("self.multi_head_attention(x, mask)", "self.multi_head_attention(x)")),
    M("transformer_block.uses_torch_layer_norm", "uses torch.nn.functional.layer_norm, which this exercise forbids",
      ("        mean = x.mean(dim=-1, keepdim=True)", "        return torch.nn.functional.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)\n"
                                                    "        mean = x.mean(dim=-1, keepdim=True)")),
    # 6. bert
    M("bert.mask_from_embeddings", "the mask is built from the embeddings; build it from input_ids, where id 0 is [PAD]",
      (BERT_MASK, ""), ("        x = self.embedding(input_ids, token_type_ids)  # (B, L, H)\n",
                        "        x = self.embedding(input_ids, token_type_ids)  # (B, L, H)\n"
                        "        attention_mask = (x > 0).unsqueeze(1).repeat(1, x.size(1), 1).unsqueeze(1)\n"),
      error=r"repeat dims can not be smaller|local variable 'x'|cannot access local variable 'x'"),
    M("bert.mask_over_queries", "the mask blocks padded queries instead of padded keys: the padded positions belong on the last axis (keys)",
      ("(input_ids > 0).unsqueeze(1).unsqueeze(2)", "(input_ids > 0).unsqueeze(1).unsqueeze(3)")),
    M("bert.mask_inverted", "the mask is inverted: it blocks the real tokens and lets every query see [PAD]",
      ("(input_ids > 0)", "(input_ids == 0)")),
    M("bert.mask_without_head_axis", "the mask has no axis for the heads: make it (B, 1, 1, L) so that it broadcasts to (B, h, L, L)",
      ("(input_ids > 0).unsqueeze(1).unsqueeze(2)", "(input_ids > 0).unsqueeze(1)")),
    M("bert.no_mask", "no padding mask reaches the blocks, so real tokens attend to [PAD]", (BERT_MASK, "        attention_mask = None\n")),
    M("bert.mask_from_token_types", "the mask is built from token_type_ids; padding is where input_ids is 0",
      ("(input_ids > 0).unsqueeze(1)", "(token_type_ids > 0).unsqueeze(1)")),
    # 7. warmup
    M("warmup.off_by_one", "the warmup is off by one: the multiplier is step / W, 0 at step 0 and 1 at step W",
      ("return step / max(1, warmup_steps)", "return (step + 1) / max(1, warmup_steps)")),
    M("warmup.integer_division", "the warmup uses integer division (//), so the multiplier stays 0 until step W",
      ("return step / max(1, warmup_steps)", "return step // max(1, warmup_steps)")),
    M("warmup.no_clamp", "the linear decay is not clamped at 0: past total_steps it turns negative",
      ("return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))", "return (total_steps - step) / max(1, total_steps - warmup_steps)")),
    M("warmup.decay_over_total", "the decay is spread over total_steps; it runs over the T - W steps after warmup",
      ("(total_steps - step) / max(1, total_steps - warmup_steps)", "(total_steps - step) / max(1, total_steps)")),
    M("warmup.cosine_full_period", COSINE_PERIOD, ("math.cos(math.pi * progress)", "math.cos(2 * math.pi * progress)")),
    M("warmup.cosine_quarter_period", COSINE_PERIOD, ("0.5 * (1.0 + math.cos(math.pi * progress))", "math.cos(0.5 * math.pi * progress)")),
    M("warmup.noam_step_zero", "at step 0 the noam rate divides by zero; use s = max(step, 1)",
      ("        s = max(step, 1)\n", "        s = step\n"), error=r"ZeroDivisionError"),
    M("warmup.noam_not_normalised", "the noam rate is not divided by its peak: the multiplier is 1 at step W",
      ("return min(s / warmup_steps, math.sqrt(warmup_steps / s))", "return min(s ** -0.5, s * warmup_steps ** -1.5)")),
    M("warmup.unknown_schedule_accepted", "an unknown schedule name must raise ValueError",
      ("    if schedule not in SCHEDULES:\n        raise ValueError(", "    if schedule not in SCHEDULES:\n        print(")),
    M("warmup.warmup_past_total_accepted", "warmup_steps > total_steps must raise ValueError for linear and cosine",
      ("    if warmup_steps > total_steps:\n        raise ValueError(", "    if warmup_steps > total_steps:\n        print(")),
    M("warmup.scheduler_one_step_ahead", "get_scheduler's multiplier at step n must be lr_lambda(n, ...)",
      ("lambda step: lr_lambda(step, warmup_steps", "lambda step: lr_lambda(step + 1, warmup_steps")),
)

VARIANTS = (
    M("positional_encoding.pow_float32", "the lecture's form in float32, with pow instead of exp-log",
      ("position = torch.arange(max_len, dtype=torch.float64)", "position = torch.arange(max_len).float()"),
      ("two_i = torch.arange(0, embed_size, 2, dtype=torch.float64)", "two_i = torch.arange(0, embed_size, 2).float()"),
      ("div_term = torch.exp(two_i * (-math.log(10000.0) / embed_size))", "div_term = 1.0 / torch.pow(10000.0, two_i / embed_size)"),
      ("pe = torch.zeros(max_len, embed_size, dtype=torch.float64)", "pe = torch.zeros(max_len, embed_size)")),
    M("positional_encoding.python_loops", "plain Python loops with math.sin and math.cos",
      (PE_ASSIGN, "        for p in range(max_len):\n            for i in range(0, embed_size, 2):\n"
                  "                pe[p, i] = math.sin(p / 10000 ** (i / embed_size))\n"
                  "                pe[p, i + 1] = math.cos(p / 10000 ** (i / embed_size))\n")),
    M("attention.einsum", "einsum instead of @",
      ("query @ key.transpose(-2, -1)", 'torch.einsum("...qd,...kd->...qk", query, key)'),
      ("return weights @ value, weights", 'return torch.einsum("...qk,...kd->...qd", weights, value), weights')),
    M("attention.finfo_min", "fill with torch.finfo(dtype).min", ("mask == 0, -1e9)", "mask == 0, torch.finfo(scores.dtype).min)")),
    M("attention.torch_where", "torch.where instead of masked_fill",
      ("scores = scores.masked_fill(mask == 0, -1e9)", "scores = torch.where(mask.bool(), scores, torch.full_like(scores, -1e9))")),
    M("attention.handwritten_softmax", "a hand-written, max-subtracted softmax",
      ("weights = scores.softmax(dim=-1)", "e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))\n        weights = e / e.sum(dim=-1, keepdim=True)")),
    M("multi_head.reshape_permute", "reshape + permute instead of view + transpose",
      ("x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)", "x.reshape(B, L, self.head_num, self.per_head_dim).permute(0, 2, 1, 3)"),
      ("x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)", "x.permute(0, 2, 1, 3).reshape(B, L, self.hidden_size)")),
    M("multi_head.unflatten_flatten", "unflatten / flatten",
      ("x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)", "x.unflatten(-1, (self.head_num, self.per_head_dim)).transpose(1, 2)"),
      ("x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)", "x.transpose(1, 2).flatten(2)")),
    M("feed_forward.functional_gelu", "F.gelu in forward", ("h = self.activation(self.input_layer(x))", "h = torch.nn.functional.gelu(self.input_layer(x))"),
      ("from torch import nn\n", "import torch\nfrom torch import nn\n")),
    M("transformer_block.var_mean", "torch.var_mean and rsqrt",
      ("        mean = x.mean(dim=-1, keepdim=True)  # (B, L, 1)\n        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # (B, L, 1), biased\n",
       "        var, mean = torch.var_mean(x, dim=-1, unbiased=False, keepdim=True)\n"),
      ("(x - mean) / torch.sqrt(var + self.eps)", "(x - mean) * torch.rsqrt(var + self.eps)")),
    M("transformer_block.stepwise", "the lecture's step-by-step forward with named intermediates",
      (BLOCK_FORWARD, "        x0 = x\n        x = self.multi_head_attention(x, mask)\n        x = self.dropout1(x)\n        x = self.layer_norm1(x0 + x)\n"
                      "        x1 = x\n        x = self.feed_forward(x)\n        x = self.dropout2(x)\n        return self.layer_norm2(x1 + x)\n")),
    M("bert.repeated_mask", "the lecture's (B, 1, L, L) mask, built from input_ids",
      (BERT_MASK, "        attention_mask = (input_ids > 0).unsqueeze(1).repeat(1, input_ids.size(1), 1).unsqueeze(1)\n")),
    M("bert.integer_mask", "an integer (B, 1, 1, L) mask", (BERT_MASK, "        attention_mask = (input_ids != 0).long()[:, None, None, :]\n")),
    M("warmup.table_of_lambdas", "a dict of lambdas instead of if/else",
      ("    if step < warmup_steps:\n        return step / max(1, warmup_steps)\n",
       "    if step < warmup_steps:\n        return float(step) / float(max(1, warmup_steps))\n"
       "    decay = {\n        \"linear\": lambda p: 1.0 - p if total_steps > warmup_steps else float(step < total_steps),\n"
       "        \"cosine\": lambda p: 0.5 * (1.0 + math.cos(math.pi * p)),\n    }\n"
       "    if schedule == \"linear\" and total_steps > warmup_steps:\n"
       "        return max(0.0, decay[schedule]((step - warmup_steps) / (total_steps - warmup_steps)))\n")),
)

BY_ID = {m.id: m for m in MISTAKES + VARIANTS}


def for_exercise(exercise_id):
    return [m for m in MISTAKES if m.exercise == exercise_id]


class _InMemory(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the mutant packages from source text held here: nothing is written to disk."""

    def __init__(self):
        self.sources = {}  # module name -> (file name shown in tracebacks, source text, whether a package)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.sources:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=self.sources[fullname][0],
                                               is_package=self.sources[fullname][2])

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        filename, text, _ = self.sources[module.__name__]
        exec(compile(text, filename, "exec"), module.__dict__)


_memory = _InMemory()


@lru_cache(maxsize=None)
def mutant(patch):
    """The reference package with one file patched, imported in this (the judge's) process from memory."""
    name = "_course_mutant_" + re.sub(r"\W", "_", patch.id)
    if _memory not in sys.meta_path:
        sys.meta_path.append(_memory)
    for file in sorted(REFERENCE.glob("*.py")):
        text = patch.source() if file.name == EXERCISES[patch.exercise].file else file.read_text(encoding="utf-8")
        package = file.name == "__init__.py"
        module = name if package else f"{name}.{file.stem}"
        _memory.sources[module] = (f"<{patch.id}>/{file.name}", text, package)
    return importlib.import_module(f"{name}.{patch.exercise}")
