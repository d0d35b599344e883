"""Exercise 2: cross-attention, from the decoder to the encoder's output (15 points).

第 2 题：交叉注意力，从解码器看向编码器的输出（15 分）。
"""
from torch import nn

from .layers import Attention


class CrossAttention(nn.Module):
    """Multi-head attention whose queries come from the decoder and whose keys and
    values come from the encoder's output ``memory``:

        q = split(W_q x)         # (B, h, Lt, d)    x      (B, Lt, H)
        k = split(W_k memory)    # (B, h, Ls, d)    memory (B, Ls, H)
        v = split(W_v memory)    # (B, h, Ls, d)
        out = W_o merge(Attention(q, k, v, memory_mask, dropout))          # (B, Lt, H)

    Head k owns features k*d ... (k+1)*d - 1 of H (d = H / h), as in
    ``MultiHeadedAttention``. ``memory_mask`` broadcasts to (B, h, Lt, Ls); a 0
    (False) entry blocks that source position, typically the padding: (B, 1, 1, Ls).
    This is ``nn.MultiheadAttention(H, h, batch_first=True)(x, memory, memory,
    key_padding_mask=~mask)`` with ``in_proj_weight = cat(W_q, W_k, W_v)``.

    Pitfalls:
    - Lt and Ls differ: split the queries with Lt = x.size(1) and the keys with Ls = memory.size(1).
    - the keys and the values both come from ``memory``; only the queries come from ``x``.
    - the scores are (B, h, Lt, Ls): the source mask blocks the last axis, the keys.

    中文：多头注意力，query 来自解码器的 ``x``，key 和 value 来自编码器的输出 ``memory``。
    第 k 个头负责 H 中的第 k*d ... (k+1)*d - 1 个特征，与 ``MultiHeadedAttention`` 一致。
    ``memory_mask`` 可广播到 (B, h, Lt, Ls)，为 0（False）的源位置被屏蔽，通常是填充：(B, 1, 1, Ls)。
    它等于 ``nn.MultiheadAttention(H, h, batch_first=True)(x, memory, memory, key_padding_mask=~mask)``。
    易错点：
    - Lt 和 Ls 不同：query 用 Lt = x.size(1) 拆分，key 用 Ls = memory.size(1) 拆分。
    - key 和 value 都来自 ``memory``，只有 query 来自 ``x``。
    - 分数的形状是 (B, h, Lt, Ls)：源掩码屏蔽的是最后一维，也就是 key。
    """

    def __init__(self, head_num, hidden_size, dropout=0.1):
        super().__init__()
        # TODO (exercise 2): raise ValueError when hidden_size is not divisible by head_num (roughly 2 lines)
        # TODO（第 2 题）：当 hidden_size 不能被 head_num 整除时抛出 ValueError（约 2 行）
        raise NotImplementedError("exercise 2: cross_attention.__init__")
        self.head_num = head_num
        self.hidden_size = hidden_size
        self.per_head_dim = hidden_size // head_num

        self.query_linear = nn.Linear(hidden_size, hidden_size)
        self.key_linear = nn.Linear(hidden_size, hidden_size)
        self.value_linear = nn.Linear(hidden_size, hidden_size)
        self.output_linear = nn.Linear(hidden_size, hidden_size)
        self.attention = Attention()
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, memory, memory_mask=None):
        """Queries from x (B, Lt, H), keys and values from memory (B, Ls, H) -> (B, Lt, H).

        中文：query 来自 x (B, Lt, H)，key 和 value 来自 memory (B, Ls, H)，输出 (B, Lt, H)。
        """
        # TODO (exercise 2): project and split q from x, k and v from memory; attend; merge the heads; project (roughly 9 lines)
        # TODO（第 2 题）：从 x 投影并拆分出 q，从 memory 投影并拆分出 k 和 v；计算注意力；合并多头；输出投影（约 9 行）
        raise NotImplementedError("exercise 2: cross_attention.forward")
