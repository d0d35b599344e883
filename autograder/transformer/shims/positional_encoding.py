"""Stand-in for positional_encoding.py while another exercise is graded (not the reference solution)."""
import math

import torch
from torch import nn


class PositionalEmbedding(nn.Module):
    def __init__(self, embed_size, max_len=512):
        super().__init__()
        frequencies = torch.exp(torch.arange(0, embed_size, 2, dtype=torch.float64) * (-math.log(10000.0) / embed_size))
        angles = torch.outer(torch.arange(max_len, dtype=torch.float64), frequencies)  # (max_len, embed_size / 2)
        table = torch.stack((angles.sin(), angles.cos()), dim=-1).flatten(-2)  # sin, cos interleaved
        self.register_buffer("pe", table.unsqueeze(0).to(torch.float32))

    def forward(self, x):
        return self.pe[:, slice(x.size(1))]  # clipped at max_len, as a slice is
