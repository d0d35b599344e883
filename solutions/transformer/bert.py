"""Exercise 6: fix the BERT padding mask (15 points).

This file is given whole. ``BERT.forward`` crashes: find out why, and make the
padded positions invisible to every query.

第 6 题：修复 BERT 的填充掩码（15 分）。
本文件是完整给出的。``BERT.forward`` 会报错：找出原因，并让每个 query 都看不到填充位置。
"""
from torch import nn

from .positional_encoding import PositionalEmbedding
from .transformer_block import TransformerBlock


class BERTEmbedding(nn.Module):
    """token + position + segment embeddings, then dropout:

        E = dropout(token_embedding(input_ids) + pe[:, :L] + token_type_embedding(token_type_ids))

    Shapes: input_ids, token_type_ids (B, L) -> (B, L, H).

    中文：词嵌入 + 位置编码 + 句子类型嵌入，再做 dropout。
    形状：input_ids、token_type_ids (B, L) -> (B, L, H)。
    """

    def __init__(self, vocab_size, embed_size, dropout=0.1):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, embed_size, padding_idx=0)
        self.position_embedding = PositionalEmbedding(embed_size, 512)
        self.token_type_embedding = nn.Embedding(2, embed_size, padding_idx=0)
        self.dropout = nn.Dropout(dropout)
        self.embed_size = embed_size

    def forward(self, input_ids, token_type_ids):
        x = (
            self.token_embedding(input_ids)  # (B, L, H)
            + self.position_embedding(input_ids)  # (1, L, H)
            + self.token_type_embedding(token_type_ids)  # (B, L, H)
        )
        return self.dropout(x)


class BERT(nn.Module):
    """An encoder-only Transformer: embeddings, then ``layer_num`` blocks.

    Token id 0 is [PAD]. Padding must not change the real tokens' outputs, so
    every query is blocked from the padded keys:

        mask[b, 0, i, j] = (input_ids[b, j] != 0)      # broadcasts to (B, h, L, L)

    Example (max_length=10):
        [CLS] 你 好 吗 [SEP] 我 很 好 [SEP] [PAD]
        input_ids = [[101, 872, 1962, 1408, 102, 2769, 2523, 1962, 102, 0], ...]

    Pitfalls:
    - the mask comes from the token ids, not from the embeddings.
    - block keys (the last axis), not queries: a padded query may still look at real tokens.
    - the mask needs an axis for the heads: (B, 1, 1, L) or (B, 1, L, L).

    中文：只有编码器的 Transformer：嵌入层之后接 ``layer_num`` 个块。
    id 为 0 的词是 [PAD]。填充不能改变真实词的输出，所以每个 query 都要屏蔽填充位置的 key：
    mask[b, 0, i, j] = (input_ids[b, j] != 0)，可广播到 (B, h, L, L)。
    易错点：
    - 掩码来自词的 id，而不是嵌入向量。
    - 屏蔽的是 key（最后一维），不是 query：填充位置的 query 仍可以看真实的词。
    - 掩码需要一个头的维度：(B, 1, 1, L) 或 (B, 1, L, L)。
    """

    def __init__(self, vocab_size, hidden_size=768, layer_num=12, head_num=12, dropout=0.1):
        super().__init__()
        self.embedding = BERTEmbedding(vocab_size, hidden_size, dropout)
        self.transformer_blocks = nn.ModuleList(
            [TransformerBlock(hidden_size, head_num, dropout) for _ in range(layer_num)]
        )

    def forward(self, input_ids, token_type_ids):
        ### BEGIN SOLUTION: this line crashes: build the padding mask from input_ids (id 0 is [PAD]) || 这一行会报错：请根据 input_ids 构造填充掩码（id 为 0 的是 [PAD]）
        attention_mask = (input_ids > 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, L)
        ### END SOLUTION
        ### BEGIN STUB
        # attention_mask = (x > 0).unsqueeze(1).repeat(1, x.size(1), 1).unsqueeze(1)
        ### END STUB

        x = self.embedding(input_ids, token_type_ids)  # (B, L, H)
        for block in self.transformer_blocks:
            x = block(x, attention_mask)  # (B, L, H)
        return x
