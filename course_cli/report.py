"""HTML pages from the grading report: feedback for one student, a summary for the instructor.

    render_feedback(result, artifacts, out_path)   # one submission's page
    render_summary(report, out_path)               # the whole class on one page

`result` is one entry of the contract's grading report ({"submission", "score",
"max_score", "exercises": {id: {"score", "max_score", "feedback", "tests"}}}),
`report` the whole report ({"results": [...]}). Pages come from the jinja2
templates in templates/ (autoescaped) and are self-contained: inline CSS,
pictures embedded as base64 PNG, no scripts, no external URLs, so they open
offline and can be mailed as one file.

`artifacts` holds what the pictures of a feedback page need:

    {"positional_encoding": {"yours": [[float]] | None, "expected": [[float]], "error": str | None},
     "warmup": {"steps": [int], "warmup_steps": int, "total_steps": int,
                "schedules": {"linear": {"yours": [float] | None, "expected": [float], "error": str | None},
                              "cosine": {...}, "noam": {...}}}}

`autograder.artifacts` computes it from a student's code in the sandbox
(`reference()` there: from the reference alone, for tests). matplotlib (the
`instructor` extra) is imported only inside the functions that need it: the
students' wheel has none.
"""
import math
import re
import statistics
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from course_core import assignments
from .safe_text import html_finalize
from . import pictures_decoder
from .i18n import captions, localize_report
from .plotting import figure as _figure, png as _png, wrap as _wrap

TEMPLATES = Path(__file__).parent / "templates"
SCHEDULE_NAMES = ("linear", "cosine", "noam")
PASSED = re.compile(r"^all \d+ checks? passed$")


# --------------------------------------------------------------------------- helpers

def _env():
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        finalize=html_finalize,  # students' text: control, bidi and zero-width characters shown escaped
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )


def _write(template, out_path, **context):
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(_env().get_template(template).render(**context), encoding="utf-8")
    return out_path


def _fmt(x):
    """A score for people: 12, 12.5, 12.33."""
    x = float(x)
    return f"{x:.2f}".rstrip("0").rstrip(".") if math.isfinite(x) else str(x)


def _level(score, max_score):
    if max_score and score >= max_score - 1e-9:
        return "full"
    return "none" if score <= 1e-9 else "part"


def _percent(score, max_score):
    return max(0.0, min(100.0, 100.0 * score / max_score)) if max_score else 0.0


def _student_id(result, student=None):
    if student:
        return str(student)
    if result.get("student"):
        return str(result["student"])
    path = Path(str(result.get("submission", "?")))
    # A submission is usually <student>/<assignment id>: name it after the student's folder.
    return path.parent.name if path.name in assignments.ids() and path.parent.name else path.name


def _timestamp(result, timestamp=None):
    value = timestamp if timestamp is not None else result.get("timestamp") or result.get("submitted_at")
    if value is None:
        return "not recorded"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    from nbgrader.utils import parse_utc

    try:  # nbgrader's "2026-11-30 15:20:51.658134 UTC", to the second
        return f"{parse_utc(str(value)):%Y-%m-%d %H:%M:%S} UTC"
    except (ValueError, OverflowError):
        return str(value)


def _floats(values):
    return [math.nan if v is None else float(v) for v in values]


# --------------------------------------------------------------------------- pictures

def _pe_figure(pe):
    """Two heatmaps, yours next to the reference's, on the same color scale."""
    import numpy as np

    expected = np.asarray(pe["expected"], dtype=float)
    yours, error = _table(pe.get("yours")), pe.get("error")
    if yours is None and pe.get("yours") is not None:
        error = "the table is empty or not a 2-D array of numbers"
    finite = [a[np.isfinite(a)] for a in (expected, yours) if a is not None]
    values = np.concatenate([f.ravel() for f in finite]) if finite else np.array([-1.0, 1.0])
    vmin, vmax = (float(values.min()), float(values.max())) if values.size else (-1.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 1, vmax + 1

    fig = _figure(10, 4.2)
    left, right, bar = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 0.05]})
    if yours is None:
        left.set_xticks([])
        left.set_yticks([])
        left.set_facecolor("#f6f6f6")
        reason = error or "no table was returned"
        left.text(0.5, 0.5, "your table could not be computed:\n" + _wrap(reason, 36), ha="center", va="center",
                  fontsize=9, color="#a00", transform=left.transAxes)
        left.set_title("yours: missing")
    else:
        left.imshow(yours, aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax, interpolation="nearest")
        left.set_title(f"yours {yours.shape[0]} x {yours.shape[1]}")
        left.set_xlabel("embedding column")
        left.set_ylabel("position")
    ref = right.imshow(expected, aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax, interpolation="nearest")
    right.set_title(f"reference {expected.shape[0]} x {expected.shape[1]}")
    right.set_xlabel("embedding column")
    right.set_ylabel("position")
    fig.colorbar(ref, cax=bar, label="value")
    fig.tight_layout()
    fig.suptitle("Positional encoding table: positions x embedding columns", y=1.02)
    return _png(fig)


def _table(rows):
    """The student's table as a 2-D float array (leading axes of size 1 dropped), or None."""
    import numpy as np

    if rows is None:
        return None
    try:
        table = np.asarray(_nested_floats(rows), dtype=float)
    except (TypeError, ValueError):  # ragged rows, strings
        return None
    while table.ndim > 2 and table.shape[0] == 1:
        table = table[0]
    if table.ndim == 1:
        table = table.reshape(1, -1)
    return table if table.ndim == 2 and table.size else None


def _nested_floats(rows):
    if isinstance(rows, (list, tuple)):
        return [_nested_floats(r) for r in rows]
    return math.nan if rows is None else float(rows)


def _warmup_figure(warmup):
    """One panel per schedule: the reference dashed grey, the student's curve solid on top."""
    steps = list(warmup["steps"])
    W, T = warmup.get("warmup_steps"), warmup.get("total_steps")
    fig = _figure(12, 3.6)
    axes = fig.subplots(1, len(SCHEDULE_NAMES), sharey=True)
    missing = []
    for ax, name in zip(axes, SCHEDULE_NAMES):
        curve = warmup["schedules"].get(name, {})
        expected = _floats(curve.get("expected") or [])
        # The reference on top, dashed: where the student's curve matches, both stay visible.
        ax.plot(steps[: len(expected)], expected, linestyle="--", color="grey", linewidth=1.6, label="reference", zorder=3)
        if curve.get("yours") is None:
            missing.append(name)
            reason = curve.get("error") or "no values"
            ax.plot([], [], color="#d62728", label="yours: missing")
            ax.text(0.5, 0.5, "yours could not be computed:\n" + _wrap(reason, 34), ha="center", va="center",
                    fontsize=8, color="#a00", transform=ax.transAxes)
            ax.set_title(f"{name} (yours missing)", pad=12)
        else:
            yours = _floats(curve["yours"])
            ax.plot(steps[: len(yours)], yours, color="#1f77b4", linewidth=2.5, label="yours", zorder=2)
            ax.set_title(name, pad=12)
        for x, label in ((W, "W"), (T, "T")):
            if x is not None:
                ax.axvline(x, color="#bbb", linewidth=0.8, linestyle=":")
                ax.text(x, 1.0, f" {label}", color="#888", fontsize=8, va="bottom", transform=ax.get_xaxis_transform())
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    axes[0].set_ylabel("learning-rate multiplier")
    title = f"Warmup schedules (W = {W}, T = {T})"
    if missing:
        title += "; yours missing: " + ", ".join(missing)
    fig.suptitle(title, y=1.04)
    return _png(fig)


def _summary_figure(results, table):
    """Small multiples: the distribution of each exercise's score, and of the total."""
    fig = _figure(12, 5.6)
    columns = (len(table.exercises) + 2) // 2  # two rows: the exercises, then the total
    axes = fig.subplots(2, columns).ravel()
    panels = [(f"{e.number}. {e.id}", e.points, [r["exercises"].get(e.id, {}).get("score", 0.0) for r in results])
              for e in table.exercises]
    panels.append(("total", table.max_score, [r.get("score", 0.0) for r in results]))
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    for ax, (title, top, scores) in zip(axes, panels):
        bins = [top * i / 10 for i in range(11)]
        ax.hist([min(max(float(s), 0.0), top) for s in scores], bins=bins,
                color="#4c72b0" if title != "total" else "#55a868", edgecolor="white")
        mean = statistics.fmean(scores) if scores else 0.0
        ax.axvline(mean, color="#c44e52", linewidth=1.2, linestyle="--")
        ax.set_title(f"{title}\nmean {_fmt(mean)} / {_fmt(top)}", fontsize=9)
        ax.set_xlim(0, top)
        ax.tick_params(labelsize=8)
        ax.yaxis.get_major_locator().set_params(integer=True)
    axes[0].set_ylabel("submissions")
    axes[columns].set_ylabel("submissions")
    fig.tight_layout()
    return _png(fig)


# --------------------------------------------------------------------------- feedback page

def _exercise_rows(result):
    rows = []
    for e in assignments.of_result(result).exercises:
        ex = result.get("exercises", {}).get(e.id) or {}
        score, top = float(ex.get("score", 0.0)), float(ex.get("max_score", e.points))
        rows.append({
            "number": e.number, "id": e.id, "title": e.title,
            "score": _fmt(score), "max_score": _fmt(top),
            "percent": f"{_percent(score, top):.1f}", "level": _level(score, top),
            "feedback": [str(f) for f in ex.get("feedback", [])],
            "tests": [{"number": t.get("number", ""), "name": t.get("name", ""), "score": _fmt(t.get("score", 0.0)),
                       "max_score": _fmt(t.get("max_score", 0.0)), "output": str(t.get("output", ""))}
                      for t in ex.get("tests", [])],
        })
    return rows


def render_feedback(result, artifacts, out_path, student=None, timestamp=None, lang="en") -> Path:
    """Write one submission's feedback page (self-contained HTML) to out_path; return its path.

    result: one entry of the grading report's "results"; artifacts: see the module docstring
    (None leaves the pictures out); student: the id shown (default: the submission folder's name);
    timestamp: a datetime or string (default: result["timestamp"], else "not recorded");
    lang: "zh", "en" or "both", for the page's headings and the feedback's lines (i18n).
    """
    result = localize_report({"results": [result]}, lang)["results"][0]
    t, html_lang = captions(lang)
    table = assignments.of_result(result)
    score, top = float(result.get("score", 0.0)), float(result.get("max_score", table.max_score))
    pictures = None
    if artifacts is not None:  # each picture an assignment's artifacts.py gives, drawn by its figure below
        pictures = [{"src": FIGURES[name](value), "caption": t[f"{name}_caption"]}
                    for name, value in artifacts.items() if name in FIGURES]
    return _write(
        "feedback.html.j2", out_path,
        assignment=table.id,
        student=_student_id(result, student),
        timestamp=_timestamp(result, timestamp),
        score=_fmt(score), max_score=_fmt(top),
        percent=f"{_percent(score, top):.1f}", level=_level(score, top),
        exercises=_exercise_rows(result),
        pictures=pictures,
        t=t, html_lang=html_lang,
    )


# The pictures a feedback page can hold: an artifacts.py's key -> its figure (its caption: i18n's "<key>_caption").
FIGURES = {"positional_encoding": _pe_figure, "warmup": _warmup_figure, **pictures_decoder.FIGURES}


# --------------------------------------------------------------------------- summary page

def _catalog(table):
    """{exercise id: [distinct mistake sentences, longest first]} of the assignment, or None without the autograder."""
    try:
        from .repo import require_autograder

        require_autograder()  # puts the course repository on sys.path, as the installed `course` needs
        from autograder import parts

        mistakes = parts.catalog(table)
    except Exception:  # the students' wheel has no autograder
        return None
    catalog = {}
    for m in mistakes.MISTAKES:
        sentences = catalog.setdefault(m.exercise, [])
        if m.sentence not in sentences:
            sentences.append(m.sentence)
    for sentences in catalog.values():
        sentences.sort(key=len, reverse=True)  # the most specific sentence wins
    return catalog


def count_mistakes(results, catalog=None):
    """[{exercise, number, sentence, count}] sorted by exercise number, then count (descending).

    count is the number of submissions with the mistake. With a catalog, a feedback line
    counts for the catalogued sentence it contains (lines read "label: sentence",
    "sentence (3 checks)" or "sentence [error]"); without one, identical lines are counted
    (the "all N checks passed" line excepted).
    """
    numbers = {e.id: e.number for r in results[:1] for e in assignments.of_result(r).exercises}
    counts = {}
    for result in results:
        seen = set()
        for exercise_id, ex in result.get("exercises", {}).items():
            for line in ex.get("feedback", []) or []:
                line = str(line)
                if catalog is not None:
                    sentence = next((s for s in catalog.get(exercise_id, []) if s in line), None)
                else:
                    sentence = None if PASSED.match(line.strip()) else line.strip()
                if sentence is not None:
                    seen.add((exercise_id, sentence))
        for key in seen:
            counts[key] = counts.get(key, 0) + 1
    rows = [{"exercise": ex, "number": numbers.get(ex, 99), "sentence": s, "count": n} for (ex, s), n in counts.items()]
    rows.sort(key=lambda r: (r["number"], -r["count"], r["sentence"]))
    return rows


def render_summary(report, out_path, feedback_links=None) -> Path:
    """Write the instructor's class summary (self-contained HTML) to out_path; return its path.

    report: the grading report {"results": [...]}; feedback_links: {submission: relative href}
    of the students' feedback pages, linked from the table of students.
    """
    results = list(report.get("results", []))
    table = assignments.of_result(results[0]) if results else assignments.get(report["assignment"])
    EXERCISES, MAX_SCORE = table.exercises, table.max_score
    totals = [float(r.get("score", 0.0)) for r in results]
    exercises = []
    for e in EXERCISES:
        scores = [float(r.get("exercises", {}).get(e.id, {}).get("score", 0.0)) for r in results]
        exercises.append({
            "number": e.number, "id": e.id, "title": e.title, "max_score": _fmt(e.points),
            "mean": _fmt(statistics.fmean(scores)) if scores else "-",
            "median": _fmt(statistics.median(scores)) if scores else "-",
            "full": sum(1 for s in scores if s >= e.points - 1e-9),
            "zero": sum(1 for s in scores if s <= 1e-9),
        })
    catalog = _catalog(table)
    links = feedback_links or {}
    students = []
    for r in sorted(results, key=lambda r: str(r.get("submission", ""))):
        cells = []
        for e in EXERCISES:
            score = float(r.get("exercises", {}).get(e.id, {}).get("score", 0.0))
            cells.append({"score": _fmt(score), "level": _level(score, e.points)})
        total = float(r.get("score", 0.0))
        students.append({"submission": str(r.get("submission", "")), "student": _student_id(r),
                         "href": links.get(r.get("submission")), "total": _fmt(total),
                         "level": _level(total, float(r.get("max_score", MAX_SCORE))), "cells": cells})
    return _write(
        "summary.html.j2", out_path,
        assignment=table.id,
        count=len(results),
        max_score=_fmt(MAX_SCORE),
        mean=_fmt(statistics.fmean(totals)) if totals else "-",
        median=_fmt(statistics.median(totals)) if totals else "-",
        exercises=exercises,
        histogram=_summary_figure(results, table) if results else None,
        mistakes=count_mistakes(results, catalog),
        catalogued=catalog is not None,
        students=students,
    )
