"""Exercise 4: the encoder-decoder: its two masks, encode, decode and the logits."""
from types import SimpleNamespace

import pytest
import torch

from autograder.probes import dropout_rates, dropout_standin, make, randn, with_submodules

pytestmark = pytest.mark.exercise("seq2seq")
AXES = {4: ("example", "head", "query", "key"), 3: ("example", "position", "feature")}

SV, TV, H = 20, 18, 8
# two sources of 5 and 2 tokens, padded to 5; two shifted targets (BOS = 1) of 4 and 2 tokens, padded to 5
SRC = torch.tensor([[3, 7, 9, 4, 2], [5, 8, 0, 0, 0]])
TGT = torch.tensor([[1, 6, 11, 4, 0], [1, 9, 0, 0, 0]])
# three sources of 4, 1 and 3 tokens (more examples than heads), and targets of another length
SRC3 = torch.tensor([[4, 2, 8, 6], [9, 0, 0, 0], [7, 3, 5, 0]])
TGT3 = torch.tensor([[1, 5, 2, 7, 3, 0], [1, 4, 0, 0, 0, 0], [1, 8, 6, 9, 0, 0]])
# targets of 4 tokens beside SRC's 5, and one sentence alone
TGT4 = torch.tensor([[1, 6, 11, 4], [1, 9, 3, 0]])
ONE_SRC, ONE_TGT = torch.tensor([[6, 2, 9, 3]]), torch.tensor([[1, 7, 4, 0, 0]])
NO_PADDING = torch.tensor([[1, 4, 6, 2], [1, 5, 7, 3], [1, 3, 3, 8]])
MEMORY = randn(2, 5, H, seed=11)
MEMORY3 = randn(3, 4, H, seed=12)

PADDED = ("2 sources of 5 and 2 tokens, 2 targets of 4 and 2 tokens, all padded to 5", "2 个源句子（5 个和 2 个词）、2 个目标句子（4 个和 2 个词），都补齐到 5")


def seq2seq(m, seed=0, dropout=0.0, train=False, layers=2):
    """m.Seq2Seq(SV, TV), H = 8, 2 heads, in float64, its decoder blocks the stand-in's (2 layers where a
    slip between blocks shows, 1 elsewhere: cheaper)."""
    return make(m, "Seq2Seq", SV, TV, hidden_size=H, layer_num=layers, head_num=2, dropout=dropout, seed=seed, train=train)


def standin(m):
    """seq2seq(m) in training, a deterministic stand-in in place of self.dropout (the blocks' dropout is 0)."""
    return with_submodules(seq2seq(m, train=True, layers=1), dropout=dropout_standin(0.25))


def own_masks(student, ref):
    """The reference's encode and decode around the student's own make_source_mask and make_target_mask:
    an encode or decode that agrees with it is right, whatever the masks got wrong (graded on their own)."""

    class Own(ref.Seq2Seq):
        def encode(self, source_ids):
            mask = student.make_source_mask(source_ids)
            x = self.dropout(self.source_embedding(source_ids) + self.position_embedding(source_ids))
            for block in self.encoder_blocks:
                x = block(x, mask)
            return x

        def decode(self, target_ids, memory, source_ids):
            target_mask, source_mask = student.make_target_mask(target_ids), student.make_source_mask(source_ids)
            x = self.dropout(self.target_embedding(target_ids) + self.position_embedding(target_ids))
            for block in self.decoder_blocks:
                x = block(x, memory, target_mask, source_mask)
            return x

    return SimpleNamespace(Seq2Seq=Own, __name__="own_masks")


def own_pieces(student, ref):
    """The reference's forward around the student's own encode and decode (with the same weights)."""

    class Own(ref.Seq2Seq):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.made = (args, kwargs)

        def forward(self, source_ids, target_ids):
            args, kwargs = self.made
            theirs = make(student, "Seq2Seq", *args, state=self.state_dict(), train=self.training, **kwargs)
            return self.output_layer(theirs.decode(target_ids, theirs.encode(source_ids), source_ids))

    return SimpleNamespace(Seq2Seq=Own, __name__="own_pieces")


@pytest.mark.points(2)
def test_source_mask_is_true_at_real_tokens_shape_B_1_1_Ls(check):
    """make_source_mask: True where the source id is not 0, a bool tensor (B, 1, 1, Ls)
    make_source_mask：源 id 不为 0 处为 True，形状 (B, 1, 1, Ls) 的布尔张量
    """
    check(lambda m: m.make_source_mask(SRC), fed=("2 sources of 5 and 2 tokens, padded to 5", "2 个源句子，分别有 5 个和 2 个词，补齐到 5"))
    check(lambda m: m.make_source_mask(SRC3))


@pytest.mark.points(1)
def test_target_mask_lets_query_i_see_keys_j_up_to_i(check):
    """make_target_mask without padding: True where j <= i, a bool tensor (B, 1, Lt, Lt)
    无填充时的 make_target_mask：j <= i 处为 True，形状 (B, 1, Lt, Lt) 的布尔张量
    """
    check(lambda m: m.make_target_mask(NO_PADDING), fed=("3 targets of 4 tokens, no padding", "3 个目标句子，各 4 个词，无填充"))
    check(lambda m: m.make_target_mask(NO_PADDING[:1, :1]))


@pytest.mark.points(2)
def test_target_mask_blocks_padded_keys_and_the_future(check):
    """make_target_mask: True where key j is not padding and j <= i
    make_target_mask：key j 不是填充且 j <= i 处为 True
    """
    check(lambda m: m.make_target_mask(TGT), fed=("2 targets of 4 and 2 tokens, padded to 5", "2 个目标句子，分别有 4 个和 2 个词，补齐到 5"))
    check(lambda m: m.make_target_mask(TGT3))


@pytest.mark.points(3)
def test_encode_matches_reference(check, student, ref):
    """encode: dropout(source_embedding + position_embedding), then every encoder block with the source mask (your own mask in place)
    encode：dropout(source_embedding + position_embedding)，再依次经过每个编码器块（使用源掩码；用的是你自己的掩码函数）
    """
    own = own_masks(student, ref)
    check(lambda m: seq2seq(m).encode(SRC), also=own, fed=("2 sources of 5 and 2 tokens, padded to 5", "2 个源句子，分别有 5 个和 2 个词，补齐到 5"))
    check(lambda m: seq2seq(m, seed=1).encode(SRC3), also=own)
    check(lambda m: seq2seq(m, seed=2, layers=1).encode(ONE_SRC), also=own, fed=("one sentence of 4 tokens", "一个 4 个词的句子"))
    # a deterministic stand-in for dropout shows where it is applied (here, so that a decode that forgets it
    # costs the dropout test below only, and an encode that forgets it this test only)
    check(lambda m: standin(m).encode(SRC), also=own, fed=("a stand-in for self.dropout in training", "训练模式下替换 self.dropout 的确定性模块"))


@pytest.mark.points(3)
def test_decode_matches_reference(check, student, ref):
    """decode: the target's embeddings, then every decoder block with the memory, the target mask and the source mask (your own masks in place)
    decode：目标序列的嵌入，再依次经过每个解码器块（传入 memory、目标掩码和源掩码；用的是你自己的掩码函数）
    """
    own = own_masks(student, ref)
    check(lambda m: seq2seq(m).decode(TGT, MEMORY, SRC), also=own, fed=PADDED)
    check(lambda m: seq2seq(m, seed=1).decode(TGT[[1, 0]], MEMORY[[1, 0]], SRC[[1, 0]]), also=own)


@pytest.mark.points(1)
def test_decode_with_a_target_longer_or_shorter_than_the_source(check, student, ref):
    """decode where Lt differs from Ls: the target mask is (Lt, Lt), the source mask covers Ls keys
    Lt 与 Ls 不同时的 decode：目标掩码是 (Lt, Lt)，源掩码覆盖 Ls 个 key
    """
    own = own_masks(student, ref)
    check(lambda m: seq2seq(m, layers=1).decode(TGT4, MEMORY, SRC), also=own,
          fed=("targets of length 4, sources of length 5", "长度为 4 的目标句子、长度为 5 的源句子"))
    check(lambda m: seq2seq(m, seed=1, layers=1).decode(TGT3, MEMORY3, SRC3), also=own)


@pytest.mark.points(1)
def test_embedding_dropout_in_decode_and_only_in_training(check, student, ref):
    """self.dropout acts on the sum of the target's token and position embeddings in decode (as in encode), and only in training
    decode 中 self.dropout 作用在目标序列的词嵌入与位置编码之和上（与 encode 相同），且只在训练时生效
    """
    check(lambda m: dropout_rates(m.Seq2Seq(SV, TV, hidden_size=H, layer_num=1, head_num=2, dropout=0.3),
                                  ["dropout", "encoder_blocks.0.dropout1", "decoder_blocks.0.dropout1"]),
          fed=("dropout 0.3", "dropout 为 0.3"))
    own = own_masks(student, ref)
    # decode, not encode: a slip in encode costs encode's points only
    check(lambda m: seq2seq(m, dropout=0.5, layers=1).decode(TGT, MEMORY, SRC), also=own, fed=("dropout 0.5 in eval mode", "评估模式下 dropout 为 0.5"))
    # a deterministic stand-in for dropout shows where it is applied
    check(lambda m: standin(m).decode(TGT, MEMORY, SRC), also=own, fed=("a stand-in for self.dropout in training", "训练模式下替换 self.dropout 的确定性模块"))


@pytest.mark.points(2)
def test_forward_gives_logits_from_decode_of_encode(check, student, ref):
    """forward: output_layer(decode(target_ids, encode(source_ids), source_ids)), (B, Lt, target_vocab) (your own encode and decode in place)
    forward：output_layer(decode(target_ids, encode(source_ids), source_ids))，形状 (B, Lt, target_vocab)（用的是你自己的 encode 和 decode）
    """
    own = own_pieces(student, ref)
    logits = {3: ("example", "position", "token")}  # the last axis is the target vocabulary
    check(lambda m: seq2seq(m, layers=1)(SRC, TGT), also=own, fed=PADDED, axes=logits)
    check(lambda m: seq2seq(m, seed=1, layers=1)(SRC[[1, 0]], TGT), also=own, axes=logits)
