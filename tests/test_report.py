"""The HTML feedback page of a submission and the instructor's class summary.

Rendered from a hand-built grading report, checked as text, then opened in a
real headless Chromium (Debian's `chromium`; CI installs it): the DOM it builds
must hold the scores and the pictures, and its screenshot must not be blank.
"""
import copy
import html
import math
import re
import shutil
import subprocess
import sys

import pytest

from autograder.transformer.artifacts import reference as reference_artifacts
from autograder.transformer.mistakes import BY_ID as MISTAKES
from tests.table import EXERCISES, MAX_SCORE
from course_cli.report import count_mistakes, render_feedback, render_summary
from tests.helpers import ROOT

NO_SCALE = MISTAKES["attention.no_scale"].sentence
COSINE = MISTAKES["warmup.cosine_full_period"].sentence
# Feedback the page must escape, not interpret.
TRICKY = 'at [0, 1]: yours <b>0.5</b> & expected "1" <script>alert(1)</script>'
IMG = re.compile(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"')


def _result(name, lost, feedback):
    """A contract result: full marks except the points in `lost` {exercise: points}."""
    exercises = {}
    for e in EXERCISES:
        score = e.points - lost.get(e.id, 0.0)
        lines = feedback.get(e.id) or ["all 4 checks passed"]
        tests = [{"name": f"{e.id}: a check", "number": f"{e.number}.1", "score": score, "max_score": e.points,
                  "output": "passed" if score == e.points else lines[0]}]
        exercises[e.id] = {"score": score, "max_score": e.points, "feedback": lines, "tests": tests}
    return {"submission": f"/submissions/{name}/transformer", "score": sum(x["score"] for x in exercises.values()),
            "max_score": MAX_SCORE, "exercises": exercises}


@pytest.fixture(scope="module")
def report():
    return {"results": [
        _result("alice", {}, {}),
        _result("bob", {"attention": 7.5, "warmup": 5.0},
                {"attention": [f"scores are scaled: {NO_SCALE}", TRICKY], "warmup": [f"{COSINE} (3 checks)"]}),
        _result("carol", {"attention": 15.0, "positional_encoding": 10.0},
                {"attention": [f"{NO_SCALE} (4 checks)"],
                 "positional_encoding": ["not implemented yet (fill in PositionalEmbedding)"]}),
    ]}


@pytest.fixture(scope="module")
def artifacts():
    return reference_artifacts()


@pytest.fixture(scope="module")
def broken_artifacts(artifacts):
    """The student's PE table could not be computed, nor the noam curve; cosine is off."""
    broken = copy.deepcopy(artifacts)
    broken["positional_encoding"].update(yours=None, error="NotImplementedError: not implemented yet")
    broken["warmup"]["schedules"]["noam"].update(yours=None, error="ZeroDivisionError: division by zero")
    cosine = broken["warmup"]["schedules"]["cosine"]
    cosine["yours"] = [0.8 * v for v in cosine["expected"]]
    return broken


@pytest.fixture(scope="module")
def pages(tmp_path_factory, report, artifacts, broken_artifacts):
    out = tmp_path_factory.mktemp("pages")
    bob, carol = report["results"][1], report["results"][2]
    paths = {
        "feedback": render_feedback(bob, artifacts, out / "bob.html", timestamp="2025-03-01 12:34:56"),
        "broken": render_feedback(carol, broken_artifacts, out / "carol.html", student="carol-42"),
        "summary": render_summary(report, out / "summary.html",
                                  feedback_links={r["submission"]: f"{r['submission'].split('/')[2]}.html"
                                                  for r in report["results"]}),
    }
    return out, paths


def _text(paths, key):
    return paths[key].read_text(encoding="utf-8")


def _self_contained(text):
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in text and '<meta charset="utf-8">' in text
    assert "http://" not in text and "https://" not in text and "url(" not in text
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'src="([^"]*)"', text))
    assert "<script" not in text
    assert "{{" not in text and "{%" not in text


def test_only_the_pages_are_written(pages):
    out, paths = pages
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths.values())


def test_feedback_page(pages, report):
    text = _text(pages[1], "feedback")
    _self_contained(text)
    bob = report["results"][1]
    assert "transformer" in text and ">bob<" in text and "2025-03-01 12:34:56" in text
    assert f"Total: {bob['score']:g} / 100" in text
    for e in EXERCISES:
        score = bob["exercises"][e.id]["score"]
        assert f"{score:g} / {e.points:g}" in text, e.id
        assert f"<code>{e.id}</code>" in text
    assert html.escape(NO_SCALE) in text and html.escape(COSINE) in text
    assert "yours &lt;b&gt;0.5&lt;/b&gt; &amp; expected" in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert TRICKY not in text and "<b>0.5</b>" not in text
    assert len(IMG.findall(text)) == 2


def test_feedback_page_without_the_students_table(pages):
    text = _text(pages[1], "broken")
    _self_contained(text)
    assert ">carol-42<" in text and "not recorded" in text and "Total: 75 / 100" in text
    assert len(IMG.findall(text)) == 2  # the placeholder is drawn inside the picture


def test_summary_page(pages, report):
    text = _text(pages[1], "summary")
    _self_contained(text)
    totals = sorted(r["score"] for r in report["results"])
    assert 'id="count">3<' in text
    assert f'id="mean">{sum(totals) / 3:g}<' in text and f'id="median">{totals[1]:g}<' in text
    assert len(IMG.findall(text)) == 1  # the small multiples, one figure
    rows = re.findall(r'<tr><td>(\d)\. <code>(\w+)</code></td><td>(.*?)</td><td class="num">(\d+)</td></tr>', text)
    assert rows == [("2", "attention", html.escape(NO_SCALE), "2"), ("7", "warmup", html.escape(COSINE), "1")]
    for name in ("alice", "bob", "carol"):
        assert f'<a href="{name}.html">{name}</a>' in text
    assert TRICKY not in text


def test_mistakes_without_the_catalog_count_identical_lines(report):
    rows = count_mistakes(report["results"], catalog=None)
    counted = {(r["exercise"], r["sentence"]): r["count"] for r in rows}
    assert counted[("attention", TRICKY)] == 1
    assert ("positional_encoding", "not implemented yet (fill in PositionalEmbedding)") in counted
    assert not any(s.startswith("all ") for _, s in counted)


def test_report_module_imports_neither_solutions_nor_matplotlib():
    code = ("import sys, course_cli.report; "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('solutions', 'matplotlib')], sys.modules.keys()")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_reference_artifacts_shape(artifacts):
    pe = artifacts["positional_encoding"]
    assert len(pe["expected"]) == 50 and len(pe["expected"][0]) == 16
    for pos, i in ((0, 0), (7, 2), (49, 15)):  # the sinusoidal formula itself, not the reference again
        angle = pos / 10000 ** ((i - i % 2) / 16)
        assert pe["expected"][pos][i] == pytest.approx(math.sin(angle) if i % 2 == 0 else math.cos(angle), abs=1e-6)
    warmup = artifacts["warmup"]
    assert warmup["steps"] == list(range(121)) and (warmup["warmup_steps"], warmup["total_steps"]) == (10, 100)
    for name in ("linear", "cosine", "noam"):
        assert len(warmup["schedules"][name]["expected"]) == 121
        assert warmup["schedules"][name]["expected"][10] == pytest.approx(1.0)


def test_a_feedback_page_shows_the_students_own_table_and_curves(make_submission, tmp_path):
    """Graded in the sandbox: the page's data are what the student's mistakes compute, not the reference's."""
    from autograder.transformer.artifacts import EMBED, LAST, MAX_LEN, TOTAL, WARMUP, collect
    from autograder.transformer.mistakes import mutant

    pe_slip, warmup_slip = MISTAKES["positional_encoding.sin_cos_swapped"], MISTAKES["warmup.cosine_full_period"]
    folder = make_submission("slips", {"positional_encoding.py": pe_slip.source(), "warmup.py": warmup_slip.source()})
    (data,) = collect([folder]).values()
    theirs = mutant(pe_slip).PositionalEmbedding(EMBED, MAX_LEN).pe
    theirs = (theirs[0] if theirs.dim() == 3 else theirs).tolist()
    flat = [x for row in data["positional_encoding"]["yours"] for x in row]
    assert flat == pytest.approx([x for row in theirs for x in row], abs=1e-7)
    assert flat != pytest.approx([x for row in data["positional_encoding"]["expected"] for x in row], abs=1e-3)
    cosine = data["warmup"]["schedules"]["cosine"]
    assert cosine["yours"] == pytest.approx([mutant(warmup_slip).lr_lambda(s, WARMUP, TOTAL, "cosine") for s in range(LAST + 1)])
    assert cosine["yours"] != pytest.approx(cosine["expected"])
    mine, reference = render_feedback(_result("slips", {}, {}), data, tmp_path / "slips.html").read_text(), \
        render_feedback(_result("ref", {}, {}), reference_artifacts(), tmp_path / "ref.html").read_text()
    assert IMG.findall(mine) and set(re.findall(r'data:image/png;base64,[^"]+', mine)).isdisjoint(
        re.findall(r'data:image/png;base64,[^"]+', reference))  # the pictures are drawn from those data


# --------------------------------------------------------------------------- in a real browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium():
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed: these tests need a real headless browser; "
                    "run `apt-get install chromium` (CI installs it)")
    return path


def _run(args, tmp_path, timeout=120):
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


VIRIDIS_YELLOW = (253, 231, 37)  # the top of the heatmap's color scale
HISTOGRAM_BLUE = (76, 114, 176)  # the summary's histogram bars
# Neither color is used by the pages' CSS: finding it on the screenshot means the PNG decoded.


@pytest.mark.parametrize("key,total,images,color", [
    ("feedback", "Total: 87.5 / 100", 2, VIRIDIS_YELLOW),
    ("broken", "Total: 75 / 100", 2, VIRIDIS_YELLOW),
    ("summary", "Mean total:", 1, HISTOGRAM_BLUE),
])
def test_rendered_in_chromium(pages, tmp_path, key, total, images, color):
    from matplotlib.image import imread

    chromium = _chromium()
    page = pages[1][key]
    common = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2000"]
    dom = _run([*common, "--dump-dom", page.as_uri()], tmp_path)
    assert total in dom
    assert len(re.findall(r'<img src="data:image/png;base64,', dom)) == images
    if key == "summary":
        assert 'id="count">3<' in dom and "<td>" in dom
    else:
        assert "Exercise" in dom and "What the grader found" in dom

    shot = tmp_path / "page.png"
    _run([*common, f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert shot.is_file() and shot.stat().st_size > 20_000
    pixels = imread(shot)
    assert pixels.shape[:2] == (2000, 1200)
    assert pixels[..., :3].var() > 0.001
    near = (abs(pixels[..., :3] * 255 - color) <= 8).all(axis=-1)
    assert near.sum() > 2_000, f"{near.sum()} pixels of {color}: the picture did not show"


@pytest.mark.parametrize("yours", [[[[0.0, 1.0], [1.0, 0.0]]], [[1.0, 2.0], [3.0]], [], "not a table"])
def test_odd_student_tables_still_render(tmp_path, artifacts, yours):
    odd = copy.deepcopy(artifacts)
    odd["positional_encoding"]["yours"] = yours
    odd["warmup"]["schedules"]["linear"]["yours"] = [None] + odd["warmup"]["schedules"]["linear"]["yours"][1:50]
    text = render_feedback(_result("dave", {}, {}), odd, tmp_path / "dave.html").read_text(encoding="utf-8")
    assert len(IMG.findall(text)) == 2


def test_a_students_control_characters_are_shown_escaped_in_the_page(tmp_path, artifacts):
    hostile = "\x1b[2J\u202eevil\u200b <b>x</b>"
    text = render_feedback(_result("eve\x1b[31m", {"attention": 15.0}, {"attention": [hostile]}), artifacts,
                           tmp_path / "eve.html").read_text(encoding="utf-8")
    assert not any(c in text for c in "\x1b\u202e\u200b")
    assert "\\x1b[2J\\u202eevil\\u200b &lt;b&gt;x&lt;/b&gt;" in text and "eve\\x1b[31m" in text


# A script run in the page: draws each Chinese character of the page's h1 in the h1's own font on a
# canvas, and compares it with U+E000, a private-use code point no font draws (the tofu box). It
# writes what it found into <body data-glyphs=...>, which --dump-dom shows.
GLYPH_PROBE = """<script>
(() => {
  const h1 = document.querySelector("h1"), font = getComputedStyle(h1).font;
  const draw = (ch) => { const c = document.createElement("canvas"); c.width = c.height = 64;
    const g = c.getContext("2d"); g.font = font.replace(/\\d+(\\.\\d+)?px/, "48px"); g.fillText(ch, 4, 52);
    return Array.from(g.getImageData(0, 0, 64, 64).data).join(","); };
  const tofu = draw("\\ue000"), chars = Array.from(h1.textContent).filter(ch => /[\\u4e00-\\u9fff]/.test(ch));
  const drawn = chars.filter(ch => draw(ch) !== tofu).length;
  const distinct = new Set(chars.map(draw)).size;
  document.body.dataset.glyphs = `${chars.length} ${drawn} ${distinct}`;
})();
</script>"""


def test_chinese_feedback_page_draws_its_glyphs_in_chromium(tmp_path, report, artifacts):
    """The zh page's text is Chinese, and Chromium draws every character of its heading as a glyph of
    its own (not the tofu box a missing font gives): fonts-noto-cjk is installed (setup.sh)."""
    chromium = _chromium()
    page = render_feedback(report["results"][2], artifacts, tmp_path / "zh.html", lang="zh")
    html = page.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "作业反馈" in html and "评分程序发现的问题" in html
    assert "注意力分数没有除以 sqrt(dk)" in html  # the catalog's sentence, in Chinese
    probed = page.with_name("probed.html")
    probed.write_text(html.replace("</body>", GLYPH_PROBE + "</body>"), encoding="utf-8")
    common = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2000"]
    dom = _run([*common, "--dump-dom", probed.as_uri()], tmp_path)
    chars, drawn, distinct = map(int, re.search(r'data-glyphs="(\d+) (\d+) (\d+)"', dom).groups())
    assert chars >= 4 and drawn == chars and distinct == len(set("作业反馈：")) - 1, (chars, drawn, distinct)
