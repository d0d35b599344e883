"""compare: a catalogued mistake is named only when it explains every failed check; excerpts say
what their index means and show the values around the largest difference."""
import types

import pytest
import torch

from autograder import compare, parts
from autograder.transformer import mistakes


@pytest.fixture(autouse=True)
def transformer():
    """compare reads the catalog of the assignment whose hidden tests run: here the transformer's."""
    with parts.using("transformer"):
        yield


def record(name, passed, candidates=(), message="generic", certain=False, exercise="multi_head"):
    return {"submission": "s", "exercise": exercise, "name": name, "passed": passed, "fatal": False,
            "message": message, "candidates": list(candidates), "certain": certain}


def test_a_mistake_is_named_only_when_every_failed_check_has_it():
    both = "multi_head.split_and_merge_interleaved"
    records = [record("split", False, [both, "multi_head.heads_interleaved"]), record("merge", False, [both]),
               record("forward", True)]
    compare.resolve(records)
    assert [r["message"] for r in records[:2]] == [mistakes.BY_ID[both].sentence] * 2
    records = [record("split", False, ["multi_head.heads_interleaved"]), record("merge", False, ["multi_head.merge_interleaved"])]
    compare.resolve(records)
    assert [r["message"] for r in records] == ["generic", "generic"]


def test_a_certain_line_stays_and_does_not_block_the_others():
    records = [record("table", False, ["positional_encoding.no_batch_axis"]),
               record("buffer", False, message="seen directly", certain=True, exercise="positional_encoding")]
    records[0]["exercise"] = "positional_encoding"
    compare.resolve(records)
    assert records[0]["message"] == mistakes.BY_ID["positional_encoding.no_batch_axis"].sentence
    assert records[1]["message"] == "seen directly"


def test_a_candidate_that_fails_a_check_the_student_passed_is_not_named():
    split = lambda m: m.MultiHeadedAttention(2, 8).split_heads(torch.arange(32.0).reshape(1, 2, 16)[..., :8].double())
    compare.PASSED[("s", "multi_head")] = [(split, compare.ATOL, compare.RTOL)]
    records = [record("merge", False, ["multi_head.split_and_merge_interleaved"])]
    compare.resolve(records)
    assert records[0]["message"] == "generic" and ("s", "multi_head") not in compare.PASSED


def test_excerpt_names_the_axes_and_shows_the_values_around_the_largest_difference():
    yours = torch.zeros(2, 3, 8, dtype=torch.float64)
    expected = yours.clone()
    expected[1, 1, 7] = 2.5
    line = compare.difference(yours, expected, axes={3: ("example", "position", "feature")})
    first, header, mine, theirs = line.split("\n")
    assert first == "at [1, 1, 7] (example 1, position 1, feature 7): yours 0, expected 2.5 (largest difference 2.5)"
    assert header.split() == ["feature", "5", "6", "7"]
    assert mine.split() == ["yours", "0", "0", "0"] and theirs.split() == ["expected", "0", "0", "2.5"]


def test_an_infinity_agrees_with_itself_only_and_the_excerpt_points_past_it():
    inf = float("inf")
    assert compare.difference(torch.tensor([-inf, 1.0, inf]), torch.tensor([-inf, 1.0, inf])) is None
    line = compare.difference(torch.tensor([inf, 1.0, 2.0]), torch.tensor([inf, 1.0, 5.0])).splitlines()[0]
    assert line.startswith("at [2]: yours 2, expected 5")
    assert compare.difference(torch.tensor([inf]), torch.tensor([-inf])) is not None
    assert compare.difference(torch.tensor([1e30]), torch.tensor([inf])) is not None  # no value is near an infinity


def test_a_kept_answer_holds_no_autograd_graph():
    """A mutant's or the reference's answer is kept for every later submission: the parameters and saved
    activations behind it must not be (a worker's memory would grow with every mistake it meets)."""
    module = types.ModuleType("kept_answer_module")
    module.layer = torch.nn.Linear(4, 4)
    x = torch.randn(2, 4)

    def probe(m):
        return {"out": [m.layer(x)], "scale": (m.layer(x) * 2,)}

    status, answer = compare._answer(probe, module)
    assert status == "ok"
    kept = [answer["out"][0], answer["scale"][0]]
    assert all(t.grad_fn is None and not t.requires_grad for t in kept)
    assert torch.equal(kept[0], module.layer(x).detach())


def test_a_students_value_of_megabytes_is_shown_cut_in_one_short_line():
    """What a student's function returns may be any size: the line shows its start and its end."""
    huge = "x" * 1_000_000
    for line in (compare.difference(huge, 0.5), compare.difference(huge, "warmup"), compare.difference({huge: 1.0, "a": 1.0}, {"a": 1.0}),
                 compare.difference([1.0, huge], [1.0, 2.0])):
        assert line is not None and len(line) < 300 and "xxx...xxx" in line, line[:300]
    assert compare.difference(3, 4) == "the result: yours 3, expected 4"  # short values stay whole


def test_other_keys_or_nesting_with_the_same_values_is_a_difference():
    same = {"weight": torch.ones(2), "bias": torch.zeros(2)}
    renamed = {"gamma": torch.ones(2), "beta": torch.zeros(2)}
    assert compare.difference(same, dict(same)) is None
    assert compare.difference(renamed, same) == "'bias' is missing from your result"
    assert compare.difference({**same, "eps": 1e-5}, same) == "your result has 'eps', which is not expected"
    assert compare.difference({1: 0.0, "1": 0.0}, {1: 0.0, "1": 0.0}) is None  # keys of mixed types
    assert compare.difference([[1, 2], [3]], [[1], [2, 3]]) is not None


def test_a_value_of_the_wrong_dtype_is_shown_above_the_expected_row():
    yours, expected = torch.ones(1, 4, dtype=torch.long), torch.tensor([[True, False, False, False]])
    first, header, mine, theirs = compare.difference(yours, expected).split("\n")
    assert first.startswith("at [0, 1]: yours 1, a torch.bool tensor equal to 0")
    assert mine.split() == ["yours", "1", "1", "1", "1"] and theirs.split() == ["expected", "1", "0", "0", "0"]


def test_an_object_that_is_new_each_run_is_not_called_randomness():
    """nn.GELU (the class) called on a tensor gives a new module each run: not a dropout left on."""
    assert compare._changes_between_runs(lambda m: torch.nn.GELU(), None, torch.nn.GELU(), 1e-7, 1e-7) is False
    assert compare._changes_between_runs(lambda m: torch.rand(3), None, torch.rand(3), 1e-7, 1e-7) is True
