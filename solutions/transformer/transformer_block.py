"""Exercise 5: LayerNorm from its formula, and the post-LN residual wiring (20 points).

第 5 题：按公式实现层归一化，以及 post-LN 的残差连接（20 分）。
"""
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

    中文：层归一化。先对每个位置的特征做归一化，再缩放和平移：
    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias，E 和 Var 沿最后一维（H）计算，
    Var 是有偏（总体）方差。``weight`` 初始为全 1，``bias`` 初始为全 0，形状都是 (H,)。
    易错点：
    - ``x.var()`` 是无偏方差（除以 H - 1）；要传 ``unbiased=False``。
    - eps 放在根号里面。
    - 保留被归约的维度（``keepdim=True``），(B, L, 1) 才能和 (B, L, H) 广播。
    """

    def __init__(self, hidden_size, eps=1e-5):
        super().__init__()
        ### BEGIN SOLUTION: store eps; create the parameters weight (ones) and bias (zeros) || 保存 eps；创建参数 weight（全 1）和 bias（全 0）
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.bias = nn.Parameter(torch.zeros(hidden_size))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: normalise over the last dimension with the biased variance || 沿最后一维用有偏方差做归一化
        mean = x.mean(dim=-1, keepdim=True)  # (B, L, 1)
        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # (B, L, 1), biased
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias  # (B, L, H)
        ### END SOLUTION


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

    中文：一个编码器层，与 BERT 和原始 Transformer 一样是 post-LN 结构：
    先做注意力子层的残差连接再层归一化，然后是前馈子层的残差连接和层归一化。
    易错点：
    - post-LN 是残差相加之后再归一化；pre-LN（``x + f(norm(x))``）是另一种网络。
    - 第二个残差加的是第一个子层的输出，而不是块的输入。
    - dropout 作用在子层的输出上，在残差相加之前。
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
        ### BEGIN SOLUTION: two post-LN sub-layers: norm(x + dropout(sublayer(x))) || 两个 post-LN 子层：norm(x + dropout(sublayer(x)))
        x = self.layer_norm1(x + self.dropout1(self.multi_head_attention(x, mask)))  # (B, L, H)
        return self.layer_norm2(x + self.dropout2(self.feed_forward(x)))  # (B, L, H)
        ### END SOLUTION
