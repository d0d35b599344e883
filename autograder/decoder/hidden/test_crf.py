"""Exercise 7: the CRF of BERT-BiLSTM-CRF: the forward-algorithm log-likelihood and Viterbi decoding."""
import pytest
import torch

from autograder.probes import calls, make, padding_mask, raised_each, randn

pytestmark = pytest.mark.exercise("crf")
AXES = {1: ("example",)}

T, B, L = 4, 3, 5
E = randn(B, L, T, seed=1)
Y = torch.tensor([[0, 2, 1, 3, 3], [3, 1, 1, 0, 2], [2, 0, 3, 1, 0]])  # (B, L) tags
LENGTHS = [5, 3, 1]
MASK = padding_mask(LENGTHS, L)[:, 0, 0]  # (B, L) bool: the first 5, 3 and 1 positions
MASK_01 = padding_mask([2, 5, 4], L, dtype=torch.long)[:, 0, 0]  # (B, L) of 0 and 1
# off the path Y: the same emissions on (t, Y[t]) at every position (masked ones too), others changed;
# score(Y) is then the same, bit for bit, and two log-likelihoods differ by their log Z only
OFF_PATH = E + randn(B, L, T, seed=2).masked_fill(torch.nn.functional.one_hot(Y, T).bool(), 0.0)
BIG = 300.0  # emissions this large overflow exp() in float64: log Z needs log-sum-exp


def crf(m, seed=0):
    return make(m, "CRF", T, seed=seed)


def pair(m, first, second, seed=0):
    """forward(*first) and forward(*second) of one CRF, (B,) each."""
    model = crf(m, seed)
    return calls([(model, first), (model, second)])


def score_difference(m, emissions, tags, mask=None, seed=0):
    """forward(tags) - forward(other tags at every position) on the same emissions: log Z cancels, the
    difference of the two scores is left."""
    other = (tags + 1 + torch.arange(tags.size(1)) % 3) % T
    first, second = pair(m, (emissions, tags, mask), (emissions, other, mask), seed)
    return first - second


def partition_difference(m, emissions, changed, tags, mask=None, seed=0):
    """forward on emissions - forward on `changed` (the same on the path of tags): score(tags) cancels,
    log Z(changed) - log Z(emissions) is left."""
    first, second = pair(m, (emissions, tags, mask), (changed, tags, mask), seed)
    return first - second


@pytest.mark.points(1)
def test_value_error_when_num_tags_is_not_positive(check):
    """CRF(0) and CRF(-2) raise ValueError; CRF(1) does not
    CRF(0) 和 CRF(-2) 抛出 ValueError；CRF(1) 不抛出
    """
    check(lambda m: raised_each(*[(m.CRF, (n,)) for n in (0, -2, 1)]))


@pytest.mark.points(1)
def test_parameters_have_the_contract_names_and_shapes(check):
    """start_transitions (T,), end_transitions (T,), transitions (T, T), all trainable
    start_transitions (T,)、end_transitions (T,)、transitions (T, T)，都是可训练的参数
    """
    check(lambda m: sorted((k, tuple(v.shape)) for k, v in m.CRF(5).named_parameters()))


@pytest.mark.points(3)
def test_score_sums_start_emissions_transitions_and_end_over_each_rows_positions(check):
    """score(tags) = start[y_0] + sum emissions[t, y_t] + sum transitions[y_(t-1), y_t] + end[y_last], over the unmasked positions
    score(tags) = start[y_0] + 各位置的 emissions[t, y_t] + 相邻的 transitions[y_(t-1), y_t] + end[y_last]，只计未屏蔽的位置
    """
    check(lambda m: score_difference(m, E, Y),
          fed=("the difference of two tag sequences' log-likelihoods (log Z cancels), no mask", "两个标签序列的对数似然之差（log Z 抵消），无掩码"))
    check(lambda m: score_difference(m, E, Y, MASK),
          fed=("the same difference, rows of lengths 5, 3 and 1 (a bool mask)", "同样的差值，各行长度为 5、3、1（布尔掩码）"))
    check(lambda m: score_difference(m, E * 2, Y.flip(1), MASK_01, seed=1),
          fed=("the same difference, rows of lengths 2, 5 and 4 (a 0/1 mask)", "同样的差值，各行长度为 2、5、4（0/1 掩码）"))


@pytest.mark.points(3)
def test_log_partition_by_the_forward_algorithm(check):
    """log Z = logsumexp_j(alpha_last[j] + end[j]), alpha_t[j] = logsumexp_i(alpha_(t-1)[i] + transitions[i, j]) + emissions[t, j], frozen past a row's end
    log Z = logsumexp_j(alpha_last[j] + end[j])，alpha_t[j] = logsumexp_i(alpha_(t-1)[i] + transitions[i, j]) + emissions[t, j]，超出每行长度后保持不变
    """
    check(lambda m: partition_difference(m, E, OFF_PATH, Y),
          fed=("the difference of log Z for two emissions alike on the tags' path (the score cancels), no mask",
               "在标签路径上相同的两组发射分数的 log Z 之差（score 抵消），无掩码"))
    check(lambda m: partition_difference(m, E, OFF_PATH, Y, MASK),
          fed=("the same difference, rows of lengths 5, 3 and 1 (a bool mask)", "同样的差值，各行长度为 5、3、1（布尔掩码）"))
    check(lambda m: partition_difference(m, E, OFF_PATH, Y, MASK_01, seed=1),
          fed=("the same difference, rows of lengths 2, 5 and 4 (a 0/1 mask)", "同样的差值，各行长度为 2、5、4（0/1 掩码）"))
    check(lambda m: partition_difference(m, E * BIG, OFF_PATH * BIG, Y, MASK),
          fed=("emissions about 300 in size, which overflow exp()", "约为 300 的发射分数，exp() 会溢出"))


@pytest.mark.points(2)
def test_log_likelihood_equals_torchcrf(check):
    """forward(emissions, tags, mask) = score(tags) - log Z, one value per row, as torchcrf.CRF(T, batch_first=True) with reduction="none"
    forward(emissions, tags, mask) = score(tags) - log Z，每行一个值，与 torchcrf.CRF(T, batch_first=True) 在 reduction="none" 时相同
    """
    check(lambda m: crf(m)(E, Y), fed=("3 rows of 5 positions, 4 tags, no mask", "3 行、每行 5 个位置、4 个标签、无掩码"))
    check(lambda m: crf(m)(E, Y, MASK), fed=("rows of lengths 5, 3 and 1 (a bool mask)", "各行长度为 5、3、1（布尔掩码）"))
    check(lambda m: crf(m, seed=2)(E[:2, :1], Y[:2, :1], MASK_01[:2, :1]),
          fed=("rows of a single position (a 0/1 mask)", "只有一个位置的行（0/1 掩码）"))


@pytest.mark.points(1)
def test_value_error_when_the_first_position_is_masked(check):
    """mask[:, 0] must be all on: ValueError otherwise, from forward and from decode
    mask[:, 0] 必须全为真：否则 forward 和 decode 都抛出 ValueError
    """
    late = MASK.clone()
    late[1, 0] = False

    def probe(m):
        model = crf(m)
        model.transitions  # built here: weights that cannot be loaded raise now, not inside raised_each()
        return raised_each((model, (E, Y, late)), (model, (E, Y, late.long())), (model.decode, (E, late)), (model, (E, Y, MASK)))

    check(probe)


@pytest.mark.points(2)
def test_viterbi_decodes_the_best_tag_sequence(check):
    """decode: each row's highest-scoring tag sequence, a list of B lists of ints
    decode：每行得分最高的标签序列，B 个由 int 组成的列表
    """
    check(lambda m: crf(m).decode(E), fed=("3 rows of 5 positions, 4 tags, no mask", "3 行、每行 5 个位置、4 个标签、无掩码"))
    check(lambda m: crf(m, seed=1).decode(E * 0.5), fed=("smaller emissions, where transitions weigh more", "较小的发射分数，转移分数的影响更大"))
    check(lambda m: crf(m, seed=2).decode(randn(2, 6, T, seed=3) * 0.5))
    check(lambda m: [[type(tag).__name__ for tag in row] for row in crf(m).decode(E)], fed=("the type of each tag", "每个标签的类型"))


@pytest.mark.points(2)
def test_viterbi_decodes_each_row_to_its_unmasked_length(check):
    """with a mask, each row's path is as long as its unmasked positions and ends with the end transition there
    给定掩码时，每行的路径长度等于它未屏蔽的位置数，并在那里加上结束转移分数
    """
    check(lambda m: crf(m).decode(E, MASK), fed=("rows of lengths 5, 3 and 1 (a bool mask)", "各行长度为 5、3、1（布尔掩码）"))
    check(lambda m: crf(m, seed=1).decode(E * 0.5, MASK_01), fed=("rows of lengths 2, 5 and 4 (a 0/1 mask)", "各行长度为 2、5、4（0/1 掩码）"))
    check(lambda m: crf(m, seed=2).decode(randn(2, 6, T, seed=3) * 0.5, padding_mask([4, 2], 6)[:, 0, 0]))
