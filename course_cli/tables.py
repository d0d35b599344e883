"""Tables for the terminal, drawn by rich: columns fit the terminal's width (measuring wide CJK
characters as two), long cells wrap instead of being cut, and every cell is shown through
safe_text.escape, since cells carry students' text (exception messages, file names)."""
import io
import shutil

from course_core import assignments

from .safe_text import escape

safe = escape


def _fmt(x):
    return f"{x:g}"


def width():
    """The terminal's width ($COLUMNS first), or 100 columns when the output is not a terminal."""
    return shutil.get_terminal_size((100, 24)).columns


def wrap(text, max_width=None):
    """Plain text wrapped to the terminal's width (or max_width), paragraph by paragraph."""
    import textwrap

    return "\n".join(textwrap.fill(line, max_width or width()) for line in text.splitlines())


def render(headers, rows, max_width=None):
    """headers and rows as a table no wider than max_width (default: the terminal's); long cells wrap."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), header_style=None)
    for i, header in enumerate(headers):  # the last column wraps; the others keep their width
        last = i == len(headers) - 1
        table.add_column(escape(header), overflow="fold", no_wrap=not last, ratio=1 if last else None)
    for row in rows:
        table.add_row(*(Text(escape(cell)) for cell in row))
    console = Console(file=io.StringIO(), width=max_width or width(), color_system=None, highlight=False,
                      markup=False, emoji=False, legacy_windows=False)
    console.print(table)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines()).strip("\n")


def grading_report(report, feedback=True):
    """One block per submission: a row per exercise with its score and first feedback line."""
    blocks = []
    for result in report["results"]:
        rows = []
        table = assignments.of_result(result).by_id
        for number, (exercise_id, ex) in enumerate(result["exercises"].items(), 1):
            number = table[exercise_id].number if exercise_id in table else number
            first = ex["feedback"][0].splitlines()[0] if ex["feedback"] and ex["feedback"][0] else ""  # the rows: on the page
            more = f" (+{len(ex['feedback']) - 1} more)" if len(ex["feedback"]) > 1 else ""
            rows.append([number, exercise_id, f"{_fmt(ex['score'])}/{_fmt(ex['max_score'])}", first + more if feedback else ""])
        rows.append(["", "total", f"{_fmt(result['score'])}/{_fmt(result['max_score'])}", ""])
        blocks.append(f"{escape(result['submission'])}\n" + render(["#", "exercise", "score", "feedback"], rows))
    return "\n\n".join(blocks)
