"""Exercise 1: a classification head on the encoder (10 points).

第 1 题：编码器上的分类头（10 分）。
"""
from torch import nn

POOLINGS = ("cls", "mean")


class SequenceClassifier(nn.Module):
    """One label per sequence, from the encoder's output:

        h      = encoder(input_ids, token_type_ids)                  # (B, L, H)
        cls:     pooled = h[:, 0]                                    # (B, H), the [CLS] token
        mean:    pooled = sum_j m_j h[:, j] / sum_j m_j,  m_j = (input_ids[:, j] != 0)
        logits = classifier(dropout(pooled))                         # (B, C)

    Submodules, by these names: ``encoder`` (the module passed in), ``dropout``
    nn.Dropout(dropout), ``classifier`` nn.Linear(H, C). ``pooling`` is "cls" or
    "mean"; anything else raises ``ValueError``.

    Pitfalls:
    - ``h.mean(dim=1)`` averages the padding too: a padded batch would change the
      label of a sentence. Count only the real tokens (id != 0).
    - the mask (B, L) needs a feature axis, (B, L, 1), to weight h (B, L, H).
    - check ``pooling`` in ``__init__``, not only when the model first runs.

    中文：根据编码器的输出给每个序列一个标签。
    "cls" 取第一个位置（[CLS]）的向量；"mean" 只对真实词（id 不为 0）的向量求平均；
    再经过 dropout 和线性层得到 (B, C) 的 logits。
    子模块必须用这些名字：``encoder``（传入的模块）、``dropout``、``classifier``（nn.Linear(H, C)）。
    ``pooling`` 不是 "cls" 或 "mean" 时抛出 ``ValueError``。
    易错点：
    - ``h.mean(dim=1)`` 把填充位置也平均进去了：同一句话补齐的长度不同，结果就不同。只统计真实词。
    - 掩码 (B, L) 要加一个特征维 (B, L, 1)，才能和 h (B, L, H) 相乘。
    - 在 ``__init__`` 中就检查 ``pooling``，而不是等到第一次前向计算时。
    """

    def __init__(self, encoder, hidden_size, num_classes, pooling="cls", dropout=0.1):
        super().__init__()
        # TODO (exercise 1): raise ValueError unless pooling is "cls" or "mean" (roughly 2 lines)
        # TODO（第 1 题）：pooling 不是 "cls" 或 "mean" 时抛出 ValueError（约 2 行）
        raise NotImplementedError("exercise 1: classifier.__init__")
        self.pooling = pooling
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden_size, num_classes)

    def forward(self, input_ids, token_type_ids):
        h = self.encoder(input_ids, token_type_ids)  # (B, L, H)
        # TODO (exercise 1): pool h into (B, H): [CLS] or the mean over the real tokens, then dropout and classifier (roughly 6 lines)
        # TODO（第 1 题）：把 h 汇聚成 (B, H)：取 [CLS] 或对真实词求平均，再经过 dropout 和 classifier（约 6 行）
        raise NotImplementedError("exercise 1: classifier.forward")
