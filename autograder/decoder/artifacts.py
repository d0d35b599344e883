"""The data behind the `decoder` feedback page's pictures, computed from the student's own code in the
sandbox, each beside the reference's:

- the cross-attention weights of every head (exercise 2), read off the student's output: the source
  positions are one-hot vectors and the values copy them into each head's features, so that the
  output before an identity output layer *is* the weights (the last source position is padding);
- the student's Viterbi path over the emission scores (exercise 7);
- greedy and sampled continuations of a fixed prompt by the stand-in GPT (exercise 6).

Returns the artifacts dict that course_cli.report.render_feedback draws (its docstring says the shape).
"""
from functools import lru_cache

import torch

from autograder import parts
from autograder.compare import Wrong
from autograder.probes import generator, make, padding_mask, randn, randomized, sibling
from autograder.remote import SandboxError, StudentError
from autograder.session import Session
from course_core import assignments

TABLE = assignments.get("decoder")
BY_ID = TABLE.by_id

HEADS, H, LT, LS = 2, 8, 5, 4  # LS <= H / HEADS: each source position has a feature of its own in every head
TAGS, STEPS = 5, 10
VOCAB, PROMPT, NEW = 12, [[1, 5, 3], [2, 7, 7]], 8
SAMPLING = {"temperature": 0.8, "top_k": 4}


def _safe(compute):
    """(value, None), or (None, one line saying why the student's code gave nothing)."""
    try:
        return compute(), None
    except (Wrong, StudentError, SandboxError) as exc:
        return None, str(exc)


@lru_cache(maxsize=None)
def _attention_state():
    from solutions.decoder.cross_attention import CrossAttention

    state = randomized(CrossAttention(HEADS, H), seed=7)
    d = H // HEADS
    copy = torch.zeros(H, H, dtype=torch.float64)
    for head in range(HEADS):
        for j in range(LS):
            copy[head * d + j, j] = 1.0  # head `head`'s feature j holds source position j
    state.update({"value_linear.weight": copy, "value_linear.bias": torch.zeros(H, dtype=torch.float64),
                  "output_linear.weight": torch.eye(H, dtype=torch.float64),
                  "output_linear.bias": torch.zeros(H, dtype=torch.float64)})
    for name in ("query_linear.weight", "key_linear.weight"):
        state[name] = state[name] * 3.0  # sharper weights: a picture with contrast
    return state


def _attention(m):
    """[head][query][source] weights of m's CrossAttention."""
    model = make(m, "CrossAttention", HEADS, H, dropout=0.0, state=_attention_state())
    memory = torch.eye(LS, H, dtype=torch.float64).unsqueeze(0)  # (1, Ls, H): one-hot source positions
    out = model(randn(1, LT, H, seed=3), memory, padding_mask([LS - 1], LS)).detach()  # (1, Lt, H)
    d = H // HEADS
    return [[[float(out[0, t, head * d + j]) for j in range(LS)] for t in range(LT)] for head in range(HEADS)]


@lru_cache(maxsize=None)
def _crf_state():
    from solutions.decoder.crf import CRF

    return randomized(CRF(TAGS), seed=5)


EMISSIONS = randn(1, STEPS, TAGS, seed=11, scale=1.5)


def _viterbi(m):
    path = make(m, "CRF", TAGS, state=_crf_state()).decode(EMISSIONS)
    return [int(tag) for tag in path[0]]


@lru_cache(maxsize=None)
def _gpt_state():
    from solutions.decoder.gpt import GPT

    return randomized(GPT(VOCAB, H, 1, HEADS, max_len=32, dropout=0.0), seed=9)


def _continuations(m):
    """{"greedy": [[id]], "sampled": [[id]]}: m.generate with the stand-in GPT (the reference's on its side)."""
    def model():
        return make(sibling(m, "gpt"), "GPT", VOCAB, H, 1, HEADS, max_len=32, dropout=0.0, state=_gpt_state())

    prompt = torch.tensor(PROMPT)
    greedy = m.generate(model(), prompt, NEW, temperature=0.0)
    sampled = m.generate(model(), prompt, NEW, generator=generator(m, 0), **SAMPLING)
    return {"greedy": greedy.tolist(), "sampled": sampled.tolist()}


def _pair(compute, student, reference):
    """compute on the student's module (student(): raises what _safe catches) and on the reference's."""
    yours, error = _safe(lambda: compute(student()))
    return {"yours": yours, "error": error, "expected": compute(reference)}


def _artifacts(student):
    """student(exercise id) -> the student's module for that exercise, or the reference's."""
    import importlib

    reference = {e.id: importlib.import_module(f"solutions.decoder.{e.id}") for e in TABLE.exercises}
    with parts.using(TABLE):
        attention = _pair(_attention, lambda: student("cross_attention"), reference["cross_attention"])
        viterbi = _pair(_viterbi, lambda: student("crf"), reference["crf"])
        continuations = _pair(_continuations, lambda: student("generate"), reference["generate"])
    return {
        "cross_attention": {**attention, "padding": [LS - 1]},
        "viterbi": {**viterbi, "emissions": EMISSIONS[0].tolist()},
        "continuations": {**continuations, "prompt": PROMPT, **SAMPLING},
    }


def reference():
    """The artifacts with the reference standing in for the student: for tests."""
    import importlib

    return _artifacts(lambda exercise: importlib.import_module(f"solutions.decoder.{exercise}"))


def collect(paths, time_limit=20.0):
    """{path: artifacts} for each submission folder."""
    session = Session(time_limit)
    try:
        return {path: _artifacts(lambda exercise: session.module(path, BY_ID[exercise])) for path in map(str, paths)}
    finally:
        session.close()
