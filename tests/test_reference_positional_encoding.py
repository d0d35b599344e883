"""Reference checks of exercise 1 (solutions/transformer/positional_encoding.py)."""
import math

import pytest
import torch

from solutions.transformer.positional_encoding import PositionalEmbedding


def float64_table(max_len, embed_size):
    """pe[p, 2i] = sin(p / 10000^(2i/E)), pe[p, 2i+1] = cos(same), computed directly in float64."""
    p = torch.arange(max_len, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, embed_size, 2, dtype=torch.float64)
    angle = p / torch.pow(10000.0, two_i / embed_size)  # (max_len, E/2)
    return torch.stack([angle.sin(), angle.cos()], dim=-1).reshape(max_len, embed_size)  # interleaved


@pytest.mark.parametrize("embed_size, max_len", [(16, None), (6, 50)], ids=["default_max_len", "max_len_50"])
def test_pe_is_float32_buffer_in_state_dict_not_parameter(embed_size, max_len):
    module = PositionalEmbedding(embed_size) if max_len is None else PositionalEmbedding(embed_size, max_len)
    max_len = max_len or 512
    assert list(module.parameters()) == []
    assert "pe" in dict(module.named_buffers())
    assert "pe" in module.state_dict()
    assert module.pe.dtype == torch.float32
    assert module.pe.shape == (1, max_len, embed_size)


@pytest.mark.parametrize("embed_size, max_len", [(16, 512), (6, 50)])
def test_pe_table_equals_float64_formula_within_float32_rounding(embed_size, max_len):
    pe = PositionalEmbedding(embed_size, max_len).pe
    torch.testing.assert_close(pe[0].double(), float64_table(max_len, embed_size), atol=1e-6, rtol=0)


def test_pe_pinned_values():
    pe = PositionalEmbedding(4, 8).pe[0]
    assert torch.equal(pe[0], torch.tensor([0.0, 1.0, 0.0, 1.0]))  # position 0: sin 0, cos 0
    expected_p1 = [math.sin(1.0), math.cos(1.0), math.sin(0.01), math.cos(0.01)]  # 10000^(2/4) = 100
    torch.testing.assert_close(pe[1].double(), torch.tensor(expected_p1, dtype=torch.float64), atol=1e-7, rtol=0)


def test_forward_returns_first_L_rows_of_pe_for_x_of_shape_B_L_E():
    module = PositionalEmbedding(8, 20)
    x = torch.randn(3, 7, 8)
    out = module(x)
    assert out.shape == (1, 7, 8)
    assert torch.equal(out, module.pe[:, :7])
