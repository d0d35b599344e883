"""Exercise 3: the head split/merge reshape and the multi-head forward."""
import pytest
import torch

from autograder.compare import Wrong
from autograder.probes import call_keeping_args, make, padding_mask, raised, randn

pytestmark = pytest.mark.exercise("multi_head")

X = randn(2, 5, 8, seed=1)


@pytest.mark.points(1)
def test_value_error_when_heads_do_not_divide_hidden_size(check):
    """MultiHeadedAttention(3, 8) raises ValueError"""
    check(lambda m: raised(m.MultiHeadedAttention, 3, 8))


@pytest.mark.points(1)
def test_attributes_and_submodules(check, student, ref):
    """head_num, hidden_size, per_head_dim and the contract's submodules"""
    mha = student.MultiHeadedAttention(4, 12)
    got = (mha.head_num, mha.hidden_size, mha.per_head_dim)
    if got != (4, 12, 3):
        raise Wrong(f"(head_num, hidden_size, per_head_dim) is {got}, expected (4, 12, 3)")
    check(lambda m: sorted((k, tuple(v.shape)) for k, v in m.MultiHeadedAttention(4, 12).state_dict().items()))


@pytest.mark.points(3)
def test_split_heads_gives_head_k_features_k_times_d(check):
    """split_heads: (B, L, H) -> (B, h, L, d), head k owns features k*d ... (k+1)*d - 1"""
    check(lambda m: m.MultiHeadedAttention(2, 8).split_heads(X))
    check(lambda m: m.MultiHeadedAttention(3, 12).split_heads(randn(3, 4, 12, seed=2)))


@pytest.mark.points(2)
def test_merge_heads_inverts_split_heads(check):
    """merge_heads: (B, h, L, d) -> (B, L, H)"""
    check(lambda m: m.MultiHeadedAttention(2, 8).merge_heads(randn(2, 2, 5, 4, seed=3)))
    check(lambda m: m.MultiHeadedAttention(4, 8).merge_heads(randn(1, 4, 3, 2, seed=4)))


@pytest.mark.points(4)
def test_forward_matches_reference(check):
    """self-attention output, with and without masks"""
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.0)(X))
    # batch == heads, with different padding per example: a mask on the wrong axis shows.
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.0)(X, padding_mask([5, 2], 5)))
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.0)(X, padding_mask([3, 4], 5, square=True, dtype=torch.long)))
    check(lambda m: make(m, "MultiHeadedAttention", 4, 16, dropout=0.0, seed=1)(randn(3, 6, 16, seed=5), padding_mask([6, 1, 3], 6)))


@pytest.mark.points(1)
def test_forward_with_causal_mask(check):
    """self-attention under a causal mask"""
    causal = torch.tril(torch.ones(1, 5, 5, dtype=torch.bool))
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.0)(X, causal))


@pytest.mark.points(2)
def test_dropout_reaches_the_attention_weights(check):
    """dropout=self.dropout is passed to the attention"""
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=1.0, train=True)(X))
    check(lambda m: make(m, "MultiHeadedAttention", 2, 8, dropout=0.0, train=True)(X, padding_mask([5, 2], 5)))


@pytest.mark.points(1)
def test_input_is_not_modified(check):
    """x and the mask are left as they were"""
    check(lambda m: call_keeping_args(make(m, "MultiHeadedAttention", 2, 8, dropout=0.0), X, padding_mask([5, 2], 5))[1])
