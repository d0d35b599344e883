"""Reference checks of exercise 6 (solutions/transformer/bert.py) against a stack of torch encoder layers."""
import torch

from solutions.transformer.bert import BERT
from tests.reference_helpers import copy_block_, randomize_, torch_encoder_layer

ATOL = 1e-8
VOCAB, H, LAYERS, HEADS = 30, 16, 3, 4


def random_bert():
    """A float64 BERT in eval mode with random weights everywhere (distinct in every layer)."""
    torch.manual_seed(0)
    bert = randomize_(BERT(VOCAB, hidden_size=H, layer_num=LAYERS, head_num=HEADS, dropout=0.0))
    return bert.double().eval()


def padded_batch():
    """input_ids with id 0 as padding, a different amount per row; token_type_ids 0 then 1, 0 at padding."""
    input_ids = torch.tensor([[5, 9, 3, 7, 2, 8],
                              [4, 6, 1, 0, 0, 0],
                              [3, 3, 0, 0, 0, 0]])
    token_type_ids = torch.tensor([[0, 0, 0, 1, 1, 1],
                                   [0, 0, 1, 0, 0, 0],
                                   [0, 1, 0, 0, 0, 0]])
    return input_ids, token_type_ids


def test_bert_matches_stack_of_torch_encoder_layers_with_key_padding_mask():
    bert = random_bert()
    layers = [torch_encoder_layer(H, HEADS) for _ in range(LAYERS)]
    for block, layer in zip(bert.transformer_blocks, layers):
        copy_block_(block, layer)
    input_ids, token_type_ids = padded_batch()

    x = bert.embedding(input_ids, token_type_ids)
    for layer in layers:
        x = layer(x, src_key_padding_mask=input_ids == 0)  # torch: True = ignore

    torch.testing.assert_close(bert(input_ids, token_type_ids), x, atol=ATOL, rtol=0)  # all positions


def test_bert_outputs_at_real_tokens_do_not_change_when_padding_is_appended():
    bert = random_bert()
    input_ids, token_type_ids = padded_batch()
    extra = torch.zeros(3, 4, dtype=torch.long)
    short = bert(input_ids, token_type_ids)
    long = bert(torch.cat([input_ids, extra], 1), torch.cat([token_type_ids, extra], 1))
    real = input_ids != 0
    torch.testing.assert_close(long[:, :6][real], short[real], atol=ATOL, rtol=0)
    # The check has teeth: without a mask the appended padding would change the real tokens.
    x = bert.embedding(torch.cat([input_ids, extra], 1), torch.cat([token_type_ids, extra], 1))
    for block in bert.transformer_blocks:
        x = block(x)
    assert not torch.allclose(x[:, :6][real], short[real], atol=1e-3)
