"""Exercise 4: the position-wise feed-forward network."""
import pytest
import torch

from autograder.probes import dropout_rates, dropout_standin, make, named_like, random_weights, randn, with_submodules

pytestmark = pytest.mark.exercise("feed_forward")
# what each axis of a result means, for the feedback (conftest's check)
AXES = {3: ("example", "position", "feature"), 1: ("point",)}

X = randn(2, 5, 8, seed=1, scale=2.0)


@pytest.mark.points(2)
def test_submodules_have_the_contract_names_and_shapes(check):
    """input_layer (H, 4H), output_layer (4H, H)
    input_layer (H, 4H)，output_layer (4H, H)
    """
    check(lambda m: named_like(m.FeedForward(8), random_weights("FeedForward", 8)))


@pytest.mark.points(4)
def test_forward_matches_reference(check):
    """W2 GELU(W1 x + b1) + b2
    W2 GELU(W1 x + b1) + b2
    """
    check(lambda m: make(m, "FeedForward", 8, dropout=0.0)(X),
          fed=('batch 2, length 5, hidden 8', '批次 2、长度 5、隐藏维度 8'))
    check(lambda m: make(m, "FeedForward", 12, dropout=0.0, seed=1)(randn(1, 3, 12, seed=2, scale=3.0)))


@pytest.mark.points(2)
def test_activation_is_exact_gelu(check):
    """the activation is GELU in its exact erf form
    激活函数是精确 erf 形式的 GELU
    """
    z = torch.linspace(-4, 4, 33, dtype=torch.float64)
    check(lambda m: m.FeedForward(8).activation(z))


@pytest.mark.points(2)
def test_dropout_sits_between_activation_and_output_layer(check):
    """dropout after the activation, before output_layer, and only in training
    dropout 位于激活函数之后、output_layer 之前，且只在训练时生效
    """
    check(lambda m: dropout_rates(m.FeedForward(8, dropout=0.3), ["dropout"]), fed=("dropout 0.3", "dropout 为 0.3"))
    check(lambda m: make(m, "FeedForward", 8, dropout=0.5)(X),
          fed=('dropout 0.5 in eval mode', '评估模式下 dropout 为 0.5'))  # eval mode: no dropout at all
    # a deterministic stand-in for dropout shows where it is applied
    check(lambda m: with_submodules(make(m, "FeedForward", 8, dropout=0.0, train=True), dropout=dropout_standin(0.25))(X))
