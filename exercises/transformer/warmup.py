"""Exercise 7: learning-rate warmup schedules (15 points).

第 7 题：学习率预热的几种调度（15 分）。
"""
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

    中文：第 ``step`` 步时基础学习率的倍率（W = warmup_steps，T = total_steps）。
    linear 和 cosine 先线性预热 step / max(1, W)；之后 linear 线性衰减到 0，cosine 按半个余弦周期衰减；
    noam 为 min(s / W, sqrt(W / s))，s = max(step, 1)，在第 W 步达到峰值 1。
    参数非法时抛出 ``ValueError``。
    易错点：
    - 用真除法：``step // W`` 在整个预热阶段都是 0。
    - linear 在 T 处正好衰减到 0 并保持为 0：要截断在 0。
    - cosine 衰减半个周期，cos(pi * p)，而不是 cos(2 * pi * p)。
    """
    # TODO (exercise 7): validate the arguments, then return the multiplier for each schedule (roughly 19 lines)
    # TODO（第 7 题）：先检查参数，再返回每种调度的学习率倍率（约 19 行）
    raise NotImplementedError("exercise 7: warmup.lr_lambda")


def get_scheduler(optimizer, warmup_steps, total_steps, schedule="linear"):
    """A ``LambdaLR`` whose multiplier at each step is ``lr_lambda(step, ...)``.

    Bad arguments raise ``ValueError`` here, when the scheduler is built, not
    steps later in the middle of training.

    中文：返回一个 ``LambdaLR``，每一步的倍率是 ``lr_lambda(step, ...)``。
    参数非法时在构造调度器时就抛出 ``ValueError``，而不是训练到一半才报错。
    """
    # TODO (exercise 7): a LambdaLR built on lr_lambda; check the arguments first (roughly 2 lines)
    # TODO（第 7 题）：基于 lr_lambda 构造 LambdaLR；先检查参数（约 2 行）
    raise NotImplementedError("exercise 7: warmup.get_scheduler")
