"""Exercise 6: the BERT padding mask."""
import pytest
import torch

from autograder.probes import dropout_standin, make, with_submodules

pytestmark = pytest.mark.exercise("bert")
# what each axis of a result means, for the feedback (conftest's check)
AXES = {3: ("example", "position", "feature"), 2: ("real token", "feature")}

# Two examples, as many as heads, padded differently; the second segment has type 1.
IDS = torch.tensor([[101, 872, 1962, 1408, 102, 2769, 2523, 102, 0, 0],
                    [101, 872, 1962, 102, 2769, 102, 0, 0, 0, 0]]) % 97 + (torch.tensor([[1]]) * 0)
IDS = torch.where(IDS == 0, IDS, IDS.clamp(min=1))
IDS[0, 8:] = 0
IDS[1, 6:] = 0
TYPES = torch.tensor([[0, 0, 0, 0, 0, 1, 1, 1, 0, 0],
                      [0, 0, 0, 0, 1, 1, 0, 0, 0, 0]])


def bert(m, heads=2, hidden=8, seed=0):
    return make(m, "BERT", 97, hidden_size=hidden, layer_num=2, head_num=heads, dropout=0.0, seed=seed)


def at_real_tokens(model, ids, types):
    """The output where the token is not [PAD]: the only positions the contract fixes."""
    return model(ids, types)[ids != 0]


@pytest.mark.points(1)
def test_forward_runs_and_has_shape_B_L_H(check):
    """BERT(input_ids, token_type_ids) -> (B, L, H), computed from the tokens
    BERT(input_ids, token_type_ids) -> (B, L, H)，由输入的词计算得到
    """
    ids = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 12]])  # no padding: the mask changes nothing here
    check(lambda m: (tuple(bert(m)(IDS, TYPES).shape), bert(m)(ids, torch.zeros_like(ids))))


@pytest.mark.points(1)
def test_embedding_dropout(check):
    """BERTEmbedding applies its dropout to the sum of the three embeddings, and only in training
    BERTEmbedding 对三种嵌入之和施加 dropout，且只在训练时生效
    """
    check(lambda m: make(m, "BERTEmbedding", 97, 8, dropout=0.5)(IDS, TYPES))  # eval mode: no dropout at all
    # a deterministic stand-in for dropout shows where it is applied
    check(lambda m: with_submodules(make(m, "BERTEmbedding", 97, 8, dropout=0.0, train=True), dropout=dropout_standin(0.5))(IDS, TYPES))


@pytest.mark.points(5)
def test_real_tokens_match_reference(check):
    """outputs at real tokens, batch == heads with different padding per example
    真实词位置上的输出，批次大小等于头数，每个样本的填充各不相同
    """
    check(lambda m: at_real_tokens(bert(m), IDS, TYPES),
          fed=('batch 2, lengths 8 and 6 then [PAD], 2 heads', '批次 2、长度分别为 8 和 6、其后为 [PAD]、2 个头'))
    ids = torch.tensor([[5, 6, 7, 0], [8, 0, 0, 0], [9, 10, 11, 12]])
    check(lambda m: at_real_tokens(bert(m, seed=1), ids, (ids > 6).long() * (ids > 0)))


@pytest.mark.points(4)
def test_padding_does_not_change_real_tokens(check):
    """appending [PAD] leaves every real token's output unchanged
    在末尾追加 [PAD] 不改变任何真实词的输出
    """
    longer, longer_types = torch.cat([IDS, torch.zeros(2, 3, dtype=torch.long)], 1), torch.cat([TYPES, torch.zeros(2, 3, dtype=torch.long)], 1)

    def change(m):
        model = bert(m)
        real = model(IDS, TYPES)[IDS != 0]
        return model(longer, longer_types)[:, : IDS.size(1)][IDS != 0] - real, real

    check(change)


@pytest.mark.points(2)
def test_mask_comes_from_input_ids_not_token_types(check):
    """segment B tokens (type 1) are real tokens
    句子 B 的词（类型 1）也是真实的词
    """
    types = (IDS > 0).long()  # every real token in segment 1
    check(lambda m: at_real_tokens(bert(m), IDS, types))


@pytest.mark.points(2)
def test_mask_broadcasts_over_heads(check):
    """four heads, four examples, each padded differently
    四个头、四个样本，各自的填充不同
    """
    ids = torch.tensor([[3, 4, 5, 6, 7], [3, 4, 0, 0, 0], [3, 0, 0, 0, 0], [3, 4, 5, 0, 0]])
    check(lambda m: at_real_tokens(bert(m, heads=4, seed=2), ids, torch.zeros_like(ids)))
