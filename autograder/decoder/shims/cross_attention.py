"""Stand-in for cross_attention.py (decoder_block.py imports it): the given MultiHeadedAttention, its
keys and values taken from the encoder's output."""
from .layers import MultiHeadedAttention


class CrossAttention(MultiHeadedAttention):
    def forward(self, x, memory, memory_mask=None):
        q = self.split_heads(self.query_linear(x))
        k, v = self.split_heads(self.key_linear(memory)), self.split_heads(self.value_linear(memory))
        out, _ = self.attention(q, k, v, mask=memory_mask, dropout=self.dropout)  # (B, h, Lt, d)
        return self.output_linear(self.merge_heads(out))  # (B, Lt, H)
