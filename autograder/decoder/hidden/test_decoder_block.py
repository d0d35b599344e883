"""Exercise 3: the post-LN decoder block: masked self-attention, cross-attention, feed-forward.

The block is graded beside a working CrossAttention (the stand-in of cross_attention.py), so that a slip
there costs cross_attention's points only; deterministic stand-ins for its dropouts show where each acts."""
import pytest
import torch

from autograder.probes import dropout_rates, dropout_standin, kept_and_computed, make, named_like, padding_mask, random_weights, randn, with_submodules

pytestmark = pytest.mark.exercise("decoder_block")
# what each axis of a result means, for the feedback (conftest's check)
AXES = {3: ("example", "position", "feature")}


def target_mask(lengths, length):
    """(B, 1, Lt, Lt): key j visible from query i when j <= i and j is not padding, as seq2seq builds it."""
    causal = torch.tril(torch.ones(length, length, dtype=torch.bool))
    return padding_mask(lengths, length) & causal


# the target is shorter than the source (Lt = 4, Ls = 6); batch 2 = heads
X = randn(2, 4, 8, seed=1)
MEMORY = randn(2, 6, 8, seed=2, scale=1.5)
TARGET_MASK = target_mask([4, 3], 4)  # (2, 1, 4, 4)
MEMORY_MASK = padding_mask([6, 2], 6)  # (2, 1, 1, 6)
# as long as each other (Lt = Ls = 5): a slip that swaps the two masks, or x and memory, gives numbers instead of an error
X5, MEMORY5 = randn(2, 5, 8, seed=3), randn(2, 5, 8, seed=4)
TARGET_MASK5, MEMORY_MASK5 = target_mask([5, 4], 5), padding_mask([3, 5], 5)
# an encoder output far from normalised (mean 2, spread 3): the block uses it as it is
RAW_MEMORY = randn(2, 6, 8, seed=5, scale=3.0) + 2.0


def block(m, hidden=8, heads=2, dropout=0.0, seed=0, train=False):
    """m.DecoderBlock(hidden, heads) with the same random weights in every sub-layer, in float64."""
    return make(m, "DecoderBlock", hidden, heads, dropout=dropout, seed=seed, train=train)


@pytest.mark.points(1)
def test_submodules_have_the_contract_names_and_shapes(check):
    """self_attention, cross_attention, feed_forward, layer_norm1..3, dropout1..3 (their p)
    self_attention、cross_attention、feed_forward、layer_norm1..3、dropout1..3（及其 p）
    """
    def probe(m):
        model = block(m, dropout=0.3)
        return [named_like(model, random_weights("DecoderBlock", 8, 2, dropout=0.3)),
                [model.dropout1.p, model.dropout2.p, model.dropout3.p]]

    check(probe)


@pytest.mark.points(4)
def test_block_matches_reference(check):
    """the post-LN block, with distinct random weights in every sub-layer
    post-LN 结构的块，每个子层的随机权重各不相同
    """
    check(lambda m: block(m)(X, MEMORY),
          fed=("2 heads, x of length 4, memory of length 6, no masks", "2 个头、x 长度为 4、memory 长度为 6、无掩码"))
    check(lambda m: block(m)(X, MEMORY, TARGET_MASK, MEMORY_MASK),
          fed=("2 heads, x of length 4, memory of length 6, a causal target mask and a source padding mask",
               "2 个头、x 长度为 4、memory 长度为 6、因果目标掩码和源填充掩码"))
    check(lambda m: block(m, 12, 3, seed=1)(randn(3, 3, 12, seed=6), randn(3, 5, 12, seed=7),
                                            target_mask([3, 1, 2], 3), padding_mask([5, 4, 1], 5)),
          fed=("3 heads, hidden 12, x of length 3, memory of length 5, both masks", "3 个头、隐藏维度 12、x 长度为 3、memory 长度为 5、两种掩码"))


@pytest.mark.points(2)
def test_target_mask_goes_to_the_self_attention(check):
    """target_mask (causal and padding) masks the self-attention
    target_mask（因果和填充）作用于自注意力
    """
    check(lambda m: block(m)(X, MEMORY, TARGET_MASK),
          fed=("a causal target mask only", "只有因果目标掩码"))
    check(lambda m: block(m)(X5, MEMORY5, TARGET_MASK5),
          fed=("x and memory both of length 5, a causal target mask only", "x 和 memory 长度都为 5、只有因果目标掩码"))


@pytest.mark.points(2)
def test_memory_mask_goes_to_the_cross_attention(check):
    """memory_mask (the source padding) masks the cross-attention
    memory_mask（源序列的填充）作用于交叉注意力
    """
    check(lambda m: block(m)(X, MEMORY, None, MEMORY_MASK),
          fed=("a source padding mask only (memory of lengths 6 and 2)", "只有源填充掩码（memory 长度分别为 6 和 2）"))
    check(lambda m: block(m)(X5, MEMORY5, TARGET_MASK5, MEMORY_MASK5),
          fed=("x and memory both of length 5, both masks", "x 和 memory 长度都为 5、两种掩码"))


@pytest.mark.points(2)
def test_memory_is_used_as_the_encoder_gave_it(check):
    """memory, far from normalised, goes into the cross-attention as it is
    远未归一化的 memory 原样进入交叉注意力
    """
    check(lambda m: block(m)(X, RAW_MEMORY, TARGET_MASK, MEMORY_MASK),
          fed=("memory of mean 2 and spread 3", "均值为 2、标准差为 3 的 memory"))


@pytest.mark.points(3)
def test_dropout_positions(check):
    """dropout1..3 act on each sub-layer's output, before the residual sum, and only in training
    dropout1..3 作用在各子层的输出上、残差相加之前，且只在训练时生效
    """
    # dropout1..3's own rates are the submodules test's
    check(lambda m: dropout_rates(m.DecoderBlock(8, 2, dropout=0.3), ["self_attention.dropout", "cross_attention.dropout", "feed_forward.dropout"]),
          fed=("dropout 0.3", "dropout 为 0.3"))
    # no masks here: a slip in passing them costs the masks' points only
    check(lambda m: block(m, dropout=0.5)(X, MEMORY),
          fed=("dropout 0.5 in eval mode", "评估模式下 dropout 为 0.5"))  # eval mode: no dropout at all
    # deterministic stand-ins for dropout1, dropout2 and dropout3 show where each one is applied
    check(lambda m: with_submodules(block(m, train=True), dropout1=dropout_standin(0.2), dropout2=dropout_standin(0.3),
                                    dropout3=dropout_standin(0.4))(X, MEMORY),
          fed=("training mode, dropout1, dropout2, dropout3 replaced by clamps to 0.2, 0.3, 0.4, each then a softsign",
               "训练模式、dropout1、dropout2、dropout3 换成分别截断到 0.2、0.3、0.4 再做 softsign 的函数"))


@pytest.mark.points(1)
def test_block_does_not_modify_its_inputs(check):
    """x, memory and the masks are left as they were
    x、memory 和掩码保持不变
    """
    check(lambda m: kept_and_computed(block(m), X, MEMORY, TARGET_MASK, MEMORY_MASK))
