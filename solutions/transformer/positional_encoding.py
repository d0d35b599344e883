"""Exercise 1: sinusoidal positional encoding (10 points)."""
import math

import torch
from torch import nn


class PositionalEmbedding(nn.Module):
    """A fixed table that tells the model where each token sits.

    For position p and column pair (2i, 2i+1):

        pe[0, p, 2i]   = sin(p / 10000^(2i / embed_size))
        pe[0, p, 2i+1] = cos(p / 10000^(2i / embed_size))

    Shapes: the buffer ``pe`` is (1, max_len, embed_size), float32;
    ``forward(x)`` with x of shape (B, L, ...) returns ``pe[:, :L]``, (1, L, embed_size).

    Pitfalls:
    - both columns of a pair use the same even index 2i in the exponent;
      column 2i+1 does not use 2i+1.
    - sin fills the even columns and cos the odd ones: interleaved, not
      concatenated as [sin | cos].
    - ``pe`` is not trained: register it as a buffer, not an ``nn.Parameter``.
    """

    def __init__(self, embed_size, max_len=512):
        super().__init__()
        ### BEGIN SOLUTION: build the (1, max_len, embed_size) sin/cos table and register it as the buffer `pe`
        # Computed in float64 and rounded once, so large positions stay accurate.
        position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)  # (max_len, 1)
        two_i = torch.arange(0, embed_size, 2, dtype=torch.float64)  # (embed_size/2,)
        div_term = torch.exp(two_i * (-math.log(10000.0) / embed_size))  # 10000^(-2i/embed_size)
        pe = torch.zeros(max_len, embed_size, dtype=torch.float64)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0).float())  # (1, max_len, embed_size)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: return the first L rows of the table
        return self.pe[:, : x.size(1)]  # (1, L, embed_size)
        ### END SOLUTION
