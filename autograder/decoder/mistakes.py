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
MISTAKES += ()
ZH.update({})
VARIANTS += ()

# ---- 7. crf ----
MISTAKES += ()
ZH.update({})
VARIANTS += ()

BY_ID = {m.id: m for m in MISTAKES + VARIANTS}


def for_exercise(exercise_id):
    return [m for m in MISTAKES if m.exercise == exercise_id]
