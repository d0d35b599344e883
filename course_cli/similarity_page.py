"""The similarity report: a page of the project's own, in the feedback page's style.

It names the students, pictures the similarity of every pair (a labelled heat
map and histogram), and lists the flagged pairs per exercise with both files
side by side, the shared code marked. Everything shown from a submission (names,
code) goes through the templates' autoescape and control-character escaping.
"""
from pathlib import Path

from .plotting import figure as _figure, png as _png
from .report import _env

MAX_NAMED = 40  # above this many students the heat map's axes are not labelled one by one


def _name_fonts():
    """Font families for students' names: matplotlib's default, then an installed CJK font (for 张伟),
    added to matplotlib's font list when its cache predates the font."""
    from matplotlib import font_manager, rcParams

    manager = font_manager.fontManager
    if not any("CJK" in f.name for f in manager.ttflist):
        for path in font_manager.findSystemFonts():
            if "CJK" in Path(path).name and "Regular" in Path(path).name:
                manager.addfont(path)
    cjk = sorted({f.name for f in manager.ttflist if "CJK" in f.name and "SC" in f.name})
    return [*rcParams["font.sans-serif"][:1], *cjk[:1]]


def _heatmap(students, pairs):
    import numpy as np

    index = {s: i for i, s in enumerate(students)}
    matrix = np.zeros((len(students), len(students)))
    for p in pairs:
        matrix[index[p["a"]], index[p["b"]]] = matrix[index[p["b"]], index[p["a"]]] = 100 * p["similarity"]
    side = min(12.0, 2.5 + 0.3 * len(students))
    fig = _figure(side + 1.5, side)
    ax = fig.add_subplot()
    image = ax.imshow(matrix, vmin=0, vmax=100, cmap="Reds")
    if len(students) <= MAX_NAMED:
        ax.set_xticks(range(len(students)), students, rotation=60, ha="right", fontfamily=_name_fonts())
        ax.set_yticks(range(len(students)), students, fontfamily=_name_fonts())
    ax.set_xlabel("student")
    ax.set_ylabel("student")
    ax.set_title("Similarity of each pair of students")
    fig.colorbar(image, ax=ax, label="code beyond the stubs and the reference\nfound in the other's files (%)")
    return _png(fig)


def _histogram(students, pairs, threshold):
    n = len(students)
    values = [100 * p["similarity"] for p in pairs]
    values += [0.0] * (n * (n - 1) // 2 - len(values))  # the pairs that share nothing
    fig = _figure(7, 3.2)
    ax = fig.add_subplot()
    ax.hist(values, bins=range(0, 105, 5), color="#8c959f", edgecolor="white")
    ax.axvline(100 * threshold, color="#cf222e", linestyle="--", label=f"threshold {100 * threshold:.0f}%")
    ax.set_xlim(0, 100)
    ax.set_xlabel("similarity of a pair (%)")
    ax.set_ylabel("pairs of students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    return _png(fig)


def write_page(out_html, students, pairs, flagged, threshold, assignment):
    """out_html: the page for `students` (ids), every pair that shares anything, and the flagged file pairs."""
    out_html = Path(out_html)
    by_exercise = [(e, [f for f in flagged if f["exercise"] == e.id]) for e in assignment.exercises]
    context = dict(
        assignment=assignment.id, students=students, threshold=f"{100 * threshold:.0f}%",
        flagged_pairs=[p for p in pairs if p["similarity"] >= threshold],
        exercises=[(e, files) for e, files in by_exercise if files],
        heatmap=_heatmap(students, pairs) if len(students) >= 2 else None,
        histogram=_histogram(students, pairs, threshold) if len(students) >= 2 else None,
    )
    out_html.write_text(_env().get_template("similarity.html.j2").render(**context), encoding="utf-8")
    return out_html
