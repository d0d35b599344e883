"""Exercise 3: multi-head attention, the head split/merge reshape (15 points)."""
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
    """

    def __init__(self, head_num, hidden_size, dropout=0.1):
        super().__init__()
        # TODO (exercise 3): raise ValueError when hidden_size is not divisible by head_num (roughly 2 lines)
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
        """(B, L, H) -> (B, h, L, d)."""
        # TODO (exercise 3): view as (B, L, h, d), then swap the L and h axes (roughly 2 lines)
        raise NotImplementedError("exercise 3: multi_head.split_heads")

    def merge_heads(self, x):
        """(B, h, L, d) -> (B, L, H), the inverse of ``split_heads``."""
        # TODO (exercise 3): swap the axes back, then flatten the heads into H (roughly 2 lines)
        raise NotImplementedError("exercise 3: multi_head.merge_heads")

    def forward(self, x, mask=None):
        """Self-attention over x (B, L, H); ``mask`` broadcasts to (B, h, L, L) and is passed on unchanged."""
        # TODO (exercise 3): project, split, attend, merge, project (roughly 5 lines)
        raise NotImplementedError("exercise 3: multi_head.forward")
