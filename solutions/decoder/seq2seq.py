"""Exercise 4: the encoder-decoder for translation (15 points).

第 4 题：用于翻译的编码器-解码器（15 分）。
"""
from torch import nn

from .decoder_block import DecoderBlock
from .layers import PositionalEmbedding, TransformerBlock, subsequent_mask


def make_source_mask(source_ids):
    """Which source positions may be attended to: the real tokens (id 0 is padding).

        mask[b, 0, 0, j] = (source_ids[b, j] != 0)          # (B, 1, 1, Ls), bool

    It broadcasts to (B, h, Lt, Ls) in the cross-attention and to (B, h, Ls, Ls) in the encoder.

    中文：源序列中哪些位置可以被关注：真实的词（id 为 0 的是填充）。
    形状 (B, 1, 1, Ls) 的布尔张量，在交叉注意力中广播到 (B, h, Lt, Ls)，在编码器中广播到 (B, h, Ls, Ls)。
    """
    ### BEGIN SOLUTION: True where the source id is not 0, shape (B, 1, 1, Ls) || 源 id 不为 0 的位置为 True，形状 (B, 1, 1, Ls)
    return (source_ids != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, Ls)
    ### END SOLUTION


def make_target_mask(target_ids):
    """Which target positions query i may see: the real tokens j <= i.

        mask[b, 0, i, j] = (target_ids[b, j] != 0) and (j <= i)      # (B, 1, Lt, Lt), bool

    Pitfall: combine the two masks with ``&``; adding them gives 2 where both
    allow and 1 where only one does, and 1 does not block.

    中文：目标序列中 query i 可以看到哪些位置：j <= i 且不是填充的词。形状 (B, 1, Lt, Lt) 的布尔张量。
    易错点：用 ``&`` 组合两个掩码；相加会在两者都允许处得到 2、只有一个允许处得到 1，而 1 不会屏蔽。
    """
    ### BEGIN SOLUTION: the padding mask of the keys and the causal mask, combined with & || 把 key 的填充掩码和因果掩码用 & 组合起来
    padding = (target_ids != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, Lt)
    causal = subsequent_mask(target_ids.size(1)).to(target_ids.device)  # (1, Lt, Lt)
    return padding & causal.unsqueeze(1)  # (B, 1, Lt, Lt)
    ### END SOLUTION


class Seq2Seq(nn.Module):
    """The Transformer of "Attention Is All You Need": an encoder reads the source,
    a decoder writes the target while attending to the encoder's last layer.

        memory = encoder_blocks(dropout(E_src[source_ids] + pe), source_mask)                 # (B, Ls, H)
        y      = decoder_blocks(dropout(E_tgt[target_ids] + pe), memory, target_mask, source_mask)  # (B, Lt, H)
        logits = output_layer(y)                                                              # (B, Lt, target_vocab)

    The target fed in is the shifted one (it starts with BOS); the logits at
    position i predict target token i + 1.

    Pitfalls:
    - every decoder block gets the same ``memory``, the encoder's last layer.
    - the decoder needs both masks: the target mask for its self-attention and the
      source mask for its cross-attention.
    - the source and the target have their own embedding tables but share the position table.

    中文：《Attention Is All You Need》中的 Transformer：编码器读源序列，解码器一边写目标序列，
    一边关注编码器最后一层的输出。输入的目标序列是右移过的（以 BOS 开头），位置 i 的 logits 预测第 i + 1 个词。
    易错点：
    - 每个解码器块拿到的都是同一个 ``memory``，即编码器的最后一层。
    - 解码器需要两个掩码：自注意力用目标掩码，交叉注意力用源掩码。
    - 源和目标各有自己的词嵌入表，但共用位置编码表。
    """

    def __init__(self, source_vocab, target_vocab, hidden_size=256, layer_num=3, head_num=4, dropout=0.1):
        super().__init__()
        self.source_embedding = nn.Embedding(source_vocab, hidden_size, padding_idx=0)
        self.target_embedding = nn.Embedding(target_vocab, hidden_size, padding_idx=0)
        self.position_embedding = PositionalEmbedding(hidden_size, 512)
        self.dropout = nn.Dropout(dropout)
        self.encoder_blocks = nn.ModuleList(
            [TransformerBlock(hidden_size, head_num, dropout) for _ in range(layer_num)]
        )
        self.decoder_blocks = nn.ModuleList(
            [DecoderBlock(hidden_size, head_num, dropout) for _ in range(layer_num)]
        )
        self.output_layer = nn.Linear(hidden_size, target_vocab)

    def encode(self, source_ids):
        """source_ids (B, Ls) -> memory (B, Ls, H).

        中文：source_ids (B, Ls) -> memory (B, Ls, H)。
        """
        ### BEGIN SOLUTION: embed the source, then every encoder block with the source mask || 对源序列做嵌入，再依次经过每个编码器块（使用源掩码）
        mask = make_source_mask(source_ids)  # (B, 1, 1, Ls)
        x = self.dropout(self.source_embedding(source_ids) + self.position_embedding(source_ids))  # (B, Ls, H)
        for block in self.encoder_blocks:
            x = block(x, mask)  # (B, Ls, H)
        return x
        ### END SOLUTION

    def decode(self, target_ids, memory, source_ids):
        """target_ids (B, Lt), memory (B, Ls, H), source_ids (B, Ls) -> (B, Lt, H).

        中文：target_ids (B, Lt)、memory (B, Ls, H)、source_ids (B, Ls) -> (B, Lt, H)。
        """
        ### BEGIN SOLUTION: embed the target, then every decoder block with the target and source masks || 对目标序列做嵌入，再依次经过每个解码器块（使用目标掩码和源掩码）
        target_mask = make_target_mask(target_ids)  # (B, 1, Lt, Lt)
        source_mask = make_source_mask(source_ids)  # (B, 1, 1, Ls)
        x = self.dropout(self.target_embedding(target_ids) + self.position_embedding(target_ids))  # (B, Lt, H)
        for block in self.decoder_blocks:
            x = block(x, memory, target_mask, source_mask)  # (B, Lt, H)
        return x
        ### END SOLUTION

    def forward(self, source_ids, target_ids):
        """source_ids (B, Ls), target_ids (B, Lt) -> logits (B, Lt, target_vocab).

        中文：source_ids (B, Ls)、target_ids (B, Lt) -> logits (B, Lt, target_vocab)。
        """
        ### BEGIN SOLUTION: encode, decode, then the output layer || 编码、解码，再经过输出层
        memory = self.encode(source_ids)  # (B, Ls, H)
        return self.output_layer(self.decode(target_ids, memory, source_ids))  # (B, Lt, target_vocab)
        ### END SOLUTION
