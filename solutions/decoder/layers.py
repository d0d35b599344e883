"""Given, not graded: the building blocks of the first assignment, ready to use.

Same class names, signatures, submodule names and behaviour as the first
assignment (`transformer`), but written on torch's own library functions
(``F.scaled_dot_product_attention``, ``F.layer_norm``, ``F.gelu``), so they are
no answer to that assignment: copied into it, they score 0 (forbidden shortcuts).
Import them from the exercises with ``from .layers import ...``.

中文：给定文件，不计分。第一次作业（`transformer`）的各个模块，可以直接使用。
类名、签名、子模块名和行为都与第一次作业相同，但用 torch 自带的库函数
（``F.scaled_dot_product_attention``、``F.layer_norm``、``F.gelu``）写成，
因此不是第一次作业的答案：抄进第一次作业会得 0 分（禁止的捷径）。
在各题中用 ``from .layers import ...`` 导入它们。
"""
import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn


class PositionalEmbedding(nn.Module):
    """The fixed sinusoidal table, a buffer ``pe`` of shape (1, max_len, embed_size), float32:

        pe[0, p, 2i]   = sin(p / 10000^(2i / embed_size))
        pe[0, p, 2i+1] = cos(p / 10000^(2i / embed_size))

    ``forward(x)`` with x of shape (B, L, ...) returns ``pe[:, :L]``, (1, L, embed_size).

    中文：固定的正弦位置编码表，缓冲区 ``pe`` 形状 (1, max_len, embed_size)；``forward(x)`` 返回 ``pe[:, :L]``。
    """

    def __init__(self, embed_size, max_len=512):
        super().__init__()
        frequencies = torch.exp(torch.arange(0, embed_size, 2, dtype=torch.float64) * (-math.log(10000.0) / embed_size))
        angles = torch.outer(torch.arange(max_len, dtype=torch.float64), frequencies)  # (max_len, embed_size / 2)
        table = torch.stack((angles.sin(), angles.cos()), dim=-1).flatten(-2)  # sin, cos interleaved
        self.register_buffer("pe", table.unsqueeze(0).to(torch.float32))  # (1, max_len, embed_size)

    def forward(self, x):
        return self.pe[:, slice(x.size(1))]  # (1, L, embed_size)


def subsequent_mask(size):
    """The causal mask: ``mask[0, i, j] = (j <= i)``, a bool tensor of shape (1, size, size).

    中文：因果掩码，``mask[0, i, j] = (j <= i)``，形状 (1, size, size) 的布尔张量。
    """
    index = torch.arange(size)
    return (index.unsqueeze(0) <= index.unsqueeze(1)).unsqueeze(0)  # (1, size, size)


def _broadcast(*shapes):
    """torch.broadcast_shapes, without the sympy it imports on first use (~0.3 s a process)."""
    out = []
    for sizes in itertools.zip_longest(*(reversed(s) for s in shapes), fillvalue=1):
        other = {n for n in sizes if n != 1}
        if len(other) > 1:
            raise RuntimeError(f"shapes {shapes} cannot be broadcast together")
        out.append(other.pop() if other else 1)
    return torch.Size(reversed(out))


def attention_weights(query, key, mask=None):
    """softmax(query @ key^T / sqrt(dk)) over the keys, blocked keys (mask == 0) at weight 0.

    Computed by torch's kernel: ``F.scaled_dot_product_attention`` returns weights @ value,
    so with value = the identity it returns the weights themselves. A query row whose
    keys are all blocked gets uniform weights, as a finite fill before the softmax gives.

    中文：注意力权重 softmax(query @ key^T / sqrt(dk))，被屏蔽的 key 权重为 0；
    用 torch 的内核计算（value 取单位矩阵时输出就是权重）。所有 key 都被屏蔽的行得到均匀的权重。
    """
    lk = key.size(-2)
    batch = _broadcast(query.shape[:-2], key.shape[:-2], *(() if mask is None else (mask.shape[:-2],)))
    query = query.expand(*batch, *query.shape[-2:])  # (..., Lq, dk)
    key = key.expand(*batch, *key.shape[-2:])  # (..., Lk, dk)
    identity = torch.eye(lk, dtype=query.dtype, device=query.device).expand(*batch, lk, lk)
    if mask is None:
        return F.scaled_dot_product_attention(query, key, identity)  # (..., Lq, Lk)
    blocked = mask == 0
    everything = blocked.all(dim=-1, keepdim=True)  # such a row is uniform: every score is filled alike
    bias = torch.zeros(blocked.shape, dtype=query.dtype, device=query.device).masked_fill(blocked & ~everything, float("-inf"))
    weights = F.scaled_dot_product_attention(query, key, identity, attn_mask=bias.expand(*batch, query.size(-2), lk))
    return torch.where(everything, torch.full_like(weights, 1.0 / lk), weights)  # (..., Lq, Lk)


class Attention(nn.Module):
    """One head of attention, ``forward(query, key, value, mask=None, dropout=None) -> (output, weights)``:

        weights = dropout(softmax(query @ key^T / sqrt(dk), blocked keys at 0))   # (..., Lq, Lk)
        output  = weights @ value                                                  # (..., Lq, dv)

    ``mask`` broadcasts to (..., Lq, Lk); an entry equal to 0 (False) blocks that key.

    中文：单头注意力，返回 ``(weights @ value, weights)``；掩码为 0（False）的 key 被屏蔽。
    """

    def forward(self, query, key, value, mask=None, dropout=None):
        weights = attention_weights(query, key, mask)  # (..., Lq, Lk)
        if dropout is not None:
            weights = dropout(weights)
        return torch.matmul(weights, value), weights  # (..., Lq, dv), (..., Lq, Lk)


class MultiHeadedAttention(nn.Module):
    """h heads of self-attention, head k on features k*d ... (k+1)*d - 1 (d = H / h):

        out = W_o merge_heads(Attention(split_heads(W_q x), split_heads(W_k x), split_heads(W_v x), mask))

    Raises ``ValueError`` when ``hidden_size % head_num != 0``.

    中文：h 个头的自注意力，第 k 个头负责第 k*d ... (k+1)*d - 1 个特征；H 不能被 h 整除时抛出 ``ValueError``。
    """

    def __init__(self, head_num, hidden_size, dropout=0.1):
        super().__init__()
        self.head_num, self.hidden_size = head_num, hidden_size
        self.per_head_dim, rest = divmod(hidden_size, head_num)
        if rest:
            raise ValueError(f"head_num {head_num} must divide hidden_size {hidden_size}")
        for name in ("query_linear", "key_linear", "value_linear", "output_linear"):
            setattr(self, name, nn.Linear(hidden_size, hidden_size))
        self.attention = Attention()
        self.dropout = nn.Dropout(dropout)

    def split_heads(self, x):
        """(B, L, H) -> (B, h, L, d)."""
        return x.unflatten(-1, (self.head_num, self.per_head_dim)).permute(0, 2, 1, 3)

    def merge_heads(self, x):
        """(B, h, L, d) -> (B, L, H)."""
        return x.permute(0, 2, 1, 3).flatten(-2)

    def forward(self, x, mask=None):
        q, k, v = (self.split_heads(layer(x)) for layer in (self.query_linear, self.key_linear, self.value_linear))
        out, _ = self.attention(q, k, v, mask=mask, dropout=self.dropout)  # (B, h, L, d)
        merged = self.merge_heads(out)  # (B, L, H)
        return self.output_linear(merged)


class FeedForward(nn.Module):
    """The position-wise feed-forward network, exact (erf) GELU:

        FFN(x) = output_layer(dropout(GELU(input_layer(x))))      # (B, L, H) -> (B, L, 4H) -> (B, L, H)

    中文：逐位置前馈网络，GELU 为精确的 erf 形式。
    """

    def __init__(self, hidden_size, dropout=0.1):
        super().__init__()
        self.input_layer, self.output_layer = nn.Linear(hidden_size, 4 * hidden_size), nn.Linear(4 * hidden_size, hidden_size)
        self.dropout, self.activation = nn.Dropout(dropout), nn.GELU()

    def forward(self, x):
        inner = F.gelu(F.linear(x, self.input_layer.weight, self.input_layer.bias), approximate="none")  # (B, L, 4H)
        return F.linear(self.dropout(inner), self.output_layer.weight, self.output_layer.bias)  # (B, L, H)


class LayerNorm(nn.Module):
    """y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias over the last dimension, Var biased.

    中文：层归一化，沿最后一维，方差为有偏方差。
    """

    def __init__(self, hidden_size, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight, self.bias = nn.Parameter(torch.ones(hidden_size)), nn.Parameter(torch.zeros(hidden_size))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)


class TransformerBlock(nn.Module):
    """One post-LN encoder layer:

        x = layer_norm1(x + dropout1(multi_head_attention(x, mask)))
        y = layer_norm2(x + dropout2(feed_forward(x)))

    中文：一个 post-LN 编码器层：先注意力子层、再前馈子层，每个子层都是 norm(x + dropout(sublayer(x)))。
    """

    def __init__(self, hidden_size, head_num, dropout=0.1):
        super().__init__()
        self.multi_head_attention = MultiHeadedAttention(head_num, hidden_size, dropout)
        self.feed_forward = FeedForward(hidden_size, dropout)
        self.layer_norm1, self.layer_norm2 = LayerNorm(hidden_size), LayerNorm(hidden_size)
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x, mask=None):
        sublayers = ((lambda y: self.multi_head_attention(y, mask), self.dropout1, self.layer_norm1),
                     (self.feed_forward, self.dropout2, self.layer_norm2))
        for sublayer, dropout, norm in sublayers:
            x = norm(x + dropout(sublayer(x)))  # (B, L, H)
        return x


class BERTEmbedding(nn.Module):
    """E = dropout(token_embedding(input_ids) + pe[:, :L] + token_type_embedding(token_type_ids)), (B, L, H).

    中文：词嵌入 + 位置编码 + 句子类型嵌入，再做 dropout。
    """

    def __init__(self, vocab_size, embed_size, dropout=0.1):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, embed_size, padding_idx=0)
        self.position_embedding = PositionalEmbedding(embed_size, 512)
        self.token_type_embedding = nn.Embedding(2, embed_size, padding_idx=0)
        self.dropout = nn.Dropout(dropout)
        self.embed_size = embed_size

    def forward(self, input_ids, token_type_ids):
        parts = (self.token_embedding(input_ids), self.position_embedding(input_ids), self.token_type_embedding(token_type_ids))
        return self.dropout(sum(parts))  # (B, L, H)


class BERT(nn.Module):
    """The encoder: embeddings, then ``layer_num`` blocks; every query is blocked from the padded keys (id 0).

        forward(input_ids, token_type_ids) -> (B, L, H)

    中文：编码器：嵌入层之后接 ``layer_num`` 个块；每个 query 都看不到填充位置（id 为 0）的 key。
    """

    def __init__(self, vocab_size, hidden_size=768, layer_num=12, head_num=12, dropout=0.1):
        super().__init__()
        self.embedding = BERTEmbedding(vocab_size, hidden_size, dropout)
        self.transformer_blocks = nn.ModuleList(
            [TransformerBlock(hidden_size, head_num, dropout) for _ in range(layer_num)]
        )

    def forward(self, input_ids, token_type_ids):
        keys = input_ids.ne(0)[:, None, None, :]  # (B, 1, 1, L), False at padded keys
        x = self.embedding(input_ids, token_type_ids)  # (B, L, H)
        for block in self.transformer_blocks:
            x = block(x, keys)
        return x
