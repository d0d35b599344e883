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
    # TODO (exercise 4): True where the source id is not 0, shape (B, 1, 1, Ls) (roughly 1 line)
    # TODO（第 4 题）：源 id 不为 0 的位置为 True，形状 (B, 1, 1, Ls)（约 1 行）
    raise NotImplementedError("exercise 4: seq2seq.make_source_mask")


def make_target_mask(target_ids):
    """Which target positions query i may see: the real tokens j <= i.

        mask[b, 0, i, j] = (target_ids[b, j] != 0) and (j <= i)      # (B, 1, Lt, Lt), bool

    Pitfall: combine the two masks with ``&``; adding them gives 2 where both
    allow and 1 where only one does, and 1 does not block.

    中文：目标序列中 query i 可以看到哪些位置：j <= i 且不是填充的词。形状 (B, 1, Lt, Lt) 的布尔张量。
    易错点：用 ``&`` 组合两个掩码；相加会在两者都允许处得到 2、只有一个允许处得到 1，而 1 不会屏蔽。
    """
    # TODO (exercise 4): the padding mask of the keys and the causal mask, combined with & (roughly 3 lines)
    # TODO（第 4 题）：把 key 的填充掩码和因果掩码用 & 组合起来（约 3 行）
    raise NotImplementedError("exercise 4: seq2seq.make_target_mask")


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
        # TODO (exercise 4): embed the source, then every encoder block with the source mask (roughly 5 lines)
        # TODO（第 4 题）：对源序列做嵌入，再依次经过每个编码器块（使用源掩码）（约 5 行）
        raise NotImplementedError("exercise 4: seq2seq.encode")

    def decode(self, target_ids, memory, source_ids):
        """target_ids (B, Lt), memory (B, Ls, H), source_ids (B, Ls) -> (B, Lt, H).

        中文：target_ids (B, Lt)、memory (B, Ls, H)、source_ids (B, Ls) -> (B, Lt, H)。
        """
        # TODO (exercise 4): embed the target, then every decoder block with the target and source masks (roughly 6 lines)
        # TODO（第 4 题）：对目标序列做嵌入，再依次经过每个解码器块（使用目标掩码和源掩码）（约 6 行）
        raise NotImplementedError("exercise 4: seq2seq.decode")

    def forward(self, source_ids, target_ids):
        """source_ids (B, Ls), target_ids (B, Lt) -> logits (B, Lt, target_vocab).

        中文：source_ids (B, Ls)、target_ids (B, Lt) -> logits (B, Lt, target_vocab)。
        """
        # TODO (exercise 4): encode, decode, then the output layer (roughly 2 lines)
        # TODO（第 4 题）：编码、解码，再经过输出层（约 2 行）
        raise NotImplementedError("exercise 4: seq2seq.forward")
