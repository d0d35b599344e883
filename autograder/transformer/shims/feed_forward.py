"""Stand-in for feed_forward.py while another exercise is graded (not the reference solution)."""
import torch.nn.functional as F
from torch import nn


class FeedForward(nn.Module):
    def __init__(self, hidden_size, dropout=0.1):
        super().__init__()
        self.input_layer, self.output_layer = nn.Linear(hidden_size, 4 * hidden_size), nn.Linear(4 * hidden_size, hidden_size)
        self.dropout, self.activation = nn.Dropout(dropout), nn.GELU()

    def forward(self, x):
        inner = F.gelu(F.linear(x, self.input_layer.weight, self.input_layer.bias), approximate="none")
        return F.linear(self.dropout(inner), self.output_layer.weight, self.output_layer.bias)
