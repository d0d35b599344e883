"""HuggingFace transformers' causal-LM loss and sampling, restated without transformers.

`transformers` is not a dependency of the course (it is large, and pulls in
tokenizers and hub clients), so the reference checks of exercises 5 and 6
(tests/test_decoder_reference.py) compare against these restatements. Each
function says, in its own words, what one piece of transformers' source does;
the source is named by path and by the commit it was read at:

- ``causal_lm_loss``: ``ForCausalLMLoss`` and ``fixed_cross_entropy`` in
  src/transformers/loss/loss_utils.py @ 0114da07ec0e101b420a923dedeb6032b6ac3a44.
- ``temperature_warp``: ``TemperatureLogitsWarper.__call__`` in
  src/transformers/generation/logits_process.py @ 00857b6cf63a4fa05cbd9bdc8a4fd78b6168c5af.
- ``top_k_warp``: ``TopKLogitsWarper.__init__`` and ``__call__``, same file and commit.
- ``sample``: the decoding loop of ``GenerationMixin._sample`` in
  src/transformers/generation/utils.py @ 000034a44ef887621d9b36001a5eb7c46e64cb3f
  (token selection, finished rows padded, stop once every row is finished), with the
  warpers in the order ``GenerationMixin._get_logits_processor`` appends them
  (temperature, then top-k).

Where the course's contract differs from transformers, the function follows
transformers and says so; the test says which of the two it checks.

Run as a script (``python -m tests.pinned.make_hf_values``), it prints the values
the test pins (``PINNED_*`` in tests/test_decoder_reference.py), computed from the
fixed inputs below, so the restatements themselves are checked against numbers.

中文：不依赖 transformers，按其源码（路径与提交见上）复述因果语言模型的损失和采样，供参考解答的测试对照。
"""
import torch
import torch.nn.functional as F

IGNORE_INDEX = -100  # transformers' default ignore_index


def labels_from_ids(input_ids, pad_id=0):
    """A causal LM's labels in transformers: the input ids, with padding set to -100 (ignored)."""
    return input_ids.masked_fill(input_ids == pad_id, IGNORE_INDEX)


def causal_lm_loss(logits, labels, vocab_size, ignore_index=IGNORE_INDEX):
    """``ForCausalLMLoss`` with ``num_items_in_batch=None`` and no ``shift_labels``.

    - the logits are upcast with ``.float()`` first: float32, so a float64 model's
      logits are *rounded* to float32 here (transformers does the same);
    - the labels are shifted left by padding one ``ignore_index`` on the right and
      dropping the first column, so the logits at t are scored against label t + 1
      and the last position is ignored;
    - ``fixed_cross_entropy``: ``F.cross_entropy(..., ignore_index, reduction="mean")``,
      the mean over the labels that are not ignored.
    """
    logits = logits.float()
    shift_labels = F.pad(labels, (0, 1), value=ignore_index)[..., 1:]  # (B, L)
    return F.cross_entropy(logits.reshape(-1, vocab_size), shift_labels.reshape(-1),
                           ignore_index=ignore_index, reduction="mean")


def temperature_warp(scores, temperature):
    """``TemperatureLogitsWarper``: needs a strictly positive float; returns ``scores / temperature``."""
    if not isinstance(temperature, float) or not temperature > 0:
        raise ValueError(f"temperature (={temperature}) has to be a strictly positive float")
    return scores / temperature


def top_k_warp(scores, top_k, min_tokens_to_keep=1, filter_value=-float("inf")):
    """``TopKLogitsWarper``: k = min(max(top_k, min_tokens_to_keep), V); every score strictly below the
    k-th largest becomes ``filter_value``, so scores tied with the k-th largest are all kept."""
    if not isinstance(top_k, int) or top_k <= 0:
        raise ValueError(f"top_k has to be a strictly positive integer, but is {top_k}")
    k = min(max(top_k, min_tokens_to_keep), scores.size(-1))
    kth = torch.topk(scores, k)[0][..., -1, None]  # (B, 1)
    return scores.masked_fill(scores < kth, filter_value)


def sample(model, input_ids, max_new_tokens, temperature=1.0, top_k=None, eos_id=None, pad_id=0,
           generator=None, window=None):
    """The loop of ``GenerationMixin._sample`` for a decoder-only model without a cache.

    Each step: the last position's logits, copied to float32; the warpers (temperature
    when it is not 1.0, then top-k when given); with ``do_sample`` (temperature > 0)
    ``softmax`` and one ``torch.multinomial(probs, num_samples=1)``, else ``argmax``;
    a finished row gets ``pad_id`` instead (``next * unfinished + pad * (1 - unfinished)``);
    a row is finished once its new token is ``eos_id``; the loop stops when no row is
    unfinished or after ``max_new_tokens`` steps.

    Two things transformers does not have, named here so that the comparison is exact:
    ``generator`` (transformers samples from torch's global generator; pass one to
    ``multinomial`` here) and ``window`` (transformers feeds the whole sequence;
    with ``window`` the model sees only the last ``window`` tokens, as nanoGPT crops).
    """
    do_sample = temperature > 0
    ids = input_ids
    unfinished = torch.ones(ids.size(0), dtype=torch.long)
    for _ in range(max_new_tokens):
        context = ids if window is None else ids[:, -window:]
        scores = model(context)[:, -1, :].to(dtype=torch.float32)  # (B, V), as `.to(copy=True, dtype=torch.float32)`
        if do_sample and temperature != 1.0:
            scores = temperature_warp(scores, float(temperature))
        if do_sample and top_k is not None:
            scores = top_k_warp(scores, top_k)
        if do_sample:
            probs = F.softmax(scores, dim=-1)
            next_tokens = torch.multinomial(probs, num_samples=1, generator=generator).squeeze(1)
        else:
            next_tokens = torch.argmax(scores, dim=-1)
        if eos_id is not None:
            next_tokens = next_tokens * unfinished + pad_id * (1 - unfinished)
        ids = torch.cat([ids, next_tokens[:, None]], dim=-1)
        if eos_id is not None:
            unfinished = unfinished & (next_tokens != eos_id).long()
            if unfinished.max() == 0:
                break
    return ids


# Fixed inputs of the pinned values: plain numbers, no random generator involved.
LOSS_IDS = torch.tensor([[3, 1, 4, 1, 5], [2, 6, 0, 0, 0]])  # (2, 5), id 0 is padding
LOSS_LOGITS = (torch.arange(2 * 5 * 7, dtype=torch.float64).reshape(2, 5, 7) * 0.37).sin() * 2.0  # (2, 5, 7)
TIED_SCORES = torch.tensor([[3.0, 2.0, 2.0, 1.0, 2.0, -1.0], [0.5, 0.5, 0.5, 0.5, 0.1, 0.9]])  # ties at the k-th


def pinned_values():
    """The values the test pins, from the fixed inputs above."""
    loss = causal_lm_loss(LOSS_LOGITS, labels_from_ids(LOSS_IDS), LOSS_LOGITS.size(-1))
    warped = top_k_warp(temperature_warp(TIED_SCORES, 0.5), 2)
    return {"PINNED_HF_LOSS": loss.item(), "PINNED_TOP_K_KEPT": (warped > -float("inf")).int().tolist()}


if __name__ == "__main__":
    for name, value in pinned_values().items():
        print(f"{name} = {value!r}")
