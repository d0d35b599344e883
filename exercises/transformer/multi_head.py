"""Exercise 3: multi-head attention, the head split/merge reshape (15 points).

第 3 题：多头注意力，多头的拆分与合并（15 分）。
"""
from torch import nn

from .attention import Attention


class MultiHeadedAttention(nn.Module):
    """h heads of attention side by side, each on its own d = H / h features:

        q, k, v = split_heads(W_q x), split_heads(W_k x), split_heads(W_v x)   # (B, h, L, d)
        out     = Attention(q, k, v, mask, dropout)                           # (B, h, L, d)
        return W_o merge_heads(out)                                           # (B, L, H)

    Head k owns features k*d ... (k+1)*d - 1 of H, as in ``torch.nn.MultiheadAttention``.

    Pitfalls:
    - ``x.view(B, h, L, d)`` has the right shape but mixes positions into heads:
      view as (B, L, h, d) first, then swap the L and h axes.
    - after ``transpose`` a tensor is no longer contiguous, so ``view`` fails;
      call ``.contiguous()`` first, or use ``reshape``.
    - the batch size and length come from ``x`` itself - never hard-code them.

    中文：h 个注意力头并排计算，每个头负责 d = H / h 个特征；
    第 k 个头拥有 H 中的第 k*d ... (k+1)*d - 1 个特征，与 ``torch.nn.MultiheadAttention`` 一致。
    易错点：
    - ``x.view(B, h, L, d)`` 形状对了，却把不同位置混进了同一个头：应先 view 成 (B, L, h, d)，再交换 L 和 h 两维。
    - ``transpose`` 之后张量不再连续，``view`` 会失败：先调用 ``.contiguous()``，或改用 ``reshape``。
    - 批次大小和长度要从 ``x`` 中取，不要写死。
    """

    def __init__(self, head_num, hidden_size, dropout=0.1):
        super().__init__()
        # TODO (exercise 3): raise ValueError when hidden_size is not divisible by head_num (roughly 2 lines)
        # TODO（第 3 题）：当 hidden_size 不能被 head_num 整除时抛出 ValueError（约 2 行）
        raise NotImplementedError("exercise 3: multi_head.__init__")
        self.head_num = head_num
        self.hidden_size = hidden_size
        self.per_head_dim = hidden_size // head_num

        self.query_linear = nn.Linear(hidden_size, hidden_size)
        self.key_linear = nn.Linear(hidden_size, hidden_size)
        self.value_linear = nn.Linear(hidden_size, hidden_size)
        self.output_linear = nn.Linear(hidden_size, hidden_size)
        self.attention = Attention()
        self.dropout = nn.Dropout(dropout)

    def split_heads(self, x):
        """(B, L, H) -> (B, h, L, d).

        中文：把 (B, L, H) 拆成 (B, h, L, d)。
        """
        # TODO (exercise 3): view as (B, L, h, d), then swap the L and h axes (roughly 2 lines)
        # TODO（第 3 题）：先 view 成 (B, L, h, d)，再交换 L 和 h 两个维度（约 2 行）
        raise NotImplementedError("exercise 3: multi_head.split_heads")

    def merge_heads(self, x):
        """(B, h, L, d) -> (B, L, H), the inverse of ``split_heads``.

        中文：把 (B, h, L, d) 合并成 (B, L, H)，是 ``split_heads`` 的逆操作。
        """
        # TODO (exercise 3): swap the axes back, then flatten the heads into H (roughly 2 lines)
        # TODO（第 3 题）：先把维度交换回来，再把各个头展平成 H（约 2 行）
        raise NotImplementedError("exercise 3: multi_head.merge_heads")

    def forward(self, x, mask=None):
        """Self-attention over x (B, L, H); ``mask`` broadcasts to (B, h, L, L) and is passed on unchanged.

        中文：对 x (B, L, H) 做自注意力；``mask`` 可广播到 (B, h, L, L)，原样传给注意力。
        """
        # TODO (exercise 3): project, split, attend, merge, project (roughly 5 lines)
        # TODO（第 3 题）：线性投影、拆分多头、计算注意力、合并多头、输出投影（约 5 行）
        raise NotImplementedError("exercise 3: multi_head.forward")
