"""Mistakes written apart from the catalog (autograder/transformer/mistakes.py), the way students write them:
other code than the catalog's patches, the same slip. Each names the catalogued mistake whose
sentence is the truth about it, or None where no catalogued sentence is true (then none may be said).

CASES: (name, file, ((old, new), ...) applied to the reference file, the true mistake id or None)
"""
PE = "positional_encoding.py"
ATT = "attention.py"
MHA = "multi_head.py"
FF = "feed_forward.py"
BLOCK = "transformer_block.py"
BERT = "bert.py"
WARM = "warmup.py"

PE_SIN = "        pe[:, 0::2] = torch.sin(position * div_term)\n        pe[:, 1::2] = torch.cos(position * div_term)\n"
BLOCK_FORWARD = (
    "        x = self.layer_norm1(x + self.dropout1(self.multi_head_attention(x, mask)))  # (B, L, H)\n"
    "        return self.layer_norm2(x + self.dropout2(self.feed_forward(x)))  # (B, L, H)\n"
)
MHA_FORWARD = (
    "        query = self.split_heads(self.query_linear(x))  # (B, h, L, d)\n"
    "        key = self.split_heads(self.key_linear(x))  # (B, h, L, d)\n"
    "        value = self.split_heads(self.value_linear(x))  # (B, h, L, d)\n"
    "        out, _ = self.attention(query, key, value, mask=mask, dropout=self.dropout)  # (B, h, L, d)\n"
    "        return self.output_linear(self.merge_heads(out))  # (B, L, H)\n"
)
BERT_MASK = "        attention_mask = (input_ids > 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, L)\n"
SCORES = "        scores = query @ key.transpose(-2, -1) / math.sqrt(dk)  # (..., Lq, Lk)\n"


def mha_forward(q="query_linear", k="key_linear", v="value_linear", attend="mask=mask, dropout=self.dropout", out="self.output_linear(merged)"):
    """A student's own multi-head forward, one projection a line."""
    return ((MHA_FORWARD,
             f"        q = self.split_heads(self.{q}(x))\n        k = self.split_heads(self.{k}(x))\n"
             f"        v = self.split_heads(self.{v}(x))\n        o, _ = self.attention(q, k, v, {attend})\n"
             f"        merged = self.merge_heads(o)\n        return {out}\n"),)


CASES = (
    # 1. positional_encoding
    ("pe: a loop with cos in the even columns", PE, ((PE_SIN, "        for i in range(0, embed_size, 2):\n"
                                                             "            pe[:, i] = torch.cos(position[:, 0] * div_term[i // 2])\n"
                                                             "            pe[:, i + 1] = torch.sin(position[:, 0] * div_term[i // 2])\n"),),
     "positional_encoding.sin_cos_swapped"),
    ("pe: 10000 ** (i / E)", PE, (("div_term = torch.exp(two_i * (-math.log(10000.0) / embed_size))",
                                   "div_term = 1.0 / (10000 ** (torch.arange(embed_size // 2, dtype=torch.float64) / embed_size))"),),
     "positional_encoding.exponent_i"),
    ("pe: self.pe = pe[None]", PE, (('self.register_buffer("pe", pe.unsqueeze(0).float())', "self.pe = pe[None].float()"),),
     "positional_encoding.plain_attribute"),
    ("pe: buffer without the batch axis", PE, (('self.register_buffer("pe", pe.unsqueeze(0).float())', 'self.register_buffer("pe", pe.to(torch.float32))'),),
     "positional_encoding.no_batch_axis"),
    ("pe: returns pe[:, :]", PE, (("return self.pe[:, : x.size(1)]", "return self.pe[:, :]"),), "positional_encoding.whole_table"),
    ("pe: L from x.shape[0]", PE, (("return self.pe[:, : x.size(1)]", "L = x.shape[0]\n        return self.pe[:, :L]"),),
     "positional_encoding.length_from_batch"),
    ("pe: positions 1..max_len", PE, (("position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)",
                                       "position = (torch.arange(max_len, dtype=torch.float64) + 1).unsqueeze(1)"),),
     "positional_encoding.positions_from_one"),
    ("pe: x + table", PE, (("return self.pe[:, : x.size(1)]", "return self.pe[:, : x.size(1)] + x"),), "positional_encoding.adds_input"),
    ("pe: base 1000 with pow", PE, (("div_term = torch.exp(two_i * (-math.log(10000.0) / embed_size))",
                                     "div_term = torch.pow(1000.0, -two_i / embed_size)"),), "positional_encoding.base_1000"),
    # 2. attention
    ("attention: matmul without a scale", ATT, ((SCORES, "        scores = torch.matmul(query, key.transpose(-1, -2))\n"),), "attention.no_scale"),
    ("attention: divided by query.shape[-1]", ATT, ((SCORES, "        scores = query @ key.transpose(-2, -1) / query.shape[-1]\n"),), "attention.scale_dk"),
    ("attention: divided by a constant 8.0", ATT, ((SCORES, "        scores = query @ key.transpose(-2, -1) / 8.0\n"),), None),
    ("attention: F.softmax over dim -2", ATT, (("weights = scores.softmax(dim=-1)", "weights = torch.softmax(scores, dim=-2)"),),
     "attention.softmax_over_queries"),
    ("attention: mask.bool() blocks", ATT, (("scores.masked_fill(mask == 0, -1e9)", "scores.masked_fill(mask.bool(), -1e9)"),), "attention.mask_inverted"),
    ("attention: torch.where with zeros", ATT, (("scores = scores.masked_fill(mask == 0, -1e9)",
                                                 "scores = torch.where(mask == 0, torch.zeros_like(scores), scores)"),), "attention.fill_zero"),
    ("attention: -math.inf", ATT, (("mask == 0, -1e9)", "mask == 0, -math.inf)"),), "attention.neg_inf"),
    ("attention: dropout on the output", ATT, (("            weights = dropout(weights)\n        return weights @ value, weights",
                                                "            out = dropout(weights @ value)\n            return out, weights\n"
                                                "        return weights @ value, weights"),), "attention.dropout_on_output"),
    ("attention: triu(...).bool()", ATT, (("return torch.tril(torch.ones(1, size, size, dtype=torch.bool))",
                                           "return torch.triu(torch.ones(size, size)).bool().unsqueeze(0)"),), "attention.causal_future"),
    ("attention: tril(-1)", ATT, (("return torch.tril(torch.ones(1, size, size, dtype=torch.bool))",
                                   "return torch.ones(1, size, size).tril(-1).bool()"),), "attention.causal_hides_self"),
    ("attention: fill with +1e9", ATT, (("mask == 0, -1e9)", "mask == 0, float(1e9))"),), "attention.fill_positive"),
    ("attention: returns the scores", ATT, (("return weights @ value, weights  #", "probabilities = weights\n        return probabilities @ value, scores  #"),),
     "attention.returns_scores"),
    # 3. multi_head
    ("mha: reshape straight to (B, h, L, d)", MHA, (("x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)",
                                                     "x.reshape(B, self.head_num, L, self.per_head_dim)"),), "multi_head.view_without_transpose"),
    ("mha: merge by stacking heads last", MHA, (("return x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)",
                                                 "return torch.stack([x[:, k] for k in range(self.head_num)], dim=-1).flatten(2)"),
                                                ("from torch import nn\n", "import torch\nfrom torch import nn\n")),
     "multi_head.merge_interleaved"),
    ("mha: k from value_linear", MHA, mha_forward(k="value_linear"), "multi_head.key_from_value_linear"),
    ("mha: v from key_linear", MHA, mha_forward(v="key_linear"), "multi_head.value_from_key_linear"),
    ("mha: no output projection", MHA, mha_forward(out="merged"), "multi_head.no_output_linear"),
    ("mha: mask left out", MHA, mha_forward(attend="dropout=self.dropout"), "multi_head.mask_not_passed"),
    ("mha: assert divisible", MHA, (("        if hidden_size % head_num != 0:\n            raise ValueError(",
                                     "        assert not hidden_size % head_num, ("),), "multi_head.assert_not_value_error"),
    ("mha: view after transpose", MHA, (("x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)", "x.transpose(1, 2).view(B, L, -1)"),),
     "multi_head.merge_without_contiguous"),
    # 4. feed_forward
    ("ff: nn.ReLU(inplace=False)", FF, (("self.activation = nn.GELU()", "self.activation = nn.ReLU(inplace=False)"),), "feed_forward.relu"),
    ("ff: dropout before the GELU", FF, (("        h = self.activation(self.input_layer(x))  # (B, L, 4H)\n"
                                          "        return self.output_layer(self.dropout(h))  # (B, L, H)\n",
                                          "        return self.output_layer(self.activation(self.dropout(self.input_layer(x))))\n"),),
     "feed_forward.dropout_before_activation"),
    ("ff: dropout forgotten", FF, (("        h = self.activation(self.input_layer(x))  # (B, L, 4H)\n"
                                    "        return self.output_layer(self.dropout(h))  # (B, L, H)\n",
                                    "        return self.output_layer(self.activation(self.input_layer(x)))\n"),), "feed_forward.no_dropout"),
    ("ff: GELU('tanh')", FF, (("self.activation = nn.GELU()", "self.activation = nn.GELU('tanh')"),), "feed_forward.tanh_gelu"),
    ("ff: F.dropout left in training mode", FF, (("return self.output_layer(self.dropout(h))",
                                                  "return self.output_layer(nn.functional.dropout(h, self.dropout.p))"),), None),
    # 5. transformer_block
    ("ln: torch.var", BLOCK, (("var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)", "var = torch.var(x, dim=-1, keepdim=True)"),),
     "transformer_block.unbiased_variance"),
    ("ln: var.sqrt() + eps", BLOCK, (("(x - mean) / torch.sqrt(var + self.eps)", "(x - mean) / (var.sqrt() + self.eps)"),),
     "transformer_block.eps_outside_sqrt"),
    ("ln: eps=1e-12", BLOCK, (("def __init__(self, hidden_size, eps=1e-5):", "def __init__(self, hidden_size, eps=1e-12):"),),
     "transformer_block.eps_default"),
    ("ln: bias times, weight plus", BLOCK, (("return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias",
                                            "normed = (x - mean) / torch.sqrt(var + self.eps)\n        return self.bias * normed + self.weight"),),
     "transformer_block.weight_bias_swapped"),
    ("block: pre-LN, step by step", BLOCK, ((BLOCK_FORWARD, "        h = self.layer_norm1(x)\n        x = x + self.dropout1(self.multi_head_attention(h, mask))\n"
                                                            "        h = self.layer_norm2(x)\n        return x + self.dropout2(self.feed_forward(h))\n"),),
     "transformer_block.pre_ln"),
    ("block: attention without its residual", BLOCK, ((BLOCK_FORWARD, "        a = self.dropout1(self.multi_head_attention(x, mask))\n        x = self.layer_norm1(a)\n"
                                                                      "        return self.layer_norm2(x + self.dropout2(self.feed_forward(x)))\n"),),
     "transformer_block.no_attention_residual"),
    ("block: norms in the wrong order", BLOCK, ((BLOCK_FORWARD, "        x = self.layer_norm2(x + self.dropout1(self.multi_head_attention(x, mask)))\n"
                                                                "        return self.layer_norm1(x + self.dropout2(self.feed_forward(x)))\n"),),
     "transformer_block.norms_swapped"),
    ("block: F.dropout left in training mode", BLOCK, (("x + self.dropout1(self.multi_head_attention(x, mask))",
                                                        "x + torch.nn.functional.dropout(self.multi_head_attention(x, mask), 0.1)"),), None),
    # 6. bert
    ("bert: mask from token_type_ids != 0", BERT, ((BERT_MASK, "        attention_mask = (token_type_ids != 0)[:, None, None, :]\n"),),
     "bert.mask_from_token_types"),
    ("bert: first example's mask for all", BERT, ((BERT_MASK, "        attention_mask = (input_ids[0] > 0)[None, None, None, :]\n"),),
     "bert.mask_from_first_example"),
    ("bert: a mask of ones", BERT, ((BERT_MASK, "        attention_mask = torch.ones_like(input_ids)[:, None, None, :]\n"),
                                    ("from torch import nn\n", "import torch\nfrom torch import nn\n")), "bert.no_mask"),
    ("bert: the padding is what is kept", BERT, ((BERT_MASK, "        attention_mask = (input_ids == 0)[:, None, None, :]\n"),), "bert.mask_inverted"),
    ("bert: mask on the query axis", BERT, ((BERT_MASK, "        attention_mask = (input_ids > 0)[:, None, :, None]\n"),), "bert.mask_over_queries"),
    ("bert: embedding returns the sum", BERT, (("        return self.dropout(x)", "        return x"),), "bert.embedding_without_dropout"),
    # 7. warmup
    ("warmup: (step + 1) / W", WARM, (("return step / max(1, warmup_steps)", "return float(step + 1) / max(1, warmup_steps)"),), "warmup.off_by_one"),
    ("warmup: step // W", WARM, (("return step / max(1, warmup_steps)", "return step // warmup_steps"),), "warmup.integer_division"),
    ("warmup: linear decay unclamped", WARM, (("return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))",
                                               "decay = (total_steps - step) / max(1, total_steps - warmup_steps)\n        return decay"),),
     "warmup.no_clamp"),
    ("warmup: cos(tau p)", WARM, (("return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))",
                                   "return max(0.0, (1 + math.cos(math.tau * progress)) / 2)"),), "warmup.cosine_full_period"),
    ("warmup: noam from step itself", WARM, (("        s = max(step, 1)\n        return min(s / warmup_steps, math.sqrt(warmup_steps / s))",
                                              "        return min(step / warmup_steps, (warmup_steps / step) ** 0.5)"),), "warmup.noam_step_zero"),
    ("warmup: decay over T - W", WARM, (("return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))",
                                         "remaining = total_steps - warmup_steps\n        return max(0.0, (total_steps - step) / remaining)"),),
     "warmup.decay_divides_by_zero"),
    ("warmup: noam max", WARM, (("return min(s / warmup_steps, math.sqrt(warmup_steps / s))",
                                 "up, down = s / warmup_steps, math.sqrt(warmup_steps / s)\n        return up if up > down else down"),), "warmup.noam_max"),
    ("warmup: scheduler a step ahead", WARM, (("return LambdaLR(optimizer, lambda step: lr_lambda(step, warmup_steps, total_steps, schedule))",
                                               "def factor(n):\n        return lr_lambda(n + 1, warmup_steps, total_steps, schedule)\n"
                                               "    return LambdaLR(optimizer, factor)"),), "warmup.scheduler_one_step_ahead"),
)
