"""Exercise 4: the position-wise feed-forward network (10 points).

第 4 题：逐位置的前馈网络（10 分）。
"""
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

    中文：两个线性层中间夹一个 GELU，对每个位置分别计算：
    FFN(x) = W_2 dropout(GELU(W_1 x + b_1)) + b_2。形状 (B, L, H) -> (B, L, 4H) -> (B, L, H)。
    子模块必须用这些名字（评分程序通过它们加载权重）：input_layer、activation、dropout、output_layer。
    易错点：
    - GELU 是精确的 erf 形式（``nn.GELU()``），不是 ReLU，也不是 tanh 近似。
    - dropout 位于激活函数和输出层之间，而不是输出层之后。
    """

    def __init__(self, hidden_size, dropout=0.1):
        super().__init__()
        # TODO (exercise 4): create input_layer, activation, dropout and output_layer (roughly 4 lines)
        # TODO（第 4 题）：创建 input_layer、activation、dropout 和 output_layer（约 4 行）
        raise NotImplementedError("exercise 4: feed_forward.__init__")

    def forward(self, x):
        # TODO (exercise 4): input_layer, activation, dropout, output_layer (roughly 2 lines)
        # TODO（第 4 题）：依次经过 input_layer、activation、dropout、output_layer（约 2 行）
        raise NotImplementedError("exercise 4: feed_forward.forward")
