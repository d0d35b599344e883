"""Exercise 1: the classification head, [CLS] or padding-aware mean pooling."""
from functools import lru_cache

import pytest
import torch

from autograder.probes import dropout_rates, dropout_standin, make, named_like, raised, randomized, sibling, with_submodules

pytestmark = pytest.mark.exercise("classifier")
AXES = {2: ("example", "class")}

V, H, C = 20, 8, 3
# three sentences padded to length 6: 6, 3 and 1 real tokens ([CLS] first)
IDS = torch.tensor([[1, 5, 7, 9, 4, 2], [1, 8, 3, 0, 0, 0], [1, 0, 0, 0, 0, 0]])
TYPES = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
# the second sentence again, padded to 9: its label must not change
LONGER = torch.tensor([[1, 8, 3, 0, 0, 0, 0, 0, 0]])
LONGER_TYPES = torch.tensor([[0, 0, 1, 0, 0, 0, 0, 0, 0]])
# two sentences of 5 real tokens, no padding
UNPADDED = torch.tensor([[1, 5, 7, 9, 2], [1, 8, 3, 6, 4]])
UNPADDED_TYPES = torch.tensor([[0, 0, 0, 1, 1], [0, 0, 1, 1, 1]])
ONE_SEGMENT = torch.zeros_like(UNPADDED)  # the dropout's checks: a mean weighted by the segments costs the mean's points only


@lru_cache(maxsize=None)
def weights(seed):
    """The weights of SequenceClassifier(BERTEmbedding(V, H), H, C), drawn once."""
    from solutions.decoder import classifier, layers

    return randomized(classifier.SequenceClassifier(layers.BERTEmbedding(V, H, dropout=0.0), H, C), seed)


def classifier(m, pooling, dropout=0.0, train=False, seed=0):
    """m.SequenceClassifier over a given BERTEmbedding (the encoder: (B, L) ids -> (B, L, H)), in float64."""
    encoder = sibling(m, "layers").BERTEmbedding(V, H, dropout=0.0)
    return make(m, "SequenceClassifier", encoder, H, C, pooling=pooling, dropout=dropout, train=train, state=weights(seed))


@pytest.mark.points(1)
def test_value_error_for_an_unknown_pooling(check):
    """pooling="max" (or "CLS": the names are exact) raises ValueError; "cls" and "mean" do not
    pooling="max"（或 "CLS"：名字必须完全一致）抛出 ValueError；"cls" 和 "mean" 不抛出
    """
    def probe(m):
        encoder = sibling(m, "layers").BERTEmbedding(V, H)
        built = [raised(m.SequenceClassifier, encoder, H, C, pooling=p) for p in ("max", "CLS", "cls", "mean")]
        # what building with "max" and then running the model raises, wherever it does: a check left to
        # forward shows apart from no check at all
        return built + [raised(lambda: m.SequenceClassifier(encoder, H, C, pooling="max")(IDS, TYPES))]

    check(probe)


@pytest.mark.points(1)
def test_submodules_have_the_contract_names_and_shapes(check):
    """encoder (the module passed in), dropout, classifier (H, C)
    encoder（传入的模块）、dropout、classifier (H, C)
    """
    check(lambda m: named_like(classifier(m, "cls"), weights(0)))


@pytest.mark.points(3)
def test_cls_pooling_reads_the_first_position(check):
    """"cls": classifier(h[:, 0])
    "cls"：classifier(h[:, 0])
    """
    check(lambda m: classifier(m, "cls")(IDS, TYPES), fed=("3 sentences of 6, 3 and 1 tokens, padded to 6", "3 个句子，长度 6、3、1，补齐到 6"))
    check(lambda m: classifier(m, "cls", seed=1)(IDS[:2, :4], TYPES[:2, :4]))


@pytest.mark.points(3)
def test_mean_pooling_counts_only_real_tokens(check):
    """"mean": the mean of h over the positions whose id is not 0
    "mean"：只对 id 不为 0 的位置求 h 的平均
    """
    check(lambda m: classifier(m, "mean")(IDS, TYPES), fed=("3 sentences of 6, 3 and 1 tokens, padded to 6", "3 个句子，长度 6、3、1，补齐到 6"))
    check(lambda m: classifier(m, "mean")(LONGER, LONGER_TYPES),
          fed=("the second sentence padded to 9 (its logits must not change)", "第二个句子补齐到 9（logits 不应改变）"))
    check(lambda m: classifier(m, "mean", seed=1)(IDS[:2, :4], TYPES[:2, :4]))


@pytest.mark.points(2)
def test_dropout_sits_before_the_classifier(check):
    """dropout on the pooled vector, before classifier, and only in training
    dropout 作用在池化后的向量上、位于 classifier 之前，且只在训练时生效
    """
    check(lambda m: dropout_rates(m.SequenceClassifier(sibling(m, "layers").BERTEmbedding(V, H), H, C, dropout=0.3), ["dropout"]),
          fed=("dropout 0.3", "dropout 为 0.3"))
    # sentences with no padding, of one segment: a slip in the mean's weighting costs the mean's points, not these
    check(lambda m: classifier(m, "mean", dropout=0.5)(UNPADDED, ONE_SEGMENT),
          fed=("dropout 0.5 in eval mode, 2 sentences with no padding", "评估模式下 dropout 为 0.5、2 个没有填充的句子"))
    # a deterministic stand-in for dropout shows where it is applied (on h before a mean it gives other numbers)
    check(lambda m: with_submodules(classifier(m, "mean", train=True), dropout=dropout_standin(0.25))(UNPADDED, ONE_SEGMENT),
          fed=("training mode, dropout replaced by a clamp to [-0.25, 0.25] and a softsign", "训练模式、dropout 换成先截断到 [-0.25, 0.25] 再做 softsign 的函数"))
    # "cls" in training mode, on [CLS] alone (length 1: the first position is the last, so a slip in which
    # position "cls" reads costs the cls points only)
    check(lambda m: with_submodules(classifier(m, "cls", train=True), dropout=dropout_standin(0.25))(IDS[:, :1], TYPES[:, :1]),
          fed=('"cls" in training mode, dropout replaced by a clamp and a softsign, sentences of [CLS] alone', '训练模式下的 "cls"、dropout 换成截断再 softsign 的函数、只有 [CLS] 的句子'))
