"""Stand-in for seq2seq.py while a later exercise is graded: its two mask helpers, which a later
exercise may reuse (gpt.py importing make_target_mask). No other exercise builds a Seq2Seq."""
import torch


def make_source_mask(source_ids):
    return source_ids.ne(0)[:, None, None, :]  # (B, 1, 1, Ls)


def make_target_mask(target_ids):
    n = target_ids.size(1)
    causal = torch.ones(n, n, dtype=torch.bool, device=target_ids.device).tril()  # (Lt, Lt)
    return target_ids.ne(0)[:, None, None, :] & causal  # (B, 1, Lt, Lt)
