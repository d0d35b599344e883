"""The `decoder` assignment's mistakes and correct rewrites, written apart from its catalog
(autograder/decoder/mistakes.py), the way students write them: whole new bodies against the reference
(solutions/decoder/), other code than the catalog's patches. Each mistake names the catalogued mistake
whose sentence is the truth about it, or None where no catalogued sentence is true (then none may be said).

CASES: (name, file, ((old, new), ...) applied to the reference file, the true mistake id or None)
REWRITES: (name, file, ((old, new), ...)): correct code, other than the reference's; full marks.
"""
CLF = "classifier.py"
CA = "cross_attention.py"
DB = "decoder_block.py"
S2S = "seq2seq.py"
GPT = "gpt.py"
GEN = "generate.py"
CRF = "crf.py"

# ---- the reference's bodies, replaced whole -------------------------------------------------------------
CLF_CHECK = (
    "        if pooling not in POOLINGS:\n"
    "            raise ValueError(f\"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}\")\n"
)
CLF_BODY = (
    "        if self.pooling == \"cls\":\n"
    "            pooled = h[:, 0]  # (B, H)\n"
    "        else:\n"
    "            real = (input_ids != 0).unsqueeze(-1).to(h.dtype)  # (B, L, 1)\n"
    "            pooled = (h * real).sum(dim=1) / real.sum(dim=1)  # (B, H)\n"
    "        return self.classifier(self.dropout(pooled))  # (B, C)\n"
)
CA_CHECK = (
    "        if hidden_size % head_num != 0:\n"
    "            raise ValueError(f\"hidden_size {hidden_size} is not divisible by head_num {head_num}\")\n"
)
CA_BODY = (
    "        B, Lt, _ = x.shape\n"
    "        Ls = memory.size(1)\n"
    "        h, d = self.head_num, self.per_head_dim\n"
    "        query = self.query_linear(x).view(B, Lt, h, d).transpose(1, 2)  # (B, h, Lt, d)\n"
    "        key = self.key_linear(memory).view(B, Ls, h, d).transpose(1, 2)  # (B, h, Ls, d)\n"
    "        value = self.value_linear(memory).view(B, Ls, h, d).transpose(1, 2)  # (B, h, Ls, d)\n"
    "        out, _ = self.attention(query, key, value, mask=memory_mask, dropout=self.dropout)  # (B, h, Lt, d)\n"
    "        out = out.transpose(1, 2).contiguous().view(B, Lt, self.hidden_size)  # (B, Lt, H)\n"
    "        return self.output_linear(out)  # (B, Lt, H)\n"
)
DB_BODY = (
    "        x = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))  # (B, Lt, H)\n"
    "        x = self.layer_norm2(x + self.dropout2(self.cross_attention(x, memory, memory_mask)))  # (B, Lt, H)\n"
    "        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))  # (B, Lt, H)\n"
)
S2S_SOURCE = "    return (source_ids != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, Ls)\n"
S2S_TARGET = (
    "    padding = (target_ids != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, Lt)\n"
    "    causal = subsequent_mask(target_ids.size(1)).to(target_ids.device)  # (1, Lt, Lt)\n"
    "    return padding & causal.unsqueeze(1)  # (B, 1, Lt, Lt)\n"
)
S2S_ENCODE = (
    "        mask = make_source_mask(source_ids)  # (B, 1, 1, Ls)\n"
    "        x = self.dropout(self.source_embedding(source_ids) + self.position_embedding(source_ids))  # (B, Ls, H)\n"
    "        for block in self.encoder_blocks:\n"
    "            x = block(x, mask)  # (B, Ls, H)\n"
    "        return x\n"
)
S2S_DECODE = (
    "        target_mask = make_target_mask(target_ids)  # (B, 1, Lt, Lt)\n"
    "        source_mask = make_source_mask(source_ids)  # (B, 1, 1, Ls)\n"
    "        x = self.dropout(self.target_embedding(target_ids) + self.position_embedding(target_ids))  # (B, Lt, H)\n"
    "        for block in self.decoder_blocks:\n"
    "            x = block(x, memory, target_mask, source_mask)  # (B, Lt, H)\n"
    "        return x\n"
)
S2S_FORWARD = (
    "        memory = self.encode(source_ids)  # (B, Ls, H)\n"
    "        return self.output_layer(self.decode(target_ids, memory, source_ids))  # (B, Lt, target_vocab)\n"
)
GPT_TIE = "        self.lm_head.weight = self.token_embedding.weight  # (V, H), one Parameter\n"
GPT_FORWARD = (
    "        L = input_ids.size(1)\n"
    "        padding = (input_ids != 0).unsqueeze(1).unsqueeze(2)  # (B, 1, 1, L)\n"
    "        mask = padding & subsequent_mask(L).to(input_ids.device).unsqueeze(1)  # (B, 1, L, L)\n"
    "        x = self.dropout(self.token_embedding(input_ids) + self.position_embedding(input_ids))  # (B, L, H)\n"
    "        for block in self.blocks:\n"
    "            x = block(x, mask)  # (B, L, H)\n"
    "        return self.lm_head(x)  # (B, L, V)\n"
)
GPT_LOSS = (
    "        logits = self(input_ids)  # (B, L, V)\n"
    "        V = logits.size(-1)\n"
    "        return F.cross_entropy(logits[:, :-1].reshape(-1, V), input_ids[:, 1:].reshape(-1), ignore_index=0)\n"
)
GEN_CHECKS = (
    "    if temperature < 0:\n"
    "        raise ValueError(f\"temperature must be >= 0, got {temperature}\")\n"
    "    if top_k is not None and top_k < 1:\n"
    "        raise ValueError(f\"top_k must be >= 1, got {top_k}\")\n"
    "    if max_new_tokens < 0:\n"
    "        raise ValueError(f\"max_new_tokens must be >= 0, got {max_new_tokens}\")\n"
)
GEN_STEP = (
    "            logits = model(ids[:, -model.max_len:])[:, -1, :]  # (B, V)\n"
    "            if temperature == 0:\n"
    "                next_ids = logits.argmax(dim=-1)  # (B,)\n"
    "            else:\n"
    "                logits = logits / temperature\n"
    "                if top_k is not None:\n"
    "                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, -1:]  # (B, 1)\n"
    "                    logits = logits.masked_fill(logits < kth, float(\"-inf\"))\n"
    "                probs = torch.softmax(logits, dim=-1)  # (B, V)\n"
    "                next_ids = torch.multinomial(probs, 1, generator=generator).squeeze(1)  # (B,)\n"
    "            if eos_id is not None:\n"
    "                next_ids = next_ids.masked_fill(finished, 0)\n"
    "                finished = finished | (next_ids == eos_id)\n"
    "            ids = torch.cat([ids, next_ids.unsqueeze(1)], dim=1)  # (B, L + 1)\n"
    "            if eos_id is not None and bool(finished.all()):\n"
    "                break\n"
)
GEN_LOOP = (
    "    model.eval()\n"
    "    ids = input_ids  # (B, L)\n"
    "    finished = torch.zeros(ids.size(0), dtype=torch.bool, device=ids.device)  # (B,), rows that produced eos_id\n"
    "    with torch.no_grad():\n"
    "        for _ in range(max_new_tokens):\n"
)
CRF_CHECK = (
    "        if num_tags <= 0:\n"
    "            raise ValueError(f\"num_tags must be > 0, got {num_tags}\")\n"
)
CRF_MASK = (
    "        mask = mask.bool()  # (B, L)\n"
    "        if not bool(mask[:, 0].all()):\n"
    "            raise ValueError(\"mask[:, 0] must be all on: every sequence needs its first position\")\n"
)
CRF_SCORE = (
    "        B, L, _ = emissions.shape\n"
    "        rows = torch.arange(B, device=emissions.device)\n"
    "        score = self.start_transitions[tags[:, 0]] + emissions[rows, 0, tags[:, 0]]  # (B,)\n"
    "        for t in range(1, L):\n"
    "            step = self.transitions[tags[:, t - 1], tags[:, t]] + emissions[rows, t, tags[:, t]]  # (B,)\n"
    "            score = torch.where(mask[:, t], score + step, score)\n"
    "        last = tags[rows, mask.sum(dim=1) - 1]  # (B,), each row's last real tag\n"
    "        return score + self.end_transitions[last]  # (B,)\n"
)
CRF_Z = (
    "        alpha = self.start_transitions + emissions[:, 0]  # (B, T)\n"
    "        for t in range(1, emissions.size(1)):\n"
    "            scores = alpha.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1)  # (B, T_from, T_to)\n"
    "            alpha = torch.where(mask[:, t, None], torch.logsumexp(scores, dim=1), alpha)  # (B, T)\n"
    "        return torch.logsumexp(alpha + self.end_transitions, dim=1)  # (B,)\n"
)
CRF_VITERBI = (
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
    "        return paths\n"
)
IMPORT_NN = "from torch import nn\n"
WITH_TORCH = "import torch\nfrom torch import nn\n"


def body(old, *lines):
    """Replace the reference's body `old` with the student's lines (each a full line, indented)."""
    return ((old, "".join(line + "\n" for line in lines)),)


def ca_forward(q="x", k="memory", v="memory", mask="memory_mask", out="self.output_linear(o)", merge="o.transpose(1, 2).reshape(B, -1, self.hidden_size)"):
    """A student's own cross-attention forward with its split as a helper."""
    return body(CA_BODY,
                "        B = x.size(0)",
                "        def split(t):",
                "            return t.view(B, -1, self.head_num, self.per_head_dim).transpose(1, 2)",
                f"        q = split(self.query_linear({q}))",
                f"        k = split(self.key_linear({k}))",
                f"        v = split(self.value_linear({v}))",
                f"        o, _ = self.attention(q, k, v, mask={mask}, dropout=self.dropout)",
                f"        o = {merge}",
                f"        return {out}")


def db_forward(*lines):
    return body(DB_BODY, *lines)


CASES = (
    # 1. classifier -------------------------------------------------------------------------------------
    ("clf: plain h.mean(1) for mean pooling", CLF, body(
        CLF_BODY,
        "        if self.pooling == 'mean':",
        "            pooled = h.mean(dim=1)",
        "        else:",
        "            pooled = h[:, 0, :]",
        "        return self.classifier(self.dropout(pooled))"), "classifier.mean_counts_padding"),
    ("clf: masked sum divided by L", CLF, body(
        CLF_BODY,
        "        if self.pooling == 'cls':",
        "            pooled = h[:, 0, :]",
        "        else:",
        "            m = (input_ids > 0).float().unsqueeze(2).to(h.dtype)",
        "            pooled = (h * m).sum(1) / h.size(1)",
        "        return self.classifier(self.dropout(pooled))"), "classifier.mean_divides_by_length"),
    ("clf: cls takes the last token", CLF, body(
        CLF_BODY,
        "        if self.pooling == 'cls':",
        "            pooled = h[:, -1]",
        "        else:",
        "            m = (input_ids != 0).unsqueeze(-1).to(h.dtype)",
        "            pooled = (h * m).sum(1) / m.sum(1)",
        "        return self.classifier(self.dropout(pooled))"), "classifier.cls_reads_last_position"),
    ("clf: dropout after the classifier", CLF, body(
        CLF_BODY,
        "        if self.pooling == 'cls':",
        "            pooled = h[:, 0]",
        "        else:",
        "            m = (input_ids != 0).unsqueeze(-1).to(h.dtype)",
        "            pooled = (h * m).sum(1) / m.sum(1)",
        "        logits = self.classifier(pooled)",
        "        return self.dropout(logits)"), "classifier.dropout_after_classifier"),
    ("clf: no dropout", CLF, body(
        CLF_BODY,
        "        if self.pooling == 'cls':",
        "            return self.classifier(h[:, 0])",
        "        m = (input_ids != 0).unsqueeze(-1).to(h.dtype)",
        "        return self.classifier((h * m).sum(1) / m.sum(1))"), "classifier.no_dropout"),
    ("clf: assert on pooling", CLF, ((CLF_CHECK, "        assert pooling in (\"cls\", \"mean\"), \"pooling must be cls or mean\"\n"),), "classifier.assert_not_value_error"),
    ("clf: pooling checked only in forward", CLF, ((CLF_CHECK, ""),) + body(
        CLF_BODY,
        "        if self.pooling == 'cls':",
        "            pooled = h[:, 0]",
        "        elif self.pooling == 'mean':",
        "            m = (input_ids != 0).unsqueeze(-1).to(h.dtype)",
        "            pooled = (h * m).sum(1) / m.sum(1)",
        "        else:",
        "            raise ValueError(self.pooling)",
        "        return self.classifier(self.dropout(pooled))"), "classifier.value_error_in_forward"),
    ("clf: the mean over the padding only", CLF, body(
        CLF_BODY,
        "        if self.pooling == 'cls':",
        "            pooled = h[:, 0]",
        "        else:",
        "            pad = (input_ids == 0).unsqueeze(-1).to(h.dtype)",
        "            pooled = (h * pad).sum(1) / pad.sum(1).clamp(min=1)",
        "        return self.classifier(self.dropout(pooled))"), None),
    ("clf: mask from token_type_ids", CLF, body(
        CLF_BODY,
        "        if self.pooling == 'cls':",
        "            pooled = h[:, 0]",
        "        else:",
        "            m = (token_type_ids != 0).unsqueeze(-1).to(h.dtype)",
        "            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)",
        "        return self.classifier(self.dropout(pooled))"), None),
    # 2. cross_attention --------------------------------------------------------------------------------
    ("ca: keys and values from x", CA, ca_forward(k="x", v="x"), "cross_attention.keys_values_from_x"),
    ("ca: keys from x, values from memory", CA, ca_forward(k="x"), "cross_attention.keys_from_x"),
    ("ca: queries from memory", CA, ca_forward(q="memory"), None),
    ("ca: mask left out", CA, ca_forward(mask="None"), "cross_attention.mask_ignored"),
    ("ca: no output projection", CA, ca_forward(out="o"), "cross_attention.no_output_linear"),
    ("ca: merge without transposing back", CA, ca_forward(merge="o.reshape(B, -1, self.hidden_size)"), "cross_attention.merge_without_transpose"),
    ("ca: split by view(B, h, L, d)", CA, body(
        CA_BODY,
        "        B, Lt, H = x.shape",
        "        Ls = memory.shape[1]",
        "        q = self.query_linear(x).view(B, self.head_num, Lt, self.per_head_dim)",
        "        k = self.key_linear(memory).view(B, self.head_num, Ls, self.per_head_dim)",
        "        v = self.value_linear(memory).view(B, self.head_num, Ls, self.per_head_dim)",
        "        o, _ = self.attention(q, k, v, mask=memory_mask, dropout=self.dropout)",
        "        o = o.transpose(1, 2).reshape(B, Lt, H)",
        "        return self.output_linear(o)"), "cross_attention.view_without_transpose"),
    ("ca: padding mask passed the nn.MultiheadAttention way", CA, ca_forward(
        mask="None if memory_mask is None else memory_mask == 0"), "cross_attention.mask_inverted"),
    ("ca: assert divisible", CA, ((CA_CHECK, "        assert hidden_size % head_num == 0\n"),), "cross_attention.assert_not_value_error"),
    ("ca: keys split with the target length", CA, body(
        CA_BODY,
        "        B, L, H = x.shape",
        "        h, d = self.head_num, self.per_head_dim",
        "        q = self.query_linear(x).view(B, L, h, d).transpose(1, 2)",
        "        k = self.key_linear(memory).view(B, L, h, d).transpose(1, 2)",
        "        v = self.value_linear(memory).view(B, L, h, d).transpose(1, 2)",
        "        o, _ = self.attention(q, k, v, mask=memory_mask, dropout=self.dropout)",
        "        return self.output_linear(o.transpose(1, 2).reshape(B, L, H))"), "cross_attention.keys_split_with_target_length"),
    # 3. decoder_block ----------------------------------------------------------------------------------
    ("db: pre-LN", DB, db_forward(
        "        h = self.layer_norm1(x)",
        "        x = x + self.dropout1(self.self_attention(h, target_mask))",
        "        h = self.layer_norm2(x)",
        "        x = x + self.dropout2(self.cross_attention(h, memory, memory_mask))",
        "        h = self.layer_norm3(x)",
        "        return x + self.dropout3(self.feed_forward(h))"), "decoder_block.pre_ln"),
    ("db: cross-attention queries from the block's input", DB, db_forward(
        "        a = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))",
        "        c = self.layer_norm2(a + self.dropout2(self.cross_attention(x, memory, memory_mask)))",
        "        return self.layer_norm3(c + self.dropout3(self.feed_forward(c)))"), "decoder_block.cross_attention_reads_block_input"),
    ("db: self-attention without the target mask", DB, db_forward(
        "        x = self.layer_norm1(x + self.dropout1(self.self_attention(x)))",
        "        x = self.layer_norm2(x + self.dropout2(self.cross_attention(x, memory, memory_mask)))",
        "        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))"), "decoder_block.target_mask_dropped"),
    ("db: cross-attention without the source mask", DB, db_forward(
        "        x = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))",
        "        x = self.layer_norm2(x + self.dropout2(self.cross_attention(x, memory)))",
        "        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))"), "decoder_block.memory_mask_dropped"),
    ("db: the masks swapped", DB, db_forward(
        "        x = self.layer_norm1(x + self.dropout1(self.self_attention(x, memory_mask)))",
        "        x = self.layer_norm2(x + self.dropout2(self.cross_attention(x, memory, target_mask)))",
        "        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))"), "decoder_block.masks_swapped"),
    ("db: cross-attention before self-attention", DB, db_forward(
        "        x = self.layer_norm1(x + self.dropout1(self.cross_attention(x, memory, memory_mask)))",
        "        x = self.layer_norm2(x + self.dropout2(self.self_attention(x, target_mask)))",
        "        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))"), "decoder_block.cross_attention_first"),
    ("db: no residual around the cross-attention", DB, db_forward(
        "        x = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))",
        "        x = self.layer_norm2(self.dropout2(self.cross_attention(x, memory, memory_mask)))",
        "        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))"), "decoder_block.no_cross_attention_residual"),
    ("db: residual added after the norm", DB, db_forward(
        "        x = x + self.layer_norm1(self.dropout1(self.self_attention(x, target_mask)))",
        "        x = x + self.layer_norm2(self.dropout2(self.cross_attention(x, memory, memory_mask)))",
        "        return x + self.layer_norm3(self.dropout3(self.feed_forward(x)))"), None),
    ("db: norms 1 and 3 swapped", DB, db_forward(
        "        x = self.layer_norm3(x + self.dropout1(self.self_attention(x, target_mask)))",
        "        x = self.layer_norm2(x + self.dropout2(self.cross_attention(x, memory, memory_mask)))",
        "        return self.layer_norm1(x + self.dropout3(self.feed_forward(x)))"), None),
    ("db: memory normalised first", DB, db_forward(
        "        memory = self.layer_norm2(memory)",
        "        x = self.layer_norm1(x + self.dropout1(self.self_attention(x, target_mask)))",
        "        x = self.layer_norm2(x + self.dropout2(self.cross_attention(x, memory, memory_mask)))",
        "        return self.layer_norm3(x + self.dropout3(self.feed_forward(x)))"), "decoder_block.memory_normalised"),
    # 4. seq2seq ----------------------------------------------------------------------------------------
    ("s2s: source mask (B, 1, Ls)", S2S, body(S2S_SOURCE, "    return (source_ids != 0).unsqueeze(1)"), "seq2seq.source_mask_without_head_axis"),
    ("s2s: source mask over the queries", S2S, body(S2S_SOURCE, "    return (source_ids != 0)[:, None, :, None]"), "seq2seq.source_mask_over_queries"),
    ("s2s: source mask of the padding", S2S, body(S2S_SOURCE, "    return (source_ids == 0)[:, None, None, :]"), "seq2seq.source_mask_inverted"),
    ("s2s: target mask by adding", S2S, body(
        S2S_TARGET,
        "    L = target_ids.size(1)",
        "    pad = (target_ids != 0)[:, None, None, :].long()",
        "    causal = torch.tril(torch.ones(L, L, dtype=torch.long, device=target_ids.device))",
        "    return pad + causal") + ((IMPORT_NN, WITH_TORCH),), "seq2seq.target_masks_added"),
    ("s2s: target mask causal only", S2S, body(
        S2S_TARGET,
        "    B, L = target_ids.shape",
        "    return subsequent_mask(L).unsqueeze(1).expand(B, 1, L, L).to(target_ids.device)"), "seq2seq.target_mask_causal_only_per_example"),
    ("s2s: target mask is the source mask of the target", S2S, body(S2S_TARGET, "    return make_source_mask(target_ids)"),
     "seq2seq.target_mask_not_causal"),
    ("s2s: target mask padding only, expanded", S2S, body(S2S_TARGET, "    return (target_ids != 0)[:, None, None, :].expand(-1, 1, target_ids.size(1), -1)"), None),
    ("s2s: target mask with triu", S2S, body(
        S2S_TARGET,
        "    L = target_ids.size(1)",
        "    causal = torch.triu(torch.ones(L, L, dtype=torch.bool, device=target_ids.device))",
        "    return (target_ids != 0)[:, None, None, :] & causal") + ((IMPORT_NN, WITH_TORCH),), "seq2seq.target_mask_transposed"),
    ("s2s: target padding on the query axis", S2S, body(
        S2S_TARGET,
        "    pad = (target_ids != 0)[:, None, :, None]",
        "    return pad & subsequent_mask(target_ids.size(1)).unsqueeze(1).to(target_ids.device)"), "seq2seq.target_padding_over_queries"),
    ("s2s: decoder block i reads encoder block i", S2S, body(
        S2S_ENCODE,
        "        mask = make_source_mask(source_ids)",
        "        x = self.dropout(self.source_embedding(source_ids) + self.position_embedding(source_ids))",
        "        self.layer_outputs = []",
        "        for block in self.encoder_blocks:",
        "            x = block(x, mask)",
        "            self.layer_outputs.append(x)",
        "        return x") + body(
        S2S_DECODE,
        "        tmask, smask = make_target_mask(target_ids), make_source_mask(source_ids)",
        "        y = self.dropout(self.target_embedding(target_ids) + self.position_embedding(target_ids))",
        "        for i, block in enumerate(self.decoder_blocks):",
        "            y = block(y, self.layer_outputs[i], tmask, smask)",
        "        return y"), "seq2seq.decoder_reads_each_encoder_layer"),
    ("s2s: target embedded with the source table", S2S, body(
        S2S_DECODE,
        "        tmask, smask = make_target_mask(target_ids), make_source_mask(source_ids)",
        "        y = self.dropout(self.source_embedding(target_ids) + self.position_embedding(target_ids))",
        "        for block in self.decoder_blocks:",
        "            y = block(y, memory, tmask, smask)",
        "        return y"), "seq2seq.decode_source_embedding"),
    ("s2s: decoder masks swapped", S2S, body(
        S2S_DECODE,
        "        tmask, smask = make_target_mask(target_ids), make_source_mask(source_ids)",
        "        y = self.dropout(self.target_embedding(target_ids) + self.position_embedding(target_ids))",
        "        for block in self.decoder_blocks:",
        "            y = block(y, memory, smask, tmask)",
        "        return y"), "seq2seq.decode_masks_swapped"),
    ("s2s: no positions in the decoder", S2S, body(
        S2S_DECODE,
        "        tmask, smask = make_target_mask(target_ids), make_source_mask(source_ids)",
        "        y = self.dropout(self.target_embedding(target_ids))",
        "        for block in self.decoder_blocks:",
        "            y = block(y, memory, tmask, smask)",
        "        return y"), "seq2seq.decode_without_positions"),
    ("s2s: encoder without the source mask", S2S, body(
        S2S_ENCODE,
        "        x = self.dropout(self.source_embedding(source_ids) + self.position_embedding(source_ids))",
        "        for block in self.encoder_blocks:",
        "            x = block(x)",
        "        return x"), "seq2seq.encode_without_mask"),
    ("s2s: encoder embedding without dropout", S2S, body(
        S2S_ENCODE,
        "        mask = make_source_mask(source_ids)",
        "        x = self.source_embedding(source_ids) + self.position_embedding(source_ids)",
        "        for block in self.encoder_blocks:",
        "            x = block(x, mask)",
        "        return x"), "seq2seq.encode_without_dropout"),
    ("s2s: decoder embedding without dropout", S2S, body(
        S2S_DECODE,
        "        tmask, smask = make_target_mask(target_ids), make_source_mask(source_ids)",
        "        y = self.target_embedding(target_ids) + self.position_embedding(target_ids)",
        "        for block in self.decoder_blocks:",
        "            y = block(y, memory, tmask, smask)",
        "        return y"), "seq2seq.decode_without_dropout"),
    # 5. gpt --------------------------------------------------------------------------------------------
    ("gpt: weights copied, not tied", GPT, body(
        GPT_TIE,
        "        with torch.no_grad():",
        "            self.lm_head.weight.copy_(self.token_embedding.weight)") + ((
            "import torch.nn.functional as F\n", "import torch\nimport torch.nn.functional as F\n"),), "gpt.tied_by_copying_values"),
    ("gpt: no causal mask", GPT, body(
        GPT_FORWARD,
        "        mask = (input_ids != 0)[:, None, None, :]",
        "        x = self.dropout(self.token_embedding(input_ids) + self.position_embedding(input_ids))",
        "        for block in self.blocks:",
        "            x = block(x, mask)",
        "        return self.lm_head(x)"), "gpt.mask_not_causal"),
    ("gpt: no padding mask", GPT, body(
        GPT_FORWARD,
        "        mask = subsequent_mask(input_ids.size(1)).unsqueeze(1).to(input_ids.device)",
        "        x = self.dropout(self.token_embedding(input_ids) + self.position_embedding(input_ids))",
        "        for block in self.blocks:",
        "            x = block(x, mask)",
        "        return self.lm_head(x)"), "gpt.mask_forgets_padding"),
    ("gpt: causal mask by triu", GPT, body(
        GPT_FORWARD,
        "        L = input_ids.size(1)",
        "        future = torch.triu(torch.ones(L, L, dtype=torch.bool, device=input_ids.device), diagonal=1)",
        "        mask = future & (input_ids != 0)[:, None, None, :]",
        "        x = self.dropout(self.token_embedding(input_ids) + self.position_embedding(input_ids))",
        "        for block in self.blocks:",
        "            x = block(x, mask)",
        "        return self.lm_head(x)") + ((
            "import torch.nn.functional as F\n", "import torch\nimport torch.nn.functional as F\n"),), "gpt.causal_inverted"),
    ("gpt: loss without the shift", GPT, body(
        GPT_LOSS,
        "        logits = self.forward(input_ids)",
        "        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), input_ids.reshape(-1), ignore_index=0)"), "gpt.no_shift"),
    ("gpt: loss shifted the wrong way", GPT, body(
        GPT_LOSS,
        "        logits = self.forward(input_ids)",
        "        V = logits.shape[-1]",
        "        return F.cross_entropy(logits[:, 1:].reshape(-1, V), input_ids[:, :-1].reshape(-1), ignore_index=0)"), "gpt.shift_reversed"),
    ("gpt: loss counts the padding", GPT, body(
        GPT_LOSS,
        "        logits = self.forward(input_ids)",
        "        V = logits.shape[-1]",
        "        return F.cross_entropy(logits[:, :-1].reshape(-1, V), input_ids[:, 1:].reshape(-1))"), "gpt.padding_counted"),
    ("gpt: loss mean over every position", GPT, body(
        GPT_LOSS,
        "        logits = self.forward(input_ids)[:, :-1]",
        "        targets = input_ids[:, 1:]",
        "        total = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=0, reduction='sum')",
        "        return total / targets.numel()"), "gpt.mean_over_all_positions"),
    ("gpt: loss with .view after slicing", GPT, body(
        GPT_LOSS,
        "        logits = self(input_ids)",
        "        V = logits.size(-1)",
        "        return F.cross_entropy(logits[:, :-1].view(-1, V), input_ids[:, 1:].view(-1), ignore_index=0)"), "gpt.view_after_slicing"),
    ("gpt: no position embedding", GPT, body(
        GPT_FORWARD,
        "        L = input_ids.size(1)",
        "        mask = (input_ids != 0)[:, None, None, :] & subsequent_mask(L).to(input_ids.device)[:, None]",
        "        x = self.dropout(self.token_embedding(input_ids))",
        "        for block in self.blocks:",
        "            x = block(x, mask)",
        "        return self.lm_head(x)"), "gpt.no_positions"),
    ("gpt: softmax on the logits", GPT, body(
        GPT_FORWARD,
        "        L = input_ids.size(1)",
        "        mask = (input_ids != 0)[:, None, None, :] & subsequent_mask(L).to(input_ids.device)[:, None]",
        "        x = self.dropout(self.token_embedding(input_ids) + self.position_embedding(input_ids))",
        "        for block in self.blocks:",
        "            x = block(x, mask)",
        "        return F.log_softmax(self.lm_head(x), dim=-1)"), None),
    # 6. generate ---------------------------------------------------------------------------------------
    ("gen: never crops to max_len", GEN, ((
        "logits = model(ids[:, -model.max_len:])[:, -1, :]", "logits = model(ids)[:, -1, :]"),), "generate.no_crop"),
    ("gen: takes the last row, not the last position", GEN, ((
        "logits = model(ids[:, -model.max_len:])[:, -1, :]", "logits = model(ids[:, -model.max_len:])[-1]"),), None),
    ("gen: temperature multiplies", GEN, (("logits = logits / temperature", "logits = logits * temperature"),), "generate.temperature_multiplies"),
    ("gen: top-k drops the k-th too", GEN, ((
        "logits = logits.masked_fill(logits < kth, float(\"-inf\"))", "logits[logits <= kth] = -float('inf')"),), "generate.top_k_drops_the_kth"),
    ("gen: the generator is not passed on", GEN, ((
        "next_ids = torch.multinomial(probs, 1, generator=generator).squeeze(1)  # (B,)",
        "next_ids = torch.multinomial(probs, num_samples=1).squeeze(-1)"),), "generate.global_random_generator"),
    ("gen: stops when any row ends", GEN, body(
        GEN_STEP,
        "            logits = model(ids[:, -model.max_len:])[:, -1, :]",
        "            if temperature == 0:",
        "                nxt = logits.argmax(-1)",
        "            else:",
        "                logits = logits / temperature",
        "                if top_k is not None:",
        "                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, -1:]",
        "                    logits = logits.masked_fill(logits < kth, float('-inf'))",
        "                nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(1)",
        "            ids = torch.cat([ids, nxt[:, None]], dim=1)",
        "            if eos_id is not None and bool((nxt == eos_id).any()):",
        "                break"), "generate.stops_at_the_first_eos"),
    ("gen: rows keep going after eos", GEN, body(
        GEN_STEP,
        "            logits = model(ids[:, -model.max_len:])[:, -1, :]",
        "            if temperature == 0:",
        "                nxt = logits.argmax(-1)",
        "            else:",
        "                logits = logits / temperature",
        "                if top_k is not None:",
        "                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, -1:]",
        "                    logits = logits.masked_fill(logits < kth, float('-inf'))",
        "                nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(1)",
        "            ids = torch.cat([ids, nxt[:, None]], dim=1)",
        "            if eos_id is not None:",
        "                finished = finished | (nxt == eos_id)",
        "                if bool(finished.all()):",
        "                    break"), "generate.eos_rows_keep_generating"),
    ("gen: the eos token itself blanked", GEN, ((
        "                next_ids = next_ids.masked_fill(finished, 0)\n"
        "                finished = finished | (next_ids == eos_id)\n",
        "                finished = finished | (next_ids == eos_id)\n"
        "                next_ids = next_ids.masked_fill(finished, 0)\n"),), "generate.eos_itself_zeroed"),
    ("gen: never calls model.eval()", GEN, (("    model.eval()\n", ""),), "generate.no_eval"),
    ("gen: no check of top_k", GEN, body(
        GEN_CHECKS,
        "    if temperature < 0 or max_new_tokens < 0:",
        "        raise ValueError('temperature and max_new_tokens must not be negative')"), "generate.top_k_zero_accepted"),
    # 7. crf --------------------------------------------------------------------------------------------
    ("crf: log(sum(exp)) for log Z", CRF, body(
        CRF_Z,
        "        alpha = self.start_transitions + emissions[:, 0]",
        "        for t in range(1, emissions.size(1)):",
        "            s = alpha[:, :, None] + self.transitions[None] + emissions[:, t, None, :]",
        "            new = torch.log(torch.exp(s).sum(dim=1))",
        "            alpha = torch.where(mask[:, t, None], new, alpha)",
        "        return torch.log(torch.exp(alpha + self.end_transitions).sum(dim=1))"), "crf.partition_log_of_sum_of_exp"),
    ("crf: end score at L - 1 for every row", CRF, ((
        "        last = tags[rows, mask.sum(dim=1) - 1]  # (B,), each row's last real tag\n",
        "        last = tags[:, -1]\n"),), "crf.score_end_at_position_L_minus_1"),
    ("crf: alpha not frozen past a row's end", CRF, body(
        CRF_Z,
        "        alpha = self.start_transitions + emissions[:, 0]",
        "        for t in range(1, emissions.size(1)):",
        "            alpha = torch.logsumexp(alpha.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1), dim=1)",
        "        return torch.logsumexp(alpha + self.end_transitions, dim=1)"), "crf.partition_mask_ignored"),
    ("crf: transitions read as [to, from] in log Z", CRF, body(
        CRF_Z,
        "        alpha = self.start_transitions + emissions[:, 0]",
        "        for t in range(1, emissions.size(1)):",
        "            s = alpha.unsqueeze(2) + self.transitions.t() + emissions[:, t].unsqueeze(1)",
        "            alpha = torch.where(mask[:, t, None], torch.logsumexp(s, dim=1), alpha)",
        "        return torch.logsumexp(alpha + self.end_transitions, dim=1)"), "crf.partition_transitions_transposed"),
    ("crf: transitions read as [to, from] in the score", CRF, ((
        "step = self.transitions[tags[:, t - 1], tags[:, t]]", "step = self.transitions[tags[:, t], tags[:, t - 1]]"),), "crf.score_transitions_transposed"),
    ("crf: returns the negative log-likelihood", CRF, ((
        "return self._score(emissions, tags, mask) - self._log_partition(emissions, mask)  # (B,)",
        "return self._log_partition(emissions, mask) - self._score(emissions, tags, mask)"),), "crf.sign_flipped"),
    ("crf: no end transitions in log Z", CRF, ((
        "        return torch.logsumexp(alpha + self.end_transitions, dim=1)  # (B,)\n",
        "        return torch.logsumexp(alpha, dim=1)\n"),), "crf.partition_end_forgotten"),
    ("crf: no start transitions in the score", CRF, ((
        "score = self.start_transitions[tags[:, 0]] + emissions[rows, 0, tags[:, 0]]  # (B,)",
        "score = emissions[rows, 0, tags[:, 0]]"),), "crf.score_start_forgotten"),
    ("crf: emissions of masked positions counted", CRF, body(
        CRF_SCORE,
        "        B, L, _ = emissions.shape",
        "        em = emissions.gather(2, tags.unsqueeze(2)).squeeze(2).sum(1)",
        "        tr = self.transitions[tags[:, :-1], tags[:, 1:]] * mask[:, 1:]",
        "        last = tags.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)",
        "        return self.start_transitions[tags[:, 0]] + em + tr.sum(1) + self.end_transitions[last]"), "crf.score_masked_emissions_counted"),
    ("crf: viterbi without end transitions", CRF, ((
        "        best = best + self.end_transitions  # (B, T)\n", ""),), "crf.viterbi_end_forgotten"),
    ("crf: viterbi paths of full length", CRF, ((
        "            for step_from in reversed(backpointers[: length - 1]):\n",
        "            for step_from in reversed(backpointers):\n"),), "crf.decode_padded_rows"),
    ("crf: viterbi ignores the mask", CRF, ((
        "            best = torch.where(mask[:, t, None], step_best, best)\n",
        "            best = step_best\n"),), "crf.viterbi_mask_ignored"),
    ("crf: 0/1 mask not made bool", CRF, ((
        "        mask = mask.bool()  # (B, L)\n", ""),), "crf.mask_not_bool"),
    ("crf: no check of the first column", CRF, ((
        "        if not bool(mask[:, 0].all()):\n"
        "            raise ValueError(\"mask[:, 0] must be all on: every sequence needs its first position\")\n", ""),), "crf.first_position_not_checked"),
    ("crf: num_tags < 0 only", CRF, ((CRF_CHECK, "        if num_tags < 0:\n            raise ValueError('num_tags')\n"),), "crf.zero_tags_allowed"),
)


REWRITES = (
    # 1. classifier -------------------------------------------------------------------------------------
    ("clf: einsum masked mean", CLF, body(
        CLF_BODY,
        "        if self.pooling == \"mean\":",
        "            m = (input_ids != 0).to(h.dtype)  # (B, L)",
        "            pooled = torch.einsum(\"bl,blh->bh\", m, h) / m.sum(-1, keepdim=True)",
        "        else:",
        "            pooled = h[:, 0, :]",
        "        return self.classifier(self.dropout(pooled))") + ((IMPORT_NN, WITH_TORCH),)),
    ("clf: a loop over rows", CLF, body(
        CLF_BODY,
        "        if self.pooling == \"cls\":",
        "            pooled = h.select(1, 0)",
        "        else:",
        "            rows = []",
        "            for b in range(h.size(0)):",
        "                rows.append(h[b][input_ids[b] != 0].mean(dim=0))",
        "            pooled = torch.stack(rows)",
        "        out = self.dropout(pooled)",
        "        return self.classifier(out)") + ((IMPORT_NN, WITH_TORCH),)),
    ("clf: Chinese names, masked_fill, type hints", CLF, ((CLF_CHECK,
        "        合法 = {\"cls\", \"mean\"}\n        if pooling not in 合法:\n            raise ValueError(\"pooling 只能是 cls 或 mean\")\n"),) + body(
        CLF_BODY,
        "        填充: torch.Tensor = (input_ids == 0).unsqueeze(-1)",
        "        if self.pooling == \"cls\":",
        "            汇聚 = h[:, :1].squeeze(1)",
        "        else:",
        "            总和 = h.masked_fill(填充, 0.0).sum(dim=1)",
        "            个数 = (~填充).sum(dim=1)",
        "            汇聚 = 总和 / 个数",
        "        assert 汇聚.dim() == 2",
        "        return self.classifier(self.dropout(汇聚))") + ((IMPORT_NN, WITH_TORCH),)),
    ("clf: float32 count, mean by nansum", CLF, body(
        CLF_BODY,
        "        if self.pooling == \"mean\":",
        "            keep = (input_ids > 0)[..., None]",
        "            n = keep.sum(1, dtype=torch.float32).to(h.dtype)",
        "            pooled = torch.where(keep, h, torch.zeros_like(h)).sum(1) / n",
        "            return self.classifier(self.dropout(pooled))",
        "        return self.classifier(self.dropout(h[:, 0]))") + ((IMPORT_NN, WITH_TORCH),)),
    # 2. cross_attention --------------------------------------------------------------------------------
    ("ca: einsum heads by hand, helper methods", CA, body(
        CA_BODY,
        "        B, Lt, H = x.shape",
        "        Ls = memory.shape[1]",
        "        nh, d = self.head_num, self.per_head_dim",
        "        q = self.query_linear(x).reshape(B, Lt, nh, d)",
        "        k = self.key_linear(memory).reshape(B, Ls, nh, d)",
        "        v = self.value_linear(memory).reshape(B, Ls, nh, d)",
        "        q, k, v = (torch.einsum('blhd->bhld', t) for t in (q, k, v))",
        "        o, _ = self.attention(q, k, v, memory_mask, self.dropout)",
        "        o = torch.einsum('bhld->blhd', o).reshape(B, Lt, H)",
        "        return self.output_linear(o)") + ((IMPORT_NN, WITH_TORCH),)),
    ("ca: unflatten/permute/flatten", CA, body(
        CA_BODY,
        "        heads = (self.head_num, self.per_head_dim)",
        "        key = self.key_linear(memory).unflatten(-1, heads).permute(0, 2, 1, 3)",
        "        value = self.value_linear(memory).unflatten(-1, heads).permute(0, 2, 1, 3)",
        "        query = self.query_linear(x).unflatten(-1, heads).permute(0, 2, 1, 3)",
        "        context, weights = self.attention(query, key, value, mask=memory_mask, dropout=self.dropout)",
        "        return self.output_linear(context.permute(0, 2, 1, 3).flatten(2))")),
    ("ca: a head at a time, mask made bool", CA, body(
        CA_BODY,
        "        q_all = self.query_linear(x)",
        "        k_all = self.key_linear(memory)",
        "        v_all = self.value_linear(memory)",
        "        if memory_mask is not None:",
        "            memory_mask = memory_mask.bool()",
        "        outs = []",
        "        for i in range(self.head_num):",
        "            s = slice(i * self.per_head_dim, (i + 1) * self.per_head_dim)",
        "            m = None if memory_mask is None else memory_mask[:, 0] if memory_mask.dim() == 4 else memory_mask",
        "            o, _ = self.attention(q_all[..., s], k_all[..., s], v_all[..., s], mask=m, dropout=self.dropout)",
        "            outs.append(o)",
        "        return self.output_linear(torch.cat(outs, dim=-1))") + ((IMPORT_NN, WITH_TORCH),)),
    ("ca: chunk and stack heads", CA, body(
        CA_BODY,
        "        def split(t):",
        "            return torch.stack(t.chunk(self.head_num, dim=-1), dim=1)  # (B, h, L, d)",
        "        o, _ = self.attention(split(self.query_linear(x)), split(self.key_linear(memory)),",
        "                              split(self.value_linear(memory)), mask=memory_mask, dropout=self.dropout)",
        "        return self.output_linear(torch.cat(o.unbind(1), dim=-1))") + ((IMPORT_NN, WITH_TORCH),)),
    # 3. decoder_block ----------------------------------------------------------------------------------
    ("db: named sub-layers, a helper", DB, db_forward(
        "        def add_norm(norm, drop, h, sub):",
        "            return norm(h + drop(sub))",
        "        y = add_norm(self.layer_norm1, self.dropout1, x, self.self_attention(x, mask=target_mask))",
        "        y = add_norm(self.layer_norm2, self.dropout2, y, self.cross_attention(y, memory, memory_mask=memory_mask))",
        "        return add_norm(self.layer_norm3, self.dropout3, y, self.feed_forward(y))")),
    ("db: step by step with Chinese names", DB, db_forward(
        "        自注意 = self.self_attention(x, target_mask)",
        "        x = self.layer_norm1(self.dropout1(自注意) + x)",
        "        交叉 = self.cross_attention(x, memory, memory_mask)",
        "        x = self.layer_norm2(self.dropout2(交叉) + x)",
        "        前馈 = self.feed_forward(x)",
        "        输出 = self.layer_norm3(self.dropout3(前馈) + x)",
        "        assert 输出.shape == x.shape",
        "        return 输出")),
    ("db: a loop over the three sub-layers", DB, db_forward(
        "        subs = [",
        "            (lambda h: self.self_attention(h, target_mask), self.dropout1, self.layer_norm1),",
        "            (lambda h: self.cross_attention(h, memory, memory_mask), self.dropout2, self.layer_norm2),",
        "            (self.feed_forward, self.dropout3, self.layer_norm3),",
        "        ]",
        "        for sub, drop, norm in subs:",
        "            x = norm(x + drop(sub(x)))",
        "        return x")),
    # 4. seq2seq ----------------------------------------------------------------------------------------
    ("s2s: masks by indexing with None, a tril of its own", S2S, body(
        S2S_SOURCE, "    return source_ids.ne(0)[:, None, None, :]") + body(
        S2S_TARGET,
        "    L = target_ids.shape[1]",
        "    causal = torch.tril(torch.ones(L, L, dtype=torch.bool, device=target_ids.device))",
        "    return target_ids.ne(0)[:, None, None, :] & causal[None, None]") + ((
            "from torch import nn\n", "import torch\nfrom torch import nn\n"),)),
    ("s2s: logical_and, arange comparison, float32-free", S2S, body(
        S2S_TARGET,
        "    B, L = target_ids.shape",
        "    pos = torch.arange(L, device=target_ids.device)",
        "    causal = pos[None, :] <= pos[:, None]  # (L, L), key j <= query i",
        "    keys = (target_ids > 0).view(B, 1, 1, L)",
        "    return torch.logical_and(keys, causal.view(1, 1, L, L))") + ((
            "from torch import nn\n", "import torch\nfrom torch import nn\n"),)),
    ("s2s: helper embed method, forward in steps", S2S, body(
        S2S_ENCODE,
        "        x = self._embed(self.source_embedding, source_ids)",
        "        source_mask = make_source_mask(source_ids)",
        "        for layer in self.encoder_blocks:",
        "            x = layer(x, source_mask)",
        "        return x") + body(
        S2S_DECODE,
        "        y = self._embed(self.target_embedding, target_ids)",
        "        masks = (make_target_mask(target_ids), make_source_mask(source_ids))",
        "        for layer in self.decoder_blocks:",
        "            y = layer(y, memory, *masks)",
        "        return y") + body(
        S2S_FORWARD,
        "        memory = self.encode(source_ids)",
        "        hidden = self.decode(target_ids, memory, source_ids)",
        "        logits = self.output_layer(hidden)",
        "        return logits") + ((
            "    def encode(self, source_ids):\n",
            "    def _embed(self, table, ids):\n"
            "        return self.dropout(table(ids) + self.position_embedding(ids))\n\n"
            "    def encode(self, source_ids):\n"),)),
    # 5. gpt --------------------------------------------------------------------------------------------
    ("gpt: mask by arange, loss by log_softmax and gather", GPT, body(
        GPT_FORWARD,
        "        B, L = input_ids.shape",
        "        i = torch.arange(L, device=input_ids.device)",
        "        mask = (i[None, :] <= i[:, None])[None, None] & (input_ids != 0)[:, None, None, :]",
        "        x = self.token_embedding(input_ids) + self.position_embedding(input_ids)",
        "        x = self.dropout(x)",
        "        for blk in self.blocks:",
        "            x = blk(x, mask=mask)",
        "        return self.lm_head(x)") + body(
        GPT_LOSS,
        "        logits = self.forward(input_ids)[:, :-1]",
        "        targets = input_ids[:, 1:]",
        "        logp = F.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)",
        "        keep = (targets != 0).to(logp.dtype)",
        "        return -(logp * keep).sum() / keep.sum()") + ((
            "import torch.nn.functional as F\n", "import torch\nimport torch.nn.functional as F\n"),)),
    ("gpt: tie via nn.Parameter handle, masked_select loss", GPT, body(
        GPT_TIE, "        shared = self.token_embedding.weight", "        self.lm_head.weight = shared") + body(
        GPT_LOSS,
        "        logits = self(input_ids)",
        "        pred = logits[:, :-1].flatten(0, 1)",
        "        gold = input_ids[:, 1:].flatten()",
        "        keep = gold != 0",
        "        return F.cross_entropy(pred[keep], gold[keep])")),
    ("gpt: logits by F.linear, contiguous().view loss", GPT, body(
        GPT_FORWARD,
        "        L = input_ids.size(1)",
        "        causal = subsequent_mask(L).to(input_ids.device)  # (1, L, L)",
        "        keys = (input_ids != 0).unsqueeze(1)  # (B, 1, L)",
        "        mask = (causal & keys).unsqueeze(1)  # (B, 1, L, L)",
        "        x = self.dropout(self.token_embedding(input_ids) + self.position_embedding(input_ids))",
        "        for block in self.blocks:",
        "            x = block(x, mask)",
        "        return F.linear(x, self.token_embedding.weight)") + body(
        GPT_LOSS,
        "        logits = self(input_ids)",
        "        V = logits.size(-1)",
        "        x = logits[:, :-1, :].contiguous().view(-1, V)",
        "        y = input_ids[:, 1:].contiguous().view(-1)",
        "        return F.cross_entropy(x, y, ignore_index=0, reduction='mean')")),
    # 6. generate ---------------------------------------------------------------------------------------
    ("gen: while loop, torch.where for eos, sort for top-k", GEN, body(
        GEN_CHECKS,
        "    if max_new_tokens < 0 or temperature < 0:",
        "        raise ValueError('negative max_new_tokens or temperature')",
        "    if top_k is not None and top_k <= 0:",
        "        raise ValueError('top_k must be positive')") + body(
        GEN_STEP,
        "            window = ids if ids.size(1) <= model.max_len else ids[:, ids.size(1) - model.max_len:]",
        "            z = model(window)[:, -1]",
        "            if temperature == 0:",
        "                nxt = torch.argmax(z, dim=-1, keepdim=True)",
        "            else:",
        "                z = z / temperature",
        "                if top_k is not None and top_k < z.size(-1):",
        "                    kth = torch.sort(z, dim=-1, descending=True).values[:, top_k - 1].unsqueeze(-1)",
        "                    z = torch.where(z < kth, torch.full_like(z, -float('inf')), z)",
        "                nxt = torch.multinomial(torch.softmax(z, -1), 1, generator=generator)",
        "            if eos_id is not None:",
        "                nxt = torch.where(finished[:, None], torch.zeros_like(nxt), nxt)",
        "                finished = finished | (nxt[:, 0] == eos_id)",
        "            ids = torch.cat((ids, nxt), dim=-1)",
        "            if eos_id is not None and finished.all():",
        "                break")),
    ("gen: a helper for the next token, kthvalue for top-k", GEN, body(
        GEN_STEP,
        "            ctx = ids[:, -model.max_len:]",
        "            last: torch.Tensor = model(ctx)[:, -1, :]",
        "            nxt = _next_token(last, temperature, top_k, generator)",
        "            if eos_id is not None:",
        "                nxt = nxt * (~finished).long()",
        "                finished |= nxt == eos_id",
        "            ids = torch.cat([ids, nxt.unsqueeze(-1)], 1)",
        "            if eos_id is not None and not (~finished).any():",
        "                break") + ((
            "def generate(model,",
            "def _next_token(z, temperature, top_k, generator):\n"
            "    if temperature == 0:\n"
            "        return z.argmax(-1)\n"
            "    z = z / temperature\n"
            "    if top_k is not None:\n"
            "        k = min(top_k, z.size(-1))\n"
            "        kth = torch.kthvalue(z, z.size(-1) - k + 1, dim=-1, keepdim=True).values\n"
            "        z = z.masked_fill(z < kth, float('-inf'))\n"
            "    return torch.multinomial(z.softmax(-1), 1, generator=generator)[:, 0]\n\n\n"
            "def generate(model,"),)),
    ("gen: list of new columns, eos rows tracked by a list", GEN, body(
        GEN_LOOP,
        "    model.eval()",
        "    ids = input_ids",
        "    done = [False] * ids.size(0)",
        "    finished = torch.zeros(ids.size(0), dtype=torch.bool)",
        "    with torch.no_grad():",
        "        for step in range(max_new_tokens):") + body(
        GEN_STEP,
        "            logits = model(ids[:, max(0, ids.size(1) - model.max_len):])[:, -1]",
        "            if temperature > 0:",
        "                logits = logits / float(temperature)",
        "                if top_k:",
        "                    top = logits.topk(min(top_k, logits.shape[-1]), dim=-1).values",
        "                    logits[logits < top[:, [-1]]] = float('-inf')",
        "                new = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator).view(-1)",
        "            else:",
        "                new = logits.max(dim=-1).indices",
        "            if eos_id is not None:",
        "                for b in range(len(done)):",
        "                    if done[b]:",
        "                        new[b] = 0",
        "                    elif int(new[b]) == eos_id:",
        "                        done[b] = True",
        "            ids = torch.cat([ids, new.view(-1, 1)], dim=1)",
        "            if eos_id is not None and all(done):",
        "                break")),
    ("gen: one multinomial per row, in row order", GEN, ((
        "next_ids = torch.multinomial(probs, 1, generator=generator).squeeze(1)  # (B,)",
        "next_ids = torch.stack([torch.multinomial(p, 1, generator=generator)[0] for p in probs])"),)),
    # 7. crf --------------------------------------------------------------------------------------------
    ("crf: vectorised score by gather, alpha by arithmetic mask", CRF, body(
        CRF_SCORE,
        "        m = mask.to(emissions.dtype)  # (B, L)",
        "        em = emissions.gather(-1, tags.unsqueeze(-1)).squeeze(-1)  # (B, L)",
        "        tr = self.transitions[tags[:, :-1], tags[:, 1:]]  # (B, L-1)",
        "        s = self.start_transitions[tags[:, 0]] + em[:, 0] + ((em[:, 1:] + tr) * m[:, 1:]).sum(1)",
        "        lengths = mask.long().sum(1)",
        "        last = tags.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)",
        "        return s + self.end_transitions[last]") + body(
        CRF_Z,
        "        alpha = self.start_transitions.unsqueeze(0) + emissions[:, 0, :]",
        "        for t in range(1, emissions.shape[1]):",
        "            nxt = torch.logsumexp(alpha[:, :, None] + self.transitions[None, :, :], dim=1) + emissions[:, t]",
        "            m = mask[:, t].unsqueeze(1).to(alpha.dtype)",
        "            alpha = nxt * m + alpha * (1 - m)",
        "        return (alpha + self.end_transitions).logsumexp(-1)")),
    ("crf: per-row python viterbi, loops over tags", CRF, body(
        CRF_VITERBI,
        "        out = []",
        "        start, trans, end = self.start_transitions.tolist(), self.transitions.tolist(), self.end_transitions.tolist()",
        "        T = self.num_tags",
        "        for b in range(emissions.size(0)):",
        "            n = int(mask[b].sum())",
        "            em = emissions[b].tolist()",
        "            score = [start[j] + em[0][j] for j in range(T)]",
        "            back = []",
        "            for t in range(1, n):",
        "                ptr, new = [], []",
        "                for j in range(T):",
        "                    i_best = max(range(T), key=lambda i: score[i] + trans[i][j])",
        "                    ptr.append(i_best)",
        "                    new.append(score[i_best] + trans[i_best][j] + em[t][j])",
        "                back.append(ptr)",
        "                score = new",
        "            final = [score[j] + end[j] for j in range(T)]",
        "            tag = max(range(T), key=lambda j: final[j])",
        "            path = [tag]",
        "            for ptr in reversed(back):",
        "                tag = ptr[tag]",
        "                path.append(tag)",
        "            out.append(path[::-1])",
        "        return out")),
    ("crf: einsum-free broadcasting, Chinese names, index list backtrack", CRF, body(
        CRF_Z,
        "        前向 = self.start_transitions + emissions[:, 0]",
        "        长度 = emissions.size(1)",
        "        for 时刻 in range(1, 长度):",
        "            候选 = 前向.unsqueeze(-1) + self.transitions.unsqueeze(0)",
        "            新 = torch.logsumexp(候选, dim=-2) + emissions[:, 时刻]",
        "            前向 = torch.where(mask[:, 时刻].unsqueeze(-1), 新, 前向)",
        "        前向 = 前向 + self.end_transitions",
        "        return torch.logsumexp(前向, dim=-1)") + body(
        CRF_VITERBI,
        "        B, L, T = emissions.shape",
        "        v = self.start_transitions + emissions[:, 0]",
        "        ptrs = torch.zeros(B, L, T, dtype=torch.long)",
        "        for t in range(1, L):",
        "            cand = v[:, :, None] + self.transitions[None]",
        "            best_val, best_idx = torch.max(cand, dim=1)",
        "            ptrs[:, t] = best_idx",
        "            v = torch.where(mask[:, t, None], best_val + emissions[:, t], v)",
        "        v = v + self.end_transitions",
        "        result = []",
        "        for b in range(B):",
        "            n = int(mask[b].sum().item())",
        "            tag = int(torch.argmax(v[b]))",
        "            path = [tag]",
        "            for t in range(n - 1, 0, -1):",
        "                tag = int(ptrs[b, t, tag])",
        "                path.insert(0, tag)",
        "            result.append(path)",
        "        return result")),
)
