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
        ### BEGIN SOLUTION: create input_layer, activation, dropout and output_layer || 创建 input_layer、activation、dropout 和 output_layer
        self.input_layer = nn.Linear(hidden_size, 4 * hidden_size)
        self.output_layer = nn.Linear(4 * hidden_size, hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.activation = nn.GELU()
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: input_layer, activation, dropout, output_layer || 依次经过 input_layer、activation、dropout、output_layer
        h = self.activation(self.input_layer(x))  # (B, L, 4H)
        return self.output_layer(self.dropout(h))  # (B, L, H)
        ### END SOLUTION
