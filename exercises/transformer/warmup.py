"""Exercise 7: learning-rate warmup schedules (15 points)."""
import math

from torch.optim.lr_scheduler import LambdaLR

SCHEDULES = ("linear", "cosine", "noam")


def lr_lambda(step, warmup_steps, total_steps, schedule="linear"):
    """The multiplier of the base learning rate at ``step`` (W = warmup_steps, T = total_steps).

    Warmup, for linear and cosine:  step / max(1, W)               while step < W
    then linear:  max(0, (T - step) / max(1, T - W))
         cosine:  max(0, (1 + cos(pi * p)) / 2),  p = (step - W) / max(1, T - W)
    noam:         min(s / W, sqrt(W / s)),       s = max(step, 1)   (peak 1 at step W)

    These are HuggingFace's ``get_linear_schedule_with_warmup`` and
    ``get_cosine_schedule_with_warmup``, and the Annotated Transformer's Noam
    rate divided by its peak.

    Raises ``ValueError`` for an unknown schedule, step < 0, W < 0, T <= 0,
    W > T (linear, cosine) or W < 1 (noam).

    Pitfalls:
    - use true division: ``step // W`` is 0 for the whole warmup.
    - the decay reaches exactly 0 at T and stays there (linear): clamp at 0.
    - cosine decays over half a period, cos(pi * p), not cos(2 * pi * p).
    """
    # TODO (exercise 7): validate the arguments, then return the multiplier for each schedule (roughly 19 lines)
    raise NotImplementedError("exercise 7: warmup.lr_lambda")


def get_scheduler(optimizer, warmup_steps, total_steps, schedule="linear"):
    """A ``LambdaLR`` whose multiplier at each step is ``lr_lambda(step, ...)``.

    Bad arguments raise ``ValueError`` here, when the scheduler is built, not
    steps later in the middle of training.
    """
    # TODO (exercise 7): a LambdaLR built on lr_lambda; check the arguments first (roughly 2 lines)
    raise NotImplementedError("exercise 7: warmup.get_scheduler")
