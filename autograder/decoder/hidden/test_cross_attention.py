"""Exercise 2: cross-attention, queries from the decoder's x, keys and values from the encoder's memory."""
import pytest
import torch

from autograder.probes import dropout_rates, dropout_standin, kept_and_computed, make, named_like, padding_mask, raised_each, random_weights, randn, with_submodules

pytestmark = pytest.mark.exercise("cross_attention")
# what each axis of a result means, for the feedback (conftest's check)
AXES = {3: ("example", "position", "feature")}

# batch 2 (= the number of heads, so a mask on the wrong one of those axes shows); the target is
# shorter than the source (Lt = 4, Ls = 6), and a second target is as long as the source (Lt = Ls = 6),
# where a slip that mixes the two lengths gives wrong numbers instead of an error
X = randn(2, 4, 8, seed=1)
MEMORY = randn(2, 6, 8, seed=2, scale=1.5)
X_AS_LONG = randn(2, 6, 8, seed=3)
SOURCE_PADDING = padding_mask([6, 2], 6)  # (2, 1, 1, 6): example 1 has 2 real source tokens
# (2, 1, 4, 6) 0/1 mask whose rows differ: target position i sees source positions j <= i + 2, and no padding of example 1
WINDOW = (torch.tril(torch.ones(4, 6, dtype=torch.long), diagonal=2)[None, None]
          * padding_mask([6, 5], 6, dtype=torch.long))


def cross(m, heads=2, hidden=8, dropout=0.0, seed=0, train=False):
    """m.CrossAttention(heads, hidden) with the same random weights everywhere, in float64."""
    return make(m, "CrossAttention", heads, hidden, dropout=dropout, seed=seed, train=train)


@pytest.mark.points(1)
def test_value_error_when_heads_do_not_divide_hidden_size(check):
    """CrossAttention(3, 8) raises ValueError; CrossAttention(2, 8) does not
    CrossAttention(3, 8) 抛出 ValueError；CrossAttention(2, 8) 不抛出
    """
    check(lambda m: raised_each((m.CrossAttention, (3, 8)), (m.CrossAttention, (2, 8))))


@pytest.mark.points(1)
def test_attributes_and_submodules(check):
    """head_num, hidden_size, per_head_dim and the contract's submodules
    head_num、hidden_size、per_head_dim 以及题目规定的子模块
    """
    def probe(m):
        attention = m.CrossAttention(4, 12)
        return [attention.head_num, attention.hidden_size, attention.per_head_dim,
                named_like(attention, random_weights("CrossAttention", 4, 12))]

    check(probe)


@pytest.mark.points(3)
def test_one_head_attends_from_x_to_memory(check):
    """one head: queries from x, keys and values from memory, source and target of different lengths
    单个头：query 来自 x，key 和 value 来自 memory，源序列与目标序列长度不同
    """
    check(lambda m: cross(m, 1, 8)(X_AS_LONG, MEMORY),
          fed=("1 head, x and memory both of length 6, no mask", "1 个头、x 和 memory 长度都为 6、无掩码"))
    check(lambda m: cross(m, 1, 8)(X, MEMORY),
          fed=("1 head, x of length 4, memory of length 6, no mask", "1 个头、x 长度为 4、memory 长度为 6、无掩码"))


@pytest.mark.points(3)
def test_heads_take_blocks_of_features(check):
    """several heads, head k on features k*d ... (k+1)*d - 1, as in MultiHeadedAttention
    多个头，第 k 个头负责特征 k*d ... (k+1)*d - 1，与 MultiHeadedAttention 一致
    """
    check(lambda m: cross(m, 2, 8)(X, MEMORY),
          fed=("2 heads, x of length 4, memory of length 6, no mask", "2 个头、x 长度为 4、memory 长度为 6、无掩码"))
    check(lambda m: cross(m, 3, 12, seed=1)(randn(3, 5, 12, seed=4), randn(3, 2, 12, seed=5)),
          fed=("3 heads, x of length 5, memory of length 2, no mask", "3 个头、x 长度为 5、memory 长度为 2、无掩码"))


@pytest.mark.points(4)
def test_memory_mask_blocks_source_positions(check):
    """memory_mask blocks source positions (keys), for every target position and head
    memory_mask 屏蔽源序列的位置（key），对每个目标位置和每个头都生效
    """
    check(lambda m: cross(m)(X_AS_LONG, MEMORY, padding_mask([3, 6], 6)),
          fed=("2 heads, x and memory both of length 6, memory of lengths 3 and 6, a padding mask",
               "2 个头、x 和 memory 长度都为 6、memory 长度分别为 3 和 6、填充掩码"))
    check(lambda m: cross(m)(X, MEMORY, SOURCE_PADDING),
          fed=("2 heads, x of length 4, memory of lengths 6 and 2, a (2, 1, 1, 6) padding mask",
               "2 个头、x 长度为 4、memory 长度分别为 6 和 2、(2, 1, 1, 6) 的填充掩码"))
    check(lambda m: cross(m)(X, MEMORY, WINDOW),
          fed=("a (2, 1, 4, 6) 0/1 mask whose rows differ (target position i sees source positions j <= i + 2)",
               "行与行不同的 (2, 1, 4, 6) 0/1 掩码（目标位置 i 能看到源位置 j <= i + 2）"))


@pytest.mark.points(2)
def test_dropout_reaches_the_attention_weights(check):
    """dropout=self.dropout is passed to the attention, and acts only in training
    dropout=self.dropout 被传给注意力，且只在训练时生效
    """
    check(lambda m: dropout_rates(m.CrossAttention(2, 8, dropout=0.3), ["dropout"]), fed=("dropout 0.3", "dropout 为 0.3"))
    # no mask here: a slip in the mask costs the mask's points only
    check(lambda m: cross(m, dropout=0.5)(X, MEMORY),
          fed=("dropout 0.5 in eval mode", "评估模式下 dropout 为 0.5"))
    # a deterministic stand-in for self.dropout shows where it is applied
    check(lambda m: with_submodules(cross(m, train=True), dropout=dropout_standin(0.25))(X, MEMORY),
          fed=("training mode, self.dropout replaced by a clamp to [-0.25, 0.25] and a softsign", "训练模式、self.dropout 换成先截断到 [-0.25, 0.25] 再做 softsign 的函数"))


@pytest.mark.points(1)
def test_inputs_are_not_modified(check):
    """x, memory and the mask are left as they were
    x、memory 和掩码保持不变
    """
    check(lambda m: kept_and_computed(cross(m), X, MEMORY, SOURCE_PADDING))
