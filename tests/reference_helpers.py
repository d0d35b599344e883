"""Helpers shared by the reference checks: copy our weights into PyTorch's own modules.

Not a test module (no ``test_`` prefix); imported as ``tests.reference_helpers``.
"""
import torch
from torch import nn


def randomize_(module, std=0.3):
    """Give every parameter (weights, biases, LayerNorm scales) fresh random values, in place."""
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0.0, std)
    return module


def torch_multi_head(hidden_size, head_num):
    return nn.MultiheadAttention(hidden_size, head_num, dropout=0.0, batch_first=True).double().eval()


def torch_encoder_layer(hidden_size, head_num):
    """The torch layer our TransformerBlock must equal: post-LN, exact GELU, 4H feed-forward."""
    return nn.TransformerEncoderLayer(
        d_model=hidden_size, nhead=head_num, dim_feedforward=4 * hidden_size, dropout=0.0,
        activation="gelu", norm_first=False, batch_first=True,
    ).double().eval()


def copy_linear_(src, dst):
    """Copy weight and bias (nn.Linear, LayerNorm) from src into dst."""
    with torch.no_grad():
        dst.weight.copy_(src.weight)
        dst.bias.copy_(src.bias)


def copy_multi_head_(ours, theirs):
    """Our MultiHeadedAttention -> nn.MultiheadAttention (packed q, k, v in_proj; out_proj)."""
    q, k, v = ours.query_linear, ours.key_linear, ours.value_linear
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([q.weight, k.weight, v.weight]))
        theirs.in_proj_bias.copy_(torch.cat([q.bias, k.bias, v.bias]))
    copy_linear_(ours.output_linear, theirs.out_proj)


def copy_block_(ours, theirs):
    """Our TransformerBlock -> nn.TransformerEncoderLayer."""
    copy_multi_head_(ours.multi_head_attention, theirs.self_attn)
    copy_linear_(ours.feed_forward.input_layer, theirs.linear1)
    copy_linear_(ours.feed_forward.output_layer, theirs.linear2)
    copy_linear_(ours.layer_norm1, theirs.norm1)
    copy_linear_(ours.layer_norm2, theirs.norm2)
