"""Reference checks of exercise 2 (solutions/transformer/attention.py) against PyTorch."""
import math

import pytest
import torch
import torch.nn.functional as F

from solutions.transformer.attention import Attention, subsequent_mask

ATOL = 1e-8


def random_qkv(batch_dims=(2, 3), lq=5, lk=7, dk=4, dv=6):
    """query (..., Lq, dk), key (..., Lk, dk), value (..., Lk, dv) in float64, Lq != Lk and dv != dk."""
    return (torch.randn(*batch_dims, lq, dk, dtype=torch.float64),
            torch.randn(*batch_dims, lk, dk, dtype=torch.float64),
            torch.randn(*batch_dims, lk, dv, dtype=torch.float64))


def test_attention_without_mask_matches_scaled_dot_product_attention():
    torch.manual_seed(0)
    q, k, v = random_qkv()
    out, weights = Attention()(q, k, v)
    assert out.shape == (2, 3, 5, 6) and weights.shape == (2, 3, 5, 7)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v), atol=ATOL, rtol=0)
    torch.testing.assert_close(weights, torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(4), dim=-1),
                               atol=ATOL, rtol=0)


@pytest.mark.parametrize("mask_dtype", [torch.bool, torch.long], ids=["bool", "zero_one_long"])
def test_attention_with_mask_matches_scaled_dot_product_attention_bool_mask(mask_dtype):
    torch.manual_seed(1)
    q, k, v = random_qkv()
    allowed = torch.rand(2, 1, 5, 7) < 0.5  # (B, 1, Lq, Lk): broadcasts over the heads
    allowed[..., 0] = True  # every query keeps at least one key
    out, weights = Attention()(q, k, v, mask=allowed.to(mask_dtype))
    # In SDPA a boolean attn_mask is True where the key takes part: the same sense as ours.
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=allowed),
                               atol=ATOL, rtol=0)
    assert torch.all(weights.masked_select(~allowed.expand_as(weights)) < 1e-300)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 5, dtype=torch.float64), atol=ATOL, rtol=0)


def test_attention_with_causal_mask_matches_scaled_dot_product_attention_is_causal():
    torch.manual_seed(2)
    q, k, v = random_qkv(lq=6, lk=6)
    out, _ = Attention()(q, k, v, mask=subsequent_mask(6))
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, is_causal=True), atol=ATOL, rtol=0)


def test_attention_query_with_every_key_blocked_stays_finite_and_inputs_unchanged():
    torch.manual_seed(3)
    q, k, v = random_qkv()
    originals = [t.clone() for t in (q, k, v)]
    mask = torch.ones(1, 1, 5, 7, dtype=torch.bool)
    mask[..., 2, :] = False  # query 2 sees nothing
    out, weights = Attention()(q, k, v, mask=mask)
    assert torch.isfinite(out).all() and torch.isfinite(weights).all()
    for before, after in zip(originals, (q, k, v)):
        assert torch.equal(before, after)


def test_subsequent_mask_is_bool_lower_triangular_including_diagonal():
    assert torch.equal(subsequent_mask(1), torch.tensor([[[True]]]))
    assert torch.equal(subsequent_mask(3), torch.tensor([[[True, False, False],
                                                          [True, True, False],
                                                          [True, True, True]]]))
    mask = subsequent_mask(7)
    assert mask.shape == (1, 7, 7) and mask.dtype == torch.bool
    i, j = torch.meshgrid(torch.arange(7), torch.arange(7), indexing="ij")
    assert torch.equal(mask[0], j <= i)
