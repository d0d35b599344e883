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
        # TODO (exercise 1): build the (1, max_len, embed_size) sin/cos table and register it as the buffer `pe` (roughly 7 lines)
        raise NotImplementedError("exercise 1: positional_encoding.__init__")

    def forward(self, x):
        # TODO (exercise 1): return the first L rows of the table (roughly 1 line)
        raise NotImplementedError("exercise 1: positional_encoding.forward")
