"""Exercise 4: the position-wise feed-forward network (10 points)."""
from torch import nn


class FeedForward(nn.Module):
    """Two linear layers around a GELU, applied to every position on its own:

        FFN(x) = W_2 dropout(GELU(W_1 x + b_1)) + b_2
        GELU(z) = z * Phi(z) = z * (1 + erf(z / sqrt(2))) / 2

    Shapes: x (B, L, H) -> (B, L, 4H) -> (B, L, H).

    Submodules, by these names (the grader loads weights through them):
    ``input_layer`` nn.Linear(H, 4H), ``activation`` nn.GELU(), ``dropout``
    nn.Dropout(dropout), ``output_layer`` nn.Linear(4H, H).

    Pitfalls:
    - GELU is the exact erf form (``nn.GELU()``), not ReLU and not the tanh
      approximation ``nn.GELU(approximate="tanh")``.
    - dropout sits between the activation and the output layer, not after the output.
    """

    def __init__(self, hidden_size, dropout=0.1):
        super().__init__()
        # TODO (exercise 4): create input_layer, activation, dropout and output_layer (roughly 4 lines)
        raise NotImplementedError("exercise 4: feed_forward.__init__")

    def forward(self, x):
        # TODO (exercise 4): input_layer, activation, dropout, output_layer (roughly 2 lines)
        raise NotImplementedError("exercise 4: feed_forward.forward")
