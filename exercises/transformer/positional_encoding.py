"""Exercise 1: sinusoidal positional encoding (10 points).

第 1 题：正弦位置编码（10 分）。
"""
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

    中文：一张固定的表，告诉模型每个词所在的位置。
    对位置 p 和列对 (2i, 2i+1)：pe[0, p, 2i] = sin(p / 10000^(2i / embed_size))，
    pe[0, p, 2i+1] = cos(p / 10000^(2i / embed_size))。
    缓冲区 ``pe`` 的形状是 (1, max_len, embed_size)，float32；``forward(x)`` 返回 ``pe[:, :L]``。
    易错点：
    - 一对列在指数中都用偶数下标 2i；第 2i+1 列不用 2i+1。
    - 偶数列放 sin、奇数列放 cos，交错排列，而不是拼接成 [sin | cos]。
    - ``pe`` 不参与训练：注册为缓冲区，而不是 ``nn.Parameter``。
    """

    def __init__(self, embed_size, max_len=512):
        super().__init__()
        # TODO (exercise 1): build the (1, max_len, embed_size) sin/cos table and register it as the buffer `pe` (roughly 7 lines)
        # TODO（第 1 题）：构造 (1, max_len, embed_size) 的 sin/cos 位置编码表，并注册为缓冲区 `pe`（约 7 行）
        raise NotImplementedError("exercise 1: positional_encoding.__init__")

    def forward(self, x):
        # TODO (exercise 1): return the first L rows of the table (roughly 1 line)
        # TODO（第 1 题）：返回表的前 L 行（约 1 行）
        raise NotImplementedError("exercise 1: positional_encoding.forward")
