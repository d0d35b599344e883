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
    ### BEGIN SOLUTION: a lower-triangular boolean (1, size, size) mask
    return torch.tril(torch.ones(1, size, size, dtype=torch.bool))
    ### END SOLUTION


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
        ### BEGIN SOLUTION: scores, mask, softmax, dropout, then weight the values
        dk = query.size(-1)
        scores = query @ key.transpose(-2, -1) / math.sqrt(dk)  # (..., Lq, Lk)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)
        weights = scores.softmax(dim=-1)  # (..., Lq, Lk)
        if dropout is not None:
            weights = dropout(weights)
        return weights @ value, weights  # (..., Lq, dv), (..., Lq, Lk)
        ### END SOLUTION
