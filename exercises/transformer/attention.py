"""Exercise 2: masked scaled dot-product attention (15 points).

第 2 题：带掩码的缩放点积注意力（15 分）。
"""
import math

import torch
from torch import nn


def subsequent_mask(size):
    """The causal mask of a decoder (GPT): query i may see keys j <= i.

        mask[0, i, j] = (j <= i)

    Shape: (1, size, size), dtype bool, lower-triangular including the diagonal.

    Pitfall: ``torch.triu`` gives the future, not the past; True means "may see".

    中文：解码器（GPT）的因果掩码：query i 只能看到 j <= i 的 key。
    形状 (1, size, size)，布尔类型，包含对角线的下三角。
    易错点：``torch.triu`` 得到的是未来而不是过去；True 表示“可以看到”。
    """
    # TODO (exercise 2): a lower-triangular boolean (1, size, size) mask (roughly 1 line)
    # TODO（第 2 题）：构造形状为 (1, size, size) 的下三角布尔掩码（约 1 行）
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

    中文：单个注意力头。先算 scores = query @ key^T / sqrt(dk)，
    在 softmax 之前把被屏蔽（掩码为 0 或 False）的分数填成 -1e9，再沿最后一维做 softmax，
    给定 dropout 模块时作用在权重上，最后返回 ``(weights @ value, weights)``（dropout 之后的权重）。
    易错点：
    - 在 softmax 之前填充，且要用很大的有限负数：用 -inf 时，所有 key 都被屏蔽的 query 会得到 NaN。
    - dk 是 ``query`` 最后一维的大小；Lq 和 Lk 可以不同。
    - 不要原地修改输入（``masked_fill_``）：调用者还要用它们。
    """

    def forward(self, query, key, value, mask=None, dropout=None):
        # TODO (exercise 2): scores, mask, softmax, dropout, then weight the values (roughly 8 lines)
        # TODO（第 2 题）：依次计算注意力分数、施加掩码、softmax、dropout，再对 value 加权求和（约 8 行）
        raise NotImplementedError("exercise 2: attention.forward")
