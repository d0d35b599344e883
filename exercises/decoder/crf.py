"""Exercise 7: the CRF of BERT-BiLSTM-CRF (15 points).

第 7 题：BERT-BiLSTM-CRF 中的 CRF（15 分）。
"""
import torch
from torch import nn


class CRF(nn.Module):
    """A linear-chain conditional random field over T tags, batch first.

    A tag sequence y_0 ... y_n (n + 1 = the row's unmasked length) scores

        score(y) = start[y_0] + sum_{t=0..n} emissions[t, y_t] + sum_{t=1..n} transitions[y_{t-1}, y_t] + end[y_n]

    and has the log-likelihood ``score(y) - log Z``, Z summing exp(score) over all
    T^(n+1) sequences. The forward algorithm finds log Z in O(n T^2):

        alpha_0[j] = start[j] + emissions[0, j]
        alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + transitions[i, j]) + emissions[t, j]
        log Z      = logsumexp_j(alpha_n[j] + end[j])

    and Viterbi decoding is the same recursion with max in place of logsumexp,
    keeping the argmax of each step to trace the best path back.

    Shapes: emissions (B, L, T), tags (B, L) long, mask (B, L) bool or 0/1, a
    prefix of each row with ``mask[:, 0]`` all on (``ValueError`` otherwise); None
    means all on. ``transitions[i, j]`` scores a move from tag i to tag j.
    ``forward`` returns the log-likelihoods (B,); ``decode`` a list of B tag lists.
    This is ``torchcrf.CRF(T, batch_first=True)`` with ``reduction="none"``.

    Pitfalls:
    - past a row's end (mask 0), alpha must stay as it was: update it with
      ``torch.where(mask[:, t, None], new, old)``, don't let masked steps add anything.
    - the end score belongs to each row's last real tag, at index length - 1, not L - 1.
    - log-sum-exp, never log(sum(exp(...))): the scores overflow quickly.
    - a 0/1 mask of integers is not a boolean index: convert it with ``.bool()``.

    中文：线性链条件随机场，T 个标签，批次维在前。
    标签序列 y 的得分 = start[y_0] + 各位置发射分数之和 + 相邻标签转移分数之和 + end[y_n]，
    对数似然为 ``score(y) - log Z``，log Z 用前向算法（log-sum-exp 递推）求出；
    Viterbi 解码是同样的递推，把 logsumexp 换成 max，并记下每一步的 argmax 用于回溯最优路径。
    ``transitions[i, j]`` 是从标签 i 转移到标签 j 的分数。mask (B, L) 为布尔或 0/1，是每行的前缀，
    ``mask[:, 0]`` 必须全为真（否则 ``ValueError``）；None 表示全为真。
    它等于 ``torchcrf.CRF(T, batch_first=True)``（``reduction="none"``）。
    易错点：
    - 超出某行长度（mask 为 0）之后，alpha 必须保持不变：用 ``torch.where(mask[:, t, None], new, old)`` 更新。
    - 结束分数属于每行最后一个真实标签（下标为长度 - 1），而不是 L - 1。
    - 用 log-sum-exp，不要用 log(sum(exp(...)))：分数很快就会溢出。
    - 整数的 0/1 掩码不能当布尔索引用：用 ``.bool()`` 转换。
    """

    def __init__(self, num_tags):
        super().__init__()
        # TODO (exercise 7): raise ValueError when num_tags <= 0 (roughly 2 lines)
        # TODO（第 7 题）：当 num_tags <= 0 时抛出 ValueError（约 2 行）
        raise NotImplementedError("exercise 7: crf.__init__")
        self.num_tags = num_tags
        self.start_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))  # (T,)
        self.end_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))  # (T,)
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags).uniform_(-0.1, 0.1))  # (T, T), from i to j

    def _mask(self, emissions, mask):
        """The mask as bool (B, L): all on when None; ValueError unless its first column is all on."""
        if mask is None:
            return torch.ones(emissions.shape[:2], dtype=torch.bool, device=emissions.device)
        mask = mask.bool()  # (B, L)
        if not bool(mask[:, 0].all()):
            raise ValueError("mask[:, 0] must be all on: every sequence needs its first position")
        return mask

    def forward(self, emissions, tags, mask=None):
        """The log-likelihood of each row's tag sequence, score(tags) - log Z, shape (B,).

        中文：每行标签序列的对数似然 score(tags) - log Z，形状 (B,)。
        """
        mask = self._mask(emissions, mask)  # (B, L)
        return self._score(emissions, tags, mask) - self._log_partition(emissions, mask)  # (B,)

    def _score(self, emissions, tags, mask):
        """score(tags) of each row over its unmasked positions, (B,)."""
        # TODO (exercise 7): start + emissions + transitions over the unmasked positions + end at each row's last tag (roughly 8 lines)
        # TODO（第 7 题）：起始分数 + 未屏蔽位置的发射分数和转移分数 + 每行最后一个标签的结束分数（约 8 行）
        raise NotImplementedError("exercise 7: crf._score")

    def _log_partition(self, emissions, mask):
        """log Z of each row by the forward algorithm, (B,)."""
        # TODO (exercise 7): the forward algorithm: alpha recursion with logsumexp, frozen past each row's end (roughly 5 lines)
        # TODO（第 7 题）：前向算法：用 logsumexp 递推 alpha，超出每行长度后保持不变（约 5 行）
        raise NotImplementedError("exercise 7: crf._log_partition")

    def decode(self, emissions, mask=None):
        """The best tag sequence of each row by Viterbi, each as long as the row's unmasked length.

        中文：用 Viterbi 算法求每行的最优标签序列，长度等于该行未屏蔽的长度。
        """
        mask = self._mask(emissions, mask)  # (B, L)
        # TODO (exercise 7): Viterbi: the max recursion keeping the argmax of every step, then trace each row back (roughly 16 lines)
        # TODO（第 7 题）：Viterbi：用 max 递推并记下每一步的 argmax，再对每行回溯（约 16 行）
        raise NotImplementedError("exercise 7: crf.decode")
