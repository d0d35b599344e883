"""Exercise 6: autoregressive generation (15 points).

第 6 题：自回归生成（15 分）。
"""
import torch


def generate(model, input_ids, max_new_tokens, temperature=1.0, top_k=None, eos_id=None, generator=None):
    """Extend each prompt one token at a time, feeding the model its own output.

    Each step, with z the logits at the last position (the model sees at most the last ``model.max_len`` tokens):

        temperature == 0:  next = argmax(z)                                      # greedy
        temperature > 0:   z = z / temperature
                           with top_k: z_v = -inf where z_v < (the k-th largest z)   # ties with it are kept
                           next = multinomial(softmax(z), 1, generator=generator)    # one call for the batch

    With ``eos_id``: once a row has produced ``eos_id`` its later tokens are 0, and
    generation stops after the step at which every row has produced it.
    Returns a LongTensor (B, L + n), the prompt followed by the n <= max_new_tokens new tokens.
    Raises ``ValueError`` for ``temperature < 0``, ``top_k < 1`` or ``max_new_tokens < 0``.
    The model is put in eval mode (no dropout) and run without gradients.

    Pitfalls:
    - crop to the last ``model.max_len`` tokens before each call, or the position
      table runs out on long generations.
    - one ``torch.multinomial`` call per step, with the generator passed on: the
      same seed then gives the same text.
    - the k-th largest logit is ``torch.topk(z, k).values[:, -1:]``, kept as a
      column so it broadcasts against z (B, V).

    中文：每次生成一个词，把模型自己的输出再喂给它。每一步取最后一个位置的 logits z
    （模型最多看到最后 ``model.max_len`` 个词）：
    temperature 为 0 时取 argmax（贪心）；大于 0 时先除以 temperature，给定 top_k 时把小于第 k 大值的 logits
    设为 -inf（与第 k 大值相等的保留），再做 softmax，每一步对整个批次只调用一次
    ``torch.multinomial(probs, 1, generator=generator)``。
    给定 ``eos_id`` 时：某一行生成 ``eos_id`` 之后，它后面的词都是 0；所有行都生成过它之后停止。
    返回 (B, L + n) 的 LongTensor。temperature < 0、top_k < 1 或 max_new_tokens < 0 时抛出 ``ValueError``。
    易错点：
    - 每次调用模型之前截取最后 ``model.max_len`` 个词，否则生成得长了位置编码表会不够用。
    - 每一步只调用一次 ``torch.multinomial``，并传入 generator：同一个种子才会得到同样的文本。
    - 第 k 大的 logits 是 ``torch.topk(z, k).values[:, -1:]``，保留成一列才能和 z (B, V) 广播。
    """
    # TODO (exercise 6): check the arguments (roughly 6 lines)
    # TODO（第 6 题）：检查参数（约 6 行）
    raise NotImplementedError("exercise 6: generate.generate")
    model.eval()
    ids = input_ids  # (B, L)
    finished = torch.zeros(ids.size(0), dtype=torch.bool, device=ids.device)  # (B,), rows that produced eos_id
    with torch.no_grad():
        for _ in range(max_new_tokens):
            # TODO (exercise 6): one step: last logits, greedy or temperature/top-k sampling, eos handling, append (roughly 16 lines)
            # TODO（第 6 题）：一步：取最后的 logits，贪心或按温度/top-k 采样，处理 eos，追加到序列末尾（约 16 行）
            raise NotImplementedError("exercise 6: generate.generate")
    return ids
