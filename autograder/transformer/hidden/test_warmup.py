"""Exercise 7: the warmup schedules."""
import pytest

from autograder.compare import Wrong, difference, fail
from autograder.probes import calls, raised_each, sgd
from autograder.remote import StudentError

pytestmark = pytest.mark.exercise("warmup")

W, T = 10, 100
STEPS = (0, 1, W - 1, W, W + 1, 37, T - 1, T, T + 1, 2 * T - W)


def table(m, schedule, warmup=W, total=T, steps=STEPS):
    return calls([(m.lr_lambda, (s, warmup, total, schedule)) for s in steps])


@pytest.mark.points(3)
def test_linear_warmup_then_linear_decay(check):
    """linear: step / W, then (T - step) / (T - W), clamped at 0
    linear：先是 step / W，然后是 (T - step) / (T - W)，下限截断为 0
    """
    check(lambda m: table(m, "linear"),
          fed=('W 10, T 100, steps 0 to 190', 'W 为 10、T 为 100、第 0 到 190 步'))
    check(lambda m: table(m, "linear", 3, 7, range(10)))


@pytest.mark.points(3)
def test_cosine_warmup_then_half_cosine_decay(check):
    """cosine: step / W, then (1 + cos(pi p)) / 2
    cosine：先是 step / W，然后是 (1 + cos(pi p)) / 2
    """
    check(lambda m: table(m, "cosine"),
          fed=('W 10, T 100, steps 0 to 190', 'W 为 10、T 为 100、第 0 到 190 步'))
    check(lambda m: table(m, "cosine", 3, 7, range(10)))


@pytest.mark.points(2)
def test_noam_peaks_at_one_on_step_W(check):
    """noam: min(s / W, sqrt(W / s)), s = max(step, 1)
    noam：min(s / W, sqrt(W / s))，s = max(step, 1)
    """
    check(lambda m: table(m, "noam"),
          fed=('W 10, T 100, steps 0 to 190', 'W 为 10、T 为 100、第 0 到 190 步'))
    check(lambda m: table(m, "noam", 4, 10, (0, 1, 3, 4, 5, 16, 400)))
    check(lambda m: table(m, "noam", 1, 1, (0, 1, 2)))
    check(lambda m: table(m, "noam", 20, 10, (0, 1, 10, 20, 40)), fed=('W 20 greater than T 10 (noam does not use T)', 'W 为 20、大于 T 10（noam 不使用 T）'))


# Each schedule on its own: a slip in one costs only that schedule's checks.
def edge_cases(check, schedule):
    check(lambda m: table(m, schedule, 0, 10, (0, 1, 5, 10, 11)))
    check(lambda m: table(m, schedule, 10, 10, (0, 5, 9, 10, 11)), fed=('W 10 equal to T 10', 'W 和 T 都为 10'))
    check(lambda m: table(m, schedule, 1, 1, (0, 1, 2)))


@pytest.mark.points(1)
def test_linear_edge_cases(check):
    """linear with warmup 0, warmup == total, total 1
    linear 在预热步数为 0、预热步数等于总步数、总步数为 1 时的情况
    """
    edge_cases(check, "linear")


@pytest.mark.points(1)
def test_cosine_edge_cases(check):
    """cosine with warmup 0, warmup == total, total 1
    cosine 在预热步数为 0、预热步数等于总步数、总步数为 1 时的情况
    """
    edge_cases(check, "cosine")


def refused(m, bad):
    """Which exception lr_lambda raises for each bad argument list, then get_scheduler at construction."""
    return (raised_each(*[(m.lr_lambda, args) for args in bad]),
            raised_each(*[(m.get_scheduler, (sgd(1.0), *args[1:])) for args in bad if args[0] == 0]))


@pytest.mark.points(1)
def test_bad_arguments_raise_value_error(check):
    """an unknown schedule, and for linear: negative step or warmup, total <= 0, warmup > total
    未知的调度名称，以及 linear 的非法参数：step 或预热步数为负、总步数 <= 0、预热步数 > 总步数
    """
    check(lambda m: refused(m, [(0, 10, 100, "step"), (-1, 10, 100, "linear"), (0, -1, 100, "linear"),
                                (0, 10, 0, "linear"), (0, 0, 0, "linear"), (0, 20, 10, "linear")]))


@pytest.mark.points(1)
def test_bad_cosine_arguments_raise_value_error(check):
    """cosine: negative step, total <= 0, warmup > total
    cosine 的非法参数：step 为负、总步数 <= 0、预热步数 > 总步数
    """
    check(lambda m: refused(m, [(-1, 10, 100, "cosine"), (0, 10, -5, "cosine"), (0, 0, -1, "cosine"), (0, 20, 10, "cosine")]))


@pytest.mark.points(1)
def test_bad_noam_arguments_raise_value_error(check):
    """noam: warmup < 1, negative step, total <= 0
    noam 的非法参数：预热步数 < 1、step 为负、总步数 <= 0
    """
    check(lambda m: refused(m, [(0, 0, 10, "noam"), (-1, 4, 10, "noam"), (0, 4, 0, "noam")]))


def learning_rates(m, schedule, warmup, total, steps=14):
    scheduler = m.get_scheduler(sgd(0.5), warmup, total, schedule)
    # the rate, then a step, `steps` times
    answers = calls([(scheduler.get_last_lr, ()), (scheduler.step, ())] * steps)
    return [rates[0] for rates in answers[::2]]


@pytest.mark.points(2)
def test_scheduler_drives_the_optimizer(student):
    """get_scheduler's learning rate at step n is base_lr * lr_lambda(n), with your own lr_lambda
    get_scheduler 在第 n 步的学习率是 base_lr * lr_lambda(n)（用你自己的 lr_lambda）
    """
    checked = []
    for schedule in ("linear", "cosine", "noam"):
        try:
            own = [0.5 * v for v in table(student, schedule, 3, 10, range(15))]
        except StudentError:
            continue  # that schedule's own checks have cost its points already
        if len({round(v, 12) for v in own}) < 2:
            continue  # a constant multiplier cannot show which step the scheduler is at
        rates = learning_rates(student, schedule, 3, 10)
        if difference(rates, own[:14]) is None:
            checked.append(schedule)
        elif difference(rates, own[1:]) is None:
            fail("warmup.scheduler_one_step_ahead")
        else:
            raise Wrong(f"{schedule}: get_scheduler's rates {[round(r, 4) for r in rates[:6]]}... are not 0.5 (the base rate)"
                        f" times your lr_lambda {[round(r, 4) for r in own[:6]]}...")
    if not checked:
        raise Wrong("lr_lambda gives no schedule that changes from step to step, so get_scheduler cannot be checked")
