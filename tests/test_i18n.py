"""Lines a student reads, in Chinese, English or both."""
import pytest

from autograder.transformer import mistakes
from course_cli.i18n import CAPTIONS, LANGUAGES, TEMPLATES, localize, localize_report, phrases

EXCERPT = ("at [0][0, 2, 2, 3] (example 0, head 2, query 2, column 3): yours 1.29956, expected 2.25649 (largest difference 0.957)\n"
           "    column            2            3\n     yours      -0.2673          1.3\n  expected      -0.1345        2.256")


def test_every_catalogued_mistake_and_every_check_label_has_its_chinese():
    missing = [m.id for m in mistakes.MISTAKES if not m.zh or not any("\u4e00" <= ch <= "\u9fff" for ch in m.zh)]
    assert not missing
    from tests.test_hidden_tests import HIDDEN
    import ast
    for file in HIDDEN.glob("test_*.py"):
        for node in ast.parse(file.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                first = ast.get_docstring(node).splitlines()[0]
                assert first in phrases(), f"{file.name}::{node.name} has no Chinese label (its docstring's second line)"


def test_catalog_sentence_with_its_count_in_chinese():
    line = f"{mistakes.BY_ID['attention.no_scale'].sentence} (3 checks)"
    assert localize(line, "zh") == "注意力分数没有除以 sqrt(dk)（3 项检查）"
    assert localize(line, "en") == line
    assert localize(line, "both") == f"注意力分数没有除以 sqrt(dk)（3 项检查）\n{line}"


def test_label_then_exception_keeps_the_function_and_line():
    line = ("noam: warmup < 1, negative step, total <= 0: your code raised ZeroDivisionError: division by zero "
            "(warmup.py, line 46, in lr_lambda)")
    assert localize(line, "zh") == ("noam 的非法参数：预热步数 < 1、step 为负、总步数 <= 0：你的代码在 lr_lambda（warmup.py 第 46 行）"
                                    "抛出了异常 ZeroDivisionError: division by zero")


def test_a_label_is_found_however_many_colons_the_students_message_holds():
    """Only a known phrase can be a label, so only the line's first characters are tried as one: a message
    of ": " after ": " costs its length, not its length squared."""
    message = "x: " * 100_000
    line = f"noam: warmup < 1, negative step, total <= 0: your code raised ZeroDivisionError: {message}(warmup.py, line 46, in lr_lambda)"
    assert localize(line, "zh") == ("noam 的非法参数：预热步数 < 1、step 为负、总步数 <= 0：你的代码在 lr_lambda（warmup.py 第 46 行）"
                                    f"抛出了异常 ZeroDivisionError: {message.strip()}")


def test_excerpt_keeps_its_numbers_and_names_its_axes_in_chinese():
    zh = localize(f"{EXCERPT} (2 checks)", "zh")
    first, *rows = zh.split("\n")
    assert first == "在 [0][0, 2, 2, 3] (样本 0, 头 2, query 2, 列 3) 处：你的结果是 1.29956，正确值是 2.25649（最大差值 0.957）（2 项检查）"
    assert rows[1].split() == ["你的", "-0.2673", "1.3"] and rows[2].split() == ["正确值", "-0.1345", "2.256"]


def test_what_is_wrong_with_a_submissions_files_is_said_in_chinese():
    assert localize("bert.py is not a regular file", "zh") == "bert.py 不是普通文件"
    assert localize("locked/transformer cannot be read by the grader (its permissions)", "zh") == \
        "评分程序无法读取 locked/transformer（它的权限不允许）"


def test_an_unknown_line_stays_in_english_rather_than_guessed():
    assert localize("something nobody wrote a template for", "zh") == "something nobody wrote a template for"
    with pytest.raises(ValueError, match="unknown language"):
        localize("x", "fr")


def test_templates_have_the_same_fields_in_both_languages():
    import re
    for en, zh in TEMPLATES:
        assert sorted(re.findall(r"\{(\w+)\}", en)) == sorted(re.findall(r"\{(\w+)\}", zh)), en
    assert all(zh and en for en, zh in CAPTIONS.values()) and LANGUAGES == ("zh", "en", "both")


def test_localize_report_translates_feedback_and_test_names_and_leaves_the_input():
    report = {"results": [{"exercises": {"warmup": {"feedback": ["all 9 checks passed"], "tests": [
        {"name": "warmup: noam: warmup < 1, negative step, total <= 0", "output": "passed"}]}}}]}
    zh = localize_report(report, "zh")
    assert zh["results"][0]["exercises"]["warmup"]["feedback"] == ["全部 9 项检查都通过了"]
    assert zh["results"][0]["exercises"]["warmup"]["tests"][0]["name"] == "warmup: noam 的非法参数：预热步数 < 1、step 为负、总步数 <= 0"
    assert report["results"][0]["exercises"]["warmup"]["feedback"] == ["all 9 checks passed"]


def test_what_a_check_fed_in_is_said_in_chinese_too():
    line = ("softmax(q k^T / sqrt(dk)) v, and the weights: with batch 2, 3 heads, length 4, dk 8, no mask: "
            "at [0][0, 2, 2, 3] (example 0, head 2, query 2, column 3): yours 1.29956, expected 2.25649 (largest difference 0.957)")
    assert localize(line, "zh") == ("softmax(q k^T / sqrt(dk)) v，以及注意力权重：输入为批次 2、3 个头、长度 4、dk 为 8、无掩码时："
                                    "在 [0][0, 2, 2, 3] (样本 0, 头 2, query 2, 列 3) 处：你的结果是 1.29956，正确值是 2.25649（最大差值 0.957）")


def test_a_students_message_with_parentheses_stays_whole_and_the_place_is_the_last_group():
    """The message is the student's: "(x, line 2, in y)" in it must not pass for where it was raised."""
    line = "your code raised ValueError: bad (x, line 2, in y) (attention.py, line 3, in forward)"
    assert localize(line, "zh") == "你的代码在 forward（attention.py 第 3 行）抛出了异常 ValueError: bad (x, line 2, in y)"


def test_what_is_missing_from_a_result_or_a_state_dict_is_said_in_chinese():
    assert localize("'bias' is missing from your result", "zh") == "你的结果中缺少 'bias'"
    assert localize("your result has 'eps', which is not expected", "zh") == "你的结果中多了 'eps'，这里不应有它"
    assert localize("your FeedForward has no weight named 'input_layer.weight' in its state_dict "
                    "(the contract's names for its submodules and parameters, kept as nn.Module and nn.Parameter attributes)", "zh") \
        == "你的 FeedForward 的 state_dict 中没有名为 'input_layer.weight' 的权重（题目为其子模块和参数规定的名字，须是 nn.Module 和 nn.Parameter 属性）"
    assert localize("your LayerNorm's weight has shape (8,), expected (16,)", "zh") == "你的 LayerNorm 的 weight 形状是 (8,)，应为 (16,)"


def test_an_import_no_stand_in_answers_is_said_in_chinese():
    line = ("classifier.py cannot be imported: ImportError: make_source_mask cannot come from seq2seq.py: it is exercise 4,"
            " graded after this one, and an exercise may import only the given files and the exercises before it; define it"
            " in your own file (classifier.py, line 6, in <module>)")
    assert localize(line, "zh") == ("classifier.py 无法导入：make_source_mask 不能从 seq2seq.py 导入：它是第 4 题，在本题之后评分，"
                                    "而每道题只能导入给定的文件和它之前的题；请在你自己的文件里定义它（classifier.py 第 6 行，<module>）")


def test_every_axis_name_of_the_hidden_checks_has_its_chinese():
    """An excerpt's place ("example 0, class 2") is said in Chinese word by word: no axis name left out."""
    import ast
    from autograder import parts
    from course_core import assignments
    from course_cli.i18n import WORDS
    for a in assignments.ids():
        for file in parts.hidden(a).glob("test_*.py"):
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "AXES" for t in node.targets):
                    for names in ast.literal_eval(node.value).values():
                        assert set(names) <= WORDS.keys(), (file.name, set(names) - WORDS.keys())
