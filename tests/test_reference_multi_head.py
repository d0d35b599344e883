"""Reference checks of exercise 3 (solutions/transformer/multi_head.py) against torch.nn.MultiheadAttention."""
import torch

from solutions.transformer.attention import subsequent_mask
from solutions.transformer.multi_head import MultiHeadedAttention
from tests.reference_helpers import copy_multi_head_, randomize_, torch_multi_head

ATOL = 1e-8
B = HEADS = 4  # batch == heads, so a mask that lands on the head axis instead of the batch axis fails
H, L = 16, 6


def twin_multi_heads():
    """Our multi-head attention (random weights and biases) and torch's, holding the same weights."""
    ours = randomize_(MultiHeadedAttention(HEADS, H, dropout=0.0).double().eval())
    theirs = torch_multi_head(H, HEADS)
    copy_multi_head_(ours, theirs)
    return ours, theirs


def test_multi_head_matches_torch_multihead_attention_with_padding_mask():
    torch.manual_seed(0)
    ours, theirs = twin_multi_heads()
    x = torch.randn(B, L, H, dtype=torch.float64)
    lengths = torch.tensor([6, 4, 1, 5])  # different padding in every batch element
    real = torch.arange(L) < lengths[:, None]  # (B, L), True at real tokens
    expected, _ = theirs(x, x, x, key_padding_mask=~real, need_weights=False)  # torch: True = ignore
    out = ours(x, mask=real[:, None, None, :])  # ours: (B, 1, 1, L), 0 = blocked
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)


def test_multi_head_matches_torch_multihead_attention_with_causal_mask():
    torch.manual_seed(1)
    ours, theirs = twin_multi_heads()
    x = torch.randn(B, L, H, dtype=torch.float64)
    causal = subsequent_mask(L)
    expected, _ = theirs(x, x, x, attn_mask=~causal[0], need_weights=False)  # torch: True = not allowed
    torch.testing.assert_close(ours(x, mask=causal), expected, atol=ATOL, rtol=0)


def test_multi_head_without_mask_matches_torch_multihead_attention():
    torch.manual_seed(2)
    ours, theirs = twin_multi_heads()
    x = torch.randn(B, L, H, dtype=torch.float64)
    expected, _ = theirs(x, x, x, need_weights=False)
    torch.testing.assert_close(ours(x), expected, atol=ATOL, rtol=0)


def test_split_heads_gives_head_k_the_features_k_d_to_k_plus_1_d_and_merge_heads_inverts_it():
    mha = MultiHeadedAttention(HEADS, H, dropout=0.0)
    x = torch.arange(2 * L * H, dtype=torch.float64).view(2, L, H)
    heads = mha.split_heads(x)
    d = H // HEADS
    assert heads.shape == (2, HEADS, L, d)
    for k in range(HEADS):
        assert torch.equal(heads[:, k], x[..., k * d:(k + 1) * d])
    assert torch.equal(mha.merge_heads(heads), x)
