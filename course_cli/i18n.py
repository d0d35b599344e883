"""What a student reads, in Chinese and English.

The grader writes its lines in English, the one language its tests and the
catalog are proven in. `localize(line, lang)` gives a line in "zh", "en" or
"both" (Chinese, then the English): a fixed phrase (a catalogued mistake's
sentence, a check's label, "not implemented yet") is looked up, and a line
with values in it (a shape, a number, an exception) is matched against the
templates below and rebuilt in the other language with the same values.
A line no template knows is left in English rather than guessed.

    localize(line, lang) -> str
    localize_report(report, lang) -> a copy of a grading report with its lines localized
    caption(key, lang) -> a heading or caption of the feedback page
"""
import ast
import copy
import re
from functools import lru_cache
from pathlib import Path

from course_core import assignments

LANGUAGES = ("zh", "en", "both")
DEFAULT = "both"

# Fixed phrases of the grader and of the public tests.
PHRASES = {
    "not implemented yet": "尚未实现",
    "the result": "结果",
    "your output": "你的输出",
    "lr_lambda gives no schedule that changes from step to step, so get_scheduler cannot be checked":
        "lr_lambda 没有任何一种调度会随步数变化，因此无法检查 get_scheduler",
    ("your output changes from one run to the next on the same input, where it must not (eval mode, or dropout 0):"
     " some randomness stays on, such as F.dropout without training=self.training, or a dropout or sub-module"
     " built without this module's dropout argument"):
        "同样的输入，你的输出每次运行都不一样，而这里不应如此（评估模式，或 dropout 为 0）：有随机性一直开着，"
        "例如 F.dropout 没有传 training=self.training，或者某个 dropout 或子模块没有用本模块的 dropout 参数构建",
    "your code ended the process running it (sys.exit, os._exit or a crash)":
        "你的代码结束了运行它的进程（sys.exit、os._exit 或程序崩溃）",
}

# (English, Chinese) with {fields}. A field named line is itself localized; at and where have their
# words translated; the others are values copied as they are (FIELDS: what a value may look like). The first template that matches the whole line wins: specific ones first.
TEMPLATES = (
    ("all {n} checks passed", "全部 {n} 项检查都通过了"),
    ("with {fed}: {line}", "输入为{fed}时：{line}"),
    ("{line} ({n} checks)", "{line}（{n} 项检查）"),
    ("at {at}: yours {x}, a {dtype} tensor equal to {y} (largest difference {gap})",
     "在 {at} 处：你的结果是 {x}，应为与 {y} 相等的 {dtype} 张量（最大差值 {gap}）"),
    ("at {at}: yours {x}, expected {y} (largest difference {gap})", "在 {at} 处：你的结果是 {x}，正确值是 {y}（最大差值 {gap}）"),
    ("returned {a} values, expected {b}", "返回了 {a} 个值，应为 {b} 个"),
    ("{key} is missing from your result", "你的结果中缺少 {key}"),
    ("your result has {key}, which is not expected", "你的结果中多了 {key}，这里不应有它"),
    ("your {cls} has no weight named {names} in its state_dict (the contract's names for its submodules and parameters,"
     " kept as nn.Module and nn.Parameter attributes)",
     "你的 {cls} 的 state_dict 中没有名为 {names} 的权重（题目为其子模块和参数规定的名字，须是 nn.Module 和 nn.Parameter 属性）"),
    ("your {cls}'s {name} has shape {a}, expected {b}", "你的 {cls} 的 {name} 形状是 {a}，应为 {b}"),
    ("your {cls} has a parameter the contract does not give it: {name} (keep the contract's submodules and parameters,"
     " as built there)", "你的 {cls} 有一个题目没有规定的参数：{name}（请按题目的规定构建子模块和参数）"),
    ("your {cls}'s {a} and {b} are one tensor; the contract keeps them apart", "你的 {cls} 的 {a} 和 {b} 是同一个张量；题目要求它们各自独立"),
    ("{where} is a {kind}, expected a tensor", "{where} 是 {kind}，应为张量"),
    ("{where} has shape {a}, expected {b}", "{where} 的形状是 {a}，应为 {b}"),
    ("{where} contains NaN", "{where} 中含有 NaN"),
    ("{where}: yours {x}, expected {y}", "{where}：你的结果是 {x}，正确值是 {y}"),
    ("{where} is {x}, expected {y}", "{where} 是 {x}，应为 {y}"),
    ("not implemented yet: {file} is unchanged from the released stub", "尚未实现：{file} 与发下去的模板完全相同"),
    ("not implemented yet ({why})", "尚未实现（{why}）"),
    ("your code raised {error} ({file}, line {n}, in {function})", "你的代码在 {function}（{file} 第 {n} 行）抛出了异常 {error}"),
    ("your code raised {error} ({file}, line {n})", "你的代码在 {file} 第 {n} 行抛出了异常 {error}"),
    ("your code raised {error}", "你的代码抛出了异常 {error}"),
    ("{file} does not parse: {error}", "{file} 有语法错误，无法解析：{error}"),
    ("{file} cannot be imported: ImportError: {line} ({place}, line {n}, in {function})",
     "{file} 无法导入：{line}（{place} 第 {n} 行，{function}）"),
    ("{name} cannot come from {other}: it is exercise {number}, graded after this one, and an exercise may import only"
     " the given files and the exercises before it; define it in your own file",
     "{name} 不能从 {other} 导入：它是第 {number} 题，在本题之后评分，而每道题只能导入给定的文件和它之前的题；请在你自己的文件里定义它"),
    ("{name} cannot come from {other}: it is exercise {number}, and while a later exercise is graded it is a stand-in"
     " that holds only what later exercises use; define it in your own file",
     "{name} 不能从 {other} 导入：它是第 {number} 题，评后面的题时它只是一个替身，只含后面的题会用到的内容；请在你自己的文件里定义它"),
    ("{file} cannot be imported: {error}", "{file} 无法导入：{error}"),
    ("uses {what}, which this exercise forbids", "使用了本题禁止的 {what}"),
    ("time limit exceeded: the exercise took longer than {s} s (an endless loop?)",
     "超出时间限制：本题运行超过了 {s} 秒（是不是有死循环？）"),
    ("time limit exceeded: the submission's exercises together took longer than {s} s",
     "超出时间限制：这次提交的所有题目合计运行超过了 {s} 秒"),
    ("your code returned something that is not plain tensors or numbers ({kind})",
     "你的代码返回的不是普通的张量或数字（{kind}）"),
    ("the grader could not check this ({why})", "评分程序无法检查这一项（{why}）"),
    ("{file} is missing from the submission", "提交中缺少 {file}"),
    ("{file} is not a regular file", "{file} 不是普通文件"),
    ("{what} cannot be read by the grader (its permissions)", "评分程序无法读取 {what}（它的权限不允许）"),
    ("{file} is larger than 1 MiB", "{file} 超过了 1 MiB"),
    ("{file} is not UTF-8 text", "{file} 不是 UTF-8 文本"),
    ("{path} holds none of the assignment's files ({files})", "{path} 中没有本作业的任何文件（{files}）"),
    ("(head_num, hidden_size, per_head_dim) is {got}, expected {want}", "(head_num, hidden_size, per_head_dim) 是 {got}，应为 {want}"),
    ("pe has shape {a}, expected {b}", "pe 的形状是 {a}，应为 {b}"),
    ("pe is {a}, expected {b}", "pe 的类型是 {a}，应为 {b}"),
    ("{schedule}: get_scheduler's rates {rates}... are not 0.5 (the base rate) times your lr_lambda {own}...",
     "{schedule}：get_scheduler 给出的学习率 {rates}... 不等于 0.5（基础学习率）乘以你的 lr_lambda {own}..."),
)

# Words inside a line's values: axis names of an index, and the rows under an excerpt.
WORDS = {"example": "样本", "head": "头", "query": "query", "column": "列", "position": "位置", "feature": "特征",
         "batch": "批次", "real token": "真实词", "point": "点", "index": "下标", "yours": "你的", "expected": "正确值",
         "token": "词", "class": "类别", "key": "key"}


FIELDS = {"error": r".+",  # greedy: a message holding "(", even "(x, line 2, in y)", stays whole (the where is the last group)
          "n": r"\d+", "x": r"\S+?", "y": r"\S+?", "gap": r"\S+?", "function": r"[\w.<>]+"}


def _regex(template):
    parts = re.split(r"\{(\w+)\}", template)
    pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{FIELDS.get(p, '.+?')})" for i, p in enumerate(parts))
    return re.compile(pattern + r"\Z", re.S)


_COMPILED = [(_regex(en), en, zh) for en, zh in TEMPLATES]


@lru_cache(maxsize=None)
def _longest_phrase():
    return max(map(len, phrases()), default=0)


@lru_cache(maxsize=None)
def phrases():
    """{English: Chinese} of every fixed phrase: PHRASES, the catalog's sentences and the hidden
    checks' labels (the first two lines of each test's docstring) and what they feed in (each check's
    fed=(English, Chinese)), where the autograder is installed."""
    table = dict(PHRASES)
    try:
        from autograder import parts
    except ImportError:  # a student's install: the public tests' phrases only
        return table
    files = []
    for a in assignments.ids():  # every assignment's catalog and hidden checks
        table.update({m.sentence: m.zh for m in parts.catalog(a).MISTAKES if m.zh})
        files += sorted(parts.hidden(a).glob("test_*.py"))
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "fed" and isinstance(node.value, ast.Tuple):
                en, zh = (ast.literal_eval(v) for v in node.value.elts)
                table[en] = zh
        for node in tree.body:
            doc = ast.get_docstring(node) if isinstance(node, ast.FunctionDef) else None
            lines = [x.strip() for x in (doc or "").splitlines() if x.strip()]
            if len(lines) >= 2:
                table[lines[0]] = lines[1]
    return table


def _words(text):
    for en, zh in WORDS.items():
        text = re.sub(rf"\b{en}\b", zh, text)
    return text


def _zh(line):
    """The line in Chinese, or None when no phrase or template knows it."""
    known = phrases()
    if line in known:
        return known[line]
    start, end = 0, _longest_phrase() + 2  # a label is a known phrase: no longer than the longest
    while (i := line.find(": ", start, end)) >= 0:  # "label: line", a check's label before what it found
        start = i + 2
        if line[:i] in known:
            rest = _zh(line[start:])
            if rest is not None:
                return f"{known[line[:i]]}：{rest}"
    for regex, _en, zh in _COMPILED:
        match = regex.match(line)
        if not match:
            continue
        fields = {}
        for name, value in match.groupdict().items():
            if name == "fed":
                if value not in known:
                    break
                value = known[value]
            elif name == "line":
                value = _zh(value)
                if value is None:
                    break
            elif name in ("at", "where"):
                value = _words(known.get(value, value))
            fields[name] = value
        else:
            return zh.format(**fields)
    return None


def localize(line, lang=DEFAULT):
    """One line of feedback in lang ("zh", "en" or "both"). Rows under an excerpt (after its first
    line) keep their numbers; their row names are translated."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    line = str(line)
    if lang == "en":
        return line
    head, *rows = line.split("\n")
    suffix = ""
    if rows and re.search(r" \(\d+ checks\)\Z", rows[-1]):  # "(3 checks)" lands after an excerpt's rows
        rows[-1], suffix = rows[-1].rsplit(" (", 1)
        head, suffix = f"{head} ({suffix}", ""
    zh = _zh(head)
    if zh is None:
        return line
    body = "\n".join([zh, *(_words(r) for r in rows)])
    return body if lang == "zh" else f"{body}\n{line}"


def localize_report(report, lang=DEFAULT):
    """A copy of a grading report ({"results": [...]}) with every feedback line and test output in lang."""
    if lang == "en":
        return report
    report = copy.deepcopy(report)
    for result in report.get("results", []):
        for exercise in result.get("exercises", {}).values():
            exercise["feedback"] = [localize(f, lang) for f in exercise.get("feedback", [])]
            for test in exercise.get("tests", []):
                if test.get("output") not in (None, "", "passed"):
                    test["output"] = localize(test["output"], lang)
                exercise_id, _, label = str(test.get("name", "")).partition(": ")
                if label:
                    test["name"] = f"{exercise_id}: {localize(label, lang)}"
    return report


# The feedback page's headings and captions.
CAPTIONS = {
    "title": ("Feedback", "作业反馈"),
    "heading": ("Feedback on assignment", "作业反馈："),
    "student": ("Student", "学生"),
    "submitted": ("Submitted", "提交时间"),
    "submission": ("Submission", "提交内容"),
    "scores": ("Scores", "得分"),
    "exercise": ("Exercise", "题目"),
    "score": ("Score", "得分"),
    "found": ("What the grader found", "评分程序发现的问题"),
    "no_feedback": ("no feedback for this exercise", "本题没有反馈"),
    "pictures": ("Pictures", "图示"),
    "positional_encoding_caption": ("Exercise 1: your positional-encoding table (left) and the reference's (right), positions down, "
                   "embedding columns across, on the same color scale.",
                   "第 1 题：你的位置编码表（左）和参考答案的位置编码表（右），纵向为位置，横向为嵌入维度，颜色刻度相同。"),
    "warmup_caption": ("Exercise 7: your learning-rate multipliers (solid) over the reference's (dashed grey), for each schedule.",
                       "第 7 题：每种调度下，你的学习率倍率（实线）与参考答案的倍率（灰色虚线）。"),
    "cross_attention_caption": ("Exercise 2: the attention weights of each head of your CrossAttention (top) and the reference's "
                                "(bottom), target queries down, source positions across; the last source position is padding "
                                "and must get weight 0.",
                                "第 2 题：你的 CrossAttention 每个头的注意力权重（上）与参考答案的（下），纵向为目标序列的 query，"
                                "横向为源序列位置；最后一个源位置是填充，权重必须为 0。"),
    "viterbi_caption": ("Exercise 7: the emission scores of one sentence (tags up, steps across), your Viterbi path "
                        "(orange) over the reference's (white squares).",
                        "第 7 题：一个句子的发射分数（纵向为标签，横向为时间步），你的 Viterbi 路径（橙色）与参考答案的路径（白色方框）。"),
    "continuations_caption": ("Exercise 6: your generate's continuations of two prompts (grey) with a fixed model, greedy "
                              "and sampled with a seeded generator, under the reference's; tokens that differ are red.",
                              "第 6 题：在固定的模型下，你的 generate 对两个提示词（灰色）的续写：贪心与用固定种子采样，"
                              "上面一行是参考答案；不同的词标为红色。"),
    "no_pictures": ("No pictures for this submission.", "这次提交没有图示。"),
    "footer": ("Generated by the course tools from the autograder's report. This page works offline.",
               "本页由课程工具根据自动评分报告生成，可离线查看。"),
    "checks": ("checks", "各项检查"),
    "total": ("Total", "总分"),
}


def caption(key, lang=DEFAULT):
    en, zh = CAPTIONS[key]
    return {"en": en, "zh": zh}.get(lang, f"{zh} / {en}")


def captions(lang=DEFAULT):
    """{key: caption} of the feedback page, and the page's html lang."""
    return {key: caption(key, lang) for key in CAPTIONS}, ("en" if lang == "en" else "zh-CN")
