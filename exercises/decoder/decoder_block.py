"""Exercise 3: the post-LN decoder block (15 points).

第 3 题：post-LN 解码器块（15 分）。
"""
from torch import nn

from .cross_attention import CrossAttention
from .layers import FeedForward, LayerNorm, MultiHeadedAttention


class DecoderBlock(nn.Module):
    """One decoder layer of the encoder-decoder, post-LN as the lecture draws it:

        x = layer_norm1(x + dropout1(self_attention(x, target_mask)))              # masked self-attention
        x = layer_norm2(x + dropout2(cross_attention(x, memory, memory_mask)))     # attend to the encoder
        y = layer_norm3(x + dropout3(feed_forward(x)))

    Shapes: x (B, Lt, H), memory (B, Ls, H) -> (B, Lt, H); ``target_mask``
    broadcasts to (B, h, Lt, Lt) (causal and padding), ``memory_mask`` to
    (B, h, Lt, Ls) (the source padding). This is ``nn.TransformerDecoderLayer(H, h,
    4H, dropout, activation="gelu", batch_first=True, norm_first=False)``.

    Pitfalls:
    - the self-attention needs the causal target mask, or position i reads the
      tokens it has to predict; the cross-attention takes the source mask instead.
    - the cross-attention's queries are the output of the first sub-layer, not the block's input.
    - ``memory`` is the encoder's last layer for every decoder block; it is never normalised here.

    中文：编码器-解码器中的一个解码器层，按课上的画法是 post-LN：
    先做带掩码的自注意力，再做看向编码器输出的交叉注意力，最后是前馈网络，
    每个子层都是 norm(x + dropout(sublayer(...)))。它等于 ``nn.TransformerDecoderLayer``（post-LN、GELU）。
    易错点：
    - 自注意力要用因果的目标掩码，否则位置 i 会看到它要预测的词；交叉注意力用的是源掩码。
    - 交叉注意力的 query 是第一个子层的输出，而不是块的输入。
    - 每个解码器块用的 ``memory`` 都是编码器最后一层的输出，这里不对它做归一化。
    """

    def __init__(self, hidden_size, head_num, dropout=0.1):
        super().__init__()
        self.self_attention = MultiHeadedAttention(head_num, hidden_size, dropout)
        self.cross_attention = CrossAttention(head_num, hidden_size, dropout)
        self.feed_forward = FeedForward(hidden_size, dropout)
        self.layer_norm1 = LayerNorm(hidden_size)
        self.layer_norm2 = LayerNorm(hidden_size)
        self.layer_norm3 = LayerNorm(hidden_size)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)

    def forward(self, x, memory, target_mask=None, memory_mask=None):
        # TODO (exercise 3): three post-LN sub-layers: self-attention, cross-attention, feed-forward (roughly 3 lines)
        # TODO（第 3 题）：三个 post-LN 子层：自注意力、交叉注意力、前馈网络（约 3 行）
        raise NotImplementedError("exercise 3: decoder_block.forward")
