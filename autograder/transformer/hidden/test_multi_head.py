"""Exercise 3: the head split/merge reshape and the multi-head forward."""
from types import SimpleNamespace

import pytest
import torch

from autograder.compare import Wrong
from autograder.probes import dropout_rates, dropout_standin, kept_and_computed, make, named_like, padding_mask, raised, random_weights, randn, with_submodules

pytestmark = pytest.mark.exercise("multi_head")
# what each axis of a result means, for the feedback (conftest's check)
AXES = {4: ("example", "head", "position", "feature"), 3: ("example", "position", "feature")}

X = randn(2, 5, 8, seed=1)


@pytest.mark.points(1)
def test_value_error_when_heads_do_not_divide_hidden_size(check):
    """MultiHeadedAttention(3, 8) raises ValueError
    MultiHeadedAttention(3, 8) 抛出 ValueError
    """
    check(lambda m: raised(m.MultiHeadedAttention, 3, 8))


@pytest.mark.points(1)
def test_attributes_and_submodules(check, student, ref):
    """head_num, hidden_size, per_head_dim and the contract's submodules
    head_num、hidden_size、per_head_dim 以及题目规定的子模块
    """
    mha = student.MultiHeadedAttention(4, 12)
    got = (mha.head_num, mha.hidden_size, mha.per_head_dim)
    if got != (4, 12, 3):
        raise Wrong(f"(head_num, hidden_size, per_head_dim) is {got}, expected (4, 12, 3)")
    check(lambda m: named_like(m.MultiHeadedAttention(4, 12), random_weights("MultiHeadedAttention", 4, 12)))


@pytest.mark.points(3)
def test_split_heads_gives_head_k_features_k_times_d(check):
    """split_heads: (B, L, H) -> (B, h, L, d), head k owns features k*d ... (k+1)*d - 1
    split_heads：(B, L, H) -> (B, h, L, d)，第 k 个头拥有特征 k*d ... (k+1)*d - 1
    """
    check(lambda m: m.MultiHeadedAttention(2, 8).split_heads(X),
          fed=('x of shape (2, 5, 8), 2 heads', '形状为 (2, 5, 8) 的 x、2 个头'))
    check(lambda m: m.MultiHeadedAttention(3, 12).split_heads(randn(3, 4, 12, seed=2)))


@pytest.mark.points(2)
def test_merge_heads_inverts_split_heads(check):
    """merge_heads: (B, h, L, d) -> (B, L, H)
    merge_heads：(B, h, L, d) -> (B, L, H)
    """
    check(lambda m: m.MultiHeadedAttention(2, 8).merge_heads(randn(2, 2, 5, 4, seed=3)),
          fed=('a (2, 2, 5, 4) tensor, 2 heads of 4 features', '形状为 (2, 2, 5, 4) 的张量、2 个头、每头 4 个特征'))
    check(lambda m: m.MultiHeadedAttention(4, 8).merge_heads(randn(1, 4, 3, 2, seed=4)))


def own_heads(student, ref):
    """The reference's forward around the student's own split_heads and merge_heads: a forward that
    agrees with it is right, whatever those two methods got wrong (they are graded on their own)."""

    class Own(ref.MultiHeadedAttention):
        def split_heads(self, x):
            return student.MultiHeadedAttention(self.head_num, self.hidden_size).split_heads(x)

        def merge_heads(self, x):
            return student.MultiHeadedAttention(self.head_num, self.hidden_size).merge_heads(x)

    return SimpleNamespace(MultiHeadedAttention=Own, __name__="own_heads")


@pytest.mark.points(4)
def test_forward_matches_reference(check, student, ref):
    """self-attention output, with and without masks
    自注意力的输出，带掩码与不带掩码
    """
    own = own_heads(student, ref)
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.0)(X), also=own,
          fed=('batch 2, length 5, hidden 8, 2 heads, no mask', '批次 2、长度 5、隐藏维度 8、2 个头、无掩码'))
    # batch == heads, with different padding per example: a mask on the wrong axis shows.
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.0)(X, padding_mask([5, 2], 5)), also=own,
          fed=('batch 2, lengths 5 and 2, a padding mask, 2 heads', '批次 2、长度分别为 5 和 2、填充掩码、2 个头'))
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.0)(X, padding_mask([3, 4], 5, square=True, dtype=torch.long)),
          also=own)
    check(lambda m: make(m, "MultiHeadedAttention", 4, 16, dropout=0.0, seed=1)(randn(3, 6, 16, seed=5), padding_mask([6, 1, 3], 6)),
          also=own)


@pytest.mark.points(1)
def test_forward_with_causal_mask(check, student, ref):
    """self-attention under a causal mask
    使用因果掩码的自注意力
    """
    causal = torch.tril(torch.ones(1, 5, 5, dtype=torch.bool))
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.0)(X, causal), also=own_heads(student, ref))


@pytest.mark.points(2)
def test_dropout_reaches_the_attention_weights(check, student, ref):
    """dropout=self.dropout is passed to the attention, and acts only in training
    dropout=self.dropout 被传给注意力，且只在训练时生效
    """
    check(lambda m: dropout_rates(m.MultiHeadedAttention(2, 8, dropout=0.3), ["dropout"]), fed=("dropout 0.3", "dropout 为 0.3"))
    own = own_heads(student, ref)
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.5)(X, padding_mask([5, 2], 5)), also=own)  # eval mode
    # a deterministic stand-in for dropout shows that it reaches the attention weights
    check(lambda m: with_submodules(make(m, "MultiHeadedAttention", 2, 8, dropout=0.0, train=True), dropout=dropout_standin(0.25))(X),
          also=own)


@pytest.mark.points(1)
def test_input_is_not_modified(check):
    """x and the mask are left as they were
    x 和掩码保持不变
    """
    check(lambda m: kept_and_computed(make(m, "MultiHeadedAttention", 2, 8, dropout=0.0), X, padding_mask([5, 2], 5)))
