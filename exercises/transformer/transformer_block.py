"""Exercise 5: LayerNorm from its formula, and the post-LN residual wiring (20 points)."""
import torch
from torch import nn

from .feed_forward import FeedForward
from .multi_head import MultiHeadedAttention


class LayerNorm(nn.Module):
    """Normalise each position's features, then scale and shift them:

        y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias

    E and Var are taken over the last dimension (H); Var is the biased
    (population) variance, the mean of (x - E[x])^2. ``weight`` starts as ones
    and ``bias`` as zeros, both trainable parameters of shape (H,).

    Pitfalls:
    - ``x.var()`` is the unbiased variance (divides by H - 1); pass ``unbiased=False``.
    - eps goes inside the square root.
    - keep the reduced dimension (``keepdim=True``) so (B, L, 1) broadcasts against (B, L, H).
    """

    def __init__(self, hidden_size, eps=1e-5):
        super().__init__()
        # TODO (exercise 5): store eps; create the parameters weight (ones) and bias (zeros) (roughly 3 lines)
        raise NotImplementedError("exercise 5: transformer_block.LayerNorm.__init__")

    def forward(self, x):
        # TODO (exercise 5): normalise over the last dimension with the biased variance (roughly 3 lines)
        raise NotImplementedError("exercise 5: transformer_block.LayerNorm.forward")


class TransformerBlock(nn.Module):
    """One encoder layer, post-LN as in BERT and the original Transformer:

        x = layer_norm1(x + dropout1(multi_head_attention(x, mask)))
        y = layer_norm2(x + dropout2(feed_forward(x)))

    Shapes: x (B, L, H) -> (B, L, H); mask broadcasts to (B, h, L, L).

    Pitfalls:
    - post-LN normalises after adding the residual; pre-LN (``x + f(norm(x))``)
      is a different network.
    - the second residual adds the output of the first sub-layer, not the block's input.
    - dropout applies to the sub-layer's output, before the residual sum.
    """

    def __init__(self, hidden_size, head_num, dropout=0.1):
        super().__init__()
        self.multi_head_attention = MultiHeadedAttention(head_num, hidden_size, dropout)
        self.feed_forward = FeedForward(hidden_size, dropout)
        self.layer_norm1 = LayerNorm(hidden_size)
        self.layer_norm2 = LayerNorm(hidden_size)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x, mask=None):
        # TODO (exercise 5): two post-LN sub-layers: norm(x + dropout(sublayer(x))) (roughly 2 lines)
        raise NotImplementedError("exercise 5: transformer_block.TransformerBlock.forward")
