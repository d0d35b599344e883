"""The catalog of the `decoder` assignment: known mistakes, and equivalent ways of writing a
correct answer (what an entry is: autograder/catalog.py).

Each section belongs to one exercise; each mistake's Chinese sentence is in ZH under the same id.
"""
from autograder.catalog import maker, mutant  # noqa: F401 (mutant: the catalog's patched reference)

M = maker(__name__)

MISTAKES = ()
ZH = {}
VARIANTS = ()

# ---- 1. classifier ----
POOL_MEAN = "            pooled = (h * real).sum(dim=1) / real.sum(dim=1)  # (B, H)\n"
MISTAKES += (
    M("classifier.mean_counts_padding", "mean pooling averages the padding too: count only the real tokens (input id != 0), sum(m_j h_j) / sum(m_j)",
      (POOL_MEAN, "            pooled = h.mean(dim=1)  # (B, H)\n")),
)
ZH.update({
    "classifier.mean_counts_padding": "平均池化把填充位置也平均进去了：只统计真实词（input id 不为 0），即 sum(m_j h_j) / sum(m_j)",
})
VARIANTS += ()

# ---- 2. cross_attention ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

# ---- 3. decoder_block ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

# ---- 4. seq2seq ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

# ---- 5. gpt ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

# ---- 6. generate ----
GEN_LOGITS = "            logits = model(ids[:, -model.max_len:])[:, -1, :]  # (B, V)\n"
GEN_KTH = "                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, -1:]  # (B, 1)\n"
GEN_FILL = '                    logits = logits.masked_fill(logits < kth, float("-inf"))\n'
GEN_DRAW = "                next_ids = torch.multinomial(probs, 1, generator=generator).squeeze(1)  # (B,)\n"
GEN_EOS = ("                next_ids = next_ids.masked_fill(finished, 0)\n"
           "                finished = finished | (next_ids == eos_id)\n")
GEN_STOP = "            if eos_id is not None and bool(finished.all()):\n                break\n"
GEN_TEMPERATURE = "                logits = logits / temperature\n"
GEN_SOFTMAX = "                probs = torch.softmax(logits, dim=-1)  # (B, V)\n"
MISTAKES += (
    M("generate.temperature_zero_rejected", "temperature 0 raises ValueError; 0 means greedy decoding (the argmax), only a temperature below 0 is an error",
      ("    if temperature < 0:\n", "    if temperature <= 0:\n")),
    M("generate.top_k_zero_accepted", "top_k=0 is let through (`if top_k and ...` is false for 0): raise ValueError for every top_k below 1, only None means no top-k",
      ("    if top_k is not None and top_k < 1:\n", "    if top_k and top_k < 1:\n")),
    M("generate.negative_length_accepted", "max_new_tokens < 0 gives the prompt back; it must raise ValueError",
      ("    if max_new_tokens < 0:\n", "    if False:\n")),
    M("generate.first_position", "the next token is read from the logits of the first position; it is predicted at the last one, logits[:, -1]",
      (GEN_LOGITS, GEN_LOGITS.replace("[:, -1, :]", "[:, 0, :]"))),
    M("generate.argmax_over_batch", "the argmax runs over the batch axis (dim=0); take it over the vocabulary, the last axis of the (B, V) logits",
      ("next_ids = logits.argmax(dim=-1)", "next_ids = logits.argmax(dim=0)"), error="RuntimeError: (Sizes of tensors must match|The size of tensor a)"),
    M("generate.no_crop", "the model is fed the whole sequence, longer than model.max_len in the end; feed it only the last model.max_len tokens, ids[:, -model.max_len:]",
      (GEN_LOGITS, GEN_LOGITS.replace("ids[:, -model.max_len:]", "ids"))),
    M("generate.crop_first_tokens", "the model is fed the first model.max_len tokens; feed it the last ones, ids[:, -model.max_len:]",
      (GEN_LOGITS, GEN_LOGITS.replace("ids[:, -model.max_len:]", "ids[:, :model.max_len]"))),
    M("generate.temperature_after_softmax", "the probabilities are divided by the temperature after the softmax, and multinomial normalises that away; divide the logits before it: softmax(z / temperature)",
      (GEN_TEMPERATURE, ""),
      (GEN_SOFTMAX, "                probs = torch.softmax(logits, dim=-1) / temperature  # (B, V)\n")),
    M("generate.temperature_multiplies", "the logits are multiplied by the temperature; divide them: softmax(z / temperature)",
      (GEN_TEMPERATURE, "                logits = logits * temperature\n")),
    M("generate.temperature_zero_samples", "temperature 0 divides the logits by 0; it means greedy decoding: take the argmax of the logits",
      ("            if temperature == 0:\n", "            if temperature is None:\n"), error="RuntimeError: probability tensor contains"),
    M("generate.softmax_over_batch", "the softmax runs over the batch axis (dim=0); take it over the vocabulary, dim=-1",
      (GEN_SOFTMAX, GEN_SOFTMAX.replace("dim=-1", "dim=0"))),
    M("generate.global_random_generator", "torch.multinomial draws from torch's global random generator; pass it generator=generator, so that the same seed gives the same text",
      (GEN_DRAW, GEN_DRAW.replace(", generator=generator", ""))),
    M("generate.top_k_ignored", "top_k is ignored: set every logit below the k-th largest to -inf before the softmax",
      (GEN_FILL, "                    logits = logits\n")),
    M("generate.top_k_drops_the_kth", "top-k drops the k-th largest logit itself (everything <= it is set to -inf); keep the logits >= the k-th largest, setting only those below it to -inf",
      (GEN_FILL, GEN_FILL.replace("logits < kth", "logits <= kth"))),
    M("generate.top_k_drops_ties", "top-k keeps exactly k tokens (torch.topk's indices), dropping the logits equal to the k-th largest; keep every logit >= the k-th largest value, ties included",
      (GEN_KTH + GEN_FILL,
       "                    top = torch.topk(logits, top_k)\n"
       '                    logits = torch.full_like(logits, float("-inf")).scatter(1, top.indices, top.values)\n')),
    M("generate.kth_not_a_column", "the k-th largest values (B,) do not broadcast against the logits (B, V): keep them as a column, torch.topk(z, k).values[:, -1:]",
      (GEN_KTH, GEN_KTH.replace(".values[:, -1:]", ".values[:, -1]"))),
    M("generate.kth_off_by_one", "the threshold is the (k+1)-th largest logit (index k of the sorted logits); the k-th largest is at index k - 1",
      (GEN_KTH, "                    kth = torch.sort(logits, dim=-1, descending=True).values[:, top_k : top_k + 1]  # (B, 1)\n")),
    M("generate.eos_rows_keep_generating", "rows that produced eos_id keep generating; once a row has produced it, its later tokens are 0",
      (GEN_EOS, "                finished = finished | (next_ids == eos_id)\n")),
    M("generate.eos_rows_repeat_eos", "rows that produced eos_id repeat it; their later tokens are 0 (padding)",
      (GEN_EOS, GEN_EOS.replace("masked_fill(finished, 0)", "masked_fill(finished, eos_id)"))),
    M("generate.eos_itself_zeroed", "the eos_id token itself is replaced by 0: mark the row finished after writing its token, so that only the tokens after eos_id are 0",
      (GEN_EOS, "                finished = finished | (next_ids == eos_id)\n                next_ids = next_ids.masked_fill(finished, 0)\n")),
    M("generate.eos_in_the_prompt_counts", "a row whose prompt holds eos_id counts as finished from the start; only the tokens a row generates finish it",
      (GEN_EOS, "                finished = (ids == eos_id).any(dim=1)  # (B,)\n" + GEN_EOS)),
    M("generate.stops_at_the_first_eos", "generation stops as soon as one row has produced eos_id; it stops only once every row has",
      (GEN_STOP, GEN_STOP.replace("finished.all()", "finished.any()"))),
    M("generate.never_stops", "generation goes on after every row has produced eos_id; stop after the step at which the last row produced it",
      (GEN_STOP, "")),
    M("generate.samples_unfinished_rows_only", "only the unfinished rows are sampled, so the others draw other numbers from the generator; draw for the whole batch every step (one multinomial call), then set the finished rows' tokens to 0",
      (GEN_DRAW, "                live = ~finished\n"
                 "                next_ids = torch.zeros(probs.size(0), dtype=torch.long, device=probs.device)  # (B,)\n"
                 "                next_ids[live] = torch.multinomial(probs[live], 1, generator=generator).squeeze(1)\n")),
    M("generate.no_eval", "the model is left in training mode, so its dropout acts while generating; call model.eval() first",
      ("    model.eval()\n", "")),
    M("generate.no_no_grad", "the model runs with gradients on; generate under torch.no_grad(): no step needs a gradient",
      ("    with torch.no_grad():\n", "    with torch.enable_grad():\n")),
    M("generate.prompt_dropped", "only the new tokens are returned; return the prompt followed by them, (B, L + n)",
      ("    return ids\n", "    return ids[:, input_ids.size(1):]\n")),
)
ZH.update({
    "generate.temperature_zero_rejected": "temperature 为 0 时抛出了 ValueError；0 表示贪心解码（取 argmax），只有小于 0 的 temperature 才是错误",
    "generate.top_k_zero_accepted": "top_k=0 没有被拒绝（`if top_k and ...` 在 top_k 为 0 时为假）：所有小于 1 的 top_k 都要抛出 ValueError，只有 None 表示不做 top-k",
    "generate.negative_length_accepted": "max_new_tokens < 0 时直接返回了提示；应当抛出 ValueError",
    "generate.first_position": "下一个词取自第一个位置的 logits；它由最后一个位置预测，即 logits[:, -1]",
    "generate.argmax_over_batch": "argmax 沿批次维（dim=0）计算；应当沿词表维，即 (B, V) 的 logits 的最后一维",
    "generate.no_crop": "把整个序列都喂给了模型，生成到后面会超过 model.max_len；只喂最后 model.max_len 个词，即 ids[:, -model.max_len:]",
    "generate.crop_first_tokens": "喂给模型的是前 model.max_len 个词；应当是最后 model.max_len 个词，即 ids[:, -model.max_len:]",
    "generate.temperature_after_softmax": "在 softmax 之后才把概率除以 temperature，multinomial 归一化后这一步就没有效果了；应当在 softmax 之前除 logits：softmax(z / temperature)",
    "generate.temperature_multiplies": "logits 乘以了 temperature；应当除以它：softmax(z / temperature)",
    "generate.temperature_zero_samples": "temperature 为 0 时把 logits 除以了 0；0 表示贪心解码：取 logits 的 argmax",
    "generate.softmax_over_batch": "softmax 沿批次维（dim=0）计算；应当沿词表维，dim=-1",
    "generate.global_random_generator": "torch.multinomial 用的是 torch 的全局随机数生成器；要传入 generator=generator，同一个种子才会得到同样的文本",
    "generate.top_k_ignored": "top_k 被忽略了：在 softmax 之前要把小于第 k 大值的 logits 都设为 -inf",
    "generate.top_k_drops_the_kth": "top-k 把第 k 大的 logits 本身也去掉了（小于等于它的都设为 -inf）；应当保留大于等于第 k 大值的 logits，只把小于它的设为 -inf",
    "generate.top_k_drops_ties": "top-k 只保留了恰好 k 个词（torch.topk 给出的下标），与第 k 大值相等的 logits 被去掉了；应当保留所有大于等于第 k 大值的 logits，包括并列的",
    "generate.kth_not_a_column": "第 k 大的值形状为 (B,)，不能和 (B, V) 的 logits 广播：要保留成一列，torch.topk(z, k).values[:, -1:]",
    "generate.kth_off_by_one": "阈值取成了第 k+1 大的 logits（排序后下标为 k）；第 k 大的值在下标 k - 1",
    "generate.eos_rows_keep_generating": "生成了 eos_id 的行还在继续生成；某一行生成 eos_id 之后，它后面的词都应当是 0",
    "generate.eos_rows_repeat_eos": "生成了 eos_id 的行一直重复 eos_id；它后面的词应当是 0（填充）",
    "generate.eos_itself_zeroed": "eos_id 这个词本身也被换成了 0：先写入这一步的词，再把这一行标记为已结束，这样只有 eos_id 之后的词才是 0",
    "generate.eos_in_the_prompt_counts": "提示里含有 eos_id 的行一开始就被当作已结束；只有某一行自己生成的词才能让它结束",
    "generate.stops_at_the_first_eos": "只要有一行生成了 eos_id 就停止了；应当等到每一行都生成过它才停止",
    "generate.never_stops": "所有行都生成过 eos_id 之后还在继续生成；应当在最后一行生成它的那一步之后停止",
    "generate.samples_unfinished_rows_only": "只对还没结束的行采样，其余行从 generator 取到的随机数就变了；每一步应当对整个批次采样（调用一次 multinomial），再把已结束的行的词设为 0",
    "generate.no_eval": "模型还处于训练模式，生成时 dropout 仍在起作用；先调用 model.eval()",
    "generate.no_no_grad": "模型在开启梯度的情况下运行；应当在 torch.no_grad() 下生成：没有哪一步需要梯度",
    "generate.prompt_dropped": "只返回了新生成的词；应当返回提示加上新生成的词，形状 (B, L + n)",
})
VARIANTS += (
    M("generate.multinomial_per_row", "one multinomial call per row, in row order, with the generator: the same draws as one call for the batch",
      (GEN_DRAW, "                next_ids = torch.cat([torch.multinomial(p, 1, generator=generator) for p in probs])  # (B,)\n")),
    M("generate.top_k_before_temperature", "top-k on the raw logits, then the division by the temperature (the order of the logits is the same)",
      (GEN_TEMPERATURE, ""),
      (GEN_SOFTMAX, "                probs = torch.softmax(logits / temperature, dim=-1)  # (B, V)\n")),
    M("generate.top_k_by_sort", "the k-th largest logit read from the sorted logits",
      (GEN_KTH, "                    kth = logits.sort(dim=-1, descending=True).values[:, top_k - 1].unsqueeze(-1)  # (B, 1)\n")),
    M("generate.top_k_by_kthvalue", "the k-th largest logit as minus the k-th smallest of -z",
      (GEN_KTH, "                    kth = -torch.kthvalue(-logits, top_k, dim=-1, keepdim=True).values  # (B, 1)\n")),
    M("generate.top_k_with_where", "torch.where in place of masked_fill",
      (GEN_FILL, '                    logits = torch.where(logits >= kth, logits, torch.full_like(logits, float("-inf")))\n')),
    M("generate.no_grad_decorator", "torch.no_grad() as a decorator",
      ("def generate(", "@torch.no_grad()\ndef generate("), ("    with torch.no_grad():\n", "    if True:\n")),
    M("generate.inference_mode", "torch.inference_mode() in place of torch.no_grad()",
      ("    with torch.no_grad():\n", "    with torch.inference_mode():\n")),
    M("generate.stop_at_the_top_of_the_loop", "the every-row-finished test at the top of the next step",
      (GEN_STOP, ""),
      ("            logits = model(", "            if eos_id is not None and bool(finished.all()):\n                break\n            logits = model(")),
    M("generate.max_indices_and_functional_softmax", "torch.max(...).indices for the argmax, F.softmax, and a per-row eos with torch.where",
      ("next_ids = logits.argmax(dim=-1)", "next_ids = torch.max(logits, dim=1).indices"),
      (GEN_SOFTMAX, "                probs = torch.nn.functional.softmax(logits, dim=1)  # (B, V)\n"),
      ("next_ids = next_ids.masked_fill(finished, 0)", "next_ids = torch.where(finished, torch.zeros_like(next_ids), next_ids)")),
    M("generate.crop_only_when_longer", "the sequence cropped only when it is longer than model.max_len",
      (GEN_LOGITS, "            window = ids if ids.size(1) <= model.max_len else ids[:, ids.size(1) - model.max_len:]\n"
                   "            logits = model(window)[:, -1, :]  # (B, V)\n")),
    M("generate.eos_row_by_row", "the eos handling written row by row in a Python loop",
      (GEN_EOS, "                for b in range(next_ids.size(0)):\n"
                "                    if bool(finished[b]):\n"
                "                        next_ids[b] = 0\n"
                "                    elif int(next_ids[b]) == eos_id:\n"
                "                        finished[b] = True\n")),
    M("generate.chinese_identifiers", "the lecture's names, in Chinese",
      (GEN_LOGITS, "            最后的logits = model(ids[:, -model.max_len:])[:, -1, :]  # (B, V)\n            logits = 最后的logits\n")),
)

# ---- 7. crf ----
CRF_SCORE_START = "        score = self.start_transitions[tags[:, 0]] + emissions[rows, 0, tags[:, 0]]  # (B,)\n"
CRF_SCORE_STEP = "            step = self.transitions[tags[:, t - 1], tags[:, t]] + emissions[rows, t, tags[:, t]]  # (B,)\n"
CRF_ALPHA = "            alpha = torch.where(mask[:, t, None], torch.logsumexp(scores, dim=1), alpha)  # (B, T)\n"
CRF_LOG_Z = "        return torch.logsumexp(alpha + self.end_transitions, dim=1)  # (B,)\n"
CRF_FORWARD = "        return self._score(emissions, tags, mask) - self._log_partition(emissions, mask)  # (B,)\n"
CRF_SCORE_BODY = (
    "        B, L, _ = emissions.shape\n"
    "        rows = torch.arange(B, device=emissions.device)\n"
    + CRF_SCORE_START
    + "        for t in range(1, L):\n"
    + CRF_SCORE_STEP
    + "            score = torch.where(mask[:, t], score + step, score)\n"
    "        last = tags[rows, mask.sum(dim=1) - 1]  # (B,), each row's last real tag\n"
    "        return score + self.end_transitions[last]  # (B,)\n")
CRF_PARTITION_BODY = (
    "        alpha = self.start_transitions + emissions[:, 0]  # (B, T)\n"
    "        for t in range(1, emissions.size(1)):\n"
    "            scores = alpha.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1)  # (B, T_from, T_to)\n"
    + CRF_ALPHA + CRF_LOG_Z)
CRF_VITERBI_BODY = (
    "        best = self.start_transitions + emissions[:, 0]  # (B, T)\n"
    "        backpointers = []\n"
    "        for t in range(1, emissions.size(1)):\n"
    "            scores = best.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1)  # (B, T_from, T_to)\n"
    "            step_best, step_from = scores.max(dim=1)  # (B, T), (B, T)\n"
    "            best = torch.where(mask[:, t, None], step_best, best)\n"
    "            backpointers.append(step_from)\n"
    "        best = best + self.end_transitions  # (B, T)\n"
    "        lengths = mask.sum(dim=1).tolist()\n"
    "        paths = []\n"
    "        for b, length in enumerate(lengths):\n"
    "            path = [int(best[b].argmax())]\n"
    "            for step_from in reversed(backpointers[: length - 1]):\n"
    "                path.append(int(step_from[b, path[-1]]))\n"
    "            paths.append(path[::-1])\n"
    "        return paths\n")
MISTAKES += (
    M("crf.zero_tags_allowed", "CRF(0) is accepted; raise ValueError when num_tags <= 0",
      ("        if num_tags <= 0:\n", "        if num_tags < 0:\n")),
    M("crf.start_not_a_parameter", "start_transitions is a plain tensor, so it is neither trained nor saved: make it an nn.Parameter of shape (T,), like end_transitions and transitions",
      ("        self.start_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))  # (T,)\n",
       "        self.start_transitions = torch.empty(num_tags).uniform_(-0.1, 0.1)  # (T,)\n")),
    M("crf.mask_not_bool", "a 0/1 mask of integers is used as a condition: convert it with mask.bool() first",
      ("        mask = mask.bool()  # (B, L)\n", "        mask = mask  # (B, L)\n")),
    M("crf.first_position_not_checked", "a mask whose first column is not all on is accepted; raise ValueError: every sequence needs its first position",
      ("        if not bool(mask[:, 0].all()):\n", "        if False:\n")),
    M("crf.score_transitions_transposed", "the score reads transitions[y_t, y_(t-1)]; a move from tag i to tag j scores transitions[i, j], so it is transitions[y_(t-1), y_t]",
      (CRF_SCORE_STEP, CRF_SCORE_STEP.replace("self.transitions[tags[:, t - 1], tags[:, t]]", "self.transitions[tags[:, t], tags[:, t - 1]]"))),
    M("crf.score_start_forgotten", "the score leaves out the start transition: add start_transitions[y_0]",
      (CRF_SCORE_START, "        score = emissions[rows, 0, tags[:, 0]]  # (B,)\n")),
    M("crf.score_first_emission_forgotten", "the score leaves out the emission of the first position: add emissions[0, y_0]",
      (CRF_SCORE_START, "        score = self.start_transitions[tags[:, 0]]  # (B,)\n")),
    M("crf.score_end_forgotten", "the score leaves out the end transition: add end_transitions[y_last] at each row's last real tag",
      ("        return score + self.end_transitions[last]  # (B,)\n", "        return score  # (B,)\n")),
    M("crf.score_end_at_position_L_minus_1", "the end transition is taken at position L - 1; it belongs to each row's last real tag, at index mask.sum() - 1",
      ("        last = tags[rows, mask.sum(dim=1) - 1]  # (B,), each row's last real tag\n", "        last = tags[:, -1]  # (B,)\n")),
    M("crf.score_mask_ignored", "the score adds the emissions and transitions of the masked positions too; count only each row's unmasked positions",
      ("            score = torch.where(mask[:, t], score + step, score)\n", "            score = score + step\n")),
    M("crf.partition_transitions_transposed", "the forward algorithm adds transitions[j, i] to alpha[i]; a move from tag i to tag j scores transitions[i, j]",
      ("            scores = alpha.unsqueeze(2) + self.transitions + ", "            scores = alpha.unsqueeze(2) + self.transitions.t() + ")),
    M("crf.partition_log_of_sum_of_exp", "log Z is computed as log(sum(exp(...))), which overflows for large scores (inf, then NaN); use torch.logsumexp",
      (CRF_ALPHA, CRF_ALPHA.replace("torch.logsumexp(scores, dim=1)", "torch.log(torch.exp(scores).sum(dim=1))")),
      (CRF_LOG_Z, "        return torch.log(torch.exp(alpha + self.end_transitions).sum(dim=1))  # (B,)\n")),
    M("crf.partition_max", "log Z takes the max over the previous tags (that is Viterbi's best score); the forward algorithm sums over them: logsumexp",
      (CRF_ALPHA, CRF_ALPHA.replace("torch.logsumexp(scores, dim=1)", "scores.max(dim=1).values")),
      (CRF_LOG_Z, "        return (alpha + self.end_transitions).max(dim=1).values  # (B,)\n")),
    M("crf.partition_mask_ignored", "the forward algorithm goes on past each row's end; past a masked position alpha must stay as it was: torch.where(mask[:, t, None], new, alpha)",
      (CRF_ALPHA, "            alpha = torch.logsumexp(scores, dim=1)  # (B, T)\n")),
    M("crf.partition_start_forgotten", "log Z leaves out the start transitions: alpha_0 = start + emissions[0]",
      ("        alpha = self.start_transitions + emissions[:, 0]  # (B, T)\n", "        alpha = emissions[:, 0]  # (B, T)\n")),
    M("crf.partition_end_forgotten", "log Z leaves out the end transitions: log Z = logsumexp_j(alpha_last[j] + end[j])",
      (CRF_LOG_Z, "        return torch.logsumexp(alpha, dim=1)  # (B,)\n")),
    M("crf.partition_over_next_tags", "the forward algorithm sums over the next tags (dim 2 of (B, T_from, T_to)); it sums over the previous ones, dim 1",
      (CRF_ALPHA, CRF_ALPHA.replace("torch.logsumexp(scores, dim=1)", "torch.logsumexp(scores, dim=2)"))),
    M("crf.sign_flipped", "forward returns log Z - score; the log-likelihood is score - log Z (at most 0)",
      (CRF_FORWARD, "        return self._log_partition(emissions, mask) - self._score(emissions, tags, mask)  # (B,)\n")),
    M("crf.summed_over_batch", "forward sums the log-likelihoods over the batch (torchcrf's default reduction); return one per row, shape (B,)",
      (CRF_FORWARD, "        return (self._score(emissions, tags, mask) - self._log_partition(emissions, mask)).sum()\n")),
    M("crf.viterbi_transitions_transposed", "Viterbi adds transitions[j, i] to best[i]; a move from tag i to tag j scores transitions[i, j]",
      ("            scores = best.unsqueeze(2) + self.transitions + ", "            scores = best.unsqueeze(2) + self.transitions.t() + ")),
    M("crf.viterbi_backpointers_off_by_one", "the back-trace is off by one step: the pointers start at position 1, so position t's best previous tag is in backpointers[t - 1]",
      ("            for step_from in reversed(backpointers[: length - 1]):\n", "            for step_from in reversed(backpointers[1:length]):\n")),
    M("crf.viterbi_start_forgotten", "Viterbi leaves out the start transitions: best_0 = start + emissions[0]",
      ("        best = self.start_transitions + emissions[:, 0]  # (B, T)\n", "        best = emissions[:, 0]  # (B, T)\n")),
    M("crf.viterbi_end_forgotten", "Viterbi leaves out the end transitions: add end_transitions before the last argmax",
      ("        best = best + self.end_transitions  # (B, T)\n", "")),
    M("crf.viterbi_mask_ignored", "Viterbi goes on past each row's end; past a masked position best must stay as it was: torch.where(mask[:, t, None], new, best)",
      ("            best = torch.where(mask[:, t, None], step_best, best)\n", "            best = step_best\n")),
    M("crf.decode_padded_rows", "every decoded row has the full length L; each row's path is as long as its unmasked positions, mask.sum()",
      ("        lengths = mask.sum(dim=1).tolist()\n", "        lengths = [mask.size(1)] * mask.size(0)\n")),
    M("crf.path_not_reversed", "the decoded path is backwards: the back-trace collects the tags from the last position to the first, so reverse it",
      ("            paths.append(path[::-1])\n", "            paths.append(path)\n")),
    M("crf.decode_tensors", "decode returns a tensor for each row; it returns a list of B lists of ints, as torchcrf's decode",
      ("            paths.append(path[::-1])\n", "            paths.append(torch.tensor(path[::-1]))\n")),
    M("crf.viterbi_max_over_next_tags", "Viterbi takes the max over the next tags (dim 2 of (B, T_from, T_to)); it takes it over the previous ones, dim 1",
      ("            step_best, step_from = scores.max(dim=1)", "            step_best, step_from = scores.max(dim=2)")),
)
ZH.update({
    "crf.zero_tags_allowed": "CRF(0) 没有报错；num_tags <= 0 时应当抛出 ValueError",
    "crf.start_not_a_parameter": "start_transitions 是普通张量，既不会被训练也不会被保存：应当和 end_transitions、transitions 一样是形状为 (T,) 的 nn.Parameter",
    "crf.mask_not_bool": "把整数的 0/1 掩码直接当作条件使用：先用 mask.bool() 转换",
    "crf.first_position_not_checked": "第一列不全为真的掩码没有报错；应当抛出 ValueError：每个序列都需要第一个位置",
    "crf.score_transitions_transposed": "得分取的是 transitions[y_t, y_(t-1)]；从标签 i 转移到标签 j 的分数是 transitions[i, j]，所以应当是 transitions[y_(t-1), y_t]",
    "crf.score_start_forgotten": "得分漏掉了起始转移分数：要加上 start_transitions[y_0]",
    "crf.score_first_emission_forgotten": "得分漏掉了第一个位置的发射分数：要加上 emissions[0, y_0]",
    "crf.score_end_forgotten": "得分漏掉了结束转移分数：要在每行最后一个真实标签处加上 end_transitions[y_last]",
    "crf.score_end_at_position_L_minus_1": "结束转移分数取在位置 L - 1；它属于每行最后一个真实标签，下标为 mask.sum() - 1",
    "crf.score_mask_ignored": "得分把被屏蔽位置的发射分数和转移分数也加进去了；只统计每行未屏蔽的位置",
    "crf.partition_transitions_transposed": "前向算法给 alpha[i] 加的是 transitions[j, i]；从标签 i 转移到标签 j 的分数是 transitions[i, j]",
    "crf.partition_log_of_sum_of_exp": "log Z 用 log(sum(exp(...))) 计算，分数大时会溢出（得到 inf，再得到 NaN）；用 torch.logsumexp",
    "crf.partition_max": "log Z 对前一个标签取了 max（那是 Viterbi 的最优得分）；前向算法要对它们求和：logsumexp",
    "crf.partition_mask_ignored": "前向算法越过了每行的末尾还在递推；在被屏蔽的位置 alpha 必须保持不变：torch.where(mask[:, t, None], new, alpha)",
    "crf.partition_start_forgotten": "log Z 漏掉了起始转移分数：alpha_0 = start + emissions[0]",
    "crf.partition_end_forgotten": "log Z 漏掉了结束转移分数：log Z = logsumexp_j(alpha_last[j] + end[j])",
    "crf.partition_over_next_tags": "前向算法对下一个标签求和（(B, T_from, T_to) 的第 2 维）；应当对前一个标签求和，即第 1 维",
    "crf.sign_flipped": "forward 返回的是 log Z - score；对数似然是 score - log Z（不大于 0）",
    "crf.summed_over_batch": "forward 把整个批次的对数似然加起来了（torchcrf 的默认 reduction）；应当每行返回一个值，形状 (B,)",
    "crf.viterbi_transitions_transposed": "Viterbi 给 best[i] 加的是 transitions[j, i]；从标签 i 转移到标签 j 的分数是 transitions[i, j]",
    "crf.viterbi_backpointers_off_by_one": "回溯错了一步：回溯指针从位置 1 开始记录，所以位置 t 的最优前一个标签在 backpointers[t - 1] 中",
    "crf.viterbi_start_forgotten": "Viterbi 漏掉了起始转移分数：best_0 = start + emissions[0]",
    "crf.viterbi_end_forgotten": "Viterbi 漏掉了结束转移分数：在最后取 argmax 之前加上 end_transitions",
    "crf.viterbi_mask_ignored": "Viterbi 越过了每行的末尾还在递推；在被屏蔽的位置 best 必须保持不变：torch.where(mask[:, t, None], new, best)",
    "crf.decode_padded_rows": "解码出的每一行长度都是 L；每行路径的长度应当等于它未屏蔽的位置数 mask.sum()",
    "crf.path_not_reversed": "解码出的路径是倒序的：回溯是从最后一个位置往前收集标签的，要把它反转过来",
    "crf.decode_tensors": "decode 对每行返回的是张量；应当返回 B 个由 int 组成的列表，与 torchcrf 的 decode 相同",
    "crf.viterbi_max_over_next_tags": "Viterbi 对下一个标签取 max（(B, T_from, T_to) 的第 2 维）；应当对前一个标签取 max，即第 1 维",
})
VARIANTS += (
    M("crf.score_vectorised_with_gather", "the score without a loop: gather the path's emissions, index the transitions, weight by the mask",
      (CRF_SCORE_BODY,
       "        keep = mask.to(emissions.dtype)  # (B, L)\n"
       "        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # (B, L)\n"
       "        moved = self.transitions[tags[:, :-1], tags[:, 1:]]  # (B, L - 1)\n"
       "        last = tags.gather(1, (mask.long().sum(dim=1) - 1).unsqueeze(1)).squeeze(1)  # (B,)\n"
       "        return (self.start_transitions[tags[:, 0]] + (emitted * keep).sum(dim=1)\n"
       "                + (moved * keep[:, 1:]).sum(dim=1) + self.end_transitions[last])  # (B,)\n")),
    M("crf.partition_row_by_row", "the forward algorithm run row by row, each over its own length",
      (CRF_PARTITION_BODY,
       "        log_z = []\n"
       "        for b in range(emissions.size(0)):\n"
       "            alpha = self.start_transitions + emissions[b, 0]  # (T,)\n"
       "            for t in range(1, int(mask[b].sum())):\n"
       "                alpha = torch.logsumexp(alpha.unsqueeze(1) + self.transitions, dim=0) + emissions[b, t]\n"
       "            log_z.append(torch.logsumexp(alpha + self.end_transitions, dim=0))\n"
       "        return torch.stack(log_z)  # (B,)\n")),
    M("crf.partition_stable_logsumexp_by_hand", "log-sum-exp written by hand with the max subtracted, and the mask as 0/1 weights",
      (CRF_ALPHA,
       "            top = scores.max(dim=1, keepdim=True).values  # (B, 1, T)\n"
       "            new = (top + torch.log(torch.exp(scores - top).sum(dim=1, keepdim=True))).squeeze(1)  # (B, T)\n"
       "            keep = mask[:, t, None].to(alpha.dtype)  # (B, 1)\n"
       "            alpha = new * keep + alpha * (1 - keep)  # (B, T)\n")),
    M("crf.viterbi_row_by_row", "Viterbi run row by row, each over its own length, with Python lists",
      (CRF_VITERBI_BODY,
       "        paths = []\n"
       "        for b in range(emissions.size(0)):\n"
       "            best = self.start_transitions + emissions[b, 0]  # (T,)\n"
       "            pointers = []\n"
       "            for t in range(1, int(mask[b].sum())):\n"
       "                best, came = (best.unsqueeze(1) + self.transitions).max(dim=0)  # (T,), (T,)\n"
       "                best = best + emissions[b, t]\n"
       "                pointers.append(came.tolist())\n"
       "            tag = int((best + self.end_transitions).argmax())\n"
       "            path = [tag]\n"
       "            for came in reversed(pointers):\n"
       "                tag = came[tag]\n"
       "                path.append(tag)\n"
       "            paths.append(list(reversed(path)))\n"
       "        return paths\n")),
    M("crf.mask_not_equal_zero", "the mask made boolean with mask != 0",
      ("        mask = mask.bool()  # (B, L)\n", "        mask = mask != 0  # (B, L)\n")),
    M("crf.chinese_identifiers", "the lecture's names, in Chinese",
      (CRF_LOG_Z, "        对数配分函数 = torch.logsumexp(alpha + self.end_transitions, dim=1)  # (B,)\n        return 对数配分函数\n")),
)

BY_ID = {m.id: m for m in MISTAKES + VARIANTS}


def for_exercise(exercise_id):
    return [m for m in MISTAKES if m.exercise == exercise_id]
