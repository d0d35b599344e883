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
        ### BEGIN SOLUTION: raise ValueError when hidden_size is not divisible by head_num
        if hidden_size % head_num != 0:
            raise ValueError(f"hidden_size {hidden_size} is not divisible by head_num {head_num}")
        ### END SOLUTION
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
        ### BEGIN SOLUTION: view as (B, L, h, d), then swap the L and h axes
        B, L, _ = x.shape
        return x.view(B, L, self.head_num, self.per_head_dim).transpose(1, 2)  # (B, h, L, d)
        ### END SOLUTION

    def merge_heads(self, x):
        """(B, h, L, d) -> (B, L, H), the inverse of ``split_heads``."""
        ### BEGIN SOLUTION: swap the axes back, then flatten the heads into H
        B, _, L, _ = x.shape
        return x.transpose(1, 2).contiguous().view(B, L, self.hidden_size)  # (B, L, H)
        ### END SOLUTION

    def forward(self, x, mask=None):
        """Self-attention over x (B, L, H); ``mask`` broadcasts to (B, h, L, L) and is passed on unchanged."""
        ### BEGIN SOLUTION: project, split, attend, merge, project
        query = self.split_heads(self.query_linear(x))  # (B, h, L, d)
        key = self.split_heads(self.key_linear(x))  # (B, h, L, d)
        value = self.split_heads(self.value_linear(x))  # (B, h, L, d)
        out, _ = self.attention(query, key, value, mask=mask, dropout=self.dropout)  # (B, h, L, d)
        return self.output_linear(self.merge_heads(out))  # (B, L, H)
        ### END SOLUTION
