"""Exercise 5: GPT: the tied output embedding, the causal forward and the shifted next-token loss."""
from types import SimpleNamespace

import pytest
import torch

from autograder.probes import dropout_rates, dropout_standin, make, randn, with_submodules

pytestmark = pytest.mark.exercise("gpt")
AXES = {3: ("example", "position", "token"), 2: ("token", "feature")}

V, H = 20, 8
# two sequences without padding
FULL = torch.tensor([[5, 9, 3, 12, 7], [4, 4, 8, 2, 11]])
ONE = torch.tensor([[6, 13, 2, 9, 17, 3]])
# right padding (the usual batch of a causal LM) and a left-padded row, where the padding mask reaches real tokens
PADDED = torch.tensor([[5, 9, 3, 12, 0, 0], [0, 0, 6, 2, 11, 13]])
# right padding only: with left padding the first real token is predicted from a padded position, whose
# query row is all blocked and which the contract leaves open (finite numbers only); so is its loss term
RIGHT_PADDED = torch.tensor([[5, 9, 3, 12, 0, 0], [8, 6, 2, 11, 13, 0]])
# three sequences (more than the heads), of 6, 3 and 2 tokens
PADDED3 = torch.tensor([[7, 1, 15, 4, 8, 3], [9, 14, 2, 0, 0, 0], [3, 6, 0, 0, 0, 0]])
# a new table for the tied-weight check
TABLE = randn(V, H, seed=21)
OTHER_TABLE = randn(V, H, seed=22)


def gpt(m, seed=0, dropout=0.0, train=False, layers=2):
    """m.GPT(V), H = 8, 2 heads, max_len 16, in float64."""
    return make(m, "GPT", V, hidden_size=H, layer_num=layers, head_num=2, max_len=16, dropout=dropout, seed=seed, train=train)


def standin(m):
    """gpt(m) in training, a deterministic stand-in in place of self.dropout (the blocks' dropout is 0)."""
    return with_submodules(gpt(m, train=True, layers=1), dropout=dropout_standin(0.25))


def tying(m):
    """Whether lm_head's weight is token_embedding's: equal when built, the table counted once among the
    parameters, and new values loaded into either showing in the other."""
    fresh = m.GPT(V, hidden_size=H, layer_num=1, head_num=2, max_len=16, dropout=0.0)
    equal_when_built = bool(torch.equal(fresh.lm_head.weight, fresh.token_embedding.weight))
    model = gpt(m, layers=1)
    count = sum(p.numel() for p in model.parameters())
    model.token_embedding.load_state_dict({"weight": TABLE})
    head_follows = model.lm_head.weight.detach().clone()
    model.lm_head.load_state_dict({"weight": OTHER_TABLE})
    embedding_follows = model.token_embedding.weight.detach().clone()
    return {"equal when built": equal_when_built, "parameters": count, "lm_head after loading token_embedding": head_follows,
            "token_embedding after loading lm_head": embedding_follows}


def own_forward(student, ref):
    """The reference's loss around the student's own forward (with the same weights): a loss that agrees
    with it is right, whatever the forward got wrong (graded on its own)."""

    class Own(ref.GPT):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.made = (args, kwargs)

        def forward(self, input_ids):
            args, kwargs = self.made
            return make(student, "GPT", *args, state=self.state_dict(), train=self.training, **kwargs)(input_ids)

    return SimpleNamespace(GPT=Own, __name__="own_forward")


@pytest.mark.points(1)
def test_max_len_is_kept_for_generate(check):
    """the attribute max_len and the position table's length are the max_len passed in (generate feeds the model at most its last max_len tokens)
    属性 max_len 和位置编码表的长度都等于传入的 max_len（generate 最多只把最后 max_len 个词送入模型）
    """
    def probe(m):
        built = [m.GPT(V, hidden_size=H, layer_num=1, head_num=2, max_len=n) for n in (16, 7)]
        return [[model.max_len, model.position_embedding.pe.shape[1]] for model in built]

    check(probe, fed=("max_len 16, then 7", "max_len 为 16，然后为 7"))


@pytest.mark.points(2)
def test_lm_head_weight_is_the_token_embedding_weight(check):
    """the output embedding is tied: lm_head.weight is token_embedding.weight, one Parameter
    输出层与词嵌入共享权重：lm_head.weight 就是 token_embedding.weight，同一个 Parameter
    """
    check(tying, fed=("new values loaded into token_embedding, then into lm_head", "先给 token_embedding 加载新数值，再给 lm_head 加载"))


@pytest.mark.points(3)
def test_forward_is_causal(check):
    """forward without padding: the logits at position i see tokens 0 ... i only, (B, L, V)
    无填充时的 forward：位置 i 的 logits 只看到第 0 ... i 个词，形状 (B, L, V)
    """
    check(lambda m: gpt(m)(FULL), fed=("2 sequences of 5 tokens, no padding", "2 个序列，各 5 个词，无填充"))
    check(lambda m: gpt(m, seed=1)(ONE), fed=("one sequence of 6 tokens", "一个 6 个词的序列"))


@pytest.mark.points(2)
def test_forward_blocks_padded_keys(check):
    """forward with padding: the mask is the causal mask and "key is not padding", (B, 1, L, L)
    有填充时的 forward：掩码是因果掩码与“key 不是填充”的组合，形状 (B, 1, L, L)
    """
    check(lambda m: gpt(m)(PADDED), fed=("a right-padded and a left-padded sequence of 4 tokens", "一个右侧填充、一个左侧填充的 4 个词的序列"))
    check(lambda m: gpt(m, seed=1)(PADDED3), fed=("3 sequences of 6, 3 and 2 tokens, padded to 6", "3 个序列，分别有 6、3、2 个词，补齐到 6"))


@pytest.mark.points(1)
def test_embedding_dropout(check):
    """self.dropout acts on the sum of the token and position embeddings, and only in training
    self.dropout 作用在词嵌入与位置编码之和上，且只在训练时生效
    """
    check(lambda m: dropout_rates(m.GPT(V, hidden_size=H, layer_num=1, head_num=2, max_len=16, dropout=0.3), ["dropout", "blocks.0.dropout1"]), fed=("dropout 0.3", "dropout 为 0.3"))
    check(lambda m: gpt(m, dropout=0.5, layers=1)(FULL), fed=("dropout 0.5 in eval mode", "评估模式下 dropout 为 0.5"))
    check(lambda m: standin(m)(FULL), fed=("a stand-in for self.dropout in training", "训练模式下替换 self.dropout 的确定性模块"))


@pytest.mark.points(3)
def test_loss_predicts_the_next_token(check, student, ref):
    """loss without padding: logits[:, :-1] predict input_ids[:, 1:], a scalar (your own forward in place)
    无填充时的 loss：logits[:, :-1] 预测 input_ids[:, 1:]，一个标量（用的是你自己的 forward）
    """
    own = own_forward(student, ref)
    check(lambda m: gpt(m, layers=1).loss(FULL), also=own, fed=("2 sequences of 5 tokens, no padding", "2 个序列，各 5 个词，无填充"))
    check(lambda m: gpt(m, seed=1, layers=1).loss(FULL[[1, 0], 1:]), also=own)
    check(lambda m: gpt(m, layers=1).loss(FULL).requires_grad,
          fed=("the loss's requires_grad (training backpropagates through it)", "loss 的 requires_grad（训练要对它反向传播）"))


@pytest.mark.points(3)
def test_loss_ignores_padding_and_averages_over_counted_targets(check, student, ref):
    """loss with padding: targets equal to 0 are ignored, the mean is over the counted targets (your own forward in place)
    有填充时的 loss：目标为 0 的位置不计入，对计入的目标取平均（用的是你自己的 forward）
    """
    own = own_forward(student, ref)
    check(lambda m: gpt(m, layers=1).loss(RIGHT_PADDED), also=own,
          fed=("sequences of 4 and 5 tokens, right-padded to 6", "分别有 4 个和 5 个词的序列，右侧补齐到 6"))
    check(lambda m: gpt(m, seed=1, layers=1).loss(PADDED3[:2]), also=own, fed=("2 sequences of 6 and 3 tokens, padded to 6", "2 个序列，分别有 6 个和 3 个词，补齐到 6"))
