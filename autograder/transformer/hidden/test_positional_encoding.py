"""Exercise 1: the sinusoidal position table."""
import pytest
import torch

from autograder.compare import fail
from autograder.probes import make, randn

pytestmark = pytest.mark.exercise("positional_encoding")
# what each axis of a result means, for the feedback (conftest's check)
AXES = {3: ("batch", "position", "feature"), 2: ("position", "feature")}

# The buffer is float32 by contract, so p * w carries float32 rounding that grows
# with the position p: allow a few float32 ulps of the argument, plus 1e-6.
F32 = float(torch.finfo(torch.float32).eps)


def table_tolerance(length):
    return 1e-6 + 4 * F32 * (torch.arange(length, dtype=torch.float64) + 1)[None, :, None]


@pytest.mark.points(3)
def test_table_matches_the_formula(check):
    """The table pe[0, p, 2i] = sin(p / 10000^(2i/E)), pe[0, p, 2i+1] = cos(...)
    位置编码表 pe[0, p, 2i] = sin(p / 10000^(2i/E))，pe[0, p, 2i+1] = cos(...)
    """
    check(lambda m: m.PositionalEmbedding(16, 64).pe, atol=table_tolerance(64),
          fed=('embed_size 16, max_len 64', 'embed_size 为 16、max_len 为 64'))
    check(lambda m: m.PositionalEmbedding(6, 512).pe, atol=table_tolerance(512))


@pytest.mark.points(1)
def test_table_is_a_buffer_not_a_parameter(check, student):
    """pe is a registered buffer: loaded from the state_dict, moved by .to()
    pe 是注册的缓冲区：能从 state_dict 中加载，并随 .to() 移动
    """
    if "pe" in dict(student.PositionalEmbedding(8, 16).named_parameters()):
        fail("positional_encoding.parameter")
    # by behaviour, on your own table (a slip in the formula or the length costs the table's points, not
    # these): it is saved in the state_dict (or is a buffer kept out of it, persistent=False: made again
    # with the module, and set directly), a table loaded into a fresh module is what forward reads, and
    # .to(float64) converts it.
    check(buffer_behaviour)


def unsaved_buffer(module):
    """Whether pe is a buffer left out of the module's state_dict (persistent=False)."""
    return "pe" in dict(module.named_buffers()) and "pe" not in module.state_dict()


def buffer_behaviour(m):
    x = randn(1, 5, 8)
    module = m.PositionalEmbedding(8, 16)
    unsaved = unsaved_buffer(module)
    if not unsaved and "pe" not in module.state_dict():
        return {"pe is in the state_dict": False}
    before = module(x)
    tripled = module.pe * 3
    if unsaved:
        fresh = m.PositionalEmbedding(8, 16)
        fresh.pe = tripled  # assigning a registered buffer's name sets the buffer
    else:
        fresh = make(m, "PositionalEmbedding", 8, 16, state={"pe": tripled}, double=False)
    fresh.to(torch.float64)
    after = fresh(x)
    reads = after.shape == before.shape and bool(torch.allclose(after, 3 * before.double(), rtol=1e-6, atol=1e-6))
    return {"pe is in the state_dict": True, "forward reads a table loaded into a fresh module": reads,
            "forward's dtype after .to(float64)": str(after.dtype)}


@pytest.mark.points(1)
def test_table_shape_and_dtype(check):
    """pe is a float32 tensor of shape (1, max_len, embed_size)
    pe 是形状为 (1, max_len, embed_size) 的 float32 张量
    """
    check(lambda m: (tuple(m.PositionalEmbedding(8, 16).pe.shape), str(m.PositionalEmbedding(8, 16).pe.dtype)))


@pytest.mark.points(3)
def test_forward_returns_the_first_L_positions(check):
    """forward(x) returns pe[:, :L] for x of shape (B, L, ...)
    对形状为 (B, L, ...) 的 x，forward(x) 返回 pe[:, :L]
    """
    check(lambda m: m.PositionalEmbedding(16, 64)(randn(2, 5, 16)), atol=table_tolerance(5))
    check(lambda m: m.PositionalEmbedding(16, 64)(torch.ones(3, 7, dtype=torch.long)), atol=table_tolerance(7))


@pytest.mark.points(2)
def test_forward_at_full_length_and_odd_sizes(check):
    """forward with L == max_len, and a small embed_size
    L == max_len 时的 forward，以及较小的 embed_size
    """
    check(lambda m: m.PositionalEmbedding(6, 10)(randn(1, 10, 6)), atol=table_tolerance(10))
    check(lambda m: m.PositionalEmbedding(2, 300)(randn(4, 300, 2)), atol=table_tolerance(300))
