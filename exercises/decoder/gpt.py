"""Exercise 5: GPT, the decoder-only causal language model (15 points).

第 5 题：GPT，只有解码器的因果语言模型（15 分）。
"""
import torch.nn.functional as F
from torch import nn

from .layers import PositionalEmbedding, TransformerBlock, subsequent_mask


class GPT(nn.Module):
    """A causal LM: the encoder block under a causal mask, with a tied output embedding.

        mask[b, 0, i, j] = (j <= i) and (input_ids[b, j] != 0)           # (B, 1, L, L)
        x      = blocks(dropout(E[input_ids] + pe[:, :L]), mask)        # (B, L, H)
        logits = x @ E^T                                                # (B, L, V), lm_head tied to E

    ``loss(input_ids)`` is the next-token cross-entropy: the logits at positions
    0 ... L-2 predict ``input_ids[:, 1:]``, targets equal to 0 (padding) are
    ignored, and the mean is over the counted targets:

        loss = -1/N sum_{b, t: y[b, t] != 0} log softmax(logits[b, t])[y[b, t]],   y = input_ids[:, 1:]

    Submodules, by these names: ``token_embedding`` nn.Embedding(V, H, padding_idx=0),
    ``position_embedding`` PositionalEmbedding(H, max_len), ``dropout``, ``blocks``
    (``layer_num`` TransformerBlocks), ``lm_head`` nn.Linear(H, V, bias=False) whose
    weight *is* ``token_embedding.weight``.

    Pitfalls:
    - tie by sharing the Parameter (``lm_head.weight = token_embedding.weight``);
      copying the values gives two tables that drift apart in training.
    - the logits at position t predict token t + 1: drop the last logit and the first target.
    - ``F.cross_entropy`` wants (N, V) and (N,): flatten the batch and time axes;
      ``.view`` fails after slicing, so use ``.reshape``.

    中文：因果语言模型：在因果掩码下使用编码器块，输出层与词嵌入共享权重。
    掩码同时屏蔽未来的位置和填充位置，形状 (B, 1, L, L)。
    ``loss(input_ids)`` 是预测下一个词的交叉熵：位置 0 ... L-2 的 logits 预测 ``input_ids[:, 1:]``，
    目标为 0（填充）的位置不计入，对计入的目标取平均。
    子模块必须用这些名字：``token_embedding``、``position_embedding``、``dropout``、``blocks``、
    ``lm_head``（nn.Linear(H, V, bias=False)，其 weight 就是 ``token_embedding.weight``）。
    易错点：
    - 通过共享同一个 Parameter 来绑定权重（``lm_head.weight = token_embedding.weight``）；只复制数值会得到两张在训练中各自变化的表。
    - 位置 t 的 logits 预测第 t + 1 个词：去掉最后一个 logits 和第一个目标。
    - ``F.cross_entropy`` 要求 (N, V) 和 (N,)：把批次和时间两维展平；切片之后 ``.view`` 会失败，用 ``.reshape``。
    """

    def __init__(self, vocab_size, hidden_size=256, layer_num=4, head_num=4, max_len=512, dropout=0.1):
        super().__init__()
        self.max_len = max_len
        self.token_embedding = nn.Embedding(vocab_size, hidden_size, padding_idx=0)
        self.position_embedding = PositionalEmbedding(hidden_size, max_len)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([TransformerBlock(hidden_size, head_num, dropout) for _ in range(layer_num)])
        self.lm_head = nn.Linear(hidden_size, vocab_size, bias=False)
        # TODO (exercise 5): tie the output embedding: lm_head's weight is the token embedding's weight (roughly 1 line)
        # TODO（第 5 题）：绑定输出层：lm_head 的权重就是词嵌入的权重（约 1 行）
        raise NotImplementedError("exercise 5: gpt.__init__")

    def forward(self, input_ids):
        """input_ids (B, L) -> logits (B, L, V).

        中文：input_ids (B, L) -> logits (B, L, V)。
        """
        # TODO (exercise 5): causal & padding mask, embeddings, blocks, lm_head (roughly 7 lines)
        # TODO（第 5 题）：因果与填充掩码、嵌入、各个块、lm_head（约 7 行）
        raise NotImplementedError("exercise 5: gpt.forward")

    def loss(self, input_ids):
        """The mean next-token cross-entropy over the targets that are not padding, a scalar.

        中文：对非填充目标取平均的下一个词交叉熵，一个标量。
        """
        # TODO (exercise 5): shift: logits[:, :-1] predict input_ids[:, 1:]; cross-entropy ignoring id 0 (roughly 3 lines)
        # TODO（第 5 题）：错开一位：logits[:, :-1] 预测 input_ids[:, 1:]；交叉熵忽略 id 0（约 3 行）
        raise NotImplementedError("exercise 5: gpt.loss")
