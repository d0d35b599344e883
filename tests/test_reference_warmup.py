"""Reference checks of exercise 7 (solutions/transformer/warmup.py).

The multipliers below are literals worked out by hand from the published formulas:
- linear, cosine: HuggingFace transformers, src/transformers/optimization.py,
  `_get_linear_schedule_with_warmup_lr_lambda` and `_get_cosine_schedule_with_warmup_lr_lambda`
  (used by `get_linear_schedule_with_warmup` / `get_cosine_schedule_with_warmup`, num_cycles=0.5);
- noam: the Annotated Transformer (harvardnlp), `rate(step, model_size, factor, warmup)`
  = factor * model_size**-0.5 * min(step**-0.5, step * warmup**-1.5), step 0 taken as 1,
  divided by its peak rate(warmup): min(s / W, sqrt(W / s)).
Those formulas are transcribed below only to cross-check the hand-computed table.
"""
import math

import pytest
import torch

from solutions.transformer.warmup import get_scheduler, lr_lambda

# (schedule, warmup_steps W, total_steps T, step, multiplier)
PINNED = [
    # linear, W=4, T=10: steps 0, 1, W-1, W, W+1, T, past T
    ("linear", 4, 10, 0, 0.0),
    ("linear", 4, 10, 1, 0.25),
    ("linear", 4, 10, 3, 0.75),
    ("linear", 4, 10, 4, 1.0),
    ("linear", 4, 10, 5, 5 / 6),  # (10 - 5) / (10 - 4)
    ("linear", 4, 10, 10, 0.0),
    ("linear", 4, 10, 13, 0.0),  # clamped at 0 past T
    # linear, no warmup: full rate at step 0
    ("linear", 0, 10, 0, 1.0),
    ("linear", 0, 10, 1, 0.9),
    ("linear", 0, 10, 10, 0.0),
    ("linear", 0, 10, 11, 0.0),
    # linear, W == T: warmup, then 0 from step T on
    ("linear", 4, 4, 0, 0.0),
    ("linear", 4, 4, 3, 0.75),
    ("linear", 4, 4, 4, 0.0),
    ("linear", 4, 4, 5, 0.0),
    # cosine, W=4, T=10: p = (step - 4) / 6, multiplier (1 + cos(pi p)) / 2
    ("cosine", 4, 10, 0, 0.0),
    ("cosine", 4, 10, 1, 0.25),
    ("cosine", 4, 10, 3, 0.75),
    ("cosine", 4, 10, 4, 1.0),
    ("cosine", 4, 10, 5, 0.9330127018922193),  # p = 1/6: (2 + sqrt 3) / 4
    ("cosine", 4, 10, 7, 0.5),  # p = 1/2
    ("cosine", 4, 10, 10, 0.0),  # p = 1
    ("cosine", 4, 10, 12, 0.25),  # p = 4/3: HF does not clamp p, the cosine rises again past T
    # cosine, no warmup
    ("cosine", 0, 10, 0, 1.0),
    ("cosine", 0, 10, 1, 0.9755282581475768),  # p = 1/10: (1 + cos(pi/10)) / 2
    ("cosine", 0, 10, 5, 0.5),
    ("cosine", 0, 10, 10, 0.0),
    # cosine, W == T: p = 0 / max(1, 0) = 0 at step T, so HF is back at the full rate there
    ("cosine", 4, 4, 0, 0.0),
    ("cosine", 4, 4, 3, 0.75),
    ("cosine", 4, 4, 4, 1.0),
    ("cosine", 4, 4, 5, 0.0),  # p = 1
    # noam, W=4: min(s / 4, sqrt(4 / s)), s = max(step, 1); T plays no part
    ("noam", 4, 10, 0, 0.25),  # step 0 counts as step 1
    ("noam", 4, 10, 1, 0.25),
    ("noam", 4, 10, 3, 0.75),
    ("noam", 4, 10, 4, 1.0),  # the peak
    ("noam", 4, 10, 5, 0.8944271909999159),  # sqrt(4/5)
    ("noam", 4, 10, 10, 0.6324555320336759),  # sqrt(4/10)
    ("noam", 4, 10, 16, 0.5),  # sqrt(4/16), past T
    ("noam", 1, 10, 0, 1.0),  # smallest warmup
    ("noam", 1, 10, 4, 0.5),
    ("noam", 4, 4, 4, 1.0),  # W == T
    ("noam", 4, 4, 9, 2 / 3),
    ("noam", 8, 4, 2, 0.25),  # W > T is allowed for noam
]
ROW_IDS = [f"{s}-W{w}-T{t}-step{step}" for s, w, t, step, _ in PINNED]


# --- upstream formulas, transcribed (only to cross-check the literals above) ---
def hf_linear(step, W, T):
    if step < W:
        return float(step) / float(max(1, W))
    return max(0.0, float(T - step) / float(max(1, T - W)))


def hf_cosine(step, W, T, num_cycles=0.5):
    if step < W:
        return float(step) / float(max(1, W))
    progress = float(step - W) / float(max(1, T - W))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))


def annotated_rate(step, model_size, factor, warmup):
    if step == 0:
        step = 1
    return factor * (model_size ** (-0.5) * min(step ** (-0.5), step * warmup ** (-1.5)))


def noam_over_peak(step, W, T):
    return annotated_rate(step, 512, 1.0, W) / annotated_rate(W, 512, 1.0, W)


UPSTREAM = {"linear": hf_linear, "cosine": hf_cosine, "noam": noam_over_peak}


def test_pinned_multipliers_equal_huggingface_and_annotated_transformer_formulas():
    for schedule, W, T, step, expected in PINNED:
        assert UPSTREAM[schedule](step, W, T) == pytest.approx(expected, abs=1e-12), (schedule, W, T, step)


@pytest.mark.parametrize("schedule, W, T, step, expected", PINNED, ids=ROW_IDS)
def test_lr_lambda_returns_pinned_multiplier(schedule, W, T, step, expected):
    assert lr_lambda(step, W, T, schedule) == pytest.approx(expected, abs=1e-12)


def test_lr_lambda_defaults_to_linear():
    assert lr_lambda(5, 4, 10) == pytest.approx(5 / 6, abs=1e-12)


@pytest.mark.parametrize("schedule", ["linear", "cosine", "noam"])
def test_get_scheduler_drives_optimizer_lr_through_pinned_multipliers(schedule):
    params = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    base_lrs = (0.5, 0.1)
    optimizer = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, base_lrs)])
    scheduler = get_scheduler(optimizer, 4, 10, schedule)
    assert isinstance(scheduler, torch.optim.lr_scheduler.LambdaLR)
    lrs = []  # lrs[k]: the group learning rates in force at step k
    for _ in range(17):
        lrs.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    rows = [(step, m) for s, W, T, step, m in PINNED if (s, W, T) == (schedule, 4, 10)]
    assert len(rows) >= 7  # 0, 1, W-1, W, W+1, T, past T
    for step, multiplier in rows:
        assert lrs[step] == pytest.approx([base * multiplier for base in base_lrs], abs=1e-12), step


BAD_LR_LAMBDA_ARGS = [  # (step, warmup_steps, total_steps, schedule)
    (1, 4, 10, "constant"),
    (1, 4, 10, "step"),
    *[(-1, 4, 10, s) for s in ("linear", "cosine", "noam")],
    *[(1, -1, 10, s) for s in ("linear", "cosine", "noam")],
    *[(1, 4, 0, s) for s in ("linear", "cosine", "noam")],
    *[(1, 4, -5, s) for s in ("linear", "cosine", "noam")],
    (1, 11, 10, "linear"),
    (1, 11, 10, "cosine"),
    (1, 0, 10, "noam"),
]


@pytest.mark.parametrize("step, W, T, schedule", BAD_LR_LAMBDA_ARGS)
def test_lr_lambda_rejects_bad_arguments_with_value_error(step, W, T, schedule):
    with pytest.raises(ValueError):
        lr_lambda(step, W, T, schedule)


@pytest.mark.parametrize("W, T, schedule", [
    (4, 10, "constant"),
    (-1, 10, "linear"),
    (4, 0, "cosine"),
    (4, -5, "noam"),
    (11, 10, "linear"),
    (11, 10, "cosine"),
    (0, 10, "noam"),
])
def test_get_scheduler_rejects_bad_arguments_at_construction(W, T, schedule):
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError):
        get_scheduler(optimizer, W, T, schedule)
