"""The catalog of the `decoder` assignment: known mistakes, and equivalent ways of writing a
correct answer (what an entry is: autograder/catalog.py).

Each section belongs to one exercise; each mistake's Chinese sentence is in ZH under the same id.
"""
from autograder.catalog import maker, mutant  # noqa: F401 (mutant: the catalog's patched reference)

M = maker(__name__)

MISTAKES = ()
ZH = {}
VARIANTS = ()

# ---- 1. classifier ----
POOL_MEAN = "            pooled = (h * real).sum(dim=1) / real.sum(dim=1)  # (B, H)\n"
POOL_REAL = "            real = (input_ids != 0).unsqueeze(-1).to(h.dtype)  # (B, L, 1)\n"
POOL_CHECK = ("        if pooling not in POOLINGS:\n"
              "            raise ValueError(f\"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}\")\n")
POOL_HEAD = "        return self.classifier(self.dropout(pooled))  # (B, C)\n"
MISTAKES += (
    M("classifier.mean_counts_padding", "mean pooling averages the padding too: count only the real tokens (input id != 0), sum(m_j h_j) / sum(m_j)",
      (POOL_MEAN, "            pooled = h.mean(dim=1)  # (B, H)\n")),
    M("classifier.mean_divides_by_length", "mean pooling sums the real tokens but divides by the padded length L; divide by the number of real tokens, sum(m_j)",
      (POOL_MEAN, "            pooled = (h * real).sum(dim=1) / h.size(1)  # (B, H)\n")),
    M("classifier.cls_reads_last_position", "[CLS] pooling reads the last position; [CLS] is the first token: pooled = h[:, 0]",
      ("            pooled = h[:, 0]  # (B, H)\n", "            pooled = h[:, -1]  # (B, H)\n")),
    M("classifier.cls_first_example", "[CLS] pooling takes h[0], the first example of the batch; [CLS] is the first position of every example: h[:, 0]",
      ("            pooled = h[:, 0]  # (B, H)\n", "            pooled = h[0]  # (L, H)\n")),
    M("classifier.mask_without_feature_axis", "the mask (B, L) multiplies h (B, L, H) without a feature axis; unsqueeze it to (B, L, 1)",
      (POOL_REAL, "            real = (input_ids != 0).to(h.dtype)  # (B, L)\n"),
      error=r"size of tensor a \(\d+\) must match the size of tensor b"),
    M("classifier.mean_over_features", "mean pooling averages over the features (the last axis); average over the positions, dim=1, to get (B, H)",
      (POOL_MEAN, "            pooled = (h * real).sum(dim=-1) / real.sum(dim=-1)  # (B, L)\n"),
      error=r"cannot be multiplied"),
    M("classifier.dropout_after_classifier", "dropout is applied to the logits; it goes on the pooled vector, before the classifier: classifier(dropout(pooled))",
      (POOL_HEAD, "        return self.dropout(self.classifier(pooled))  # (B, C)\n")),
    M("classifier.no_dropout", "dropout is never applied; the head is classifier(dropout(pooled))",
      (POOL_HEAD, "        return self.classifier(pooled)  # (B, C)\n")),
    M("classifier.dropout_before_pooling", "dropout is applied to the encoder's output h before pooling; it goes on the pooled vector: classifier(dropout(pooled))",
      ("        h = self.encoder(input_ids, token_type_ids)  # (B, L, H)\n",
       "        h = self.dropout(self.encoder(input_ids, token_type_ids))  # (B, L, H)\n"),
      (POOL_HEAD, "        return self.classifier(pooled)  # (B, C)\n")),
    M("classifier.no_value_error", "an unknown pooling must raise ValueError in __init__; anything but \"cls\" and \"mean\" is refused",
      (POOL_CHECK, "")),
    M("classifier.value_error_in_forward", "pooling is checked only in forward; raise the ValueError in __init__, when the model is built",
      (POOL_CHECK, ""),
      ("        h = self.encoder(input_ids, token_type_ids)  # (B, L, H)\n",
       "        if self.pooling not in POOLINGS:\n            raise ValueError(f\"unknown pooling {self.pooling!r}\")\n"
       "        h = self.encoder(input_ids, token_type_ids)  # (B, L, H)\n")),
    M("classifier.assert_not_value_error", "pooling is checked with assert, which raises AssertionError (and vanishes under python -O); raise ValueError",
      (POOL_CHECK, "        assert pooling in POOLINGS, f\"unknown pooling {pooling!r}\"\n")),
)
ZH.update({
    "classifier.mean_counts_padding": "平均池化把填充位置也平均进去了：只统计真实词（input id 不为 0），即 sum(m_j h_j) / sum(m_j)",
    "classifier.mean_divides_by_length": "平均池化只累加了真实词，却除以补齐后的长度 L；应除以真实词的个数 sum(m_j)",
    "classifier.cls_reads_last_position": "[CLS] 池化取的是最后一个位置；[CLS] 是第一个词：pooled = h[:, 0]",
    "classifier.cls_first_example": "[CLS] 池化取的是 h[0]，即批次中的第一个样本；[CLS] 是每个样本的第一个位置：h[:, 0]",
    "classifier.mask_without_feature_axis": "掩码 (B, L) 没有加特征维就去乘 h (B, L, H)；要先 unsqueeze 成 (B, L, 1)",
    "classifier.mean_over_features": "平均池化是沿特征维（最后一维）求的平均；应沿位置维 dim=1 求平均，得到 (B, H)",
    "classifier.dropout_after_classifier": "dropout 作用在了 logits 上；它应作用在池化后的向量上、位于 classifier 之前：classifier(dropout(pooled))",
    "classifier.no_dropout": "从未使用 dropout；分类头应为 classifier(dropout(pooled))",
    "classifier.dropout_before_pooling": "dropout 作用在了池化之前的编码器输出 h 上；它应作用在池化后的向量上：classifier(dropout(pooled))",
    "classifier.no_value_error": "未知的 pooling 必须在 __init__ 中抛出 ValueError；\"cls\" 和 \"mean\" 以外的值都应拒绝",
    "classifier.value_error_in_forward": "pooling 只在 forward 中才检查；应在 __init__ 构建模型时就抛出 ValueError",
    "classifier.assert_not_value_error": "pooling 的检查用了 assert，它抛出的是 AssertionError（而且在 python -O 下会被跳过）；请抛出 ValueError",
})
VARIANTS += (
    M("classifier.masked_fill_and_count", "padding zeroed with masked_fill, divided by the count of real tokens",
      (POOL_REAL + POOL_MEAN,
       "            keep = input_ids != 0  # (B, L)\n"
       "            pooled = h.masked_fill(~keep.unsqueeze(-1), 0.0).sum(dim=1) / keep.sum(dim=1, keepdim=True)  # (B, H)\n")),
    M("classifier.einsum", "the masked sum as an einsum",
      (POOL_REAL + POOL_MEAN,
       "            real = (input_ids != 0).to(h.dtype)  # (B, L)\n"
       "            pooled = torch.einsum(\"bl,blh->bh\", real, h) / real.sum(dim=1, keepdim=True)  # (B, H)\n"),
      ("from torch import nn\n", "import torch\nfrom torch import nn\n")),
    M("classifier.row_by_row", "a Python loop over the rows, each row's real tokens selected by a boolean index",
      (POOL_REAL + POOL_MEAN,
       "            pooled = torch.stack([h[b][input_ids[b] != 0].mean(dim=0) for b in range(h.size(0))])  # (B, H)\n"),
      ("from torch import nn\n", "import torch\nfrom torch import nn\n")),
    M("classifier.chinese_identifiers", "the pooling written with Chinese names",
      (POOL_REAL + POOL_MEAN,
       "            真实词 = (input_ids != 0).unsqueeze(-1).to(h.dtype)  # (B, L, 1)\n"
       "            pooled = (h * 真实词).sum(dim=1) / 真实词.sum(dim=1)  # (B, H)\n"),
      ("            pooled = h[:, 0]  # (B, H)\n", "            pooled = h[:, 0, :]  # (B, H)\n")),
)

# ---- 2. cross_attention ----
CA_CHECK = ("        if hidden_size % head_num != 0:\n"
            "            raise ValueError(f\"hidden_size {hidden_size} is not divisible by head_num {head_num}\")\n")
CA_Q = "        query = self.query_linear(x).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n"
CA_K = "        key = self.key_linear(memory).view(B, Ls, h, d).transpose(1, 2)  # (B, h, Ls, d)\n"
CA_V = "        value = self.value_linear(memory).view(B, Ls, h, d).transpose(1, 2)  # (B, h, Ls, d)\n"
CA_ATTEND = "        out, _ = self.attention(query, key, value, mask=memory_mask, dropout=self.dropout)  # (B, h, Lt, d)\n"
CA_MERGE = "        out = out.transpose(1, 2).contiguous().view(B, Lt, self.hidden_size)  # (B, Lt, H)\n"
CA_RETURN = "        return self.output_linear(out)  # (B, Lt, H)\n"
CA_MATH = ("from torch import nn\n", "import math\n\nfrom torch import nn\n")


def _by_hand(scores="query @ key.transpose(-2, -1) / math.sqrt(d)", fill="memory_mask == 0, -1e9", dim=-1):
    """The attention written by hand (allowed: only torch's fused kernels are forbidden), in place of layers.Attention."""
    return (CA_ATTEND,
            f"        scores = {scores}  # (B, h, Lt, Ls)\n"
            "        if memory_mask is not None:\n"
            f"            scores = scores.masked_fill({fill})\n"
            f"        out = self.dropout(scores.softmax(dim={dim})) @ value  # (B, h, Lt, d)\n")


MISTAKES += (
    M("cross_attention.keys_values_from_x", "the keys and values come from the decoder's x, which makes it self-attention; they come from memory, the encoder's output (only the queries come from x)",
      (CA_K, "        key = self.key_linear(x).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n"),
      (CA_V, "        value = self.value_linear(x).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n")),
    M("cross_attention.keys_from_x", "the keys come from the decoder's x; the keys and the values both come from memory, the encoder's output",
      (CA_K, "        key = self.key_linear(x).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n")),
    M("cross_attention.values_from_x", "the values come from the decoder's x; the keys and the values both come from memory, the encoder's output",
      (CA_V, "        value = self.value_linear(x).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n")),
    M("cross_attention.roles_swapped", "the roles are swapped: the queries come from the decoder's x (B, Lt, H), the keys and values from memory (B, Ls, H)",
      (CA_Q, "        query = self.query_linear(memory).view(B, Ls, h, d).transpose(1, 2)  # (B, h, Ls, d)\n"),
      (CA_K, "        key = self.key_linear(x).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n"),
      (CA_V, "        value = self.value_linear(x).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n"),
      (CA_MERGE, "        out = out.transpose(1, 2).contiguous().view(B, Ls, self.hidden_size)  # (B, Ls, H)\n")),
    M("cross_attention.keys_split_with_target_length", "the keys and values are split with the target length Lt = x.size(1); memory has its own length, Ls = memory.size(1)",
      (CA_K, "        key = self.key_linear(memory).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n"),
      (CA_V, "        value = self.value_linear(memory).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n")),
    M("cross_attention.value_from_key_linear", "the values are projected with key_linear; the values have their own layer, value_linear",
      (CA_V, "        value = self.key_linear(memory).view(B, Ls, h, d).transpose(1, 2)  # (B, h, Ls, d)\n")),
    M("cross_attention.mask_ignored", "memory_mask is not passed to the attention, so the decoder attends to the source's padding too",
      (CA_ATTEND, CA_ATTEND.replace("mask=memory_mask", "mask=None"))),
    M("cross_attention.mask_on_query_axis", "the memory mask is turned onto the queries (the target positions); it blocks source positions, the keys: the last axis of the (B, h, Lt, Ls) scores, as it comes",
      (CA_ATTEND, "        if memory_mask is not None:\n            memory_mask = memory_mask.transpose(-2, -1)  # (B, 1, Ls, 1)\n" + CA_ATTEND)),
    M("cross_attention.view_without_transpose", "the heads are split by viewing (B, L, H) as (B, h, L, d) directly, which mixes positions into heads; view as (B, L, h, d), then transpose(1, 2)",
      (CA_Q, "        query = self.query_linear(x).view(B, h, Lt, d)  # (B, h, Lt, d)\n"),
      (CA_K, "        key = self.key_linear(memory).view(B, h, Ls, d)  # (B, h, Ls, d)\n"),
      (CA_V, "        value = self.value_linear(memory).view(B, h, Ls, d)  # (B, h, Ls, d)\n")),
    M("cross_attention.split_and_merge_without_transpose", "the heads are split and merged by plain views, (B, L, H) <-> (B, h, L, d), which mixes positions into heads; view as (B, L, h, d) and transpose(1, 2), and transpose back before merging",
      (CA_Q, "        query = self.query_linear(x).view(B, h, Lt, d)  # (B, h, Lt, d)\n"),
      (CA_K, "        key = self.key_linear(memory).view(B, h, Ls, d)  # (B, h, Ls, d)\n"),
      (CA_V, "        value = self.value_linear(memory).view(B, h, Ls, d)  # (B, h, Ls, d)\n"),
      (CA_MERGE, "        out = out.contiguous().view(B, Lt, self.hidden_size)  # (B, Lt, H)\n")),
    M("cross_attention.merge_without_transpose", "the heads are merged by viewing (B, h, Lt, d) as (B, Lt, H) directly, which mixes positions into features; transpose(1, 2) back to (B, Lt, h, d) first, then view as (B, Lt, H)",
      (CA_MERGE, "        out = out.contiguous().view(B, Lt, self.hidden_size)  # (B, Lt, H)\n")),
    M("cross_attention.no_scale", "the scores are not divided by sqrt(d): softmax(q k^T / sqrt(d)), d = per_head_dim",
      _by_hand(scores="query @ key.transpose(-2, -1)"), CA_MATH),
    M("cross_attention.scale_by_hidden_size", "the scores are divided by sqrt(hidden_size); divide by sqrt(d), the size of one head, d = per_head_dim",
      _by_hand(scores="query @ key.transpose(-2, -1) / math.sqrt(self.hidden_size)"), CA_MATH),
    M("cross_attention.scaled_twice", "the queries are divided by sqrt(d) before layers.Attention, which divides the scores by sqrt(d) itself: they are scaled twice",
      (CA_ATTEND, "        query = query / math.sqrt(d)\n" + CA_ATTEND), CA_MATH),
    M("cross_attention.softmax_over_queries", "the softmax runs over the target positions (dim=-2); it runs over the source positions, the keys: the last axis",
      _by_hand(dim=-2), CA_MATH),
    M("cross_attention.mask_inverted", "the mask is inverted: the source positions whose mask entry is 0 (False) are the blocked ones",
      _by_hand(fill="memory_mask != 0, -1e9"), CA_MATH),
    M("cross_attention.dropout_not_passed", "the attention is called without the dropout module; pass dropout=self.dropout, which drops attention weights in training",
      (CA_ATTEND, CA_ATTEND.replace(", dropout=self.dropout", ""))),
    M("cross_attention.dropout_on_output", "dropout is applied to the output; pass it to the attention (dropout=self.dropout), which applies it to the attention weights",
      (CA_ATTEND, CA_ATTEND.replace(", dropout=self.dropout", "")),
      (CA_RETURN, "        return self.dropout(self.output_linear(out))  # (B, Lt, H)\n")),
    M("cross_attention.no_output_linear", "the output projection output_linear is never applied: return output_linear(merged heads)",
      (CA_RETURN, "        return out  # (B, Lt, H)\n")),
    M("cross_attention.no_value_error", "a hidden_size that head_num does not divide must raise ValueError",
      (CA_CHECK, "")),
    M("cross_attention.assert_not_value_error", "the divisibility check uses assert, which raises AssertionError (and vanishes under python -O); raise ValueError",
      (CA_CHECK, "        assert hidden_size % head_num == 0, \"hidden_size is not divisible by head_num\"\n")),
    M("cross_attention.per_head_dim_float", "per_head_dim is hidden_size / head_num, a float, so view fails; use integer division, hidden_size // head_num",
      ("        self.per_head_dim = hidden_size // head_num\n", "        self.per_head_dim = hidden_size / head_num\n")),
)
ZH.update({
    "cross_attention.keys_values_from_x": "key 和 value 取自解码器的 x，这就成了自注意力；它们应取自编码器的输出 memory（只有 query 来自 x）",
    "cross_attention.keys_from_x": "key 取自解码器的 x；key 和 value 都应取自编码器的输出 memory",
    "cross_attention.values_from_x": "value 取自解码器的 x；key 和 value 都应取自编码器的输出 memory",
    "cross_attention.roles_swapped": "角色弄反了：query 应来自解码器的 x (B, Lt, H)，key 和 value 应来自 memory (B, Ls, H)",
    "cross_attention.keys_split_with_target_length": "key 和 value 是按目标长度 Lt = x.size(1) 拆分的；memory 有自己的长度 Ls = memory.size(1)",
    "cross_attention.value_from_key_linear": "value 是用 key_linear 投影的；value 有自己的线性层 value_linear",
    "cross_attention.mask_ignored": "memory_mask 没有传给注意力，于是解码器也关注到了源序列的填充位置",
    "cross_attention.mask_on_query_axis": "源掩码被转到了 query（目标位置）那一维上；它屏蔽的是源位置，也就是 key：(B, h, Lt, Ls) 分数的最后一维，原样传入即可",
    "cross_attention.view_without_transpose": "拆分多头时直接把 (B, L, H) view 成 (B, h, L, d)，这会把不同位置混进同一个头；应先 view 成 (B, L, h, d)，再 transpose(1, 2)",
    "cross_attention.split_and_merge_without_transpose": "拆分与合并多头都只用了 view，(B, L, H) <-> (B, h, L, d)，这会把不同位置混进同一个头；应 view 成 (B, L, h, d) 再 transpose(1, 2)，合并前再转置回来",
    "cross_attention.merge_without_transpose": "合并多头时直接把 (B, h, Lt, d) view 成 (B, Lt, H)，这会把不同位置的特征混在一起；应先 transpose(1, 2) 回到 (B, Lt, h, d)，再 view 成 (B, Lt, H)",
    "cross_attention.no_scale": "分数没有除以 sqrt(d)：softmax(q k^T / sqrt(d))，d = per_head_dim",
    "cross_attention.scale_by_hidden_size": "分数除以的是 sqrt(hidden_size)；应除以单个头的维度的平方根 sqrt(d)，d = per_head_dim",
    "cross_attention.scaled_twice": "在调用 layers.Attention 之前先把 query 除以了 sqrt(d)，而 layers.Attention 自己也会把分数除以 sqrt(d)：缩放了两次",
    "cross_attention.softmax_over_queries": "softmax 是沿目标位置（dim=-2）做的；它应沿源位置，也就是 key 所在的最后一维做",
    "cross_attention.mask_inverted": "掩码用反了：掩码值为 0（False）的源位置才是要屏蔽的",
    "cross_attention.dropout_not_passed": "调用注意力时没有传入 dropout 模块；请传入 dropout=self.dropout，训练时由它丢弃注意力权重",
    "cross_attention.dropout_on_output": "dropout 作用在了输出上；应把它传给注意力（dropout=self.dropout），由注意力作用在权重上",
    "cross_attention.no_output_linear": "输出投影 output_linear 从未被使用：应返回 output_linear(合并后的多头)",
    "cross_attention.no_value_error": "当 head_num 不能整除 hidden_size 时必须抛出 ValueError",
    "cross_attention.assert_not_value_error": "整除检查用了 assert，它抛出的是 AssertionError（而且在 python -O 下会被跳过）；请抛出 ValueError",
    "cross_attention.per_head_dim_float": "per_head_dim 是 hidden_size / head_num，得到的是浮点数，view 会失败；请用整数除法 hidden_size // head_num",
})
VARIANTS += (
    M("cross_attention.by_hand", "the attention written by hand: masked_fill, softmax, the module's dropout, matmul", _by_hand(), CA_MATH),
    M("cross_attention.by_hand_einsum_where", "the attention by hand with einsum and torch.where, blocked scores at finfo.min",
      (CA_ATTEND,
       "        scores = torch.einsum(\"bhqd,bhkd->bhqk\", query, key) / d ** 0.5  # (B, h, Lt, Ls)\n"
       "        if memory_mask is not None:\n"
       "            scores = torch.where(memory_mask.bool(), scores, torch.finfo(scores.dtype).min)\n"
       "        weights = self.dropout(torch.softmax(scores, dim=-1))  # (B, h, Lt, Ls)\n"
       "        out = torch.einsum(\"bhqk,bhkd->bhqd\", weights, value)  # (B, h, Lt, d)\n"),
      ("from torch import nn\n", "import torch\nfrom torch import nn\n")),
    M("cross_attention.unflatten_permute", "heads split with unflatten and permute, merged with permute and flatten",
      (CA_Q, "        query = self.query_linear(x).unflatten(-1, (h, d)).permute(0, 2, 1, 3)  # (B, h, Lt, d)\n"),
      (CA_K, "        key = self.key_linear(memory).unflatten(-1, (h, d)).permute(0, 2, 1, 3)  # (B, h, Ls, d)\n"),
      (CA_V, "        value = self.value_linear(memory).unflatten(-1, (h, d)).permute(0, 2, 1, 3)  # (B, h, Ls, d)\n"),
      (CA_MERGE, "        out = out.permute(0, 2, 1, 3).flatten(2)  # (B, Lt, H)\n")),
    M("cross_attention.split_helper_reshape", "a small split helper with reshape and -1 lengths, merged with reshape",
      (CA_Q + CA_K + CA_V,
       "        split = lambda t: t.reshape(B, -1, h, d).transpose(1, 2)  # (B, L, H) -> (B, h, L, d)\n"
       "        query, key, value = split(self.query_linear(x)), split(self.key_linear(memory)), split(self.value_linear(memory))\n"),
      (CA_MERGE, "        out = out.transpose(1, 2).reshape(B, -1, self.hidden_size)  # (B, Lt, H)\n")),
    M("cross_attention.chinese_identifiers", "the forward written with Chinese names",
      (CA_Q + CA_K + CA_V + CA_ATTEND,
       "        查询 = self.query_linear(x).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n"
       "        键 = self.key_linear(memory).view(B, Ls, h, d).transpose(1, 2)  # (B, h, Ls, d)\n"
       "        值 = self.value_linear(memory).view(B, Ls, h, d).transpose(1, 2)  # (B, h, Ls, d)\n"
       "        out, 权重 = self.attention(查询, 键, 值, memory_mask, self.dropout)  # (B, h, Lt, d)\n")),
)

# ---- 3. decoder_block ----
DB_SELF = "        x = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))  # (B, Lt, H)\n"
DB_CROSS = "        x = self.layer_norm2(x + self.dropout2(self.cross_attention(x, memory, memory_mask)))  # (B, Lt, H)\n"
DB_FF = "        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))  # (B, Lt, H)\n"
DB_ALL = DB_SELF + DB_CROSS + DB_FF
MISTAKES += (
    M("decoder_block.pre_ln", "the block is pre-LN, x + f(norm(x)); this decoder block is post-LN, norm(x + dropout(f(x))), in each of its three sub-layers",
      (DB_ALL,
       "        x = x + self.dropout1(self.self_attention(self.layer_norm1(x), target_mask))  # (B, Lt, H)\n"
       "        x = x + self.dropout2(self.cross_attention(self.layer_norm2(x), memory, memory_mask))  # (B, Lt, H)\n"
       "        return x + self.dropout3(self.feed_forward(self.layer_norm3(x)))  # (B, Lt, H)\n")),
    M("decoder_block.cross_attention_reads_block_input", "the cross-attention's queries are the block's input; they are the output of the first sub-layer (the masked self-attention)",
      (DB_ALL,
       "        y = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))  # (B, Lt, H)\n"
       "        y = self.layer_norm2(y + self.dropout2(self.cross_attention(x, memory, memory_mask)))  # (B, Lt, H)\n"
       "        return self.layer_norm3(y + self.dropout3(self.feed_forward(y)))  # (B, Lt, H)\n")),
    M("decoder_block.masks_swapped", "the two masks are swapped: the self-attention takes target_mask (causal), the cross-attention memory_mask (the source padding)",
      (DB_SELF, DB_SELF.replace("(x, target_mask)", "(x, memory_mask)")),
      (DB_CROSS, DB_CROSS.replace("memory, memory_mask)", "memory, target_mask)"))),
    M("decoder_block.target_mask_dropped", "target_mask is not passed to the self-attention, so each position reads the tokens it has to predict",
      (DB_SELF, DB_SELF.replace("(x, target_mask)", "(x)"))),
    M("decoder_block.memory_mask_dropped", "memory_mask is not passed to the cross-attention, so the decoder attends to the source's padding",
      (DB_CROSS, DB_CROSS.replace("memory, memory_mask)", "memory)"))),
    M("decoder_block.cross_attention_arguments_swapped", "the cross-attention is called as cross_attention(memory, x, ...); the queries come first: cross_attention(x, memory, memory_mask)",
      (DB_CROSS, DB_CROSS.replace("(x, memory, memory_mask)", "(memory, x, memory_mask)"))),
    M("decoder_block.memory_normalised", "memory is normalised with layer_norm2 before the cross-attention; the encoder's output goes in as it is (layer_norm2 follows the sub-layer)",
      (DB_CROSS, DB_CROSS.replace("(x, memory, memory_mask)", "(x, self.layer_norm2(memory), memory_mask)"))),
    M("decoder_block.memory_through_self_attention", "memory goes through the block's self-attention first; the self-attention is the target's own, and memory goes into the cross-attention as it is",
      (DB_CROSS, DB_CROSS.replace("(x, memory, memory_mask)", "(x, self.self_attention(memory, memory_mask), memory_mask)"))),
    M("decoder_block.no_self_attention_residual", "the self-attention sub-layer has no residual connection: add x before layer_norm1",
      (DB_SELF, DB_SELF.replace("(x + self.dropout1(", "(self.dropout1("))),
    M("decoder_block.no_cross_attention_residual", "the cross-attention sub-layer has no residual connection: add its input x before layer_norm2",
      (DB_CROSS, DB_CROSS.replace("(x + self.dropout2(", "(self.dropout2("))),
    M("decoder_block.no_feed_forward_residual", "the feed-forward sub-layer has no residual connection: add its input x before layer_norm3",
      (DB_FF, DB_FF.replace("(x + self.dropout3(", "(self.dropout3("))),
    M("decoder_block.feed_forward_before_cross_attention", "the feed-forward network comes before the cross-attention; the order is masked self-attention, cross-attention, then feed-forward",
      (DB_CROSS + DB_FF,
       "        x = self.layer_norm2(x + self.dropout2(self.feed_forward(x)))  # (B, Lt, H)\n"
       "        return self.layer_norm3(x + self.dropout3(self.cross_attention(x, memory, memory_mask)))  # (B, Lt, H)\n")),
    M("decoder_block.cross_attention_first", "the cross-attention comes before the masked self-attention; the order is masked self-attention, cross-attention (its queries are the self-attention's output), then feed-forward",
      (DB_SELF + DB_CROSS,
       "        x = self.layer_norm1(x + self.dropout1(self.cross_attention(x, memory, memory_mask)))  # (B, Lt, H)\n"
       "        x = self.layer_norm2(x + self.dropout2(self.self_attention(x, target_mask)))  # (B, Lt, H)\n")),
    M("decoder_block.layer_norm2_twice", "layer_norm2 is used for the feed-forward sub-layer too; the third sub-layer has its own, layer_norm3",
      (DB_FF, DB_FF.replace("self.layer_norm3(", "self.layer_norm2("))),
    M("decoder_block.norms_swapped", "layer_norm1 and layer_norm2 are swapped: layer_norm1 follows the self-attention, layer_norm2 the cross-attention",
      (DB_SELF, DB_SELF.replace("self.layer_norm1(", "self.layer_norm2(")),
      (DB_CROSS, DB_CROSS.replace("self.layer_norm2(", "self.layer_norm1("))),
    M("decoder_block.dropout1_everywhere", "dropout1 is used in every sub-layer; each has its own: dropout1, dropout2, dropout3",
      (DB_CROSS, DB_CROSS.replace("self.dropout2(", "self.dropout1(")),
      (DB_FF, DB_FF.replace("self.dropout3(", "self.dropout1("))),
    M("decoder_block.dropouts_swapped", "dropout2 and dropout3 are swapped: dropout2 follows the cross-attention, dropout3 the feed-forward network",
      (DB_CROSS, DB_CROSS.replace("self.dropout2(", "self.dropout3(")),
      (DB_FF, DB_FF.replace("self.dropout3(", "self.dropout2("))),
    M("decoder_block.no_cross_attention_dropout", "the cross-attention's output gets no dropout; it is layer_norm2(x + dropout2(cross_attention(...)))",
      (DB_CROSS, DB_CROSS.replace("self.dropout2(self.cross_attention(x, memory, memory_mask))", "self.cross_attention(x, memory, memory_mask)"))),
    M("decoder_block.dropout_after_norm", "dropout is applied after the LayerNorm; it goes on each sub-layer's output, before the residual sum",
      (DB_ALL,
       "        x = self.dropout1(self.layer_norm1(x + self.self_attention(x, target_mask)))  # (B, Lt, H)\n"
       "        x = self.dropout2(self.layer_norm2(x + self.cross_attention(x, memory, memory_mask)))  # (B, Lt, H)\n"
       "        return self.dropout3(self.layer_norm3(x + self.feed_forward(x)))  # (B, Lt, H)\n")),
)
ZH.update({
    "decoder_block.pre_ln": "这个块写成了 pre-LN 结构 x + f(norm(x))；本题的解码器块是 post-LN 结构，三个子层都是 norm(x + dropout(f(x)))",
    "decoder_block.cross_attention_reads_block_input": "交叉注意力的 query 用的是块的输入；它应是第一个子层（带掩码的自注意力）的输出",
    "decoder_block.masks_swapped": "两个掩码用反了：自注意力用 target_mask（因果掩码），交叉注意力用 memory_mask（源序列的填充掩码）",
    "decoder_block.target_mask_dropped": "target_mask 没有传给自注意力，于是每个位置都能看到它要预测的词",
    "decoder_block.memory_mask_dropped": "memory_mask 没有传给交叉注意力，于是解码器也关注到了源序列的填充位置",
    "decoder_block.cross_attention_arguments_swapped": "交叉注意力被写成了 cross_attention(memory, x, ...)；query 在前：cross_attention(x, memory, memory_mask)",
    "decoder_block.memory_normalised": "在交叉注意力之前用 layer_norm2 对 memory 做了归一化；编码器的输出应原样传入（layer_norm2 位于子层之后）",
    "decoder_block.memory_through_self_attention": "memory 先经过了块里的自注意力；自注意力只处理目标序列，memory 应原样传入交叉注意力",
    "decoder_block.no_self_attention_residual": "自注意力子层没有残差连接：在 layer_norm1 之前要加上 x",
    "decoder_block.no_cross_attention_residual": "交叉注意力子层没有残差连接：在 layer_norm2 之前要加上它的输入 x",
    "decoder_block.no_feed_forward_residual": "前馈子层没有残差连接：在 layer_norm3 之前要加上它的输入 x",
    "decoder_block.feed_forward_before_cross_attention": "前馈网络放在了交叉注意力之前；顺序应是带掩码的自注意力、交叉注意力、最后是前馈网络",
    "decoder_block.cross_attention_first": "交叉注意力放在了带掩码的自注意力之前；顺序应是带掩码的自注意力、交叉注意力（它的 query 是自注意力的输出），最后是前馈网络",
    "decoder_block.layer_norm2_twice": "前馈子层也用了 layer_norm2；第三个子层有自己的 layer_norm3",
    "decoder_block.norms_swapped": "layer_norm1 和 layer_norm2 用反了：layer_norm1 跟在自注意力后面，layer_norm2 跟在交叉注意力后面",
    "decoder_block.dropout1_everywhere": "每个子层都用了 dropout1；它们各有自己的 dropout1、dropout2、dropout3",
    "decoder_block.dropouts_swapped": "dropout2 和 dropout3 用反了：dropout2 跟在交叉注意力后面，dropout3 跟在前馈网络后面",
    "decoder_block.no_cross_attention_dropout": "交叉注意力的输出没有经过 dropout；应为 layer_norm2(x + dropout2(cross_attention(...)))",
    "decoder_block.dropout_after_norm": "dropout 放在了层归一化之后；它应作用在各子层的输出上，在残差相加之前",
})
VARIANTS += (
    M("decoder_block.stepwise", "the lecture's step-by-step forward with named intermediates",
      (DB_ALL,
       "        residual = x\n        x = self.self_attention(x, target_mask)\n        x = self.layer_norm1(residual + self.dropout1(x))\n"
       "        residual = x\n        x = self.cross_attention(x, memory, memory_mask)\n        x = self.layer_norm2(residual + self.dropout2(x))\n"
       "        residual = x\n        x = self.feed_forward(x)\n        return self.layer_norm3(residual + self.dropout3(x))\n")),
    M("decoder_block.loop_over_sublayers", "a loop over (sub-layer, dropout, norm) triples, the calls with keyword arguments",
      (DB_ALL,
       "        sublayers = (\n"
       "            (lambda y: self.self_attention(y, mask=target_mask), self.dropout1, self.layer_norm1),\n"
       "            (lambda y: self.cross_attention(y, memory, memory_mask=memory_mask), self.dropout2, self.layer_norm2),\n"
       "            (self.feed_forward, self.dropout3, self.layer_norm3),\n"
       "        )\n"
       "        for sublayer, dropout, norm in sublayers:\n"
       "            x = norm(x + dropout(sublayer(x)))  # (B, Lt, H)\n"
       "        return x\n")),
    M("decoder_block.chinese_identifiers", "the forward written with Chinese names",
      (DB_ALL,
       "        自注意力输出 = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))\n"
       "        交叉注意力输出 = self.layer_norm2(自注意力输出 + self.dropout2(self.cross_attention(自注意力输出, memory, memory_mask)))\n"
       "        return self.layer_norm3(交叉注意力输出 + self.dropout3(self.feed_forward(交叉注意力输出)))\n")),
)

# ---- 4. seq2seq ----
SOURCE_MASK = "    return (source_ids != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, Ls)\n"
TARGET_PADDING = "    padding = (target_ids != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, Lt)\n"
TARGET_CAUSAL = "    causal = subsequent_mask(target_ids.size(1)).to(target_ids.device)  # (1, Lt, Lt)\n"
TARGET_RETURN = "    return padding & causal.unsqueeze(1)  # (B, 1, Lt, Lt)\n"
ENCODE_EMBED = "        x = self.dropout(self.source_embedding(source_ids) + self.position_embedding(source_ids))  # (B, Ls, H)\n"
DECODE_EMBED = "        x = self.dropout(self.target_embedding(target_ids) + self.position_embedding(target_ids))  # (B, Lt, H)\n"
ENCODE_LOOP = "            x = block(x, mask)  # (B, Ls, H)\n        return x\n"
DECODE_LOOP = "            x = block(x, memory, target_mask, source_mask)  # (B, Lt, H)\n        return x\n"
FORWARD = ("        memory = self.encode(source_ids)  # (B, Ls, H)\n"
           "        return self.output_layer(self.decode(target_ids, memory, source_ids))  # (B, Lt, target_vocab)\n")
IMPORT_TORCH = ("from torch import nn\n", "import torch\nfrom torch import nn\n")
MISTAKES += (
    M("seq2seq.source_mask_over_queries", "make_source_mask puts the padding on the query axis, (B, 1, Ls, 1); it blocks padded keys: (B, 1, 1, Ls), the positions on the last axis",
      (SOURCE_MASK, "    return (source_ids != 0).unsqueeze(1).unsqueeze(3)  # (B, 1, Ls, 1)\n")),
    M("seq2seq.source_mask_inverted", "make_source_mask is inverted: it is True at the padding (id 0); True marks the real tokens, source_ids != 0",
      (SOURCE_MASK, "    return (source_ids == 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, Ls)\n")),
    M("seq2seq.source_mask_without_head_axis", "make_source_mask is (B, 1, Ls), without an axis for the heads, so example b's mask lands on head b; make it (B, 1, 1, Ls)",
      (SOURCE_MASK, "    return (source_ids != 0).unsqueeze(1)  # (B, 1, Ls)\n")),
    M("seq2seq.source_mask_not_bool", "make_source_mask returns 0/1 integers; the contract's mask is a bool tensor: (source_ids != 0), without .long() or .float()",
      (SOURCE_MASK, "    return (source_ids != 0).long().unsqueeze(1).unsqueeze(2)  # (B, 1, 1, Ls)\n")),
    M("seq2seq.target_mask_forgets_padding", "make_target_mask is only the causal mask: it must also block the padded keys (target id 0), padding & causal, of shape (B, 1, Lt, Lt)",
      (TARGET_RETURN, "    return causal.unsqueeze(1)  # (1, 1, Lt, Lt)\n")),
    M("seq2seq.target_mask_causal_only_per_example", "make_target_mask blocks only the future keys, for every example alike: it must also block the padded keys (target id 0), padding & causal",
      (TARGET_RETURN, "    return causal.unsqueeze(1).expand(target_ids.size(0), 1, -1, -1)  # (B, 1, Lt, Lt)\n")),
    M("seq2seq.target_mask_not_causal", "make_target_mask is only the padding mask, so each target position sees the tokens after it; combine it with the causal mask: padding & subsequent_mask(Lt)",
      (TARGET_RETURN, "    return padding  # (B, 1, 1, Lt)\n")),
    M("seq2seq.target_mask_hides_self", "the causal part of make_target_mask is j < i, which hides each position from itself; query i sees the keys j <= i (torch.tril, diagonal 0)",
      IMPORT_TORCH, (TARGET_CAUSAL, "    n = target_ids.size(1)\n    causal = torch.tril(torch.ones(1, n, n, dtype=torch.bool), diagonal=-1)  # (1, Lt, Lt)\n")),
    M("seq2seq.target_mask_transposed", "the causal part of make_target_mask is transposed (j >= i), so each query sees the future; query i sees the keys j <= i",
      (TARGET_CAUSAL, "    causal = subsequent_mask(target_ids.size(1)).to(target_ids.device).transpose(1, 2)  # (1, Lt, Lt)\n")),
    M("seq2seq.target_masks_added", "make_target_mask adds the padding and causal masks: where only one allows a key the sum is 1, which does not block; combine them with & (a bool tensor)",
      (TARGET_RETURN, "    return padding.long() + causal.unsqueeze(1).long()  # (B, 1, Lt, Lt)\n")),
    M("seq2seq.target_masks_or", "make_target_mask combines the padding and causal masks with | (or): a key either one allows is kept; combine them with &, so that a key must pass both",
      (TARGET_RETURN, "    return padding | causal.unsqueeze(1)  # (B, 1, Lt, Lt)\n")),
    M("seq2seq.target_padding_over_queries", "make_target_mask blocks every key of a padded query (padding on the query axis): put the padding on the key axis only, (B, 1, 1, Lt), so that a padded query still sees the real keys before it",
      (TARGET_PADDING, "    padding = (target_ids != 0).unsqueeze(1).unsqueeze(3)  # (B, 1, Lt, 1)\n")),
    M("seq2seq.encode_returns_first_layer", "encode returns after the first encoder block (the return is inside the loop); run every block, then return the last one's output",
      (ENCODE_LOOP, "            x = block(x, mask)  # (B, Ls, H)\n            return x\n")),
    M("seq2seq.encode_without_mask", "the encoder blocks get no mask, so the source's real tokens attend to its padding; pass make_source_mask(source_ids) to every block",
      ("            x = block(x, mask)  # (B, Ls, H)\n", "            x = block(x)  # (B, Ls, H)\n")),
    M("seq2seq.encode_without_positions", "encode does not add the position embedding: x = dropout(source_embedding(ids) + position_embedding(ids))",
      (ENCODE_EMBED, "        x = self.dropout(self.source_embedding(source_ids))  # (B, Ls, H)\n")),
    M("seq2seq.encode_positions_from_batch_axis", "encode takes the positions from the batch axis (size(0)); source_ids is (B, Ls): position_embedding(source_ids) reads Ls from axis 1",
      ("self.position_embedding(source_ids)", "self.position_embedding.pe[:, : source_ids.size(0)]"), error=r"must match the size"),
    M("seq2seq.decode_target_mask_for_memory", "decode gives the decoder blocks the target mask for the memory too; the cross-attention takes the source mask: block(x, memory, target_mask, source_mask)",
      (DECODE_LOOP, DECODE_LOOP.replace("target_mask, source_mask", "target_mask, target_mask"))),
    M("seq2seq.decode_masks_swapped", "decode passes the two masks swapped; the order is block(x, memory, target_mask, source_mask): the target mask for the self-attention, the source mask for the cross-attention",
      (DECODE_LOOP, DECODE_LOOP.replace("target_mask, source_mask", "source_mask, target_mask"))),
    M("seq2seq.decode_source_mask_from_target", "decode builds the source mask from target_ids; the cross-attention's keys are the source's: make_source_mask(source_ids)",
      ("source_mask = make_source_mask(source_ids)", "source_mask = make_source_mask(target_ids)")),
    M("seq2seq.decode_source_embedding", "decode embeds the target with source_embedding; the target has its own table, target_embedding",
      ("self.dropout(self.target_embedding(target_ids)", "self.dropout(self.source_embedding(target_ids)")),
    M("seq2seq.decode_memory_from_previous_block", "each decoder block gets the previous block's output as its memory; every block gets the same memory, the encoder's output, and updates x",
      (DECODE_LOOP, "            memory = block(x, memory, target_mask, source_mask)  # (B, Lt, H)\n        return memory\n")),
    M("seq2seq.decoder_reads_each_encoder_layer", "decoder block i attends to the output of encoder block i; every decoder block attends to the encoder's last layer, the memory passed to decode",
      (ENCODE_LOOP, "            x = block(x, mask)  # (B, Ls, H)\n            self.encoder_layers.append(x)\n        return x\n"),
      ("        for block in self.encoder_blocks:\n", "        self.encoder_layers = []\n        for block in self.encoder_blocks:\n"),
      ("        for block in self.decoder_blocks:\n", "        for i, block in enumerate(self.decoder_blocks):\n"),
      (DECODE_LOOP, "            x = block(x, self.encoder_layers[i], target_mask, source_mask)  # (B, Lt, H)\n        return x\n")),
    M("seq2seq.decode_returns_first_layer", "decode returns after the first decoder block (the return is inside the loop); run every block, then return the last one's output",
      (DECODE_LOOP, "            x = block(x, memory, target_mask, source_mask)  # (B, Lt, H)\n            return x\n")),
    M("seq2seq.decode_without_positions", "decode does not add the position embedding: x = dropout(target_embedding(ids) + position_embedding(ids))",
      (DECODE_EMBED, "        x = self.dropout(self.target_embedding(target_ids))  # (B, Lt, H)\n")),
    M("seq2seq.embeddings_scaled", "the token embeddings are multiplied by sqrt(H) (as in the paper); the contract's sum is not scaled: dropout(embedding(ids) + position_embedding(ids))",
      ("self.dropout(self.source_embedding(source_ids) +", "self.dropout(self.source_embedding(source_ids) * self.source_embedding.embedding_dim ** 0.5 +"),
      ("self.dropout(self.target_embedding(target_ids) +", "self.dropout(self.target_embedding(target_ids) * self.target_embedding.embedding_dim ** 0.5 +")),
    M("seq2seq.no_embedding_dropout", "self.dropout is never applied to the embeddings: x = dropout(embedding(ids) + position_embedding(ids)) in encode and decode",
      (ENCODE_EMBED, "        x = self.source_embedding(source_ids) + self.position_embedding(source_ids)  # (B, Ls, H)\n"),
      (DECODE_EMBED, "        x = self.target_embedding(target_ids) + self.position_embedding(target_ids)  # (B, Lt, H)\n")),
    M("seq2seq.encode_without_dropout", "encode never applies self.dropout to the source's embeddings (decode does): x = dropout(source_embedding(ids) + position_embedding(ids))",
      (ENCODE_EMBED, "        x = self.source_embedding(source_ids) + self.position_embedding(source_ids)  # (B, Ls, H)\n")),
    M("seq2seq.decode_without_dropout", "decode never applies self.dropout to the target's embeddings (encode does): x = dropout(target_embedding(ids) + position_embedding(ids))",
      (DECODE_EMBED, "        x = self.target_embedding(target_ids) + self.position_embedding(target_ids)  # (B, Lt, H)\n")),
    M("seq2seq.dropout_on_tokens_only", "dropout is applied to the token embedding only; apply it to the sum of the token and position embeddings",
      (ENCODE_EMBED, "        x = self.dropout(self.source_embedding(source_ids)) + self.position_embedding(source_ids)  # (B, Ls, H)\n"),
      (DECODE_EMBED, "        x = self.dropout(self.target_embedding(target_ids)) + self.position_embedding(target_ids)  # (B, Lt, H)\n")),
    M("seq2seq.forward_encodes_target", "forward encodes target_ids; the encoder reads the source: memory = encode(source_ids)",
      ("        memory = self.encode(source_ids)  # (B, Ls, H)\n", "        memory = self.encode(target_ids)  # (B, Ls, H)\n")),
    M("seq2seq.forward_source_ids_from_target", "forward passes target_ids to decode as the source ids, so the cross-attention's mask comes from the target; decode(target_ids, memory, source_ids)",
      ("self.decode(target_ids, memory, source_ids)", "self.decode(target_ids, memory, target_ids)")),
    M("seq2seq.forward_without_output_layer", "forward returns the decoder's output (B, Lt, H); apply output_layer to get the logits (B, Lt, target_vocab)",
      ("return self.output_layer(self.decode(target_ids, memory, source_ids))", "return self.decode(target_ids, memory, source_ids)")),
    M("seq2seq.forward_returns_probabilities", "forward applies a softmax; it returns the logits, output_layer's output (the loss applies its own log-softmax)",
      ("return self.output_layer(self.decode(target_ids, memory, source_ids))", "return self.output_layer(self.decode(target_ids, memory, source_ids)).softmax(dim=-1)")),
    M("seq2seq.forward_shifts_target_again", "forward drops the last target token; target_ids is already shifted (it starts with BOS): decode all of it, the logits are (B, Lt, target_vocab)",
      ("self.decode(target_ids, memory, source_ids)", "self.decode(target_ids[:, :-1], memory, source_ids)")),
)
ZH.update({
    "seq2seq.source_mask_over_queries": "make_source_mask 把填充放在了 query 维上，形状成了 (B, 1, Ls, 1)；它要屏蔽的是填充的 key：形状 (B, 1, 1, Ls)，位置放在最后一维",
    "seq2seq.source_mask_inverted": "make_source_mask 用反了：它在填充处（id 为 0）为 True；True 应标记真实的词，即 source_ids != 0",
    "seq2seq.source_mask_without_head_axis": "make_source_mask 的形状是 (B, 1, Ls)，缺少头的维度，于是第 b 个样本的掩码落到了第 b 个头上；应为 (B, 1, 1, Ls)",
    "seq2seq.source_mask_not_bool": "make_source_mask 返回的是 0/1 整数；题目规定掩码是布尔张量：(source_ids != 0)，不要加 .long() 或 .float()",
    "seq2seq.target_mask_forgets_padding": "make_target_mask 只有因果掩码：它还必须屏蔽填充的 key（目标 id 为 0），即 padding & causal，形状 (B, 1, Lt, Lt)",
    "seq2seq.target_mask_causal_only_per_example": "make_target_mask 对每个样本都只屏蔽了未来的 key：它还必须屏蔽填充的 key（目标 id 为 0），即 padding & causal",
    "seq2seq.target_mask_not_causal": "make_target_mask 只有填充掩码，目标序列的每个位置都能看到它后面的词；要和因果掩码组合起来：padding & subsequent_mask(Lt)",
    "seq2seq.target_mask_hides_self": "make_target_mask 的因果部分写成了 j < i，每个位置都看不到它自己；query i 应能看到 j <= i 的 key（torch.tril，diagonal 为 0）",
    "seq2seq.target_mask_transposed": "make_target_mask 的因果部分被转置了（j >= i），每个 query 都看到了未来；query i 只能看到 j <= i 的 key",
    "seq2seq.target_masks_added": "make_target_mask 把填充掩码和因果掩码相加了：只有一个允许的位置和为 1，而 1 不会屏蔽；请用 & 组合它们（得到布尔张量）",
    "seq2seq.target_masks_or": "make_target_mask 用 |（或）组合了填充掩码和因果掩码：任一个允许的 key 都被保留；请用 & 组合它们，key 必须两者都允许",
    "seq2seq.target_padding_over_queries": "make_target_mask 屏蔽了填充 query 的所有 key（填充放在了 query 维上）：填充只应放在 key 维上，形状 (B, 1, 1, Lt)，这样填充的 query 仍能看到它之前的真实 key",
    "seq2seq.encode_returns_first_layer": "encode 在第一个编码器块之后就返回了（return 写在了循环里面）；应跑完所有块，再返回最后一块的输出",
    "seq2seq.encode_without_mask": "编码器块没有拿到掩码，源序列的真实词会关注到填充位置；请把 make_source_mask(source_ids) 传给每个块",
    "seq2seq.encode_without_positions": "encode 没有加上位置编码：x = dropout(source_embedding(ids) + position_embedding(ids))",
    "seq2seq.encode_positions_from_batch_axis": "encode 从批次维（size(0)）取位置；source_ids 的形状是 (B, Ls)：position_embedding(source_ids) 会从第 1 维读取 Ls",
    "seq2seq.decode_target_mask_for_memory": "decode 给解码器块的 memory 也传了目标掩码；交叉注意力用的是源掩码：block(x, memory, target_mask, source_mask)",
    "seq2seq.decode_masks_swapped": "decode 把两个掩码传反了；顺序是 block(x, memory, target_mask, source_mask)：自注意力用目标掩码，交叉注意力用源掩码",
    "seq2seq.decode_source_mask_from_target": "decode 用 target_ids 构造了源掩码；交叉注意力的 key 来自源序列：make_source_mask(source_ids)",
    "seq2seq.decode_source_embedding": "decode 用 source_embedding 对目标序列做嵌入；目标序列有自己的词表 target_embedding",
    "seq2seq.decode_memory_from_previous_block": "每个解码器块都把上一块的输出当作 memory；所有块拿到的都是同一个 memory（编码器的输出），更新的是 x",
    "seq2seq.decoder_reads_each_encoder_layer": "第 i 个解码器块关注的是第 i 个编码器块的输出；每个解码器块关注的都应是编码器的最后一层，即传给 decode 的 memory",
    "seq2seq.decode_returns_first_layer": "decode 在第一个解码器块之后就返回了（return 写在了循环里面）；应跑完所有块，再返回最后一块的输出",
    "seq2seq.decode_without_positions": "decode 没有加上位置编码：x = dropout(target_embedding(ids) + position_embedding(ids))",
    "seq2seq.embeddings_scaled": "词嵌入乘以了 sqrt(H)（论文中的做法）；题目规定的和不做缩放：dropout(embedding(ids) + position_embedding(ids))",
    "seq2seq.no_embedding_dropout": "嵌入上从未使用 self.dropout：encode 和 decode 中都应是 x = dropout(embedding(ids) + position_embedding(ids))",
    "seq2seq.encode_without_dropout": "encode 没有对源序列的嵌入使用 self.dropout（decode 用了）：x = dropout(source_embedding(ids) + position_embedding(ids))",
    "seq2seq.decode_without_dropout": "decode 没有对目标序列的嵌入使用 self.dropout（encode 用了）：x = dropout(target_embedding(ids) + position_embedding(ids))",
    "seq2seq.dropout_on_tokens_only": "dropout 只作用在了词嵌入上；应作用在词嵌入与位置编码之和上",
    "seq2seq.forward_encodes_target": "forward 对 target_ids 做了编码；编码器读的是源序列：memory = encode(source_ids)",
    "seq2seq.forward_source_ids_from_target": "forward 把 target_ids 当作源 id 传给了 decode，交叉注意力的掩码因此来自目标序列；应为 decode(target_ids, memory, source_ids)",
    "seq2seq.forward_without_output_layer": "forward 返回的是解码器的输出 (B, Lt, H)；还要经过 output_layer 得到 logits (B, Lt, target_vocab)",
    "seq2seq.forward_returns_probabilities": "forward 做了 softmax；它应返回 logits，即 output_layer 的输出（损失函数会自己做 log-softmax）",
    "seq2seq.forward_shifts_target_again": "forward 丢掉了最后一个目标词；target_ids 已经右移过（以 BOS 开头）：应对整个序列解码，logits 的形状是 (B, Lt, target_vocab)",
})
VARIANTS += (
    M("seq2seq.tril_and_none_indexing", "the masks with ne(0), None indexing and torch.tril instead of subsequent_mask",
      IMPORT_TORCH, (SOURCE_MASK, "    return source_ids.ne(0)[:, None, None, :]\n"),
      (TARGET_PADDING + TARGET_CAUSAL + TARGET_RETURN,
       "    n = target_ids.size(1)\n    causal = torch.tril(torch.ones(n, n, dtype=torch.bool, device=target_ids.device))\n"
       "    return torch.logical_and(target_ids.ne(0)[:, None, None, :], causal)\n")),
    M("seq2seq.masks_multiplied", "the bool masks combined with * (logical and for bool tensors), the source mask with > 0",
      (SOURCE_MASK, "    return (source_ids > 0).unsqueeze(1).unsqueeze(2)\n"),
      (TARGET_RETURN, "    return padding * causal.unsqueeze(1)  # (B, 1, Lt, Lt)\n")),
    M("seq2seq.positions_from_embedded", "the positions read from the embedded tokens, step by step, with Chinese names",
      (ENCODE_EMBED, "        词嵌入 = self.source_embedding(source_ids)  # (B, Ls, H)\n"
                     "        x = self.dropout(词嵌入 + self.position_embedding(词嵌入))\n"),
      (DECODE_EMBED, "        词嵌入 = self.target_embedding(target_ids)  # (B, Lt, H)\n"
                     "        x = self.dropout(词嵌入 + self.position_embedding(词嵌入))\n")),
    M("seq2seq.encode_by_index", "the blocks run by index, the masks built inline, forward in two steps",
      ("        for block in self.encoder_blocks:\n            x = block(x, mask)  # (B, Ls, H)\n",
       "        for i in range(len(self.encoder_blocks)):\n            x = self.encoder_blocks[i](x, mask)\n"),
      (FORWARD, "        hidden = self.decode(target_ids, self.encode(source_ids), source_ids)\n        logits = self.output_layer(hidden)\n        return logits\n")),
)

# ---- 5. gpt ----
TIE = "        self.lm_head.weight = self.token_embedding.weight  # (V, H), one Parameter\n"
GPT_PADDING = "        padding = (input_ids != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, L)\n"
GPT_MASK = "        mask = padding & subsequent_mask(L).to(input_ids.device).unsqueeze(1)  # (B, 1, L, L)\n"
GPT_EMBED = "        x = self.dropout(self.token_embedding(input_ids) + self.position_embedding(input_ids))  # (B, L, H)\n"
GPT_LOOP = "            x = block(x, mask)  # (B, L, H)\n        return self.lm_head(x)  # (B, L, V)\n"
GPT_LOSS = "        return F.cross_entropy(logits[:, :-1].reshape(-1, V), input_ids[:, 1:].reshape(-1), ignore_index=0)\n"
GPT_IMPORT_TORCH = ("import torch.nn.functional as F\n", "import torch\nimport torch.nn.functional as F\n")
MISTAKES += (
    M("gpt.not_tied", "lm_head is not tied to the token embedding: it has a weight of its own; share the Parameter: self.lm_head.weight = self.token_embedding.weight",
      (TIE, "        pass\n")),
    M("gpt.tied_by_copying_values", "lm_head's weight is a Parameter of its own (a copy of the embedding's values, or nn.Parameter(...) around them, which .to() or .double() separates): the two tables drift apart in training; share the Parameter itself: self.lm_head.weight = self.token_embedding.weight",
      (TIE, "        self.lm_head.weight = nn.Parameter(self.token_embedding.weight.detach().clone())\n")),
    M("gpt.mask_forgets_padding", "the mask is only the causal mask: it must also block the padded keys (input id 0), padding & causal, of shape (B, 1, L, L)",
      (GPT_MASK, "        mask = subsequent_mask(L).to(input_ids.device).unsqueeze(1)  # (1, 1, L, L)\n")),
    M("gpt.mask_not_causal", "the mask is only the padding mask, so every position sees the tokens after it; combine it with the causal mask: padding & subsequent_mask(L)",
      (GPT_MASK, "        mask = padding  # (B, 1, 1, L)\n")),
    M("gpt.causal_hides_self", "the causal mask is j < i, which hides each position from itself; query i sees the keys j <= i (subsequent_mask, or torch.tril with diagonal 0)",
      GPT_IMPORT_TORCH, (GPT_MASK, "        mask = padding & torch.tril(torch.ones(L, L, dtype=torch.bool), diagonal=-1)  # (B, 1, L, L)\n")),
    M("gpt.causal_transposed", "the causal mask is transposed (j >= i), so each query sees the future; query i sees the keys j <= i",
      (GPT_MASK, "        mask = padding & subsequent_mask(L).to(input_ids.device).transpose(1, 2).unsqueeze(1)  # (B, 1, L, L)\n")),
    M("gpt.causal_inverted", "the causal mask is inverted: torch.triu(..., diagonal=1) marks the future keys, but a True entry keeps a key; keep j <= i: subsequent_mask(L), or ~torch.triu(..., diagonal=1)",
      GPT_IMPORT_TORCH, (GPT_MASK, "        mask = padding & torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)  # (B, 1, L, L)\n")),
    M("gpt.masks_added", "the padding and causal masks are combined so that a key either one allows is kept (added, or |): a key must pass both; combine them with &",
      (GPT_MASK, "        mask = padding.long() + subsequent_mask(L).to(input_ids.device).unsqueeze(1).long()  # (B, 1, L, L)\n")),
    M("gpt.padding_over_queries", "the mask blocks every key of a padded query (padding on the query axis): put the padding on the key axis only, (B, 1, 1, L), so that a padded query still sees the real keys before it",
      (GPT_PADDING, "        padding = (input_ids != 0).unsqueeze(1).unsqueeze(3)  # (B, 1, L, 1)\n")),
    M("gpt.mask_without_head_axis", "the mask is (B, L, L), without an axis for the heads, so example b's mask lands on head b; make it (B, 1, L, L)",
      (GPT_PADDING, "        padding = (input_ids != 0).unsqueeze(1)  # (B, 1, L)\n"),
      (GPT_MASK, "        mask = padding & subsequent_mask(L).to(input_ids.device)  # (B, L, L)\n")),
    M("gpt.no_positions", "the position embedding is not added: x = dropout(token_embedding(ids) + position_embedding(ids))",
      (GPT_EMBED, "        x = self.dropout(self.token_embedding(input_ids))  # (B, L, H)\n")),
    M("gpt.no_embedding_dropout", "self.dropout is never applied to the embeddings: x = dropout(token_embedding(ids) + position_embedding(ids))",
      (GPT_EMBED, "        x = self.token_embedding(input_ids) + self.position_embedding(input_ids)  # (B, L, H)\n")),
    M("gpt.dropout_on_tokens_only", "dropout is applied to the token embedding only; apply it to the sum of the token and position embeddings",
      (GPT_EMBED, "        x = self.dropout(self.token_embedding(input_ids)) + self.position_embedding(input_ids)  # (B, L, H)\n")),
    M("gpt.returns_after_first_block", "forward returns after the first block (the return is inside the loop); run every block, then apply lm_head",
      (GPT_LOOP, "            x = block(x, mask)  # (B, L, H)\n            return self.lm_head(x)  # (B, L, V)\n")),
    M("gpt.forward_returns_probabilities", "forward applies a softmax; it returns the logits, lm_head's output (cross_entropy applies its own log-softmax)",
      ("        return self.lm_head(x)  # (B, L, V)\n", "        return self.lm_head(x).softmax(dim=-1)  # (B, L, V)\n")),
    M("gpt.shift_reversed", "the shift goes the wrong way: logits[:, 1:] with input_ids[:, :-1] predicts each token from the ones after it; logits[:, :-1] predict input_ids[:, 1:]",
      (GPT_LOSS, GPT_LOSS.replace("logits[:, :-1]", "logits[:, 1:]").replace("input_ids[:, 1:]", "input_ids[:, :-1]"))),
    M("gpt.no_shift", "the loss is not shifted: the logits at position t must predict token t + 1, so compare logits[:, :-1] with input_ids[:, 1:]",
      (GPT_LOSS, "        return F.cross_entropy(logits.reshape(-1, V), input_ids.reshape(-1), ignore_index=0)\n")),
    M("gpt.targets_not_shifted", "the targets are not shifted: logits[:, :-1] are compared with input_ids[:, :-1], each position's own token; the targets are input_ids[:, 1:]",
      (GPT_LOSS, GPT_LOSS.replace("input_ids[:, 1:]", "input_ids[:, :-1]"))),
    M("gpt.padding_counted", "the padding targets (id 0) are counted in the loss; pass ignore_index=0 to F.cross_entropy",
      (GPT_LOSS, GPT_LOSS.replace(", ignore_index=0)", ")"))),
    M("gpt.mean_over_all_positions", "the loss is averaged over every position, padding included; the mean is over the counted targets (ignore_index=0 does that)",
      (GPT_LOSS, "        targets = input_ids[:, 1:].reshape(-1)\n"
                 "        losses = F.cross_entropy(logits[:, :-1].reshape(-1, V), targets, reduction=\"none\")\n"
                 "        return (losses * (targets != 0)).mean()\n")),
    M("gpt.mean_per_sequence", "the loss averages each sequence, then the sequences; the mean is over all counted targets of the batch together",
      (GPT_LOSS, "        targets = input_ids[:, 1:]\n"
                 "        losses = F.cross_entropy(logits[:, :-1].transpose(1, 2), targets, ignore_index=0, reduction=\"none\")\n"
                 "        return (losses.sum(dim=1) / (targets != 0).sum(dim=1)).mean()\n")),
    M("gpt.view_after_slicing", ".view fails after slicing (logits[:, :-1] is not contiguous); use .reshape, or .contiguous().view",
      (GPT_LOSS, GPT_LOSS.replace(".reshape(", ".view(")), error=r"view size is not compatible"),
    M("gpt.softmax_before_cross_entropy", "the loss applies a softmax before F.cross_entropy, which applies its own log-softmax; pass it the raw logits",
      (GPT_LOSS, GPT_LOSS.replace("logits[:, :-1].reshape(-1, V)", "logits[:, :-1].softmax(dim=-1).reshape(-1, V)"))),
    M("gpt.sum_not_mean", "the loss is the sum over the targets; it is their mean (F.cross_entropy's default reduction)",
      (GPT_LOSS, GPT_LOSS.replace("ignore_index=0)", "ignore_index=0, reduction=\"sum\")"))),
)
ZH.update({
    "gpt.not_tied": "lm_head 没有与词嵌入共享权重：它有自己单独的 weight；请共享同一个 Parameter：self.lm_head.weight = self.token_embedding.weight",
    "gpt.tied_by_copying_values": "lm_head 的权重是一个独立的 Parameter（词嵌入数值的拷贝，或用 nn.Parameter(...) 包住这些数值，.to() 或 .double() 之后就会分开）：训练中两张表会各自变化；请共享 Parameter 本身：self.lm_head.weight = self.token_embedding.weight",
    "gpt.mask_forgets_padding": "掩码只有因果掩码：它还必须屏蔽填充的 key（input id 为 0），即 padding & causal，形状 (B, 1, L, L)",
    "gpt.mask_not_causal": "掩码只有填充掩码，每个位置都能看到它之后的词；请与因果掩码组合：padding & subsequent_mask(L)",
    "gpt.causal_hides_self": "因果掩码写成了 j < i，每个位置都看不到它自己；query i 应能看到 j <= i 的 key（subsequent_mask，或 diagonal 为 0 的 torch.tril）",
    "gpt.causal_transposed": "因果掩码被转置了（j >= i），每个 query 都看到了未来；query i 只能看到 j <= i 的 key",
    "gpt.causal_inverted": "因果掩码反了：torch.triu(..., diagonal=1) 标出的是未来的 key，而值为 True 的 key 是被保留的；应保留 j <= i：subsequent_mask(L)，或 ~torch.triu(..., diagonal=1)",
    "gpt.masks_added": "填充掩码和因果掩码的组合方式让任一个允许的 key 都被保留（相加，或用 |）：key 必须两者都允许；请用 & 组合它们",
    "gpt.padding_over_queries": "掩码屏蔽了填充 query 的所有 key（填充放在了 query 维上）：填充只应放在 key 维上，形状 (B, 1, 1, L)，这样填充的 query 仍能看到它之前的真实 key",
    "gpt.mask_without_head_axis": "掩码的形状是 (B, L, L)，缺少头的维度，于是第 b 个样本的掩码落到了第 b 个头上；应为 (B, 1, L, L)",
    "gpt.no_positions": "没有加上位置编码：x = dropout(token_embedding(ids) + position_embedding(ids))",
    "gpt.no_embedding_dropout": "嵌入上从未使用 self.dropout：x = dropout(token_embedding(ids) + position_embedding(ids))",
    "gpt.dropout_on_tokens_only": "dropout 只作用在了词嵌入上；应作用在词嵌入与位置编码之和上",
    "gpt.returns_after_first_block": "forward 在第一个块之后就返回了（return 写在了循环里面）；应跑完所有块，再经过 lm_head",
    "gpt.forward_returns_probabilities": "forward 做了 softmax；它应返回 logits，即 lm_head 的输出（cross_entropy 会自己做 log-softmax）",
    "gpt.shift_reversed": "错位的方向反了：logits[:, 1:] 配 input_ids[:, :-1] 是用后面的词预测前面的词；应是 logits[:, :-1] 预测 input_ids[:, 1:]",
    "gpt.no_shift": "损失没有错开一位：位置 t 的 logits 要预测第 t + 1 个词，所以应比较 logits[:, :-1] 和 input_ids[:, 1:]",
    "gpt.targets_not_shifted": "目标没有错开：logits[:, :-1] 对比的是 input_ids[:, :-1]，也就是每个位置自己的词；目标应是 input_ids[:, 1:]",
    "gpt.padding_counted": "填充目标（id 为 0）也计入了损失；请给 F.cross_entropy 传入 ignore_index=0",
    "gpt.mean_over_all_positions": "损失对所有位置（包括填充）取了平均；应只对计入的目标取平均（ignore_index=0 就是这样做的）",
    "gpt.mean_per_sequence": "损失先对每个序列取平均，再对各序列取平均；应对整个批次中所有计入的目标一起取平均",
    "gpt.view_after_slicing": "切片之后 .view 会失败（logits[:, :-1] 不是连续的）；请用 .reshape，或 .contiguous().view",
    "gpt.softmax_before_cross_entropy": "损失在 F.cross_entropy 之前做了 softmax，而 F.cross_entropy 自己会做 log-softmax；请直接传入原始的 logits",
    "gpt.sum_not_mean": "损失是对目标求和；应取平均（F.cross_entropy 默认的 reduction）",
})
VARIANTS += (
    M("gpt.tied_the_other_way", "the tie written the other way round: token_embedding.weight = lm_head.weight (one Parameter either way)",
      (TIE, "        self.token_embedding.weight = self.lm_head.weight  # (V, H), one Parameter\n")),
    M("gpt.tril_and_linear", "the mask with torch.tril and None indexing, the logits with F.linear on the embedding table",
      GPT_IMPORT_TORCH,
      (GPT_PADDING + GPT_MASK, "        causal = torch.tril(torch.ones(L, L, dtype=torch.bool, device=input_ids.device))\n"
                               "        mask = causal[None, None] & input_ids.ne(0)[:, None, None, :]\n"),
      ("        return self.lm_head(x)  # (B, L, V)\n", "        return F.linear(x, self.token_embedding.weight)\n")),
    M("gpt.loss_by_hand", "the loss by hand: log_softmax, gather, a padding mask and a division by the count",
      (GPT_LOSS, "        log_probs = F.log_softmax(logits[:, :-1], dim=-1)  # (B, L-1, V)\n"
                 "        targets = input_ids[:, 1:]\n"
                 "        picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (B, L-1)\n"
                 "        counted = targets != 0\n"
                 "        return -(picked * counted).sum() / counted.sum()\n")),
    M("gpt.loss_transposed", "cross_entropy on (B, V, L-1) logits, the class axis second, without flattening",
      (GPT_LOSS, "        return F.cross_entropy(logits[:, :-1].transpose(1, 2), input_ids[:, 1:], ignore_index=0)\n")),
    M("gpt.loss_nll_contiguous", "log_softmax and nll_loss, flattened with .contiguous().view",
      (GPT_LOSS, "        shifted = F.log_softmax(logits[:, :-1], dim=-1).contiguous().view(-1, V)\n"
                 "        return F.nll_loss(shifted, input_ids[:, 1:].contiguous().view(-1), ignore_index=0)\n")),
)

# ---- 6. generate ----
GEN_LOGITS = "            logits = model(ids[:, -model.max_len:])[:, -1, :]  # (B, V)\n"
GEN_KTH = "                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, -1:]  # (B, 1)\n"
GEN_FILL = '                    logits = logits.masked_fill(logits < kth, float("-inf"))\n'
GEN_DRAW = "                next_ids = torch.multinomial(probs, 1, generator=generator).squeeze(1)  # (B,)\n"
GEN_EOS = ("                next_ids = next_ids.masked_fill(finished, 0)\n"
           "                finished = finished | (next_ids == eos_id)\n")
GEN_STOP = "            if eos_id is not None and bool(finished.all()):\n                break\n"
GEN_TEMPERATURE = "                logits = logits / temperature\n"
GEN_SOFTMAX = "                probs = torch.softmax(logits, dim=-1)  # (B, V)\n"
MISTAKES += (
    M("generate.temperature_zero_rejected", "temperature 0 raises ValueError; 0 means greedy decoding (the argmax), only a temperature below 0 is an error",
      ("    if temperature < 0:\n", "    if temperature <= 0:\n")),
    M("generate.top_k_zero_accepted", "top_k=0 is let through (`if top_k and ...` is false for 0): raise ValueError for every top_k below 1, only None means no top-k",
      ("    if top_k is not None and top_k < 1:\n", "    if top_k and top_k < 1:\n")),
    M("generate.negative_length_accepted", "max_new_tokens < 0 gives the prompt back; it must raise ValueError",
      ("    if max_new_tokens < 0:\n", "    if False:\n")),
    M("generate.first_position", "the next token is read from the logits of the first position; it is predicted at the last one, logits[:, -1]",
      (GEN_LOGITS, GEN_LOGITS.replace("[:, -1, :]", "[:, 0, :]"))),
    M("generate.argmax_over_batch", "the argmax runs over the batch axis (dim=0); take it over the vocabulary, the last axis of the (B, V) logits",
      ("next_ids = logits.argmax(dim=-1)", "next_ids = logits.argmax(dim=0)"), error="RuntimeError: (Sizes of tensors must match|The size of tensor a)"),
    M("generate.no_crop", "the model is fed the whole sequence, longer than model.max_len in the end; feed it only the last model.max_len tokens, ids[:, -model.max_len:]",
      (GEN_LOGITS, GEN_LOGITS.replace("ids[:, -model.max_len:]", "ids"))),
    M("generate.crop_first_tokens", "the model is fed the first model.max_len tokens; feed it the last ones, ids[:, -model.max_len:]",
      (GEN_LOGITS, GEN_LOGITS.replace("ids[:, -model.max_len:]", "ids[:, :model.max_len]"))),
    M("generate.temperature_after_softmax", "the probabilities are divided by the temperature after the softmax, and multinomial normalises that away; divide the logits before it: softmax(z / temperature)",
      (GEN_TEMPERATURE, ""),
      (GEN_SOFTMAX, "                probs = torch.softmax(logits, dim=-1) / temperature  # (B, V)\n")),
    M("generate.temperature_multiplies", "the logits are multiplied by the temperature; divide them: softmax(z / temperature)",
      (GEN_TEMPERATURE, "                logits = logits * temperature\n")),
    M("generate.temperature_zero_samples", "temperature 0 divides the logits by 0; it means greedy decoding: take the argmax of the logits",
      ("            if temperature == 0:\n", "            if temperature is None:\n"), error="RuntimeError: probability tensor contains"),
    M("generate.softmax_over_batch", "the softmax runs over the batch axis (dim=0); take it over the vocabulary, dim=-1",
      (GEN_SOFTMAX, GEN_SOFTMAX.replace("dim=-1", "dim=0"))),
    M("generate.global_random_generator", "torch.multinomial draws from torch's global random generator; pass it generator=generator, so that the same seed gives the same text",
      (GEN_DRAW, GEN_DRAW.replace(", generator=generator", ""))),
    M("generate.top_k_ignored", "top_k is ignored: set every logit below the k-th largest to -inf before the softmax",
      (GEN_FILL, "                    logits = logits\n")),
    M("generate.top_k_drops_the_kth", "top-k drops the k-th largest logit itself (everything <= it is set to -inf); keep the logits >= the k-th largest, setting only those below it to -inf",
      (GEN_FILL, GEN_FILL.replace("logits < kth", "logits <= kth"))),
    M("generate.top_k_drops_ties", "top-k keeps exactly k tokens (torch.topk's indices), dropping the logits equal to the k-th largest; keep every logit >= the k-th largest value, ties included",
      (GEN_KTH + GEN_FILL,
       "                    top = torch.topk(logits, top_k)\n"
       '                    logits = torch.full_like(logits, float("-inf")).scatter(1, top.indices, top.values)\n')),
    M("generate.kth_not_a_column", "the k-th largest values (B,) do not broadcast against the logits (B, V): keep them as a column, torch.topk(z, k).values[:, -1:]",
      (GEN_KTH, GEN_KTH.replace(".values[:, -1:]", ".values[:, -1]"))),
    M("generate.kth_off_by_one", "the threshold is the (k+1)-th largest logit (index k of the sorted logits); the k-th largest is at index k - 1",
      (GEN_KTH, "                    kth = torch.sort(logits, dim=-1, descending=True).values[:, top_k : top_k + 1]  # (B, 1)\n")),
    M("generate.eos_rows_keep_generating", "rows that produced eos_id keep generating; once a row has produced it, its later tokens are 0",
      (GEN_EOS, "                finished = finished | (next_ids == eos_id)\n")),
    M("generate.eos_rows_repeat_eos", "rows that produced eos_id repeat it; their later tokens are 0 (padding)",
      (GEN_EOS, GEN_EOS.replace("masked_fill(finished, 0)", "masked_fill(finished, eos_id)"))),
    M("generate.eos_itself_zeroed", "the eos_id token itself is replaced by 0: mark the row finished after writing its token, so that only the tokens after eos_id are 0",
      (GEN_EOS, "                finished = finished | (next_ids == eos_id)\n                next_ids = next_ids.masked_fill(finished, 0)\n")),
    M("generate.eos_in_the_prompt_counts", "a row whose prompt holds eos_id counts as finished from the start; only the tokens a row generates finish it",
      (GEN_EOS, "                finished = (ids == eos_id).any(dim=1)  # (B,)\n" + GEN_EOS)),
    M("generate.stops_at_the_first_eos", "generation stops as soon as one row has produced eos_id; it stops only once every row has",
      (GEN_STOP, GEN_STOP.replace("finished.all()", "finished.any()"))),
    M("generate.never_stops", "generation goes on after every row has produced eos_id; stop after the step at which the last row produced it",
      (GEN_STOP, "")),
    M("generate.samples_unfinished_rows_only", "only the unfinished rows are sampled, so the others draw other numbers from the generator; draw for the whole batch every step (one multinomial call), then set the finished rows' tokens to 0",
      (GEN_DRAW, "                live = ~finished\n"
                 "                next_ids = torch.zeros(probs.size(0), dtype=torch.long, device=probs.device)  # (B,)\n"
                 "                next_ids[live] = torch.multinomial(probs[live], 1, generator=generator).squeeze(1)\n")),
    M("generate.no_eval", "the model is left in training mode, so its dropout acts while generating; call model.eval() first",
      ("    model.eval()\n", "")),
    M("generate.no_no_grad", "the model runs with gradients on; generate under torch.no_grad(): no step needs a gradient",
      ("    with torch.no_grad():\n", "    with torch.enable_grad():\n")),
    M("generate.prompt_dropped", "only the new tokens are returned; return the prompt followed by them, (B, L + n)",
      ("    return ids\n", "    return ids[:, input_ids.size(1):]\n")),
)
ZH.update({
    "generate.temperature_zero_rejected": "temperature 为 0 时抛出了 ValueError；0 表示贪心解码（取 argmax），只有小于 0 的 temperature 才是错误",
    "generate.top_k_zero_accepted": "top_k=0 没有被拒绝（`if top_k and ...` 在 top_k 为 0 时为假）：所有小于 1 的 top_k 都要抛出 ValueError，只有 None 表示不做 top-k",
    "generate.negative_length_accepted": "max_new_tokens < 0 时直接返回了提示；应当抛出 ValueError",
    "generate.first_position": "下一个词取自第一个位置的 logits；它由最后一个位置预测，即 logits[:, -1]",
    "generate.argmax_over_batch": "argmax 沿批次维（dim=0）计算；应当沿词表维，即 (B, V) 的 logits 的最后一维",
    "generate.no_crop": "把整个序列都喂给了模型，生成到后面会超过 model.max_len；只喂最后 model.max_len 个词，即 ids[:, -model.max_len:]",
    "generate.crop_first_tokens": "喂给模型的是前 model.max_len 个词；应当是最后 model.max_len 个词，即 ids[:, -model.max_len:]",
    "generate.temperature_after_softmax": "在 softmax 之后才把概率除以 temperature，multinomial 归一化后这一步就没有效果了；应当在 softmax 之前除 logits：softmax(z / temperature)",
    "generate.temperature_multiplies": "logits 乘以了 temperature；应当除以它：softmax(z / temperature)",
    "generate.temperature_zero_samples": "temperature 为 0 时把 logits 除以了 0；0 表示贪心解码：取 logits 的 argmax",
    "generate.softmax_over_batch": "softmax 沿批次维（dim=0）计算；应当沿词表维，dim=-1",
    "generate.global_random_generator": "torch.multinomial 用的是 torch 的全局随机数生成器；要传入 generator=generator，同一个种子才会得到同样的文本",
    "generate.top_k_ignored": "top_k 被忽略了：在 softmax 之前要把小于第 k 大值的 logits 都设为 -inf",
    "generate.top_k_drops_the_kth": "top-k 把第 k 大的 logits 本身也去掉了（小于等于它的都设为 -inf）；应当保留大于等于第 k 大值的 logits，只把小于它的设为 -inf",
    "generate.top_k_drops_ties": "top-k 只保留了恰好 k 个词（torch.topk 给出的下标），与第 k 大值相等的 logits 被去掉了；应当保留所有大于等于第 k 大值的 logits，包括并列的",
    "generate.kth_not_a_column": "第 k 大的值形状为 (B,)，不能和 (B, V) 的 logits 广播：要保留成一列，torch.topk(z, k).values[:, -1:]",
    "generate.kth_off_by_one": "阈值取成了第 k+1 大的 logits（排序后下标为 k）；第 k 大的值在下标 k - 1",
    "generate.eos_rows_keep_generating": "生成了 eos_id 的行还在继续生成；某一行生成 eos_id 之后，它后面的词都应当是 0",
    "generate.eos_rows_repeat_eos": "生成了 eos_id 的行一直重复 eos_id；它后面的词应当是 0（填充）",
    "generate.eos_itself_zeroed": "eos_id 这个词本身也被换成了 0：先写入这一步的词，再把这一行标记为已结束，这样只有 eos_id 之后的词才是 0",
    "generate.eos_in_the_prompt_counts": "提示里含有 eos_id 的行一开始就被当作已结束；只有某一行自己生成的词才能让它结束",
    "generate.stops_at_the_first_eos": "只要有一行生成了 eos_id 就停止了；应当等到每一行都生成过它才停止",
    "generate.never_stops": "所有行都生成过 eos_id 之后还在继续生成；应当在最后一行生成它的那一步之后停止",
    "generate.samples_unfinished_rows_only": "只对还没结束的行采样，其余行从 generator 取到的随机数就变了；每一步应当对整个批次采样（调用一次 multinomial），再把已结束的行的词设为 0",
    "generate.no_eval": "模型还处于训练模式，生成时 dropout 仍在起作用；先调用 model.eval()",
    "generate.no_no_grad": "模型在开启梯度的情况下运行；应当在 torch.no_grad() 下生成：没有哪一步需要梯度",
    "generate.prompt_dropped": "只返回了新生成的词；应当返回提示加上新生成的词，形状 (B, L + n)",
})
VARIANTS += (
    M("generate.multinomial_per_row", "one multinomial call per row, in row order, with the generator: the same draws as one call for the batch",
      (GEN_DRAW, "                next_ids = torch.cat([torch.multinomial(p, 1, generator=generator) for p in probs])  # (B,)\n")),
    M("generate.top_k_before_temperature", "top-k on the raw logits, then the division by the temperature (the order of the logits is the same)",
      (GEN_TEMPERATURE, ""),
      (GEN_SOFTMAX, "                probs = torch.softmax(logits / temperature, dim=-1)  # (B, V)\n")),
    M("generate.top_k_by_sort", "the k-th largest logit read from the sorted logits",
      (GEN_KTH, "                    kth = logits.sort(dim=-1, descending=True).values[:, top_k - 1].unsqueeze(-1)  # (B, 1)\n")),
    M("generate.top_k_by_kthvalue", "the k-th largest logit as minus the k-th smallest of -z",
      (GEN_KTH, "                    kth = -torch.kthvalue(-logits, top_k, dim=-1, keepdim=True).values  # (B, 1)\n")),
    M("generate.top_k_with_where", "torch.where in place of masked_fill",
      (GEN_FILL, '                    logits = torch.where(logits >= kth, logits, torch.full_like(logits, float("-inf")))\n')),
    M("generate.no_grad_decorator", "torch.no_grad() as a decorator",
      ("def generate(", "@torch.no_grad()\ndef generate("), ("    with torch.no_grad():\n", "    if True:\n")),
    M("generate.inference_mode", "torch.inference_mode() in place of torch.no_grad()",
      ("    with torch.no_grad():\n", "    with torch.inference_mode():\n")),
    M("generate.stop_at_the_top_of_the_loop", "the every-row-finished test at the top of the next step",
      (GEN_STOP, ""),
      ("            logits = model(", "            if eos_id is not None and bool(finished.all()):\n                break\n            logits = model(")),
    M("generate.max_indices_and_functional_softmax", "torch.max(...).indices for the argmax, F.softmax, and a per-row eos with torch.where",
      ("next_ids = logits.argmax(dim=-1)", "next_ids = torch.max(logits, dim=1).indices"),
      (GEN_SOFTMAX, "                probs = torch.nn.functional.softmax(logits, dim=1)  # (B, V)\n"),
      ("next_ids = next_ids.masked_fill(finished, 0)", "next_ids = torch.where(finished, torch.zeros_like(next_ids), next_ids)")),
    M("generate.crop_only_when_longer", "the sequence cropped only when it is longer than model.max_len",
      (GEN_LOGITS, "            window = ids if ids.size(1) <= model.max_len else ids[:, ids.size(1) - model.max_len:]\n"
                   "            logits = model(window)[:, -1, :]  # (B, V)\n")),
    M("generate.eos_row_by_row", "the eos handling written row by row in a Python loop",
      (GEN_EOS, "                for b in range(next_ids.size(0)):\n"
                "                    if bool(finished[b]):\n"
                "                        next_ids[b] = 0\n"
                "                    elif int(next_ids[b]) == eos_id:\n"
                "                        finished[b] = True\n")),
    M("generate.chinese_identifiers", "the lecture's names, in Chinese",
      (GEN_LOGITS, "            最后的logits = model(ids[:, -model.max_len:])[:, -1, :]  # (B, V)\n            logits = 最后的logits\n")),
)

# ---- 7. crf ----
CRF_SCORE_START = "        score = self.start_transitions[tags[:, 0]] + emissions[rows, 0, tags[:, 0]]  # (B,)\n"
CRF_SCORE_STEP = "            step = self.transitions[tags[:, t - 1], tags[:, t]] + emissions[rows, t, tags[:, t]]  # (B,)\n"
CRF_ALPHA = "            alpha = torch.where(mask[:, t, None], torch.logsumexp(scores, dim=1), alpha)  # (B, T)\n"
CRF_LOG_Z = "        return torch.logsumexp(alpha + self.end_transitions, dim=1)  # (B,)\n"
CRF_FORWARD = "        return self._score(emissions, tags, mask) - self._log_partition(emissions, mask)  # (B,)\n"
CRF_SCORE_BODY = (
    "        B, L, _ = emissions.shape\n"
    "        rows = torch.arange(B, device=emissions.device)\n"
    + CRF_SCORE_START
    + "        for t in range(1, L):\n"
    + CRF_SCORE_STEP
    + "            score = torch.where(mask[:, t], score + step, score)\n"
    "        last = tags[rows, mask.sum(dim=1) - 1]  # (B,), each row's last real tag\n"
    "        return score + self.end_transitions[last]  # (B,)\n")
CRF_PARTITION_BODY = (
    "        alpha = self.start_transitions + emissions[:, 0]  # (B, T)\n"
    "        for t in range(1, emissions.size(1)):\n"
    "            scores = alpha.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1)  # (B, T_from, T_to)\n"
    + CRF_ALPHA + CRF_LOG_Z)
CRF_VITERBI_BODY = (
    "        best = self.start_transitions + emissions[:, 0]  # (B, T)\n"
    "        backpointers = []\n"
    "        for t in range(1, emissions.size(1)):\n"
    "            scores = best.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1)  # (B, T_from, T_to)\n"
    "            step_best, step_from = scores.max(dim=1)  # (B, T), (B, T)\n"
    "            best = torch.where(mask[:, t, None], step_best, best)\n"
    "            backpointers.append(step_from)\n"
    "        best = best + self.end_transitions  # (B, T)\n"
    "        lengths = mask.sum(dim=1).tolist()\n"
    "        paths = []\n"
    "        for b, length in enumerate(lengths):\n"
    "            path = [int(best[b].argmax())]\n"
    "            for step_from in reversed(backpointers[: length - 1]):\n"
    "                path.append(int(step_from[b, path[-1]]))\n"
    "            paths.append(path[::-1])\n"
    "        return paths\n")
MISTAKES += (
    M("crf.zero_tags_allowed", "CRF(0) is accepted; raise ValueError when num_tags <= 0",
      ("        if num_tags <= 0:\n", "        if num_tags < 0:\n")),
    M("crf.start_not_a_parameter", "start_transitions is a plain tensor, so it is neither trained nor saved: make it an nn.Parameter of shape (T,), like end_transitions and transitions",
      ("        self.start_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))  # (T,)\n",
       "        self.start_transitions = torch.empty(num_tags).uniform_(-0.1, 0.1)  # (T,)\n")),
    M("crf.mask_not_bool", "a 0/1 mask of integers is used as a condition: convert it with mask.bool() first",
      ("        mask = mask.bool()  # (B, L)\n", "        mask = mask  # (B, L)\n")),
    M("crf.first_position_not_checked", "a mask whose first column is not all on is accepted; raise ValueError: every sequence needs its first position",
      ("        if not bool(mask[:, 0].all()):\n", "        if False:\n")),
    M("crf.score_transitions_transposed", "the score reads transitions[y_t, y_(t-1)]; a move from tag i to tag j scores transitions[i, j], so it is transitions[y_(t-1), y_t]",
      (CRF_SCORE_STEP, CRF_SCORE_STEP.replace("self.transitions[tags[:, t - 1], tags[:, t]]", "self.transitions[tags[:, t], tags[:, t - 1]]"))),
    M("crf.score_start_forgotten", "the score leaves out the start transition: add start_transitions[y_0]",
      (CRF_SCORE_START, "        score = emissions[rows, 0, tags[:, 0]]  # (B,)\n")),
    M("crf.score_first_emission_forgotten", "the score leaves out the emission of the first position: add emissions[0, y_0]",
      (CRF_SCORE_START, "        score = self.start_transitions[tags[:, 0]]  # (B,)\n")),
    M("crf.score_end_forgotten", "the score leaves out the end transition: add end_transitions[y_last] at each row's last real tag",
      ("        return score + self.end_transitions[last]  # (B,)\n", "        return score  # (B,)\n")),
    M("crf.score_end_at_position_L_minus_1", "the end transition is taken at position L - 1; it belongs to each row's last real tag, at index mask.sum() - 1",
      ("        last = tags[rows, mask.sum(dim=1) - 1]  # (B,), each row's last real tag\n", "        last = tags[:, -1]  # (B,)\n")),
    M("crf.score_mask_ignored", "the score adds the emissions and transitions of the masked positions too; count only each row's unmasked positions",
      ("            score = torch.where(mask[:, t], score + step, score)\n", "            score = score + step\n")),
    M("crf.score_masked_emissions_counted", "the score adds the emissions of the masked positions (only its transitions are masked); count emissions[t, y_t] at each row's unmasked positions only",
      (CRF_SCORE_STEP + "            score = torch.where(mask[:, t], score + step, score)\n",
       "            step = self.transitions[tags[:, t - 1], tags[:, t]]  # (B,)\n"
       "            score = torch.where(mask[:, t], score + step, score) + emissions[rows, t, tags[:, t]]\n")),
    M("crf.partition_transitions_transposed", "the forward algorithm adds transitions[j, i] to alpha[i]; a move from tag i to tag j scores transitions[i, j]",
      ("            scores = alpha.unsqueeze(2) + self.transitions + ", "            scores = alpha.unsqueeze(2) + self.transitions.t() + ")),
    M("crf.partition_log_of_sum_of_exp", "log Z is computed as log(sum(exp(...))), which overflows for large scores (inf, then NaN); use torch.logsumexp",
      (CRF_ALPHA, CRF_ALPHA.replace("torch.logsumexp(scores, dim=1)", "torch.log(torch.exp(scores).sum(dim=1))")),
      (CRF_LOG_Z, "        return torch.log(torch.exp(alpha + self.end_transitions).sum(dim=1))  # (B,)\n")),
    M("crf.partition_max", "log Z takes the max over the previous tags (that is Viterbi's best score); the forward algorithm sums over them: logsumexp",
      (CRF_ALPHA, CRF_ALPHA.replace("torch.logsumexp(scores, dim=1)", "scores.max(dim=1).values")),
      (CRF_LOG_Z, "        return (alpha + self.end_transitions).max(dim=1).values  # (B,)\n")),
    M("crf.partition_mask_ignored", "the forward algorithm goes on past each row's end; past a masked position alpha must stay as it was: torch.where(mask[:, t, None], new, alpha)",
      (CRF_ALPHA, "            alpha = torch.logsumexp(scores, dim=1)  # (B, T)\n")),
    M("crf.partition_start_forgotten", "log Z leaves out the start transitions: alpha_0 = start + emissions[0]",
      ("        alpha = self.start_transitions + emissions[:, 0]  # (B, T)\n", "        alpha = emissions[:, 0]  # (B, T)\n")),
    M("crf.partition_end_forgotten", "log Z leaves out the end transitions: log Z = logsumexp_j(alpha_last[j] + end[j])",
      (CRF_LOG_Z, "        return torch.logsumexp(alpha, dim=1)  # (B,)\n")),
    M("crf.partition_over_next_tags", "the forward algorithm sums over the next tags (dim 2 of (B, T_from, T_to)); it sums over the previous ones, dim 1",
      (CRF_ALPHA, CRF_ALPHA.replace("torch.logsumexp(scores, dim=1)", "torch.logsumexp(scores, dim=2)"))),
    M("crf.sign_flipped", "forward returns log Z - score; the log-likelihood is score - log Z (at most 0)",
      (CRF_FORWARD, "        return self._log_partition(emissions, mask) - self._score(emissions, tags, mask)  # (B,)\n")),
    M("crf.summed_over_batch", "forward sums the log-likelihoods over the batch (torchcrf's default reduction); return one per row, shape (B,)",
      (CRF_FORWARD, "        return (self._score(emissions, tags, mask) - self._log_partition(emissions, mask)).sum()\n")),
    M("crf.viterbi_transitions_transposed", "Viterbi adds transitions[j, i] to best[i]; a move from tag i to tag j scores transitions[i, j]",
      ("            scores = best.unsqueeze(2) + self.transitions + ", "            scores = best.unsqueeze(2) + self.transitions.t() + ")),
    M("crf.viterbi_backpointers_off_by_one", "the back-trace is off by one step: the pointers start at position 1, so position t's best previous tag is in backpointers[t - 1]",
      ("            for step_from in reversed(backpointers[: length - 1]):\n", "            for step_from in reversed(backpointers[1:length]):\n")),
    M("crf.viterbi_start_forgotten", "Viterbi leaves out the start transitions: best_0 = start + emissions[0]",
      ("        best = self.start_transitions + emissions[:, 0]  # (B, T)\n", "        best = emissions[:, 0]  # (B, T)\n")),
    M("crf.viterbi_end_forgotten", "Viterbi leaves out the end transitions: add end_transitions before the last argmax",
      ("        best = best + self.end_transitions  # (B, T)\n", "")),
    M("crf.viterbi_mask_ignored", "Viterbi goes on past each row's end; past a masked position best must stay as it was: torch.where(mask[:, t, None], new, best)",
      ("            best = torch.where(mask[:, t, None], step_best, best)\n", "            best = step_best\n")),
    M("crf.decode_padded_rows", "every decoded row has the full length L; each row's path is as long as its unmasked positions, mask.sum()",
      ("        lengths = mask.sum(dim=1).tolist()\n", "        lengths = [mask.size(1)] * mask.size(0)\n")),
    M("crf.path_not_reversed", "the decoded path is backwards: the back-trace collects the tags from the last position to the first, so reverse it",
      ("            paths.append(path[::-1])\n", "            paths.append(path)\n")),
    M("crf.decode_tensors", "decode returns a tensor for each row; it returns a list of B lists of ints, as torchcrf's decode",
      ("            paths.append(path[::-1])\n", "            paths.append(torch.tensor(path[::-1]))\n")),
    M("crf.viterbi_max_over_next_tags", "Viterbi takes the max over the next tags (dim 2 of (B, T_from, T_to)); it takes it over the previous ones, dim 1",
      ("            step_best, step_from = scores.max(dim=1)", "            step_best, step_from = scores.max(dim=2)")),
)
ZH.update({
    "crf.zero_tags_allowed": "CRF(0) 没有报错；num_tags <= 0 时应当抛出 ValueError",
    "crf.start_not_a_parameter": "start_transitions 是普通张量，既不会被训练也不会被保存：应当和 end_transitions、transitions 一样是形状为 (T,) 的 nn.Parameter",
    "crf.mask_not_bool": "把整数的 0/1 掩码直接当作条件使用：先用 mask.bool() 转换",
    "crf.first_position_not_checked": "第一列不全为真的掩码没有报错；应当抛出 ValueError：每个序列都需要第一个位置",
    "crf.score_transitions_transposed": "得分取的是 transitions[y_t, y_(t-1)]；从标签 i 转移到标签 j 的分数是 transitions[i, j]，所以应当是 transitions[y_(t-1), y_t]",
    "crf.score_start_forgotten": "得分漏掉了起始转移分数：要加上 start_transitions[y_0]",
    "crf.score_first_emission_forgotten": "得分漏掉了第一个位置的发射分数：要加上 emissions[0, y_0]",
    "crf.score_end_forgotten": "得分漏掉了结束转移分数：要在每行最后一个真实标签处加上 end_transitions[y_last]",
    "crf.score_end_at_position_L_minus_1": "结束转移分数取在位置 L - 1；它属于每行最后一个真实标签，下标为 mask.sum() - 1",
    "crf.score_mask_ignored": "得分把被屏蔽位置的发射分数和转移分数也加进去了；只统计每行未屏蔽的位置",
    "crf.score_masked_emissions_counted": "得分把被屏蔽位置的发射分数也加进去了（只有转移分数做了屏蔽）；发射分数 emissions[t, y_t] 只统计每行未屏蔽的位置",
    "crf.partition_transitions_transposed": "前向算法给 alpha[i] 加的是 transitions[j, i]；从标签 i 转移到标签 j 的分数是 transitions[i, j]",
    "crf.partition_log_of_sum_of_exp": "log Z 用 log(sum(exp(...))) 计算，分数大时会溢出（得到 inf，再得到 NaN）；用 torch.logsumexp",
    "crf.partition_max": "log Z 对前一个标签取了 max（那是 Viterbi 的最优得分）；前向算法要对它们求和：logsumexp",
    "crf.partition_mask_ignored": "前向算法越过了每行的末尾还在递推；在被屏蔽的位置 alpha 必须保持不变：torch.where(mask[:, t, None], new, alpha)",
    "crf.partition_start_forgotten": "log Z 漏掉了起始转移分数：alpha_0 = start + emissions[0]",
    "crf.partition_end_forgotten": "log Z 漏掉了结束转移分数：log Z = logsumexp_j(alpha_last[j] + end[j])",
    "crf.partition_over_next_tags": "前向算法对下一个标签求和（(B, T_from, T_to) 的第 2 维）；应当对前一个标签求和，即第 1 维",
    "crf.sign_flipped": "forward 返回的是 log Z - score；对数似然是 score - log Z（不大于 0）",
    "crf.summed_over_batch": "forward 把整个批次的对数似然加起来了（torchcrf 的默认 reduction）；应当每行返回一个值，形状 (B,)",
    "crf.viterbi_transitions_transposed": "Viterbi 给 best[i] 加的是 transitions[j, i]；从标签 i 转移到标签 j 的分数是 transitions[i, j]",
    "crf.viterbi_backpointers_off_by_one": "回溯错了一步：回溯指针从位置 1 开始记录，所以位置 t 的最优前一个标签在 backpointers[t - 1] 中",
    "crf.viterbi_start_forgotten": "Viterbi 漏掉了起始转移分数：best_0 = start + emissions[0]",
    "crf.viterbi_end_forgotten": "Viterbi 漏掉了结束转移分数：在最后取 argmax 之前加上 end_transitions",
    "crf.viterbi_mask_ignored": "Viterbi 越过了每行的末尾还在递推；在被屏蔽的位置 best 必须保持不变：torch.where(mask[:, t, None], new, best)",
    "crf.decode_padded_rows": "解码出的每一行长度都是 L；每行路径的长度应当等于它未屏蔽的位置数 mask.sum()",
    "crf.path_not_reversed": "解码出的路径是倒序的：回溯是从最后一个位置往前收集标签的，要把它反转过来",
    "crf.decode_tensors": "decode 对每行返回的是张量；应当返回 B 个由 int 组成的列表，与 torchcrf 的 decode 相同",
    "crf.viterbi_max_over_next_tags": "Viterbi 对下一个标签取 max（(B, T_from, T_to) 的第 2 维）；应当对前一个标签取 max，即第 1 维",
})
VARIANTS += (
    M("crf.score_vectorised_with_gather", "the score without a loop: gather the path's emissions, index the transitions, weight by the mask",
      (CRF_SCORE_BODY,
       "        keep = mask.to(emissions.dtype)  # (B, L)\n"
       "        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # (B, L)\n"
       "        moved = self.transitions[tags[:, :-1], tags[:, 1:]]  # (B, L - 1)\n"
       "        last = tags.gather(1, (mask.long().sum(dim=1) - 1).unsqueeze(1)).squeeze(1)  # (B,)\n"
       "        return (self.start_transitions[tags[:, 0]] + (emitted * keep).sum(dim=1)\n"
       "                + (moved * keep[:, 1:]).sum(dim=1) + self.end_transitions[last])  # (B,)\n")),
    M("crf.partition_row_by_row", "the forward algorithm run row by row, each over its own length",
      (CRF_PARTITION_BODY,
       "        log_z = []\n"
       "        for b in range(emissions.size(0)):\n"
       "            alpha = self.start_transitions + emissions[b, 0]  # (T,)\n"
       "            for t in range(1, int(mask[b].sum())):\n"
       "                alpha = torch.logsumexp(alpha.unsqueeze(1) + self.transitions, dim=0) + emissions[b, t]\n"
       "            log_z.append(torch.logsumexp(alpha + self.end_transitions, dim=0))\n"
       "        return torch.stack(log_z)  # (B,)\n")),
    M("crf.partition_stable_logsumexp_by_hand", "log-sum-exp written by hand with the max subtracted, and the mask as 0/1 weights",
      (CRF_ALPHA,
       "            top = scores.max(dim=1, keepdim=True).values  # (B, 1, T)\n"
       "            new = (top + torch.log(torch.exp(scores - top).sum(dim=1, keepdim=True))).squeeze(1)  # (B, T)\n"
       "            keep = mask[:, t, None].to(alpha.dtype)  # (B, 1)\n"
       "            alpha = new * keep + alpha * (1 - keep)  # (B, T)\n")),
    M("crf.viterbi_row_by_row", "Viterbi run row by row, each over its own length, with Python lists",
      (CRF_VITERBI_BODY,
       "        paths = []\n"
       "        for b in range(emissions.size(0)):\n"
       "            best = self.start_transitions + emissions[b, 0]  # (T,)\n"
       "            pointers = []\n"
       "            for t in range(1, int(mask[b].sum())):\n"
       "                best, came = (best.unsqueeze(1) + self.transitions).max(dim=0)  # (T,), (T,)\n"
       "                best = best + emissions[b, t]\n"
       "                pointers.append(came.tolist())\n"
       "            tag = int((best + self.end_transitions).argmax())\n"
       "            path = [tag]\n"
       "            for came in reversed(pointers):\n"
       "                tag = came[tag]\n"
       "                path.append(tag)\n"
       "            paths.append(list(reversed(path)))\n"
       "        return paths\n")),
    M("crf.mask_not_equal_zero", "the mask made boolean with mask != 0",
      ("        mask = mask.bool()  # (B, L)\n", "        mask = mask != 0  # (B, L)\n")),
    M("crf.chinese_identifiers", "the lecture's names, in Chinese",
      (CRF_LOG_Z, "        对数配分函数 = torch.logsumexp(alpha + self.end_transitions, dim=1)  # (B,)\n        return 对数配分函数\n")),
)

# Dropouts built with a fixed rate, or sub-modules built without the dropout argument: eval mode hides
# them, the rate checks show them.
FIXED = "self.dropout ignores the dropout argument: build it as nn.Dropout(dropout), not with a fixed rate"
FIXED_ZH = "self.dropout 忽略了 dropout 参数：应写成 nn.Dropout(dropout)，而不是固定的比率"
MISTAKES += (
    M("classifier.dropout_rate_fixed", FIXED, ("self.dropout = nn.Dropout(dropout)", "self.dropout = nn.Dropout(0.1)")),
    M("cross_attention.dropout_rate_fixed", FIXED, ("self.dropout = nn.Dropout(dropout)", "self.dropout = nn.Dropout(0.1)")),
    M("decoder_block.self_attention_without_dropout", "self_attention is built without the block's dropout: MultiHeadedAttention(head_num, hidden_size, dropout)",
      ("MultiHeadedAttention(head_num, hidden_size, dropout)", "MultiHeadedAttention(head_num, hidden_size)")),
    M("seq2seq.decoder_blocks_without_dropout", "the decoder blocks are built without the model's dropout: DecoderBlock(hidden_size, head_num, dropout)",
      ("DecoderBlock(hidden_size, head_num, dropout)", "DecoderBlock(hidden_size, head_num)")),
    M("gpt.dropout_rate_fixed", FIXED, ("self.dropout = nn.Dropout(dropout)", "self.dropout = nn.Dropout(0.1)")),
    M("gpt.blocks_without_dropout", "the blocks are built without the model's dropout: TransformerBlock(hidden_size, head_num, dropout)",
      ("TransformerBlock(hidden_size, head_num, dropout)", "TransformerBlock(hidden_size, head_num)")),
)
ZH.update({
    "classifier.dropout_rate_fixed": FIXED_ZH,
    "cross_attention.dropout_rate_fixed": FIXED_ZH,
    "decoder_block.self_attention_without_dropout": "构建 self_attention 时没有传入块的 dropout：MultiHeadedAttention(head_num, hidden_size, dropout)",
    "seq2seq.decoder_blocks_without_dropout": "构建解码器块时没有传入模型的 dropout：DecoderBlock(hidden_size, head_num, dropout)",
    "gpt.dropout_rate_fixed": FIXED_ZH,
    "gpt.blocks_without_dropout": "构建各个块时没有传入模型的 dropout：TransformerBlock(hidden_size, head_num, dropout)",
})

MISTAKES += (
    M("crf.decode_returns_tensors", "decode returns tensors for the tags; return plain ints (int(t), or .tolist()), as torchcrf's decode does",
      ("path = [int(best[b].argmax())]", "path = [best[b].argmax()]"), ("path.append(int(step_from[b, path[-1]]))", "path.append(step_from[b, path[-1]])")),
    M("gpt.max_len_not_kept", "self.max_len is not the max_len passed in: keep it, self.max_len = max_len (generate crops to it)",
      ("        self.max_len = max_len\n", "        self.max_len = 512\n")),
    M("gpt.loss_without_gradients", "the loss is computed under torch.no_grad(): it has no gradient, so training cannot backpropagate through it; only generation runs without gradients",
      GPT_IMPORT_TORCH, ("        logits = self(input_ids)  # (B, L, V)\n", "        with torch.no_grad():\n            logits = self(input_ids)  # (B, L, V)\n")),
    M("gpt.position_table_fixed_length", "the position table is built for 512 positions, not max_len: PositionalEmbedding(hidden_size, max_len)",
      ("PositionalEmbedding(hidden_size, max_len)", "PositionalEmbedding(hidden_size, 512)")),
)
ZH["crf.decode_returns_tensors"] = "decode 返回的标签是张量；应返回普通的 int（int(t) 或 .tolist()），与 torchcrf 的 decode 一致"
ZH["gpt.max_len_not_kept"] = "self.max_len 不是传入的 max_len：请保存它，self.max_len = max_len（generate 按它截断）"
ZH["gpt.loss_without_gradients"] = "loss 是在 torch.no_grad() 下计算的：它没有梯度，训练时无法反向传播；只有生成才在关闭梯度时运行"
ZH["gpt.position_table_fixed_length"] = "位置编码表是按 512 个位置构建的，而不是 max_len：PositionalEmbedding(hidden_size, max_len)"

MISTAKES += (
    M("decoder_block.cross_residual_from_block_input", "the cross-attention's residual adds the block's input; it adds its own input, the first sub-layer's output",
      (DB_SELF + DB_CROSS,
       "        h = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))  # (B, Lt, H)\n"
       "        x = self.layer_norm2(x + self.dropout2(self.cross_attention(h, memory, memory_mask)))  # (B, Lt, H)\n")),
    M("decoder_block.no_last_norm", "the feed-forward sub-layer has no LayerNorm: it is layer_norm3(x + dropout3(feed_forward(x)))",
      (DB_FF, "        return x + self.dropout3(self.feed_forward(x))  # (B, Lt, H)\n")),
)
ZH["decoder_block.cross_residual_from_block_input"] = "交叉注意力的残差加的是整个块的输入；它应加上自己的输入，也就是第一个子层的输出"
ZH["decoder_block.no_last_norm"] = "前馈子层没有层归一化：应为 layer_norm3(x + dropout3(feed_forward(x)))"

# A module may keep more than the contract names, and the grader still loads the reference's weights by
# the contract's names; a forbidden name that is never run when graded costs nothing.
VARIANTS += (
    M("classifier.sequential_alias", "dropout and the linear layer chained once more in an nn.Sequential",
      ("        self.classifier = nn.Linear(hidden_size, num_classes)\n",
       "        self.classifier = nn.Linear(hidden_size, num_classes)\n        self.head = nn.Sequential(self.dropout, self.classifier)\n"),
      ("        return self.classifier(self.dropout(pooled))  # (B, C)\n", "        return self.head(pooled)  # (B, C)\n")),
    M("cross_attention.extra_buffer", "an extra registered buffer the grader's weights do not name",
      IMPORT_TORCH, ("        self.attention = Attention()\n",
                     "        self.attention = Attention()\n        self.register_buffer(\"head_index\", torch.arange(head_num))\n")),
    M("gpt.causal_mask_buffer", "minGPT's causal mask: registered once as a buffer, sliced to the length in forward",
      GPT_IMPORT_TORCH,
      ("        self.lm_head = nn.Linear(hidden_size, vocab_size, bias=False)\n",
       "        self.lm_head = nn.Linear(hidden_size, vocab_size, bias=False)\n"
       "        causal = torch.tril(torch.ones(max_len, max_len, dtype=torch.bool))\n"
       "        self.register_buffer(\"causal_mask\", causal.view(1, 1, max_len, max_len))\n"),
      ("        mask = padding & subsequent_mask(L).to(input_ids.device).unsqueeze(1)  # (B, 1, L, L)\n",
       "        mask = padding & self.causal_mask[:, :, :L, :L]  # (B, 1, L, L)\n")),
    M("gpt.loss_from_the_shorter_forward", "the loss from forward(input_ids[:, :-1]) (causal: the same logits), nll by gather, mean over kept targets",
      ("        logits = self(input_ids)  # (B, L, V)\n        V = logits.size(-1)\n" + GPT_LOSS,
       "        logits = self.forward(input_ids[:, :-1])  # (B, L - 1, V)\n        targets = input_ids[:, 1:]  # (B, L - 1)\n"
       "        nll = -F.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (B, L - 1)\n"
       "        keep = targets != 0\n        return (nll * keep).sum() / keep.sum()\n")),
    M("gpt.target_mask_from_seq2seq", "the mask from seq2seq.py's make_target_mask, exercise 4's own helper",
      ("from .layers import PositionalEmbedding, TransformerBlock, subsequent_mask\n",
       "from .layers import PositionalEmbedding, TransformerBlock, subsequent_mask\nfrom .seq2seq import make_target_mask\n"),
      ("        padding = (input_ids != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, L)\n"
       "        mask = padding & subsequent_mask(L).to(input_ids.device).unsqueeze(1)  # (B, 1, L, L)\n",
       "        mask = make_target_mask(input_ids)  # (B, 1, L, L)\n")),
    M("decoder_block.self_test_under_main", "a self-test under __main__ that runs nn.TransformerDecoderLayer beside it",
      ("        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))  # (B, Lt, H)\n        ### END SOLUTION\n",
       "        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))  # (B, Lt, H)\n        ### END SOLUTION\n\n\n"
       "if __name__ == \"__main__\":\n    import torch\n    x, m = torch.randn(2, 5, 16), torch.randn(2, 7, 16)\n"
       "    ref = nn.TransformerDecoderLayer(16, 4, 64, 0.0, activation=\"gelu\", batch_first=True).eval()\n"
       "    print(DecoderBlock(16, 4, 0.0).eval()(x, m).shape == ref(x, m).shape)\n")),
    M("crf.compared_with_torchcrf_under_main", "a self-test under __main__ that imports pytorch-crf (torchcrf) when installed",
      ("            paths.append(path[::-1])\n        return paths\n        ### END SOLUTION\n",
       "            paths.append(path[::-1])\n        return paths\n        ### END SOLUTION\n\n\n"
       "if __name__ == \"__main__\":\n    try:\n        import torchcrf\n    except ImportError:\n        torchcrf = None\n"
       "    if torchcrf is not None:\n        ours, ref = CRF(5), torchcrf.CRF(5, batch_first=True)\n"
       "        e, y = torch.randn(2, 4, 5), torch.randint(5, (2, 4))\n        print(torch.allclose(ours(e, y), ref(e, y, reduction=\"none\")))\n")),
)

BY_ID = {m.id: m for m in MISTAKES + VARIANTS}


def for_exercise(exercise_id):
    return [m for m in MISTAKES if m.exercise == exercise_id]
