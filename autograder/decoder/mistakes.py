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
MISTAKES += (
    M("classifier.mean_counts_padding", "mean pooling averages the padding too: count only the real tokens (input id != 0), sum(m_j h_j) / sum(m_j)",
      (POOL_MEAN, "            pooled = h.mean(dim=1)  # (B, H)\n")),
)
ZH.update({
    "classifier.mean_counts_padding": "平均池化把填充位置也平均进去了：只统计真实词（input id 不为 0），即 sum(m_j h_j) / sum(m_j)",
})
VARIANTS += ()

# ---- 2. cross_attention ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

# ---- 3. decoder_block ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

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
    M("seq2seq.source_mask_not_bool", "make_source_mask returns 0/1 integers; the contract's mask is a bool tensor: (source_ids != 0), without .long() or .float()",
      (SOURCE_MASK, "    return (source_ids != 0).long().unsqueeze(1).unsqueeze(2)  # (B, 1, 1, Ls)\n")),
    M("seq2seq.target_mask_forgets_padding", "make_target_mask is only the causal mask: it must also block the padded keys (target id 0), padding & causal, of shape (B, 1, Lt, Lt)",
      (TARGET_RETURN, "    return causal.unsqueeze(1)  # (1, 1, Lt, Lt)\n")),
    M("seq2seq.target_mask_hides_self", "the causal part of make_target_mask is j < i, which hides each position from itself; query i sees the keys j <= i (torch.tril, diagonal 0)",
      IMPORT_TORCH, (TARGET_CAUSAL, "    n = target_ids.size(1)\n    causal = torch.tril(torch.ones(1, n, n, dtype=torch.bool), diagonal=-1)  # (1, Lt, Lt)\n")),
    M("seq2seq.target_mask_transposed", "the causal part of make_target_mask is transposed (j >= i), so each query sees the future; query i sees the keys j <= i",
      (TARGET_CAUSAL, "    causal = subsequent_mask(target_ids.size(1)).to(target_ids.device).transpose(1, 2)  # (1, Lt, Lt)\n")),
    M("seq2seq.target_masks_added", "make_target_mask adds the padding and causal masks: where only one allows a key the sum is 1, which does not block; combine them with & (a bool tensor)",
      (TARGET_RETURN, "    return padding.long() + causal.unsqueeze(1).long()  # (B, 1, Lt, Lt)\n")),
    M("seq2seq.target_padding_over_queries", "make_target_mask puts the padding on the query axis, so it blocks padded queries instead of padded keys: padding is (B, 1, 1, Lt), on the last axis",
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
    "seq2seq.source_mask_not_bool": "make_source_mask 返回的是 0/1 整数；题目规定掩码是布尔张量：(source_ids != 0)，不要加 .long() 或 .float()",
    "seq2seq.target_mask_forgets_padding": "make_target_mask 只有因果掩码：它还必须屏蔽填充的 key（目标 id 为 0），即 padding & causal，形状 (B, 1, Lt, Lt)",
    "seq2seq.target_mask_hides_self": "make_target_mask 的因果部分写成了 j < i，每个位置都看不到它自己；query i 应能看到 j <= i 的 key（torch.tril，diagonal 为 0）",
    "seq2seq.target_mask_transposed": "make_target_mask 的因果部分被转置了（j >= i），每个 query 都看到了未来；query i 只能看到 j <= i 的 key",
    "seq2seq.target_masks_added": "make_target_mask 把填充掩码和因果掩码相加了：只有一个允许的位置和为 1，而 1 不会屏蔽；请用 & 组合它们（得到布尔张量）",
    "seq2seq.target_padding_over_queries": "make_target_mask 把填充放在了 query 维上，屏蔽的是填充的 query 而不是填充的 key：padding 的形状应为 (B, 1, 1, Lt)，放在最后一维",
    "seq2seq.encode_returns_first_layer": "encode 在第一个编码器块之后就返回了（return 写在了循环里面）；应跑完所有块，再返回最后一块的输出",
    "seq2seq.encode_without_mask": "编码器块没有拿到掩码，源序列的真实词会关注到填充位置；请把 make_source_mask(source_ids) 传给每个块",
    "seq2seq.encode_without_positions": "encode 没有加上位置编码：x = dropout(source_embedding(ids) + position_embedding(ids))",
    "seq2seq.encode_positions_from_batch_axis": "encode 从批次维（size(0)）取位置；source_ids 的形状是 (B, Ls)：position_embedding(source_ids) 会从第 1 维读取 Ls",
    "seq2seq.decode_target_mask_for_memory": "decode 给解码器块的 memory 也传了目标掩码；交叉注意力用的是源掩码：block(x, memory, target_mask, source_mask)",
    "seq2seq.decode_masks_swapped": "decode 把两个掩码传反了；顺序是 block(x, memory, target_mask, source_mask)：自注意力用目标掩码，交叉注意力用源掩码",
    "seq2seq.decode_source_mask_from_target": "decode 用 target_ids 构造了源掩码；交叉注意力的 key 来自源序列：make_source_mask(source_ids)",
    "seq2seq.decode_source_embedding": "decode 用 source_embedding 对目标序列做嵌入；目标序列有自己的词表 target_embedding",
    "seq2seq.decode_memory_from_previous_block": "每个解码器块都把上一块的输出当作 memory；所有块拿到的都是同一个 memory（编码器的输出），更新的是 x",
    "seq2seq.decode_returns_first_layer": "decode 在第一个解码器块之后就返回了（return 写在了循环里面）；应跑完所有块，再返回最后一块的输出",
    "seq2seq.decode_without_positions": "decode 没有加上位置编码：x = dropout(target_embedding(ids) + position_embedding(ids))",
    "seq2seq.embeddings_scaled": "词嵌入乘以了 sqrt(H)（论文中的做法）；题目规定的和不做缩放：dropout(embedding(ids) + position_embedding(ids))",
    "seq2seq.no_embedding_dropout": "嵌入上从未使用 self.dropout：encode 和 decode 中都应是 x = dropout(embedding(ids) + position_embedding(ids))",
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
    M("gpt.tied_by_copying_values", "lm_head's weight is a copy of the token embedding's values: the two tables drift apart in training; share the Parameter itself: self.lm_head.weight = self.token_embedding.weight",
      (TIE, "        self.lm_head.weight = nn.Parameter(self.token_embedding.weight.detach().clone())\n")),
    M("gpt.mask_forgets_padding", "the mask is only the causal mask: it must also block the padded keys (input id 0), padding & causal, of shape (B, 1, L, L)",
      (GPT_MASK, "        mask = subsequent_mask(L).to(input_ids.device).unsqueeze(1)  # (1, 1, L, L)\n")),
    M("gpt.mask_not_causal", "the mask is only the padding mask, so every position sees the tokens after it; combine it with the causal mask: padding & subsequent_mask(L)",
      (GPT_MASK, "        mask = padding  # (B, 1, 1, L)\n")),
    M("gpt.causal_hides_self", "the causal mask is j < i, which hides each position from itself; query i sees the keys j <= i (subsequent_mask, or torch.tril with diagonal 0)",
      GPT_IMPORT_TORCH, (GPT_MASK, "        mask = padding & torch.tril(torch.ones(L, L, dtype=torch.bool), diagonal=-1)  # (B, 1, L, L)\n")),
    M("gpt.causal_transposed", "the causal mask is transposed (j >= i), so each query sees the future; query i sees the keys j <= i",
      (GPT_MASK, "        mask = padding & subsequent_mask(L).to(input_ids.device).transpose(1, 2).unsqueeze(1)  # (B, 1, L, L)\n")),
    M("gpt.masks_added", "the padding and causal masks are added: where only one allows a key the sum is 1, which does not block; combine them with &",
      (GPT_MASK, "        mask = padding.long() + subsequent_mask(L).to(input_ids.device).unsqueeze(1).long()  # (B, 1, L, L)\n")),
    M("gpt.padding_over_queries", "the padding mask is on the query axis, so it blocks padded queries instead of padded keys: padding is (B, 1, 1, L), on the last axis",
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
    "gpt.tied_by_copying_values": "lm_head 的权重只是词嵌入数值的一份拷贝：训练中两张表会各自变化；请共享 Parameter 本身：self.lm_head.weight = self.token_embedding.weight",
    "gpt.mask_forgets_padding": "掩码只有因果掩码：它还必须屏蔽填充的 key（input id 为 0），即 padding & causal，形状 (B, 1, L, L)",
    "gpt.mask_not_causal": "掩码只有填充掩码，每个位置都能看到它之后的词；请与因果掩码组合：padding & subsequent_mask(L)",
    "gpt.causal_hides_self": "因果掩码写成了 j < i，每个位置都看不到它自己；query i 应能看到 j <= i 的 key（subsequent_mask，或 diagonal 为 0 的 torch.tril）",
    "gpt.causal_transposed": "因果掩码被转置了（j >= i），每个 query 都看到了未来；query i 只能看到 j <= i 的 key",
    "gpt.masks_added": "把填充掩码和因果掩码相加了：只有一个允许的位置和为 1，而 1 不会屏蔽；请用 & 组合它们",
    "gpt.padding_over_queries": "填充掩码放在了 query 维上，屏蔽的是填充的 query 而不是填充的 key：padding 的形状应为 (B, 1, 1, L)，放在最后一维",
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
