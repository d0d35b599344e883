"""Exercise 6: autoregressive generation: greedy, temperature, top-k, end of sequence."""
from functools import lru_cache

import pytest
import torch

from autograder.probes import call_keeping_args, generator, make, raised_each, randomized, sibling, torch_of, with_submodules
from autograder.remote import Remote

pytestmark = pytest.mark.exercise("generate")
AXES = {2: ("example", "position")}

# The model is the stand-in GPT of gpt.py (autograder/decoder/shims/gpt.py in the student's process, the
# reference's gpt.py here: the same state names and the same logits), with weights whose greedy text varies.
V, H, LAYERS, HEADS, MAX_LEN, SEED = 20, 8, 1, 2, 16, 15
PROMPT = torch.tensor([[1, 5, 7], [4, 4, 9], [11, 2, 3]])  # three prompts of 3 tokens, no padding
GLOBAL_SEED = 1234  # the global RNG's seed while sampling: not the generator's, so that a generator left unused shows


def gpt(m, max_len=MAX_LEN, dropout=0.0, train=False, state=None):
    """The stand-in GPT (V 20, H 8, 1 layer, 2 heads), in float64, on m's side."""
    return make(sibling(m, "gpt"), "GPT", V, H, LAYERS, HEADS, max_len, dropout=dropout, train=train,
                state=state or weights(max_len))


@lru_cache(maxsize=None)
def weights(max_len):
    """The blocks' weights drawn with SEED; the tied embedding table is GPT's own initial one (torch's seed 0).
    The eos checks below say at which steps these weights produce each eos_id: they are fixed here."""
    from solutions.decoder import gpt as reference

    torch.manual_seed(0)
    model = reference.GPT(V, H, LAYERS, HEADS, max_len, dropout=0.0)
    table = model.token_embedding.weight.detach().double().clone()
    state = randomized(model, SEED)
    return {**state, "token_embedding.weight": table, "lm_head.weight": table}


@lru_cache(maxsize=None)
def tied():
    """Weights whose tokens come in pairs (2i, 2i + 1) with the same embedding row: since the output embedding
    is tied, the two logits of a pair are exactly equal at every step, so the k-th largest logit always has a twin."""
    from solutions.decoder import gpt as reference

    torch.manual_seed(0)
    state = randomized(reference.GPT(V, H, LAYERS, HEADS, MAX_LEN, dropout=0.0), SEED)
    table = state["token_embedding.weight"].clone()
    table[1::2] = table[0::2]
    return {**state, "token_embedding.weight": table, "lm_head.weight": table}


def sample(m, model, ids, max_new_tokens, seed, **kwargs):
    """m.generate(..., generator=a torch.Generator seeded with `seed`), the global RNG seeded with GLOBAL_SEED:
    code that draws from the global RNG is deterministic too, and a catalogued mistake (here the global RNG
    is put back as it was)."""
    g = generator(m, seed)
    if isinstance(m, Remote):
        torch_of(m).manual_seed(GLOBAL_SEED)
        return m.generate(model, ids, max_new_tokens, generator=g, **kwargs)
    state = torch.get_rng_state()
    torch.manual_seed(GLOBAL_SEED)
    try:
        return m.generate(model, ids, max_new_tokens, generator=g, **kwargs)
    finally:
        torch.set_rng_state(state)


@lru_cache(maxsize=None)
def rectified_table():
    from solutions.decoder.layers import PositionalEmbedding

    return PositionalEmbedding(H, MAX_LEN).pe.double().relu()


def runs_only_without_gradients(m):
    """The stand-in GPT whose position table is a trainable leaf that its forward rectifies in place
    (ReLU(inplace=True)): torch refuses that with gradients on, and does it (a no-op) under torch.no_grad()."""
    nn = torch_of(m).nn
    table = sibling(m, "layers").PositionalEmbedding(H, MAX_LEN)
    table.pe = torch.nn.Parameter(rectified_table().clone())
    return with_submodules(gpt(m), position_embedding=nn.Sequential(table, nn.ReLU(inplace=True)))


@pytest.mark.points(1)
def test_value_error_for_a_negative_temperature_top_k_below_one_or_negative_length(check):
    """temperature -0.5, top_k 0 and max_new_tokens -1 raise ValueError; temperature 0, top_k 1 and max_new_tokens 0 do not
    temperature 为 -0.5、top_k 为 0、max_new_tokens 为 -1 时抛出 ValueError；temperature 为 0、top_k 为 1、max_new_tokens 为 0 时不抛出
    """
    def probe(m):
        model = gpt(m)
        return raised_each((m.generate, (model, PROMPT, 2), {"temperature": -0.5}), (m.generate, (model, PROMPT, 2), {"top_k": 0}),
                           (m.generate, (model, PROMPT, -1)), (m.generate, (model, PROMPT, 2), {"temperature": 0.0}),
                           (m.generate, (model, PROMPT, 2), {"top_k": 1}), (m.generate, (model, PROMPT, 0)))

    check(probe)


@pytest.mark.points(2)
def test_greedy_appends_the_argmax_of_the_last_position(check):
    """temperature 0: each new token is the argmax of the logits at the last position
    temperature 为 0：每个新词都是最后一个位置的 logits 的 argmax
    """
    check(lambda m: m.generate(gpt(m), PROMPT, 6, temperature=0),
          fed=("3 prompts of 3 tokens, 6 new tokens, temperature 0", "3 个长度为 3 的提示、生成 6 个新词、temperature 为 0"))
    check(lambda m: m.generate(gpt(m), PROMPT[1:, 1:], 5, temperature=0.0),
          fed=("2 prompts of 2 tokens, 5 new tokens, temperature 0", "2 个长度为 2 的提示、生成 5 个新词、temperature 为 0"))
    check(lambda m: m.generate(gpt(m), PROMPT[2:], 4, temperature=0, top_k=2),
          fed=("temperature 0 with top_k 2 (greedy all the same)", "temperature 为 0 且 top_k 为 2（仍是贪心）"))


@pytest.mark.points(3)
def test_sampling_divides_by_the_temperature_and_draws_once_a_step(check):
    """temperature > 0: softmax(z / temperature), one torch.multinomial(probs, 1, generator=generator) a step
    temperature > 0：softmax(z / temperature)，每一步调用一次 torch.multinomial(probs, 1, generator=generator)
    """
    check(lambda m: sample(m, gpt(m), PROMPT, 6, 1),
          fed=("temperature 1, a torch.Generator seeded with 1", "temperature 为 1、种子为 1 的 torch.Generator"))
    check(lambda m: sample(m, gpt(m), PROMPT, 6, 2, temperature=0.5),
          fed=("temperature 0.5, a torch.Generator seeded with 2", "temperature 为 0.5、种子为 2 的 torch.Generator"))
    check(lambda m: sample(m, gpt(m), PROMPT, 6, 3, temperature=2.0),
          fed=("temperature 2, a torch.Generator seeded with 3", "temperature 为 2、种子为 3 的 torch.Generator"))
    check(lambda m: sample(m, gpt(m), PROMPT[:1], 4, 4),
          fed=("one prompt, temperature 1, a torch.Generator seeded with 4", "一个提示、temperature 为 1、种子为 4 的 torch.Generator"))


@pytest.mark.points(2)
def test_top_k_samples_among_the_k_largest_logits(check):
    """with top_k, every logit below the k-th largest is set to -inf before the softmax
    给定 top_k 时，在 softmax 之前把小于第 k 大值的 logits 设为 -inf
    """
    check(lambda m: sample(m, gpt(m), PROMPT, 6, 4, top_k=3),
          fed=("top_k 3, temperature 1, a torch.Generator seeded with 4", "top_k 为 3、temperature 为 1、种子为 4 的 torch.Generator"))
    check(lambda m: sample(m, gpt(m), PROMPT, 6, 5, top_k=2, temperature=0.7),
          fed=("top_k 2, temperature 0.7, a torch.Generator seeded with 5", "top_k 为 2、temperature 为 0.7、种子为 5 的 torch.Generator"))
    check(lambda m: sample(m, gpt(m), PROMPT, 5, 6, top_k=1, temperature=1.5),
          fed=("top_k 1 (the greedy text), temperature 1.5", "top_k 为 1（即贪心的结果）、temperature 为 1.5"))


@pytest.mark.points(1)
def test_top_k_keeps_the_ties_of_the_kth_largest(check):
    """logits equal to the k-th largest are kept, as in HuggingFace's TopKLogitsWarper
    与第 k 大值相等的 logits 保留，与 HuggingFace 的 TopKLogitsWarper 相同
    """
    check(lambda m: sample(m, gpt(m, state=tied()), PROMPT, 6, 7, top_k=1),
          fed=("a model whose logits come in equal pairs, top_k 1", "logits 两两相等的模型、top_k 为 1"))
    check(lambda m: sample(m, gpt(m, state=tied()), PROMPT, 6, 8, top_k=3, temperature=1.5),
          fed=("a model whose logits come in equal pairs, top_k 3", "logits 两两相等的模型、top_k 为 3"))


@pytest.mark.points(2)
def test_rows_after_eos_are_zero_and_generation_stops_when_all_rows_are_done(check):
    """after a row produced eos_id its tokens are 0; generation stops after the step at which every row has produced it
    某一行生成 eos_id 之后，它后面的词都是 0；所有行都生成过 eos_id 的那一步之后停止生成
    """
    check(lambda m: m.generate(gpt(m), PROMPT, 8, temperature=0, eos_id=11),
          fed=("greedy, eos_id 11 (the third prompt starts with it), generated by the rows at steps 6, 2 and 2 of 8",
               "贪心、eos_id 为 11（第三个提示以它开头），各行分别在 8 步中的第 6、2、2 步生成它"))
    check(lambda m: m.generate(gpt(m), PROMPT, 8, temperature=0, eos_id=5),
          fed=("greedy, eos_id 5, reached by the rows at steps 1, 4 and 1 of 8", "贪心、eos_id 为 5，各行分别在 8 步中的第 1、4、1 步生成它"))
    check(lambda m: sample(m, gpt(m), PROMPT, 8, 2, eos_id=11),
          fed=("sampling, eos_id 11, which one row never produces", "采样、eos_id 为 11，有一行始终没有生成它"))
    check(lambda m: sample(m, gpt(m), PROMPT, 8, 7, eos_id=5),
          fed=("sampling, eos_id 5, reached by every row before step 8", "采样、eos_id 为 5，每一行都在第 8 步之前生成它"))


@pytest.mark.points(1)
def test_the_model_sees_at_most_its_last_max_len_tokens(check):
    """each step feeds the model the last model.max_len tokens
    每一步只把最后 model.max_len 个词喂给模型
    """
    check(lambda m: m.generate(gpt(m, max_len=5), PROMPT, 6, temperature=0),
          fed=("a model with max_len 5, prompts of 3 tokens, 6 new tokens, greedy", "max_len 为 5 的模型、长度为 3 的提示、生成 6 个新词、贪心"))
    check(lambda m: sample(m, gpt(m, max_len=4), PROMPT[:2], 5, 9, top_k=4),
          fed=("a model with max_len 4, 5 new tokens, top_k 4", "max_len 为 4 的模型、生成 5 个新词、top_k 为 4"))


@pytest.mark.points(1)
def test_the_model_runs_in_eval_mode(check):
    """generate puts the model in eval mode: a model handed over in training mode with dropout 1 still generates as without dropout
    generate 把模型切换到评估模式：以训练模式、dropout 为 1 传入的模型，生成的结果与没有 dropout 时相同
    """
    check(lambda m: m.generate(gpt(m, dropout=1.0, train=True), PROMPT, 5, temperature=0),
          fed=("a model in training mode with dropout 1, greedy", "处于训练模式、dropout 为 1 的模型、贪心"))
    check(lambda m: sample(m, gpt(m, dropout=1.0, train=True), PROMPT, 5, 10, temperature=0.8),
          fed=("a model in training mode with dropout 1, temperature 0.8", "处于训练模式、dropout 为 1 的模型、temperature 为 0.8"))


@pytest.mark.points(1)
def test_the_model_runs_without_gradients(check):
    """generate runs the model under torch.no_grad(): a model that modifies a trainable tensor in place still generates
    generate 在 torch.no_grad() 下运行模型：一个原地修改可训练张量的模型也能正常生成
    """
    check(lambda m: m.generate(runs_only_without_gradients(m), PROMPT, 4, temperature=0),
          fed=("a model that only runs with gradients off, greedy", "只能在关闭梯度时运行的模型、贪心"))


@pytest.mark.points(1)
def test_output_starts_with_the_prompt_and_the_input_is_kept(check):
    """the output is the prompt followed by the new tokens; the prompt tensor passed in is left as it was
    输出是提示加上新生成的词；传入的提示张量保持不变
    """
    check(lambda m: m.generate(gpt(m), PROMPT, 0), fed=("max_new_tokens 0", "max_new_tokens 为 0"))
    check(lambda m: call_keeping_args(m.generate, gpt(m), PROMPT, 3, 0.0)[1][1],
          fed=("the prompt tensor after a call", "调用之后的提示张量"))
