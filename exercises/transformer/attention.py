"""Exercise 2: masked scaled dot-product attention (15 points)."""
import math

import torch
from torch import nn


def subsequent_mask(size):
    """The causal mask of a decoder (GPT): query i may see keys j <= i.

        mask[0, i, j] = (j <= i)

    Shape: (1, size, size), dtype bool, lower-triangular including the diagonal.

    Pitfall: ``torch.triu`` gives the future, not the past; True means "may see".
    """
    # TODO (exercise 2): a lower-triangular boolean (1, size, size) mask (roughly 1 line)
    raise NotImplementedError("exercise 2: attention.subsequent_mask")


class Attention(nn.Module):
    """One head of attention:

        scores  = query @ key^T / sqrt(dk)             # (..., Lq, Lk)
        scores  = scores where mask != 0, else -1e9    # blocked keys
        weights = softmax(scores, dim=-1)              # each query row sums to 1
        weights = dropout(weights)                     # only when a dropout module is given
        output  = weights @ value                      # (..., Lq, dv)

    Shapes: query (..., Lq, dk), key (..., Lk, dk), value (..., Lk, dv); the mask
    broadcasts to (..., Lq, Lk) and a 0 (or False) entry blocks that key.
    Returns ``(output, weights)``, the weights after dropout.

    Pitfalls:
    - fill blocked scores before the softmax, and with a large finite number:
      with -inf a query whose keys are all blocked becomes NaN.
    - dk is the size of the last dimension of ``query``; Lq and Lk may differ.
    - don't modify the inputs in place (``masked_fill_``) - the caller still needs them.
    """

    def forward(self, query, key, value, mask=None, dropout=None):
        # TODO (exercise 2): scores, mask, softmax, dropout, then weight the values (roughly 8 lines)
        raise NotImplementedError("exercise 2: attention.forward")
