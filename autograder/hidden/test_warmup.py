"""Exercise 7: the warmup schedules."""
import pytest

from autograder.probes import calls, raised, sgd

pytestmark = pytest.mark.exercise("warmup")

W, T = 10, 100
STEPS = (0, 1, W - 1, W, W + 1, 37, T - 1, T, T + 1, 2 * T - W)


def table(m, schedule, warmup=W, total=T, steps=STEPS):
    return calls([(m.lr_lambda, (s, warmup, total, schedule)) for s in steps])


@pytest.mark.points(3)
def test_linear_warmup_then_linear_decay(check):
    """linear: step / W, then (T - step) / (T - W), clamped at 0"""
    check(lambda m: table(m, "linear"))
    check(lambda m: table(m, "linear", 3, 7, range(10)))


@pytest.mark.points(3)
def test_cosine_warmup_then_half_cosine_decay(check):
    """cosine: step / W, then (1 + cos(pi p)) / 2"""
    check(lambda m: table(m, "cosine"))
    check(lambda m: table(m, "cosine", 3, 7, range(10)))


@pytest.mark.points(2)
def test_noam_peaks_at_one_on_step_W(check):
    """noam: min(s / W, sqrt(W / s)), s = max(step, 1)"""
    check(lambda m: table(m, "noam"))
    check(lambda m: table(m, "noam", 4, 10, (0, 1, 3, 4, 5, 16, 400)))


@pytest.mark.points(2)
def test_edge_cases_of_warmup_and_total(check):
    """warmup 0, warmup == total, total 1"""
    check(lambda m: [table(m, s, 0, 10, (0, 1, 5, 10, 11)) for s in ("linear", "cosine")])
    check(lambda m: [table(m, s, 10, 10, (0, 5, 9, 10, 11)) for s in ("linear", "cosine")])
    check(lambda m: [table(m, s, 1, 1, (0, 1, 2)) for s in ("linear", "cosine", "noam")])


BAD = [(0, 10, 100, "step"), (-1, 10, 100, "linear"), (0, -1, 100, "linear"), (0, 10, 0, "linear"),
       (0, 10, -5, "cosine"), (0, 20, 10, "linear"), (0, 20, 10, "cosine"), (0, 0, 10, "noam")]


@pytest.mark.points(3)
def test_bad_arguments_raise_value_error(check):
    """unknown schedule, negative step or warmup, total <= 0, warmup > total, noam warmup < 1"""
    check(lambda m: [raised(m.lr_lambda, *args) for args in BAD])
    check(lambda m: [raised(m.get_scheduler, sgd(1.0), *args[1:])
                     for args in BAD if args[0] == 0])


def learning_rates(m, schedule, warmup, total, steps=14):
    scheduler = m.get_scheduler(sgd(0.5), warmup, total, schedule)
    # the rate, then a step, `steps` times
    answers = calls([(scheduler.get_last_lr, ()), (scheduler.step, ())] * steps)
    return [rates[0] for rates in answers[::2]]


@pytest.mark.points(2)
def test_scheduler_drives_the_optimizer(check):
    """get_scheduler's learning rate at step n is base_lr * lr_lambda(n)"""
    for schedule in ("linear", "cosine", "noam"):
        check(lambda m: learning_rates(m, schedule, 3, 10))
