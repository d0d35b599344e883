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

    @property
    def zh(self):
        """The sentence in Chinese (ZH below; every mistake has one)."""
        return ZH.get(self.id, "")

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
    M("positional_encoding.multiplies_by_frequency_power", "the angle multiplies the position by 10000^(2i/embed_size); it divides: p / 10000^(2i/embed_size)",
      ("pe[:, 0::2] = torch.sin(position * div_term)", "pe[:, 0::2] = torch.sin(position / div_term)"),
      ("pe[:, 1::2] = torch.cos(position * div_term)", "pe[:, 1::2] = torch.cos(position / div_term)")),
    M("positional_encoding.exponent_not_over_embed_size", "the exponent is not divided by embed_size: the frequency is 1 / 10000^(2i / embed_size)",
      ("(-math.log(10000.0) / embed_size)", "(-math.log(10000.0))")),
    M("positional_encoding.base_1000", "the base is 1000; the formula's base is 10000",
      ("(-math.log(10000.0) / embed_size)", "(-math.log(1000.0) / embed_size)")),
    M("positional_encoding.sin_everywhere", "the odd columns take sin too; odd columns 2i+1 take cos",
      ("pe[:, 1::2] = torch.cos(position * div_term)", "pe[:, 1::2] = torch.sin(position * div_term)")),
    M("positional_encoding.float64_buffer", "the table is float64; the contract's buffer is float32: convert it with .float() before register_buffer",
      ('self.register_buffer("pe", pe.unsqueeze(0).float())', 'self.register_buffer("pe", pe.unsqueeze(0))')),
    M("positional_encoding.adds_input", "forward adds the table to x; it returns only the table pe[:, :L] (BERTEmbedding adds it to the embeddings)",
      ("return self.pe[:, : x.size(1)]", "return x + self.pe[:, : x.size(1)]")),
    M("positional_encoding.slices_features", "forward slices the features instead of the positions: return pe[:, :L], the first L rows",
      ("return self.pe[:, : x.size(1)]", "return self.pe[:, :, : x.size(1)]")),
    M("positional_encoding.transposed_table", "the table is transposed: pe[0, p, j] has positions p along axis 1 and features j along axis 2",
      ('self.register_buffer("pe", pe.unsqueeze(0).float())', 'self.register_buffer("pe", pe.t().contiguous().unsqueeze(0).float())')),
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
    M("attention.scale_multiplies", "scores are multiplied by sqrt(dk); divide them by sqrt(dk)", ("/ math.sqrt(dk)  #", "* math.sqrt(dk)  #")),
    M("attention.scale_after_softmax", "the weights are divided by sqrt(dk) after the softmax; divide the scores before it",
      ("/ math.sqrt(dk)  #", "#"), ("weights = scores.softmax(dim=-1)", "weights = scores.softmax(dim=-1) / math.sqrt(dk)")),
    M("attention.softmax_over_dim_1", "the softmax runs over dim=1; it runs over the keys, the last dimension (dim=-1)",
      ("scores.softmax(dim=-1)", "scores.softmax(dim=1)")),
    M("attention.fill_positive", "blocked scores are filled with a large positive number, which gives them all the weight; fill them with a large negative number such as -1e9",
      ("mask == 0, -1e9)", "mask == 0, 1e9)")),
    M("attention.mask_ignored", "the mask is never applied: fill the blocked scores with -1e9 before the softmax",
      ("            scores = scores.masked_fill(mask == 0, -1e9)\n", "            pass\n")),
    M("attention.returns_swapped", "the results are returned as (weights, output); return (output, weights)",
      ("return weights @ value, weights  #", "return weights, weights @ value  #")),
    M("attention.returns_scores", "the second value returned is the scores before the softmax; return the attention weights",
      ("return weights @ value, weights  #", "return weights @ value, scores  #")),
    M("attention.dropout_on_scores", "dropout is applied to the scores before the softmax; apply it to the weights after the softmax",
      ("        weights = scores.softmax(dim=-1)  # (..., Lq, Lk)\n        if dropout is not None:\n            weights = dropout(weights)\n",
       "        if dropout is not None:\n            scores = dropout(scores)\n        weights = scores.softmax(dim=-1)  # (..., Lq, Lk)\n")),
    M("attention.causal_everything", "subsequent_mask lets every query see the future: keep only j <= i (torch.tril)",
      ("return torch.tril(torch.ones(1, size, size, dtype=torch.bool))", "return torch.ones(1, size, size, dtype=torch.bool)")),
    # 3. multi_head
    M("multi_head.view_without_transpose", "split_heads views the tensor as (B, h, L, d) directly, which mixes positions into heads; view as (B, L, h, d), then transpose(1, 2)",
      ("x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)", "x.view(B, self.head_num, L, self.per_head_dim)")),
    M("multi_head.heads_interleaved", "split_heads gives head k every h-th feature; head k takes the block of features k*d ... (k+1)*d - 1: view as (B, L, h, d)",
      ("x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)", "x.view(B, L, self.per_head_dim, self.head_num).permute(0, 3, 1, 2)")),
    M("multi_head.merge_interleaved", "merge_heads interleaves the heads' features; it must undo split_heads: head k's d features go back to positions k*d ... (k+1)*d - 1",
      ("x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)", "x.permute(0, 2, 3, 1).reshape(B, L, self.hidden_size)")),
    M("multi_head.split_and_merge_interleaved", "split_heads and merge_heads both interleave the features (every h-th feature to head k); head k takes the block k*d ... (k+1)*d - 1: view as (B, L, h, d)",
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
    M("multi_head.query_from_key_linear", "the queries are projected with key_linear; query, key and value each have their own linear layer",
      ("query = self.split_heads(self.query_linear(x))", "query = self.split_heads(self.key_linear(x))")),
    M("multi_head.value_from_key_linear", "the values are projected with key_linear; use value_linear for the values",
      ("value = self.split_heads(self.value_linear(x))", "value = self.split_heads(self.key_linear(x))")),
    M("multi_head.returns_weights_too", "forward returns the attention weights too; it returns only the output (B, L, H)",
      ("return self.output_linear(self.merge_heads(out))", "return self.output_linear(self.merge_heads(out)), _")),
    M("multi_head.split_heads_first", "split_heads views the tensor as (h, B, L, d), which mixes the examples of the batch; view as (B, L, h, d), then transpose(1, 2)",
      ("x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)", "x.view(self.head_num, B, L, self.per_head_dim).transpose(0, 1)")),
    M("multi_head.per_head_dim_float", "per_head_dim is hidden_size / head_num, a float, so view fails; use integer division, hidden_size // head_num",
      ("self.per_head_dim = hidden_size // head_num", "self.per_head_dim = hidden_size / head_num"), error=r"TypeError"),
    M("multi_head.dropout_on_output", "dropout is applied to the output; pass it to the attention (dropout=self.dropout), which applies it to the weights",
      ("dropout=self.dropout)", "dropout=None)"), ("return self.output_linear(self.merge_heads(out))", "return self.dropout(self.output_linear(self.merge_heads(out)))")),
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
    M("feed_forward.silu", "the activation is SiLU; the contract asks for GELU (nn.GELU())", ("self.activation = nn.GELU()", "self.activation = nn.SiLU()")),
    M("feed_forward.dropout_before_activation", "dropout is applied before the activation; it belongs after it, between the activation and output_layer",
      ("h = self.activation(self.input_layer(x))", "h = self.activation(self.dropout(self.input_layer(x)))"),
      ("return self.output_layer(self.dropout(h))", "return self.output_layer(h)")),
    M("feed_forward.activation_after_output", "the activation is applied after output_layer; it goes between the two linear layers",
      ("h = self.activation(self.input_layer(x))", "h = self.input_layer(x)"),
      ("return self.output_layer(self.dropout(h))", "return self.activation(self.output_layer(self.dropout(h)))")),
    M("feed_forward.adds_residual", "FeedForward adds its input to its output; the residual connection belongs to the block, not to FeedForward",
      ("return self.output_layer(self.dropout(h))", "return x + self.output_layer(self.dropout(h))")),
    M("feed_forward.dropout_twice", "dropout is applied twice; apply it once, between the activation and output_layer",
      ("return self.output_layer(self.dropout(h))", "return self.dropout(self.output_layer(self.dropout(h)))")),
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
    M("transformer_block.eps_default", "LayerNorm's default eps is 1e-5 (the contract's LayerNorm(hidden_size, eps=1e-5))",
      ("def __init__(self, hidden_size, eps=1e-5):", "def __init__(self, hidden_size, eps=1e-12):")),
    M("transformer_block.ignores_eps_argument", "LayerNorm ignores its eps argument: use self.eps, not a fixed number",
      ("torch.sqrt(var + self.eps)", "torch.sqrt(var + 1e-5)")),
    M("transformer_block.no_eps", "eps is missing: divide by sqrt(var + eps), so that a nearly constant row does not blow up",
      ("torch.sqrt(var + self.eps)", "torch.sqrt(var)")),
    M("transformer_block.weight_bias_swapped", "weight and bias are swapped: multiply by weight, then add bias",
      (" * self.weight + self.bias", " * self.bias + self.weight")),
    M("transformer_block.weight_starts_zero", "weight starts as zeros; LayerNorm's weight starts as ones (and bias as zeros)",
      ("self.weight = nn.Parameter(torch.ones(hidden_size))", "self.weight = nn.Parameter(torch.zeros(hidden_size))")),
    M("transformer_block.mean_over_everything", "LayerNorm takes the mean and variance over the whole tensor; take them over the last dimension, for each position",
      ("mean = x.mean(dim=-1, keepdim=True)", "mean = x.mean()"), ("var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)", "var = ((x - mean) ** 2).mean()")),
    M("transformer_block.feed_forward_reads_input", "the feed-forward network reads the block's input; it reads the output of the first sub-layer",
      (BLOCK_FORWARD, "        y = self.layer_norm1(x + self.dropout1(self.multi_head_attention(x, mask)))\n"
                      "        return self.layer_norm2(y + self.dropout2(self.feed_forward(x)))\n")),
    M("transformer_block.no_feed_forward_residual", "the feed-forward sub-layer has no residual connection: add its input before layer_norm2",
      ("self.layer_norm2(x + self.dropout2(", "self.layer_norm2(self.dropout2(")),
    M("transformer_block.no_second_norm", "layer_norm2 is never applied: the block ends with layer_norm2(x + dropout2(feed_forward(x)))",
      ("return self.layer_norm2(x + self.dropout2(self.feed_forward(x)))", "return x + self.dropout2(self.feed_forward(x))")),
    M("transformer_block.layer_norm1_twice", "layer_norm1 is used for both sub-layers; the second one uses layer_norm2",
      ("return self.layer_norm2(x + self.dropout2(self.feed_forward(x)))", "return self.layer_norm1(x + self.dropout2(self.feed_forward(x)))")),
    M("transformer_block.dropouts_swapped", "dropout1 and dropout2 are swapped: dropout1 follows the attention, dropout2 the feed-forward network",
      (BLOCK_FORWARD, BLOCK_FORWARD.replace("dropout1", "DROP_A").replace("dropout2", "dropout1").replace("DROP_A", "dropout2"))),
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
    M("bert.mask_from_first_example", "the mask is built from the first example's ids for the whole batch; build it from each example's own input_ids",
      ("(input_ids > 0).unsqueeze(1).unsqueeze(2)", "(input_ids[:1] > 0).unsqueeze(1).unsqueeze(2)")),
    M("bert.mask_two_dimensional", "the mask is (B, L); make it (B, 1, 1, L) so that it broadcasts to the scores (B, h, L, L)",
      ("(input_ids > 0).unsqueeze(1).unsqueeze(2)", "(input_ids > 0)")),
    M("bert.embedding_without_dropout", "BERTEmbedding never applies its dropout: return dropout(token + position + token_type)",
      ("        return self.dropout(x)", "        return x")),
    M("bert.embedding_dropout_on_tokens_only", "BERTEmbedding applies dropout to the token embedding only; apply it to the sum of the three embeddings",
      ("            self.token_embedding(input_ids)  # (B, L, H)", "            self.dropout(self.token_embedding(input_ids))  # (B, L, H)"),
      ("        return self.dropout(x)", "        return x")),
    M("bert.no_position_embedding", "BERTEmbedding does not add the position embedding",
      ("            + self.position_embedding(input_ids)  # (1, L, H)\n", "")),
    M("bert.no_token_type_embedding", "BERTEmbedding does not add the token-type (segment) embedding",
      ("            + self.token_type_embedding(token_type_ids)  # (B, L, H)\n", "")),
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
    M("warmup.warmup_over_w_plus_one", "the warmup divides by W + 1; the multiplier is step / W, so that it reaches 1 at step W",
      ("return step / max(1, warmup_steps)", "return step / (warmup_steps + 1)")),
    M("warmup.decay_divides_by_zero", "the decay divides by T - W, which is 0 when warmup_steps == total_steps; divide by max(1, T - W)",
      ("return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))", "return max(0.0, (total_steps - step) / (total_steps - warmup_steps))"),
      error=r"ZeroDivisionError"),
    M("warmup.cosine_without_warmup", "the cosine schedule has no warmup: while step < W its multiplier is step / W",
      ("    if step < warmup_steps:\n        return step / max(1, warmup_steps)\n    if schedule == \"linear\":",
       "    if step < warmup_steps and schedule == \"linear\":\n        return step / max(1, warmup_steps)\n    if schedule == \"linear\":")),
    M("warmup.cosine_progress_from_start", "the cosine progress is measured from step 0; it is p = (step - W) / (T - W), from the end of warmup",
      ("progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)", "progress = step / max(1, total_steps)")),
    M("warmup.noam_decay_without_sqrt", "after W the noam rate decays as W / s; it decays as sqrt(W / s)",
      ("return min(s / warmup_steps, math.sqrt(warmup_steps / s))", "return min(s / warmup_steps, warmup_steps / s)")),
    M("warmup.noam_max", "noam takes the max of its two branches; it is the min: min(s / W, sqrt(W / s))",
      ("return min(s / warmup_steps, math.sqrt(warmup_steps / s))", "return max(s / warmup_steps, math.sqrt(warmup_steps / s))")),
    M("warmup.noam_step_plus_one", "noam uses s = step + 1; it uses s = max(step, 1), so that the peak 1 is at step W",
      ("        s = max(step, 1)\n", "        s = step + 1\n")),
    M("warmup.negative_step_accepted", "a negative step must raise ValueError",
      ("    if step < 0 or warmup_steps < 0:", "    if warmup_steps < 0:")),
    M("warmup.total_not_checked", "total_steps <= 0 must raise ValueError",
      ("    if total_steps <= 0:\n        raise ValueError(", "    if total_steps <= 0:\n        print(")),
    M("warmup.noam_warmup_zero_accepted", "the noam schedule with warmup_steps < 1 must raise ValueError, not divide by zero",
      ("        if warmup_steps < 1:\n            raise ValueError(", "        if warmup_steps < 1:\n            print(")),
)

# The mistakes' sentences in Chinese, as the lecture's teacher would say them.
ZH = {
    # 1. 位置编码
    "positional_encoding.sin_cos_swapped": "sin 和 cos 写反了：偶数列 2i 用 sin，奇数列 2i+1 用 cos",
    "positional_encoding.concatenated": "sin 和 cos 被拼接成了 [sin | cos]；它们应当交错排列：偶数列放 sin，奇数列放 cos",
    "positional_encoding.column_index_exponent": "指数用了列号本身：第 2i 列和第 2i+1 列都应使用 2i / embed_size",
    "positional_encoding.exponent_i": "指数用了 i 而不是 2i：第 2i 列和第 2i+1 列的频率是 1 / 10000^(2i / embed_size)",
    "positional_encoding.parameter": "位置编码表被写成了 nn.Parameter；它不参与训练，应当用 register_buffer 注册为缓冲区",
    "positional_encoding.plain_attribute": "位置编码表只是一个普通属性；请用 register_buffer 注册，这样它才会保存进 state_dict，并随 .to() 一起移动",
    "positional_encoding.no_batch_axis": "位置编码表缺少最前面的批次维：pe 的形状应为 (1, max_len, embed_size)",
    "positional_encoding.whole_table": "forward 返回了整张表；只应返回前 L 个位置，即 pe[:, :L]",
    "positional_encoding.length_from_batch": "forward 从批次维读取了长度：x 的形状是 (B, L, ...)，所以 L 是 x.size(1)",
    "positional_encoding.positions_from_one": "位置从 1 开始计数了；第一个位置是 0",
    # 2. 注意力
    "attention.no_scale": "注意力分数没有除以 sqrt(dk)",
    "attention.scale_dk": "注意力分数除以了 dk；应当除以 sqrt(dk)",
    "attention.scale_from_values": "缩放因子用了 value 的维度；应为 sqrt(dk)，即 query 和 key 的最后一维",
    "attention.softmax_over_queries": "softmax 作用在了 query 维（dim=-2）上；它应当作用在 key 维，也就是最后一维",
    "attention.mask_inverted": "掩码用反了：掩码中等于 0（False）的位置才是要屏蔽的 key",
    "attention.mask_after_softmax": "掩码是在 softmax 之后才施加的；应当在 softmax 之前填充被屏蔽的分数，使每一行的权重之和仍为 1",
    "attention.neg_inf": "被屏蔽的分数填成了 -inf，当一个 query 的所有 key 都被屏蔽时会得到 NaN；请改用 -1e9（或 torch.finfo(dtype).min）",
    "attention.fill_zero": "被屏蔽的分数填成了 0，这些 key 仍然会分到权重；应填入一个很大的负数，例如 -1e9",
    "attention.dropout_on_output": "dropout 作用在了输出上；它应当作用在注意力权重上",
    "attention.dropout_ignored": "传入的 dropout 模块从未作用在注意力权重上",
    "attention.weights_before_dropout": "返回的是 dropout 之前的权重；应返回 dropout 之后的权重",
    "attention.inputs_modified": "输入被原地修改了；调用者传入的 query、key 和 value 必须保持不变",
    "attention.causal_future": "subsequent_mask 标记的是未来而不是过去：j <= i 的位置应为 True（torch.tril）",
    "attention.causal_hides_self": "subsequent_mask 把对角线也屏蔽了：一个 query 可以看到它自己的位置",
    "attention.causal_no_batch_axis": "subsequent_mask 缺少最前面的维度：形状应为 (1, size, size)",
    "attention.causal_not_bool": "subsequent_mask 不是布尔（bool）张量",
    # 3. 多头注意力
    "multi_head.view_without_transpose": "split_heads 直接把张量 view 成 (B, h, L, d)，这会把不同位置混进同一个头；应先 view 成 (B, L, h, d)，再 transpose(1, 2)",
    "multi_head.heads_interleaved": "split_heads 让第 k 个头取了每隔 h 个的特征；第 k 个头应取连续的一段特征 k*d ... (k+1)*d - 1：先 view 成 (B, L, h, d)",
    "multi_head.merge_interleaved": "merge_heads 把各个头的特征交错拼在了一起；它必须是 split_heads 的逆操作：第 k 个头的 d 个特征放回 k*d ... (k+1)*d - 1",
    "multi_head.split_and_merge_interleaved": "split_heads 和 merge_heads 都把特征交错分配（每隔 h 个分给第 k 个头）；第 k 个头应取连续的一段 k*d ... (k+1)*d - 1：先 view 成 (B, L, h, d)",
    "multi_head.merge_without_contiguous": "merge_heads 对转置后的张量直接调用了 view；请先调用 .contiguous()，或改用 reshape",
    "multi_head.merge_without_transpose": "merge_heads 没有把头的维度换回去就直接展平了：展平之前先 transpose(1, 2)",
    "multi_head.no_value_error": "当 head_num 不能整除 hidden_size 时必须抛出 ValueError",
    "multi_head.assert_not_value_error": "整除检查用了 assert，它抛出的是 AssertionError（而且在 python -O 下会被跳过）；请抛出 ValueError",
    "multi_head.dropout_not_passed": "调用注意力时没有传入 dropout 模块；请传入 dropout=self.dropout",
    "multi_head.no_output_linear": "输出投影 output_linear 从未被使用",
    "multi_head.key_from_value_linear": "key 是用 value_linear 投影的；query、key、value 各有自己的线性层",
    "multi_head.mask_not_passed": "掩码没有传给注意力",
    # 4. 前馈网络
    "feed_forward.relu": "激活函数用了 ReLU；题目要求使用 GELU（nn.GELU()）",
    "feed_forward.tanh_gelu": "激活函数用了 GELU 的 tanh 近似；请使用精确的 erf 形式，即 nn.GELU()",
    "feed_forward.dropout_after_output": "dropout 放在了 output_layer 之后；它应位于激活函数和 output_layer 之间",
    "feed_forward.no_dropout": "从未使用 dropout；它应位于激活函数和 output_layer 之间",
    "feed_forward.no_activation": "两个线性层之间没有激活函数",
    "feed_forward.wrong_width": "评分程序无法把权重加载进你的模块：请保持题目规定的子模块名、参数名和形状（input_layer 是 nn.Linear(H, 4H)，output_layer 是 nn.Linear(4H, H)）",
    "feed_forward.renamed_layers": "评分程序无法把权重加载进你的模块：请保持题目规定的子模块名、参数名和形状（input_layer、activation、dropout、output_layer）",
    # 5. Transformer 块
    "transformer_block.unbiased_variance": "层归一化用了无偏方差（除以 H - 1）；应使用总体方差（unbiased=False）",
    "transformer_block.eps_outside_sqrt": "eps 加在了平方根外面；它应放在根号里面：sqrt(var + eps)",
    "transformer_block.divides_by_variance": "层归一化除以了方差；应除以标准差 sqrt(var + eps)",
    "transformer_block.no_affine": "层归一化没有使用它的 weight 和 bias",
    "transformer_block.norm_over_positions": "层归一化是沿位置维做的；应沿最后一维，也就是特征维做归一化",
    "transformer_block.layer_norm_names": "评分程序无法把权重加载进你的模块：请保持题目规定的子模块名、参数名和形状（层归一化的参数名是 weight 和 bias）",
    "transformer_block.pre_ln": "这个块是 pre-LN 结构 x + f(norm(x))；BERT 的块是 post-LN 结构 norm(x + f(x))",
    "transformer_block.residual_from_input": "第二个残差连接加的是整个块的输入；它应加上第一个子层的输出",
    "transformer_block.no_attention_residual": "注意力子层没有残差连接：在 layer_norm1 之前要加上 x",
    "transformer_block.dropout_after_norm": "dropout 放在了层归一化之后；它应作用在子层的输出上，在残差相加之前",
    "transformer_block.norms_swapped": "两个层归一化用反了：layer_norm1 跟在注意力后面，layer_norm2 跟在前馈网络后面",
    "transformer_block.mask_dropped": "掩码没有传给注意力",
    "transformer_block.uses_torch_layer_norm": "使用了 torch.nn.functional.layer_norm，本题禁止使用它",
    # 6. BERT
    "bert.mask_from_embeddings": "掩码是根据嵌入向量构造的；应根据 input_ids 构造，其中 id 为 0 的是 [PAD]",
    "bert.mask_over_queries": "掩码屏蔽的是填充位置的 query，而不是填充位置的 key：填充位置应放在最后一维（key）上",
    "bert.mask_inverted": "掩码用反了：它屏蔽了真实的词，却让每个 query 都能看到 [PAD]",
    "bert.mask_without_head_axis": "掩码缺少头的维度：应为 (B, 1, 1, L)，才能广播到 (B, h, L, L)",
    "bert.no_mask": "没有任何填充掩码传到 Transformer 块，真实的词会关注到 [PAD]",
    "bert.mask_from_token_types": "掩码是根据 token_type_ids 构造的；填充的位置是 input_ids 等于 0 的地方",
    # 7. 学习率预热
    "warmup.off_by_one": "预热差了一步：倍率是 step / W，第 0 步为 0，第 W 步为 1",
    "warmup.integer_division": "预热用了整数除法（//），所以在第 W 步之前倍率一直是 0",
    "warmup.no_clamp": "线性衰减没有截断在 0：超过 total_steps 之后它变成了负数",
    "warmup.decay_over_total": "衰减分布在了 total_steps 上；它应只在预热之后的 T - W 步内进行",
    "warmup.cosine_full_period": "余弦的周期不对：预热之后应为 (1 + cos(pi * p)) / 2，其中 p 从 0 增加到 1",
    "warmup.cosine_quarter_period": "余弦的周期不对：预热之后应为 (1 + cos(pi * p)) / 2，其中 p 从 0 增加到 1",
    "warmup.noam_step_zero": "noam 学习率在第 0 步除以了零；请用 s = max(step, 1)",
    "warmup.noam_not_normalised": "noam 学习率没有除以它的峰值：在第 W 步倍率应为 1",
    "warmup.unknown_schedule_accepted": "未知的调度名称必须抛出 ValueError",
    "warmup.warmup_past_total_accepted": "对 linear 和 cosine，warmup_steps > total_steps 时必须抛出 ValueError",
    "warmup.scheduler_one_step_ahead": "get_scheduler 在第 n 步的倍率必须是 lr_lambda(n, ...)",
    # grown from students' slips
    'positional_encoding.multiplies_by_frequency_power': '角度把位置乘以了 10000^(2i/embed_size)；应当相除：p / 10000^(2i/embed_size)',
    'positional_encoding.exponent_not_over_embed_size': '指数没有除以 embed_size：频率是 1 / 10000^(2i / embed_size)',
    'positional_encoding.base_1000': '底数写成了 1000；公式中的底数是 10000',
    'positional_encoding.sin_everywhere': '奇数列也用了 sin；奇数列 2i+1 应当用 cos',
    'positional_encoding.float64_buffer': '位置编码表是 float64；题目要求缓冲区是 float32：在 register_buffer 之前用 .float() 转换',
    'positional_encoding.adds_input': 'forward 把位置编码加到了 x 上；它只应返回表 pe[:, :L]（由 BERTEmbedding 把它加到嵌入上）',
    'positional_encoding.slices_features': 'forward 截取的是特征维而不是位置维：应返回 pe[:, :L]，即前 L 行',
    'positional_encoding.transposed_table': '位置编码表被转置了：pe[0, p, j] 的第 1 维是位置 p，第 2 维是特征 j',
    'attention.scale_multiplies': '注意力分数乘以了 sqrt(dk)；应当除以 sqrt(dk)',
    'attention.scale_after_softmax': '在 softmax 之后才把权重除以 sqrt(dk)；应在 softmax 之前缩放分数',
    'attention.softmax_over_dim_1': 'softmax 作用在 dim=1 上；它应当作用在 key 维，也就是最后一维（dim=-1）',
    'attention.fill_positive': '被屏蔽的分数填成了很大的正数，反而得到了全部权重；应填入很大的负数，例如 -1e9',
    'attention.mask_ignored': '掩码从未生效：在 softmax 之前把被屏蔽的分数填成 -1e9',
    'attention.returns_swapped': '返回顺序是 (weights, output)；应返回 (output, weights)',
    'attention.returns_scores': '返回的第二个值是 softmax 之前的分数；应返回注意力权重',
    'attention.dropout_on_scores': 'dropout 作用在了 softmax 之前的分数上；应作用在 softmax 之后的权重上',
    'attention.causal_everything': 'subsequent_mask 让每个 query 都能看到未来：只保留 j <= i 的位置（torch.tril）',
    'multi_head.query_from_key_linear': 'query 是用 key_linear 投影的；query、key、value 各有自己的线性层',
    'multi_head.value_from_key_linear': 'value 是用 key_linear 投影的；value 应使用 value_linear',
    'multi_head.returns_weights_too': 'forward 还返回了注意力权重；它只应返回输出 (B, L, H)',
    'multi_head.split_heads_first': 'split_heads 把张量 view 成了 (h, B, L, d)，这会把批次中不同的样本混在一起；应先 view 成 (B, L, h, d)，再 transpose(1, 2)',
    'multi_head.per_head_dim_float': 'per_head_dim 是 hidden_size / head_num，得到的是浮点数，view 会失败；请用整数除法 hidden_size // head_num',
    'multi_head.dropout_on_output': 'dropout 作用在了输出上；应把它传给注意力（dropout=self.dropout），由注意力作用在权重上',
    'feed_forward.silu': '激活函数用了 SiLU；题目要求使用 GELU（nn.GELU()）',
    'feed_forward.dropout_before_activation': 'dropout 放在了激活函数之前；它应放在激活函数之后、output_layer 之前',
    'feed_forward.activation_after_output': '激活函数放在了 output_layer 之后；它应位于两个线性层之间',
    'feed_forward.adds_residual': 'FeedForward 把输入加到了输出上；残差连接属于 Transformer 块，而不是 FeedForward',
    'feed_forward.dropout_twice': 'dropout 用了两次；只需在激活函数和 output_layer 之间用一次',
    'transformer_block.eps_default': '层归一化的 eps 默认值应为 1e-5（题目规定 LayerNorm(hidden_size, eps=1e-5)）',
    'transformer_block.ignores_eps_argument': '层归一化忽略了参数 eps：请使用 self.eps，而不是一个固定的数',
    'transformer_block.no_eps': '缺少 eps：应除以 sqrt(var + eps)，这样几乎恒定的一行也不会数值爆炸',
    'transformer_block.weight_bias_swapped': 'weight 和 bias 用反了：先乘以 weight，再加上 bias',
    'transformer_block.weight_starts_zero': 'weight 初始化成了全 0；层归一化的 weight 应初始化为全 1（bias 为全 0）',
    'transformer_block.mean_over_everything': '层归一化对整个张量求均值和方差；应对每个位置沿最后一维求',
    'transformer_block.feed_forward_reads_input': '前馈网络读取的是块的输入；它应读取第一个子层的输出',
    'transformer_block.no_feed_forward_residual': '前馈子层没有残差连接：在 layer_norm2 之前加上它的输入',
    'transformer_block.no_second_norm': '从未使用 layer_norm2：块的最后一步是 layer_norm2(x + dropout2(feed_forward(x)))',
    'transformer_block.layer_norm1_twice': '两个子层都用了 layer_norm1；第二个子层应使用 layer_norm2',
    'transformer_block.dropouts_swapped': 'dropout1 和 dropout2 用反了：dropout1 跟在注意力后面，dropout2 跟在前馈网络后面',
    'bert.mask_from_first_example': '掩码是用第一个样本的 id 为整个批次构造的；应根据每个样本自己的 input_ids 构造',
    'bert.mask_two_dimensional': '掩码的形状是 (B, L)；应为 (B, 1, 1, L)，才能广播到注意力分数 (B, h, L, L)',
    'bert.embedding_without_dropout': 'BERTEmbedding 从未使用 dropout：应返回 dropout(token + position + token_type)',
    'bert.embedding_dropout_on_tokens_only': 'BERTEmbedding 只对词嵌入施加了 dropout；应对三种嵌入之和施加',
    'bert.no_position_embedding': 'BERTEmbedding 没有加上位置编码',
    'bert.no_token_type_embedding': 'BERTEmbedding 没有加上句子类型（segment）嵌入',
    'warmup.warmup_over_w_plus_one': '预热除以了 W + 1；倍率应为 step / W，这样在第 W 步正好达到 1',
    'warmup.decay_divides_by_zero': '衰减除以了 T - W，当 warmup_steps == total_steps 时它等于 0；应除以 max(1, T - W)',
    'warmup.cosine_without_warmup': 'cosine 调度没有预热：step < W 时倍率应为 step / W',
    'warmup.cosine_progress_from_start': '余弦的进度是从第 0 步算起的；应为 p = (step - W) / (T - W)，从预热结束时算起',
    'warmup.noam_decay_without_sqrt': 'noam 学习率在 W 之后按 W / s 衰减；应按 sqrt(W / s) 衰减',
    'warmup.noam_max': 'noam 取了两个分支的最大值；应取最小值：min(s / W, sqrt(W / s))',
    'warmup.noam_step_plus_one': 'noam 用了 s = step + 1；应为 s = max(step, 1)，这样峰值 1 出现在第 W 步',
    'warmup.negative_step_accepted': 'step 为负数时必须抛出 ValueError',
    'warmup.total_not_checked': 'total_steps <= 0 时必须抛出 ValueError',
    'warmup.noam_warmup_zero_accepted': 'noam 调度在 warmup_steps < 1 时必须抛出 ValueError，而不是除以零',
}


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

VARIANTS += (
    M("positional_encoding.chinese_identifiers", "the lecture's names, in Chinese",
      ("position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)", "位置 = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)"),
      (PE_ASSIGN, "        pe[:, 0::2] = torch.sin(位置 * div_term)\n        pe[:, 1::2] = torch.cos(位置 * div_term)\n")),
    M("multi_head.chunk_and_cat", "heads split with chunk and stack, merged with unbind and cat",
      ("x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)", "torch.stack(x.chunk(self.head_num, dim=-1), dim=1)"),
      ("x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)", "torch.cat(x.unbind(1), dim=-1)"),
      ("from torch import nn\n", "import torch\nfrom torch import nn\n")),
    M("transformer_block.var_unbiased_false", "x.var(unbiased=False) and a division by the square root",
      ("var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)", "var = x.var(dim=-1, unbiased=False, keepdim=True)")),
    M("bert.ne_indexing", "input_ids.ne(0) with None indexing", (BERT_MASK, "        attention_mask = input_ids.ne(0)[:, None, None, :]\n")),
    M("warmup.cosine_from_math_sin", "the half-cosine decay written with a squared cosine",
      ("return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))", "return max(0.0, math.cos(math.pi * progress / 2) ** 2)")),
    M("attention.scale_query_first", "the query scaled before the product (a new tensor, inputs untouched)",
      ("scores = query @ key.transpose(-2, -1) / math.sqrt(dk)", "scores = (query / math.sqrt(dk)) @ key.transpose(-2, -1)")),
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
