"""Reference checks of the `decoder` assignment (solutions/decoder/) against code nobody here wrote.

Each exercise is compared, in float64 and eval mode (dropout off), with an
independent implementation: torch's nn.MultiheadAttention and its encoder and
decoder layers, pytorch-crf's ``torchcrf.CRF`` (a declared test dependency: the
CRF tests fail, never skip, without it), and HuggingFace's causal-LM loss and
sampling as restated, with their sources cited, in tests/pinned/make_hf_values.py.
"""
import ast
import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from solutions.decoder import layers
from solutions.decoder.classifier import SequenceClassifier
from solutions.decoder.crf import CRF
from solutions.decoder.cross_attention import CrossAttention
from solutions.decoder.decoder_block import DecoderBlock
from solutions.decoder.generate import generate
from solutions.decoder.gpt import GPT
from solutions.decoder.seq2seq import Seq2Seq, make_source_mask, make_target_mask
from tests.helpers import ROOT
from tests.pinned import make_hf_values as hf
from tests.reference_helpers import copy_block_, copy_linear_, copy_multi_head_, randomize_, torch_encoder_layer

DECODER = ROOT / "solutions" / "decoder"
ATOL = 1e-10
B = HEADS = 4  # batch == heads, so a mask that lands on the head axis instead of the batch axis fails
H = 16

# From tests/pinned/make_hf_values.py, run as a script (python -m tests.pinned.make_hf_values).
PINNED_HF_LOSS = 3.230363368988037
PINNED_TOP_K_KEPT = [[1, 1, 1, 0, 1, 0], [1, 1, 1, 1, 0, 1]]


def randn(*shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def real_tokens(lengths, L):
    """(len(lengths), L) bool, True at the first lengths[b] positions of row b."""
    return torch.arange(L) < torch.tensor(lengths)[:, None]


def random_ids(lengths, L, vocab, seed):
    """Token ids in 1 ... vocab-1, padded with 0 after lengths[b] in row b."""
    ids = torch.randint(1, vocab, (len(lengths), L), generator=torch.Generator().manual_seed(seed))
    return ids.masked_fill(~real_tokens(lengths, L), 0)


def torch_decoder_layer(hidden_size, head_num):
    """The torch layer our DecoderBlock must equal. Its defaults agree with the contract's
    layers: layer_norm_eps=1e-5 as layers.LayerNorm, activation "gelu" is F.gelu's exact erf
    form as layers.FeedForward, linear1/linear2 are H -> 4H -> H: an exact match is possible."""
    return nn.TransformerDecoderLayer(
        d_model=hidden_size, nhead=head_num, dim_feedforward=4 * hidden_size, dropout=0.0,
        activation="gelu", batch_first=True, norm_first=False,
    ).double().eval()


def copy_decoder_block_(ours, theirs):
    """Our DecoderBlock -> nn.TransformerDecoderLayer."""
    copy_multi_head_(ours.self_attention, theirs.self_attn)
    copy_multi_head_(ours.cross_attention, theirs.multihead_attn)  # the same four nn.Linear names
    copy_linear_(ours.feed_forward.input_layer, theirs.linear1)
    copy_linear_(ours.feed_forward.output_layer, theirs.linear2)
    for k in (1, 2, 3):
        copy_linear_(getattr(ours, f"layer_norm{k}"), getattr(theirs, f"norm{k}"))


def causal_blocked(L):
    """torch's attn_mask for a causal model: True where the key is in the future (not allowed)."""
    return ~layers.subsequent_mask(L)[0]


# ---------------------------------------------------------------------------------------------
# layers.py: the first assignment's API, written on torch's library functions
# ---------------------------------------------------------------------------------------------

def first_assignment(cls):
    from solutions.transformer import attention, bert, feed_forward, multi_head, positional_encoding, transformer_block
    for module in (positional_encoding, attention, multi_head, feed_forward, transformer_block, bert):
        if hasattr(module, cls):
            return getattr(module, cls)
    raise LookupError(cls)


def twins(cls, *args):
    """The first assignment's reference cls(*args) and layers.py's, float64, eval, the same random state (strict load)."""
    a, b = first_assignment(cls)(*args).double().eval(), getattr(layers, cls)(*args).double().eval()
    params = dict(a.named_parameters())
    g = torch.Generator().manual_seed(7)
    state = {k: torch.randn(v.shape, generator=g, dtype=torch.float64) if k in params else v for k, v in a.state_dict().items()}
    a.load_state_dict(state)
    b.load_state_dict(state)  # strict: the same names and shapes
    return a, b


X = randn(2, 5, 8, seed=4)
IDS = torch.tensor([[5, 6, 7, 0, 0], [8, 9, 10, 11, 12]])
PADDING = real_tokens([3, 5], 5)[:, None, None, :]


@pytest.mark.parametrize("cls, args, inputs", [
    ("MultiHeadedAttention", (2, 8, 0.0), (X, PADDING)),
    ("MultiHeadedAttention", (2, 8, 0.0), (X, layers.subsequent_mask(5))),
    ("FeedForward", (8, 0.0), (X,)),
    ("LayerNorm", (8,), (3.0 * X + 2.0,)),
    ("TransformerBlock", (8, 2, 0.0), (X, PADDING.long())),
    ("BERTEmbedding", (13, 8, 0.0), (IDS, (IDS > 7).long())),
    ("BERT", (13, 8, 2, 2, 0.0), (IDS, (IDS > 7).long())),
])
def test_layers_equal_the_first_assignments_reference_with_the_same_weights(cls, args, inputs):
    a, b = twins(cls, *args)
    torch.testing.assert_close(b(*inputs), a(*inputs), atol=1e-12, rtol=0)


def test_layers_attention_and_masks_equal_the_first_assignments_reference():
    from solutions.transformer.attention import Attention, subsequent_mask
    q, k, v = randn(2, 3, 4, 8, seed=1), randn(2, 3, 6, 8, seed=2), randn(2, 3, 6, 5, seed=3)
    fully_blocked = real_tokens([6, 0], 6)[:, None, None, :]  # row 1: every key blocked, still finite
    for mask in (None, real_tokens([6, 2], 6)[:, None, None, :], fully_blocked, fully_blocked.long()):
        for x, y in zip(layers.Attention()(q, k, v, mask), Attention()(q, k, v, mask)):
            torch.testing.assert_close(x, y, atol=1e-12, rtol=0)
    for size in (1, 2, 6):
        assert layers.subsequent_mask(size).dtype == torch.bool
        assert torch.equal(layers.subsequent_mask(size), subsequent_mask(size))
    for size, max_len in ((8, 512), (6, 10)):
        from solutions.transformer.positional_encoding import PositionalEmbedding
        ours, theirs = layers.PositionalEmbedding(size, max_len), PositionalEmbedding(size, max_len)
        assert ours.pe.dtype == torch.float32 and torch.equal(ours.pe, theirs.pe)
        assert "pe" in dict(ours.named_buffers()) and not list(ours.parameters())
    with pytest.raises(ValueError):
        layers.MultiHeadedAttention(3, 8)


def test_layers_is_self_contained_and_written_on_torch_library_functions():
    text = (DECODER / "layers.py").read_text(encoding="utf-8")
    tree = ast.parse(text)
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree)), "students get layers.py alone"
    assert imported <= {"torch", "math", "itertools"}, imported
    assert "F.scaled_dot_product_attention" in text and "F.layer_norm" in text and "F.gelu" in text
    assert "BEGIN SOLUTION" not in text
    # No hand-written attention or normalisation: the softmax and the statistics are torch's kernels'.
    called = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert not called & {"softmax", "mean", "var", "sqrt", "masked_fill_"}, called


# ---------------------------------------------------------------------------------------------
# 1. classifier.py
# ---------------------------------------------------------------------------------------------

def random_classifier(pooling, vocab=20, num_classes=3):
    torch.manual_seed(0)
    encoder = layers.BERT(vocab, hidden_size=H, layer_num=2, head_num=HEADS, dropout=0.0)
    model = SequenceClassifier(encoder, H, num_classes, pooling=pooling, dropout=0.0)
    return randomize_(model).double().eval()


def test_classifier_cls_pooling_is_the_first_position_through_dropout_and_linear():
    model = random_classifier("cls")
    assert isinstance(model.dropout, nn.Dropout) and isinstance(model.classifier, nn.Linear)
    assert (model.classifier.in_features, model.classifier.out_features) == (H, 3)
    ids = random_ids([6, 4, 1, 5], 6, 20, seed=1)
    types = torch.zeros_like(ids)
    h = model.encoder(ids, types)
    expected = h[:, 0] @ model.classifier.weight.T + model.classifier.bias
    torch.testing.assert_close(model(ids, types), expected, atol=ATOL, rtol=0)


def test_classifier_mean_pooling_averages_the_real_tokens_only():
    model = random_classifier("mean")
    lengths = [6, 4, 1, 5]
    ids = random_ids(lengths, 6, 20, seed=2)
    types = torch.zeros_like(ids)
    h = model.encoder(ids, types)
    pooled = torch.stack([h[b, :n].mean(dim=0) for b, n in enumerate(lengths)])
    expected = pooled @ model.classifier.weight.T + model.classifier.bias
    torch.testing.assert_close(model(ids, types), expected, atol=ATOL, rtol=0)
    # Appending more padding changes nothing; h.mean(dim=1) would.
    longer = torch.cat([ids, torch.zeros(4, 3, dtype=torch.long)], dim=1)
    torch.testing.assert_close(model(longer, torch.zeros_like(longer)), expected, atol=ATOL, rtol=0)
    assert not torch.allclose(model.classifier(h.mean(dim=1)), expected, atol=1e-3)


@pytest.mark.parametrize("pooling", ["max", "CLS", "", None])
def test_classifier_rejects_a_pooling_other_than_cls_or_mean(pooling):
    with pytest.raises(ValueError):
        SequenceClassifier(nn.Identity(), H, 3, pooling=pooling)


# ---------------------------------------------------------------------------------------------
# 2. cross_attention.py
# ---------------------------------------------------------------------------------------------

def twin_cross_attention():
    ours = randomize_(CrossAttention(HEADS, H, dropout=0.0).double().eval())
    theirs = nn.MultiheadAttention(H, HEADS, dropout=0.0, batch_first=True).double().eval()
    copy_multi_head_(ours, theirs)  # in_proj_weight = cat(W_q, W_k, W_v), in_proj_bias likewise, out_proj
    return ours, theirs


@pytest.mark.parametrize("dtype", [torch.bool, torch.long])
def test_cross_attention_equals_torch_multihead_attention_with_key_padding_mask(dtype):
    torch.manual_seed(0)
    ours, theirs = twin_cross_attention()
    Lt, Ls = 5, 7
    x, memory = randn(B, Lt, H, seed=1), randn(B, Ls, H, seed=2)
    real = real_tokens([7, 4, 1, 6], Ls)  # (B, Ls), different padding in every row
    expected, _ = theirs(x, memory, memory, key_padding_mask=~real, need_weights=False)  # torch: True = ignore
    out = ours(x, memory, real[:, None, None, :].to(dtype))  # ours: (B, 1, 1, Ls), 0 = blocked
    assert out.shape == (B, Lt, H)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)


def test_cross_attention_without_mask_equals_torch_multihead_attention():
    torch.manual_seed(1)
    ours, theirs = twin_cross_attention()
    x, memory = randn(2, 3, H, seed=3), randn(2, 8, H, seed=4)
    expected, _ = theirs(x, memory, memory, need_weights=False)
    torch.testing.assert_close(ours(x, memory), expected, atol=ATOL, rtol=0)


def test_cross_attention_has_the_contracts_attributes_and_rejects_indivisible_sizes():
    attention = CrossAttention(HEADS, H, dropout=0.25)
    assert (attention.head_num, attention.hidden_size, attention.per_head_dim) == (HEADS, H, H // HEADS)
    assert isinstance(attention.attention, layers.Attention) and attention.dropout.p == 0.25
    for name in ("query_linear", "key_linear", "value_linear", "output_linear"):
        linear = getattr(attention, name)
        assert isinstance(linear, nn.Linear) and (linear.in_features, linear.out_features) == (H, H)
    with pytest.raises(ValueError):
        CrossAttention(3, H)


# ---------------------------------------------------------------------------------------------
# 3. decoder_block.py
# ---------------------------------------------------------------------------------------------

def test_decoder_block_equals_torch_transformer_decoder_layer_with_causal_and_padding_masks():
    torch.manual_seed(2)
    ours = randomize_(DecoderBlock(H, HEADS, dropout=0.0)).double().eval()
    theirs = torch_decoder_layer(H, HEADS)
    copy_decoder_block_(ours, theirs)
    Lt, Ls = 6, 7
    x, memory = randn(B, Lt, H, seed=5), randn(B, Ls, H, seed=6)
    target, source = real_tokens([6, 3, 5, 1], Lt), real_tokens([7, 2, 5, 4], Ls)
    expected = theirs(x, memory, tgt_mask=causal_blocked(Lt), tgt_key_padding_mask=~target,
                      memory_key_padding_mask=~source)  # torch: True = not allowed
    target_mask = target[:, None, None, :] & layers.subsequent_mask(Lt)[:, None]  # (B, 1, Lt, Lt)
    out = ours(x, memory, target_mask, source[:, None, None, :])
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)
    # Without masks too (the torch layer then attends everywhere).
    torch.testing.assert_close(ours(x, memory), theirs(x, memory), atol=ATOL, rtol=0)


def test_decoder_block_has_the_contracts_submodules():
    block = DecoderBlock(H, HEADS, dropout=0.25)
    assert isinstance(block.self_attention, layers.MultiHeadedAttention)
    assert isinstance(block.cross_attention, CrossAttention)
    assert isinstance(block.feed_forward, layers.FeedForward)
    for k in (1, 2, 3):
        assert isinstance(getattr(block, f"layer_norm{k}"), layers.LayerNorm)
        assert isinstance(getattr(block, f"dropout{k}"), nn.Dropout) and getattr(block, f"dropout{k}").p == 0.25


# ---------------------------------------------------------------------------------------------
# 4. seq2seq.py
# ---------------------------------------------------------------------------------------------

SRC_VOCAB, TGT_VOCAB, LAYERS = 23, 19, 2


def random_seq2seq():
    torch.manual_seed(3)
    model = Seq2Seq(SRC_VOCAB, TGT_VOCAB, hidden_size=H, layer_num=LAYERS, head_num=HEADS, dropout=0.0)
    return randomize_(model).double().eval()


def test_source_and_target_masks_are_the_padding_and_causal_bool_masks():
    source = torch.tensor([[4, 5, 0], [6, 0, 0]])
    target = torch.tensor([[1, 2, 3, 0], [1, 7, 0, 0]])
    src, tgt = make_source_mask(source), make_target_mask(target)
    assert src.dtype == tgt.dtype == torch.bool and src.shape == (2, 1, 1, 3) and tgt.shape == (2, 1, 4, 4)
    assert torch.equal(src[:, 0, 0], source != 0)
    for b, i, j in itertools.product(range(2), range(4), range(4)):
        assert tgt[b, 0, i, j] == (j <= i and target[b, j] != 0), (b, i, j)


def test_seq2seq_equals_stacks_of_torch_encoder_and_decoder_layers():
    model = random_seq2seq()
    encoder_layers = [torch_encoder_layer(H, HEADS) for _ in range(LAYERS)]
    decoder_layers = [torch_decoder_layer(H, HEADS) for _ in range(LAYERS)]
    for block, layer in zip(model.encoder_blocks, encoder_layers):
        copy_block_(block, layer)
    for block, layer in zip(model.decoder_blocks, decoder_layers):
        copy_decoder_block_(block, layer)
    source, target = random_ids([7, 3, 5, 1], 7, SRC_VOCAB, seed=7), random_ids([5, 5, 2, 4], 5, TGT_VOCAB, seed=8)
    pe = model.position_embedding.pe
    memory = model.source_embedding.weight[source] + pe[:, :7]
    for layer in encoder_layers:
        memory = layer(memory, src_key_padding_mask=source == 0)  # torch: True = ignore
    y = model.target_embedding.weight[target] + pe[:, :5]
    for layer in decoder_layers:
        y = layer(y, memory, tgt_mask=causal_blocked(5), tgt_key_padding_mask=target == 0,
                  memory_key_padding_mask=source == 0)
    expected = y @ model.output_layer.weight.T + model.output_layer.bias
    torch.testing.assert_close(model.encode(source), memory, atol=ATOL, rtol=0)
    torch.testing.assert_close(model(source, target), expected, atol=ATOL, rtol=0)


def test_seq2seq_logits_at_a_position_do_not_depend_on_later_targets():
    model = random_seq2seq()
    source, target = random_ids([7, 3], 7, SRC_VOCAB, seed=9), random_ids([5, 5], 5, TGT_VOCAB, seed=10)
    changed = target.clone()
    changed[:, 3:] = torch.tensor([[2, 3], [4, 5]])
    a, b = model(source, target), model(source, changed)
    torch.testing.assert_close(a[:, :3], b[:, :3], atol=ATOL, rtol=0)
    assert not torch.allclose(a[:, 3:], b[:, 3:], atol=1e-3)


# ---------------------------------------------------------------------------------------------
# 5. gpt.py
# ---------------------------------------------------------------------------------------------

VOCAB = 17


def random_gpt(dtype=torch.float64, max_len=32, layer_num=2):
    torch.manual_seed(4)
    model = GPT(VOCAB, hidden_size=H, layer_num=layer_num, head_num=HEADS, max_len=max_len, dropout=0.0)
    return randomize_(model).to(dtype).eval()


def test_gpt_equals_a_stack_of_torch_encoder_layers_under_causal_and_padding_masks():
    model = random_gpt()
    torch_layers = [torch_encoder_layer(H, HEADS) for _ in range(2)]
    for block, layer in zip(model.blocks, torch_layers):
        copy_block_(block, layer)
    L = 6
    ids = random_ids([6, 4, 1, 5], L, VOCAB, seed=11)
    x = model.token_embedding.weight[ids] + model.position_embedding.pe[:, :L]
    for layer in torch_layers:
        x = layer(x, src_mask=causal_blocked(L), src_key_padding_mask=ids == 0)  # torch: True = not allowed
    expected = x @ model.token_embedding.weight.T  # the tied output embedding, no bias
    torch.testing.assert_close(model(ids), expected, atol=ATOL, rtol=0)


def test_gpt_output_embedding_is_tied_to_the_token_embedding():
    model = GPT(VOCAB, hidden_size=H, layer_num=1, head_num=HEADS, max_len=9)
    assert model.lm_head.weight is model.token_embedding.weight and model.lm_head.bias is None
    assert model.max_len == 9 and model.position_embedding.pe.shape == (1, 9, H)
    assert model.token_embedding.padding_idx == 0 and len(model.blocks) == 1
    assert isinstance(model.blocks[0], layers.TransformerBlock)
    # One Parameter, counted once.
    names = [n for n, _ in model.named_parameters()]
    assert "token_embedding.weight" in names and "lm_head.weight" not in names


def test_gpt_loss_equals_explicit_shifted_cross_entropy_over_non_padding_targets():
    model = random_gpt()
    ids = random_ids([6, 4, 2, 5], 6, VOCAB, seed=12)
    log_probs = model(ids).log_softmax(dim=-1)  # (B, L, V)
    terms = [-log_probs[b, t, ids[b, t + 1]] for b in range(4) for t in range(5) if ids[b, t + 1] != 0]
    expected = torch.stack(terms).mean()
    assert len(terms) == 5 + 3 + 1 + 4
    loss = model.loss(ids)
    assert loss.shape == () and loss.dtype == torch.float64
    torch.testing.assert_close(loss, expected, atol=1e-12, rtol=0)


def test_gpt_loss_equals_huggingface_causal_lm_loss_with_padding_labels_set_to_minus_100():
    model = random_gpt()
    ids = random_ids([6, 4, 2, 5], 6, VOCAB, seed=13)
    hf_loss = hf.causal_lm_loss(model(ids), hf.labels_from_ids(ids), VOCAB)
    # transformers upcasts the logits with .float(): a float64 model's logits are rounded to
    # float32 there, so the two agree to float32 precision only (about 1e-7 relative).
    torch.testing.assert_close(model.loss(ids).float(), hf_loss, atol=0, rtol=2e-6)
    # On a float32 model that upcast is a no-op, and the two agree to the last bits.
    model32 = random_gpt(torch.float32)
    torch.testing.assert_close(model32.loss(ids), hf.causal_lm_loss(model32(ids), hf.labels_from_ids(ids), VOCAB),
                               atol=1e-6, rtol=0)


def test_huggingface_restatements_reproduce_their_pinned_values():
    values = hf.pinned_values()
    assert values["PINNED_HF_LOSS"] == pytest.approx(PINNED_HF_LOSS, rel=1e-6)
    assert values["PINNED_TOP_K_KEPT"] == PINNED_TOP_K_KEPT
    # ... and the pinned loss is the explicit shifted mean over the non-padding targets.
    logits, ids = hf.LOSS_LOGITS.float().double(), hf.LOSS_IDS
    terms = [-logits[b, t].log_softmax(-1)[ids[b, t + 1]] for b in range(2) for t in range(4) if ids[b, t + 1] != 0]
    assert torch.stack(terms).mean().item() == pytest.approx(PINNED_HF_LOSS, rel=1e-6)


# ---------------------------------------------------------------------------------------------
# 6. generate.py
# ---------------------------------------------------------------------------------------------

class Scripted(nn.Module):
    """A stand-in LM: at new-token step s, row b's last logits peak (by 5) at script[b][s]; it records its inputs."""

    def __init__(self, script, prompt_len, vocab=8, max_len=64):
        super().__init__()
        self.script, self.prompt_len, self.vocab, self.max_len = script, prompt_len, vocab, max_len
        self.seen = []

    def forward(self, ids):
        self.seen.append(ids.clone())
        step = ids.size(1) - self.prompt_len
        logits = torch.zeros(ids.size(0), ids.size(1), self.vocab, dtype=torch.float64)
        for b, row in enumerate(self.script):
            logits[b, -1, row[step]] = 5.0
        return logits


class Fixed(nn.Module):
    """A stand-in LM whose last logits are always `scores` (B, V)."""

    def __init__(self, scores, max_len=64):
        super().__init__()
        self.scores, self.max_len = scores, max_len

    def forward(self, ids):
        return self.scores[:, None, :].expand(-1, ids.size(1), -1)


class Recorder:
    """Wraps torch.multinomial: records the probabilities and generators of every call."""

    def __init__(self, real):
        self.real, self.probs, self.generators = real, [], []

    def __call__(self, probs, num_samples, *args, **kwargs):
        self.probs.append(probs.clone())
        self.generators.append(kwargs.get("generator"))
        return self.real(probs, num_samples, *args, **kwargs)


PROMPT = torch.tensor([[3, 5, 2], [7, 1, 4], [9, 9, 8]])


def test_greedy_generation_equals_an_argmax_loop_over_the_last_max_len_tokens():
    model = random_gpt(max_len=5)
    out = generate(model, PROMPT, 6, temperature=0)
    ids = PROMPT
    for _ in range(6):
        ids = torch.cat([ids, model(ids[:, -5:])[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert out.dtype == torch.long and torch.equal(out, ids)
    assert torch.equal(out, hf.sample(model, PROMPT, 6, temperature=0, window=5))


@pytest.mark.parametrize("temperature, top_k, eos_id, seed", [
    (1.0, None, None, 0), (0.7, None, None, 1), (1.5, 4, None, 2), (1.0, 1, None, 3), (2.0, 6, 3, 4),
])
def test_sampling_equals_huggingface_sampling_loop_with_the_same_generator_seed(temperature, top_k, eos_id, seed):
    # float32, where transformers' `.to(dtype=torch.float32)` of the logits is a no-op: the same
    # probabilities, one multinomial draw a step from generators seeded alike, the same tokens.
    model = random_gpt(torch.float32, max_len=8)
    out = generate(model, PROMPT, 10, temperature=temperature, top_k=top_k, eos_id=eos_id,
                   generator=torch.Generator().manual_seed(seed))
    expected = hf.sample(model, PROMPT, 10, temperature=temperature, top_k=top_k, eos_id=eos_id,
                         generator=torch.Generator().manual_seed(seed), window=8)
    assert torch.equal(out, expected)
    if eos_id is not None:  # the case has teeth: a row finished early and was padded
        assert (out[:, 3:] == eos_id).any()


@pytest.mark.parametrize("temperature, top_k", [(1.0, 2), (0.5, 2), (2.0, 3), (1.0, 1), (0.5, 99), (1.0, None)])
def test_sampling_probabilities_are_huggingface_temperature_and_top_k_warpers_with_ties_kept(temperature, top_k, monkeypatch):
    scores = hf.TIED_SCORES.double()
    recorder = Recorder(torch.multinomial)
    monkeypatch.setattr(torch, "multinomial", recorder)
    generate(Fixed(scores), torch.tensor([[1], [2]]), 3, temperature=temperature, top_k=top_k,
             generator=torch.Generator().manual_seed(0))
    warped = hf.temperature_warp(scores, float(temperature))
    if top_k is not None:
        warped = hf.top_k_warp(warped, top_k)
    expected = F.softmax(warped, dim=-1)
    assert len(recorder.probs) == 3
    for probs in recorder.probs:
        torch.testing.assert_close(probs, expected, atol=1e-15, rtol=0)
    if top_k == 2:  # row 0: 3, then three 2s tied for second place: all four kept, the rest 0
        assert (probs[0] > 0).tolist() == [True, True, True, False, True, False]


def test_exactly_one_multinomial_call_per_step_for_the_whole_batch_with_the_given_generator(monkeypatch):
    recorder = Recorder(torch.multinomial)
    monkeypatch.setattr(torch, "multinomial", recorder)
    generator = torch.Generator().manual_seed(5)
    out = generate(random_gpt(), PROMPT, 4, temperature=0.8, top_k=5, generator=generator)
    assert out.shape == (3, 7)
    assert len(recorder.probs) == 4 and all(p.shape == (3, VOCAB) for p in recorder.probs)
    assert all(g is generator for g in recorder.generators)


def test_rows_that_produced_eos_continue_with_0_and_generation_stops_when_every_row_has():
    EOS = 6
    script = [[2, EOS, 5, 5, 5, 5], [3, 4, 1, EOS, 2, 2], [EOS, 1, 1, 1, 1, 1]]
    model = Scripted(script, prompt_len=3)
    out = generate(model, PROMPT, 6, temperature=0, eos_id=EOS)
    assert out.tolist() == [[3, 5, 2, 2, EOS, 0, 0], [7, 1, 4, 3, 4, 1, EOS], [9, 9, 8, EOS, 0, 0, 0]]
    assert len(model.seen) == 4  # stopped after the fourth step, where the last row produced eos
    # The same with sampling: a peak of 5 in 8 tokens is not certain, so script it through top_k=1.
    model = Scripted(script, prompt_len=3)
    sampled = generate(model, PROMPT, 6, temperature=1.0, top_k=1, eos_id=EOS, generator=torch.Generator().manual_seed(0))
    assert torch.equal(sampled, out)
    # Without eos_id (or when it never comes) every step is taken.
    assert generate(Scripted(script, prompt_len=3), PROMPT, 6, temperature=0).shape == (3, 9)
    assert generate(Scripted(script, prompt_len=3), PROMPT, 6, temperature=0, eos_id=7).shape == (3, 9)


class Counting(nn.Module):
    """A stand-in LM: its k-th call's last logits peak at token k (1, 2, 3, ...); it records its inputs."""

    def __init__(self, max_len, vocab=16):
        super().__init__()
        self.max_len, self.vocab, self.seen = max_len, vocab, []

    def forward(self, ids):
        self.seen.append(ids.clone())
        logits = torch.zeros(ids.size(0), ids.size(1), self.vocab, dtype=torch.float64)
        logits[:, -1, len(self.seen)] = 1.0
        return logits


def test_the_model_sees_at_most_its_last_max_len_tokens():
    model = Counting(max_len=4)
    out = generate(model, PROMPT, 5, temperature=0)
    assert out[:, 3:].tolist() == [[1, 2, 3, 4, 5]] * 3
    assert [s.size(1) for s in model.seen] == [3, 4, 4, 4, 4]
    for step, seen in enumerate(model.seen):
        length = 3 + step  # the sequence's length before this step
        assert torch.equal(seen, out[:, max(0, length - 4):length])


def test_generate_puts_the_model_in_eval_mode_and_tracks_no_gradients():
    model = GPT(VOCAB, hidden_size=H, layer_num=1, head_num=HEADS, max_len=16, dropout=0.5).train()
    out = generate(model, PROMPT, 2, temperature=0)
    assert not model.training and not out.requires_grad
    assert torch.equal(generate(model, PROMPT, 0), PROMPT)


@pytest.mark.parametrize("kwargs", [dict(temperature=-0.1), dict(top_k=0), dict(top_k=-2), dict(max_new_tokens=-1)])
def test_generate_rejects_negative_temperature_top_k_below_1_and_negative_max_new_tokens(kwargs):
    arguments = dict(max_new_tokens=3, temperature=1.0, top_k=None) | kwargs
    with pytest.raises(ValueError):
        generate(random_gpt(), PROMPT, **arguments)


# ---------------------------------------------------------------------------------------------
# 7. crf.py
# ---------------------------------------------------------------------------------------------

TAGS = 5


def twin_crfs(num_tags=TAGS):
    """Ours and pytorch-crf's torchcrf.CRF(T, batch_first=True), float64, the same random parameters.
    torchcrf is a declared test dependency (pyproject's `test` extra): missing, this fails."""
    import torchcrf

    ours = randomize_(CRF(num_tags), std=1.0).double()
    theirs = torchcrf.CRF(num_tags, batch_first=True).double()
    with torch.no_grad():
        for name in ("start_transitions", "end_transitions", "transitions"):
            getattr(theirs, name).copy_(getattr(ours, name))
    return ours, theirs


L_CRF = 6
PREFIXES = real_tokens([6, 3, 1, 5], L_CRF)  # (4, 6) prefixes, one full row and one of length 1
MASKS = {"bool": PREFIXES, "0/1 long": PREFIXES.long(), "0/1 uint8": PREFIXES.to(torch.uint8), "None": None}


def crf_inputs(seed):
    g = torch.Generator().manual_seed(seed)
    emissions = 2.0 * torch.randn(4, L_CRF, TAGS, generator=g, dtype=torch.float64)
    tags = torch.randint(TAGS, (4, L_CRF), generator=g)
    return emissions, tags


def as_torchcrf_mask(mask):
    """torchcrf wants bool (or uint8) masks: with a 0/1 long mask its torch.where raises a RuntimeError."""
    return None if mask is None else mask.bool()


# torchcrf's own mask for None is uint8, which its torch.where warns about (deprecated): not ours to fix.
TORCHCRF_UINT8 = pytest.mark.filterwarnings("ignore:where received a uint8 condition tensor:UserWarning")


@TORCHCRF_UINT8
@pytest.mark.parametrize("kind", MASKS)
def test_crf_log_likelihood_equals_torchcrf_with_reduction_none(kind):
    ours, theirs = twin_crfs()
    emissions, tags = crf_inputs(seed=1)
    mask = MASKS[kind]
    expected = theirs(emissions, tags, as_torchcrf_mask(mask), reduction="none")
    out = ours(emissions, tags, mask)
    assert out.shape == (4,)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)


@TORCHCRF_UINT8
@pytest.mark.parametrize("kind", MASKS)
def test_crf_decode_equals_torchcrf_viterbi(kind):
    ours, theirs = twin_crfs()
    for seed in range(5):
        emissions, _ = crf_inputs(seed)
        mask = MASKS[kind]
        paths = ours.decode(emissions, mask)
        assert paths == theirs.decode(emissions, as_torchcrf_mask(mask))
        lengths = [L_CRF] * 4 if mask is None else PREFIXES.sum(1).tolist()
        assert [len(p) for p in paths] == lengths and all(isinstance(t, int) for p in paths for t in p)


def test_crf_equals_brute_force_enumeration_of_every_tag_sequence():
    ours = randomize_(CRF(3), std=1.0).double()
    emissions = randn(1, 4, 3, seed=3)
    start, end, trans = ours.start_transitions, ours.end_transitions, ours.transitions

    def score(path):
        s = start[path[0]] + end[path[-1]] + sum(emissions[0, t, y] for t, y in enumerate(path))
        return s + sum(trans[a, b] for a, b in zip(path, path[1:]))

    for n in (1, 3, 4):  # the row's unmasked length
        mask = real_tokens([n], 4)
        paths = list(itertools.product(range(3), repeat=n))
        scores = torch.stack([score(p) for p in paths])
        log_z = torch.logsumexp(scores, dim=0)
        for p in (paths[0], paths[-1], paths[len(paths) // 2]):
            tags = torch.tensor([list(p) + [0] * (4 - n)])
            torch.testing.assert_close(ours(emissions, tags, mask), (score(p) - log_z)[None], atol=ATOL, rtol=0)
        assert ours.decode(emissions, mask) == [list(paths[int(scores.argmax())])]
    assert math.isclose(torch.logsumexp(torch.stack([ours(emissions, torch.tensor([list(p)]))[0] for p in
                                                     itertools.product(range(3), repeat=4)]), 0).item(), 0.0,
                        abs_tol=1e-12)  # the probabilities of all sequences sum to 1


def test_crf_has_its_parameters_and_rejects_a_mask_whose_first_column_is_not_all_on():
    crf = CRF(TAGS)
    shapes = {name: tuple(p.shape) for name, p in crf.named_parameters()}
    assert shapes == {"start_transitions": (TAGS,), "end_transitions": (TAGS,), "transitions": (TAGS, TAGS)}
    emissions, tags = crf_inputs(seed=4)
    mask = PREFIXES.clone()
    mask[2, 0] = False
    for m in (mask, mask.long()):
        with pytest.raises(ValueError):
            crf(emissions, tags, m)
        with pytest.raises(ValueError):
            crf.decode(emissions, m)


@pytest.mark.parametrize("num_tags", [0, -1])
def test_crf_rejects_num_tags_not_positive(num_tags):
    with pytest.raises(ValueError):
        CRF(num_tags)


# ---------------------------------------------------------------------------------------------
# The contract's forbidden shortcuts: the reference uses none of them
# ---------------------------------------------------------------------------------------------

ATTENTION = {"scaled_dot_product_attention", "MultiheadAttention", "multi_head_attention_forward"}
TORCH_LAYERS = {"TransformerDecoderLayer", "TransformerDecoder", "Transformer", "TransformerEncoderLayer", "TransformerEncoder"}
CRF_LIBRARIES = {"torchcrf", "pytorch_crf", "TorchCRF"}
FORBIDDEN = {
    "cross_attention": ATTENTION, "decoder_block": ATTENTION | TORCH_LAYERS,
    "seq2seq": TORCH_LAYERS, "gpt": TORCH_LAYERS, "crf": CRF_LIBRARIES,
}


@pytest.mark.parametrize("stem", FORBIDDEN)
def test_reference_uses_none_of_the_contracts_forbidden_shortcuts(stem):
    tree = ast.parse((DECODER / f"{stem}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Import):
            names |= {part for a in node.names for part in a.name.split(".")}
        elif isinstance(node, ast.ImportFrom):
            names |= set((node.module or "").split(".")) | {a.name for a in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
    assert not names & FORBIDDEN[stem]
