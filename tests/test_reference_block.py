"""Reference checks of exercise 5 (solutions/transformer/transformer_block.py) against PyTorch."""
import torch
from torch import nn

from solutions.transformer.transformer_block import LayerNorm, TransformerBlock
from tests.reference_helpers import copy_block_, copy_linear_, randomize_, torch_encoder_layer

ATOL = 1e-8


def test_layer_norm_matches_torch_layer_norm_with_random_weight_and_bias():
    torch.manual_seed(0)
    ours = randomize_(LayerNorm(16).double())  # non-default weight and bias
    theirs = nn.LayerNorm(16).double()
    copy_linear_(ours, theirs)
    x = 3.0 * torch.randn(2, 5, 16, dtype=torch.float64) + 7.0  # far from mean 0, std 1
    torch.testing.assert_close(ours(x), theirs(x), atol=ATOL, rtol=0)


def test_layer_norm_starts_as_ones_and_zeros_with_eps_1e_5():
    norm = LayerNorm(8)
    assert torch.equal(norm.weight, torch.ones(8)) and torch.equal(norm.bias, torch.zeros(8))
    assert {name for name, _ in norm.named_parameters()} == {"weight", "bias"}
    x = torch.tensor([[1.0, -1.0] * 4], dtype=torch.float64)  # mean 0, population variance 1
    torch.testing.assert_close(norm.double()(x), x / (1 + 1e-5) ** 0.5, atol=ATOL, rtol=0)


def test_transformer_block_matches_torch_encoder_layer_with_padding_mask():
    torch.manual_seed(1)
    H, heads, B, L = 16, 4, 3, 7
    ours = randomize_(TransformerBlock(H, heads, dropout=0.0).double().eval())
    theirs = torch_encoder_layer(H, heads)
    copy_block_(ours, theirs)
    x = torch.randn(B, L, H, dtype=torch.float64)
    real = torch.arange(L) < torch.tensor([7, 5, 2])[:, None]  # (B, L), True at real tokens
    expected = theirs(x, src_key_padding_mask=~real)  # torch: True = ignore
    torch.testing.assert_close(ours(x, real[:, None, None, :]), expected, atol=ATOL, rtol=0)
