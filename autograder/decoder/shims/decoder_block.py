"""Stand-in for decoder_block.py (seq2seq.py imports it): the given TransformerBlock with a
cross-attention sub-layer between its two."""
from torch import nn

from .cross_attention import CrossAttention
from .layers import LayerNorm, TransformerBlock


class DecoderBlock(TransformerBlock):
    def __init__(self, hidden_size, head_num, dropout=0.1):
        super().__init__(hidden_size, head_num, dropout)
        self.self_attention = self.multi_head_attention
        del self.multi_head_attention
        self.cross_attention = CrossAttention(head_num, hidden_size, dropout)
        self.layer_norm3, self.dropout3 = LayerNorm(hidden_size), nn.Dropout(dropout)

    def forward(self, x, memory, target_mask=None, memory_mask=None):
        sublayers = ((lambda y: self.self_attention(y, target_mask), self.dropout1, self.layer_norm1),
                     (lambda y: self.cross_attention(y, memory, memory_mask), self.dropout2, self.layer_norm2),
                     (self.feed_forward, self.dropout3, self.layer_norm3))
        for sublayer, dropout, norm in sublayers:
            x = norm(x + dropout(sublayer(x)))  # (B, Lt, H)
        return x
