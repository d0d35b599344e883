"""HTML pages from the grading report: feedback for one student, a summary for the instructor.

    render_feedback(result, artifacts, out_path)   # one submission's page
    render_summary(report, out_path)               # the whole class on one page

`result` is one entry of the contract's grading report ({"submission", "score",
"max_score", "exercises": {id: {"score", "max_score", "feedback", "tests"}}}),
`report` the whole report ({"results": [...]}). Pages come from the jinja2
templates in templates/ (autoescaped) and are self-contained: inline CSS,
pictures embedded as base64 PNG, no scripts, no external URLs, so they open
offline and can be mailed as one file.

`artifacts` holds what the pictures of a feedback page need, {picture: data}, as the
assignment's autograder/<id>/artifacts.py computes it from a student's code in the
sandbox (`reference()` there: from the reference alone, for tests); the
assignment's course_cli/pictures_<id>.py draws each (its docstring says the data).
matplotlib (the `instructor` extra) is imported only inside the functions that
draw: the students' wheel has none.
"""
import importlib
import math
import re
import statistics
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from course_core import assignments
from .safe_text import html_finalize
from .i18n import captions, localize_report
from .plotting import figure as _figure, png as _png, wrap as _wrap

TEMPLATES = Path(__file__).parent / "templates"
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


# --------------------------------------------------------------------------- pictures

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
    if artifacts is not None:  # each picture the assignment's artifacts.py gives, drawn by its pictures_<id>.py
        figures = importlib.import_module(f"{__package__}.pictures_{table.id}").FIGURES
        pictures = [{"src": figures[name](value), "caption": t[f"{name}_caption"]}
                    for name, value in artifacts.items() if name in figures]
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
