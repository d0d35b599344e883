"""The catalog: known mistakes, and equivalent ways of writing a correct answer.

Each entry is a patch of the reference file. A mistake's patch reproduces it,
so that (1) feedback can name it when the student's answer equals the
patched reference's, and (2) `course audit` can prove that it loses points in
its own exercise only, with this sentence. A variant's patch is a correct
rewrite that must keep full marks.
"""
import importlib.util
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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

BY_ID = {m.id: m for m in MISTAKES + VARIANTS}


def for_exercise(exercise_id):
    return [m for m in MISTAKES if m.exercise == exercise_id]


_scratch = None


@lru_cache(maxsize=None)
def mutant(patch):
    """The reference package with one file patched, imported in this (the judge's) process."""
    global _scratch
    if _scratch is None:
        _scratch = tempfile.mkdtemp(prefix="course-mutants-")
    name = "_course_mutant_" + re.sub(r"\W", "_", patch.id)
    pkg = Path(_scratch) / name
    shutil.copytree(REFERENCE, pkg, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    (pkg / EXERCISES[patch.exercise].file).write_text(patch.source(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, pkg / "__init__.py", submodule_search_locations=[str(pkg)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return importlib.import_module(f"{name}.{patch.exercise}")
