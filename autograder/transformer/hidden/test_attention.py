"""Exercise 2: masked scaled dot-product attention and the causal mask."""
import pytest
import torch
from torch import nn

from autograder.probes import kept_and_computed, padding_mask, randn

pytestmark = pytest.mark.exercise("attention")
# what each axis of a result means, for the feedback (conftest's check)
AXES = {4: ("example", "head", "query", "column"), 3: ("example", "query", "column"), 2: ("query", "column")}

Q, K, V = randn(2, 3, 4, 8, seed=1), randn(2, 3, 4, 8, seed=2), randn(2, 3, 4, 8, seed=3)


@pytest.mark.points(2)
def test_scaled_softmax_without_mask(check):
    """softmax(q k^T / sqrt(dk)) v, and the weights
    softmax(q k^T / sqrt(dk)) v，以及注意力权重
    """
    check(lambda m: m.Attention()(Q, K, V),
          fed=('batch 2, 3 heads, length 4, dk 8, no mask', '批次 2、3 个头、长度 4、dk 为 8、无掩码'))
    check(lambda m: m.Attention()(Q[0, 0], K[0, 0], V[0, 0]),
          fed=('one (4, 8) query, key and value, no batch axes', '单个 (4, 8) 的 query、key、value，无批次维'))


@pytest.mark.points(2)
def test_query_and_key_lengths_differ_and_dv_differs_from_dk(check):
    """Lq != Lk and dv != dk
    Lq != Lk 且 dv != dk
    """
    q, k, v = randn(2, 5, 6, seed=4), randn(2, 7, 6, seed=5), randn(2, 7, 3, seed=6)
    check(lambda m: m.Attention()(q, k, v),
          fed=('batch 2, 5 queries, 7 keys, dk 6, dv 3', '批次 2、5 个 query、7 个 key、dk 为 6、dv 为 3'))
    check(lambda m: m.Attention()(q, k, v, mask=padding_mask([7, 2], 7)[:, 0]))


@pytest.mark.points(2)
def test_padding_mask_blocks_keys(check):
    """a (B, 1, 1, L) padding mask, different per example
    (B, 1, 1, L) 的填充掩码，每个样本各不相同
    """
    check(lambda m: m.Attention()(Q, K, V, mask=padding_mask([4, 2], 4)),
          fed=('batch 2, lengths 4 and 2, a padding mask', '批次 2、长度分别为 4 和 2、填充掩码'))
    check(lambda m: m.Attention()(Q, K, V, mask=padding_mask([1, 3], 4)),
          fed=('batch 2, lengths 1 and 3, a padding mask', '批次 2、长度分别为 1 和 3、填充掩码'))


@pytest.mark.points(1)
def test_square_and_integer_masks(check):
    """a (B, 1, L, L) mask, and 0/1 integer masks
    (B, 1, L, L) 的掩码，以及 0/1 整数掩码
    """
    check(lambda m: m.Attention()(Q, K, V, mask=padding_mask([3, 2], 4, square=True)))
    check(lambda m: m.Attention()(Q, K, V, mask=padding_mask([3, 2], 4, dtype=torch.long)))


@pytest.mark.points(2)
def test_fully_blocked_query_row_stays_finite(check):
    """a query whose keys are all blocked gives finite numbers
    所有 key 都被屏蔽的 query 仍得到有限的数值
    """
    mask = torch.ones(2, 1, 4, 4, dtype=torch.bool)
    mask[0, 0, 1] = False  # query 1 of example 0 sees nothing
    check(lambda m: m.Attention()(Q, K, V, mask=mask),
          fed=('a mask that blocks every key of query 1 in example 0', '一个屏蔽样本 0 中 query 1 所有 key 的掩码'))
    check(lambda m: m.Attention()(Q, K, V, mask=padding_mask([0, 4], 4)))


@pytest.mark.points(2)
def test_dropout_applies_to_the_weights(check):
    """the dropout module acts on the weights, which are returned after it
    dropout 模块作用在注意力权重上，返回的是 dropout 之后的权重
    """
    # A deterministic stand-in for dropout shows exactly where it is applied.
    check(lambda m: m.Attention()(Q, K, V, mask=padding_mask([2, 3], 4), dropout=nn.Hardtanh(0.0, 0.25)))
    # p = 0 in training mode must change nothing.
    check(lambda m: m.Attention()(Q, K, V, mask=padding_mask([2, 3], 4), dropout=nn.Dropout(0.0).train()))


@pytest.mark.points(1)
def test_inputs_are_not_modified(check):
    """query, key, value and mask are left as they were
    query、key、value 和掩码保持不变
    """
    mask = padding_mask([2, 3], 4)
    check(lambda m: kept_and_computed(m.Attention(), Q, K, V, mask))


@pytest.mark.points(2)
def test_subsequent_mask_lets_a_query_see_itself_and_the_past(check):
    """subsequent_mask(size): bool (1, size, size), True where j <= i
    subsequent_mask(size)：形状 (1, size, size) 的布尔张量，j <= i 处为 True
    """
    check(lambda m: m.subsequent_mask(5))
    check(lambda m: m.subsequent_mask(1))


@pytest.mark.points(1)
def test_attention_with_the_causal_mask(check):
    """attention under subsequent_mask
    使用 subsequent_mask 的注意力
    """
    check(lambda m: m.Attention()(Q, K, V, mask=m.subsequent_mask(4)),
          fed=('length 4 under the causal mask', '长度 4、因果掩码'))
