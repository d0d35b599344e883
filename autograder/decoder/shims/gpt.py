"""Stand-in for gpt.py: the model generate.py is graded with. A causal LM with the contract's
submodules, forward and loss, built on the given blocks; it holds no generation of its own."""
import torch.nn.functional as F
from torch import nn

from .layers import PositionalEmbedding, TransformerBlock, subsequent_mask


class GPT(nn.Module):
    def __init__(self, vocab_size, hidden_size=256, layer_num=4, head_num=4, max_len=512, dropout=0.1):
        super().__init__()
        self.max_len = max_len
        self.token_embedding = nn.Embedding(vocab_size, hidden_size, padding_idx=0)
        self.position_embedding = PositionalEmbedding(hidden_size, max_len)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(TransformerBlock(hidden_size, head_num, dropout) for _ in range(layer_num))
        self.lm_head = nn.Linear(hidden_size, vocab_size, bias=False)
        self.lm_head.weight = self.token_embedding.weight

    def forward(self, input_ids):
        mask = subsequent_mask(input_ids.size(1)).unsqueeze(1) & input_ids.ne(0)[:, None, None, :]  # (B, 1, L, L)
        x = self.dropout(self.token_embedding(input_ids) + self.position_embedding(input_ids))
        for block in self.blocks:
            x = block(x, mask)
        return self.lm_head(x)  # (B, L, V)

    def loss(self, input_ids):
        logits = self(input_ids)
        return F.cross_entropy(logits[:, :-1].flatten(0, 1), input_ids[:, 1:].flatten(), ignore_index=0)
