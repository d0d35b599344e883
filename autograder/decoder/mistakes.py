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
MISTAKES += ()
ZH.update({})
VARIANTS += ()

# ---- 5. gpt ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

# ---- 6. generate ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

# ---- 7. crf ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

BY_ID = {m.id: m for m in MISTAKES + VARIANTS}


def for_exercise(exercise_id):
    return [m for m in MISTAKES if m.exercise == exercise_id]
