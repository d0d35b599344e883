"""Plain-text tables for the terminal."""
from .assignment import EXERCISES


def _fmt(x):
    return f"{x:g}"


def render(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(headers), line("-" * w for w in widths), *(line(r) for r in rows)])


def clip(text, width=100):
    """text cut to width characters, with an ellipsis where it was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def grading_report(report, feedback=True):
    """One block per submission: a row per exercise with its score and first feedback line."""
    blocks = []
    for result in report["results"]:
        rows = []
        for e in EXERCISES:
            ex = result["exercises"][e.id]
            first = ex["feedback"][0].splitlines()[0] if ex["feedback"] and ex["feedback"][0] else ""  # the rows: on the page
            more = f" (+{len(ex['feedback']) - 1} more)" if len(ex["feedback"]) > 1 else ""
            rows.append([e.number, e.id, f"{_fmt(ex['score'])}/{_fmt(ex['max_score'])}", clip(first) + more if feedback else ""])
        rows.append(["", "total", f"{_fmt(result['score'])}/{_fmt(result['max_score'])}", ""])
        blocks.append(f"{result['submission']}\n" + render(["#", "exercise", "score", "feedback"], rows))
    return "\n\n".join(blocks)
