"""The `transformer` feedback page's pictures, from autograder/transformer/artifacts.py's data: the
student's positional-encoding table next to the reference's, and their warmup curves over the reference's:

    {"positional_encoding": {"yours": [[float]] | None, "expected": [[float]], "error": str | None},
     "warmup": {"steps": [int], "warmup_steps": int, "total_steps": int,
                "schedules": {"linear": {"yours": [float] | None, "expected": [float], "error": str | None},
                              "cosine": {...}, "noam": {...}}}}
"""
import math

from .plotting import figure as _figure, png as _png, wrap as _wrap

SCHEDULE_NAMES = ("linear", "cosine", "noam")


def _floats(values):
    return [math.nan if v is None else float(v) for v in values]


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


# artifacts.py's key -> its figure (its caption: course_cli/i18n.py's "<key>_caption")
FIGURES = {"positional_encoding": _pe_figure, "warmup": _warmup_figure}
