"""Exercise 5: LayerNorm from its formula, and the post-LN block."""
import pytest
import torch

from autograder.probes import (dropout_rates, dropout_standin, kept_and_computed, layer_norm_standin, make, named_like, padding_mask, random_weights,
                               randn, with_submodules)

pytestmark = pytest.mark.exercise("transformer_block")
# what each axis of a result means, for the feedback (conftest's check)
AXES = {4: ("example", "head", "position", "feature"), 3: ("example", "position", "feature"), 2: ("position", "feature")}

X = randn(2, 5, 8, seed=1, scale=3.0) + 1.0


@pytest.mark.points(2)
def test_layer_norm_has_weight_ones_and_bias_zeros(check):
    """LayerNorm's parameters weight (ones) and bias (zeros), shape (H,)
    层归一化的参数 weight（全 1）和 bias（全 0），形状为 (H,)
    """
    names = random_weights("LayerNorm", 8)
    check(lambda m: named_like(m.LayerNorm(8), names))
    check(lambda m: named_like(m.LayerNorm(8), names, shapes=False))


@pytest.mark.points(4)
def test_layer_norm_matches_the_formula(check):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last dimension
    沿最后一维计算 (x - mean) / sqrt(var + eps) * weight + bias
    """
    check(lambda m: make(m, "LayerNorm", 8)(X),
          fed=('batch 2, length 5, hidden 8', '批次 2、长度 5、隐藏维度 8'))
    check(lambda m: make(m, "LayerNorm", 12, seed=1)(randn(3, 4, 12, seed=2, scale=0.5)))


@pytest.mark.points(2)
def test_layer_norm_with_small_variance(check):
    """inputs whose variance is close to eps
    方差接近 eps 的输入
    """
    check(lambda m: make(m, "LayerNorm", 8)(randn(2, 5, 8, seed=3, scale=3e-3)),
          fed=('rows whose variance is about 1e-5', '方差约为 1e-5 的行'))


@pytest.mark.points(1)
def test_layer_norm_uses_its_eps(check):
    """LayerNorm(H, eps=0.1)
    LayerNorm(H, eps=0.1)
    """
    check(lambda m: make(m, "LayerNorm", 8, eps=0.1)(randn(2, 5, 8, seed=4, scale=0.2)))


@pytest.mark.points(1)
def test_layer_norm_on_any_leading_shape(check):
    """(L, H) and (B, h, L, H) inputs
    (L, H) 和 (B, h, L, H) 形状的输入
    """
    check(lambda m: make(m, "LayerNorm", 8)(randn(5, 8, seed=5)))
    check(lambda m: make(m, "LayerNorm", 8)(randn(2, 3, 4, 8, seed=6)))


LAYER_NORMS = ("layer_norm1", "layer_norm2")


def block(m, hidden, heads, length, dropout=0.0, seed=0, train=False, **standins):
    """The module's TransformerBlock with the same random weights, and a correct LayerNorm in place of
    layer_norm1 and layer_norm2: the wiring is graded apart from the student's LayerNorm."""
    model = make(m, "TransformerBlock", hidden, heads, dropout=dropout, seed=seed, train=train, skip=LAYER_NORMS)
    weights = random_weights("TransformerBlock", hidden, heads, dropout=dropout, seed=seed)
    norms = {name: layer_norm_standin(hidden, length, weights[f"{name}.weight"], weights[f"{name}.bias"])
             for name in LAYER_NORMS}
    return with_submodules(model, **norms, **standins)


@pytest.mark.points(5)
def test_block_matches_reference(check):
    """the post-LN block, with distinct random weights in every sub-layer (a correct LayerNorm in place of yours)
    post-LN 结构的块，每个子层的随机权重各不相同（用正确的层归一化代替你的）
    """
    check(lambda m: block(m, 8, 2, 5)(X, padding_mask([5, 3], 5)),
          fed=('batch 2, lengths 5 and 3, a padding mask, 2 heads', '批次 2、长度分别为 5 和 3、填充掩码、2 个头'))
    check(lambda m: block(m, 12, 3, 4, seed=1)(randn(3, 4, 12, seed=7)))


@pytest.mark.points(3)
def test_block_dropout_positions(check):
    """dropout1 and dropout2 act on each sub-layer's output, before the residual sum, and only in training
    dropout1 和 dropout2 作用在各子层的输出上、残差相加之前，且只在训练时生效
    """
    check(lambda m: dropout_rates(m.TransformerBlock(8, 2, dropout=0.3),
                                  ["dropout1", "dropout2", "multi_head_attention.dropout", "feed_forward.dropout"]), fed=("dropout 0.3", "dropout 为 0.3"))
    check(lambda m: block(m, 8, 2, 5, dropout=0.5)(X, padding_mask([5, 3], 5)),
          fed=('dropout 0.5 in eval mode', '评估模式下 dropout 为 0.5'))  # eval mode: no dropout at all
    # deterministic stand-ins for dropout1 and dropout2 show where each one is applied
    check(lambda m: block(m, 8, 2, 5, train=True, dropout1=dropout_standin(0.2), dropout2=dropout_standin(0.3))(X))


@pytest.mark.points(1)
def test_block_passes_the_mask_on(check):
    """a causal mask reaches the attention
    因果掩码被传到注意力
    """
    causal = torch.tril(torch.ones(1, 5, 5, dtype=torch.bool))
    check(lambda m: block(m, 8, 2, 5)(X, causal))


@pytest.mark.points(1)
def test_block_does_not_modify_its_input(check):
    """x is left as it was
    x 保持不变
    """
    check(lambda m: kept_and_computed(block(m, 8, 2, 5), X, padding_mask([5, 3], 5)))
