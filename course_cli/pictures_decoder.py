"""The `decoder` feedback page's pictures, from autograder/decoder/artifacts.py's data (its docstring
says what each is). Each shows the student's beside the reference's; where the student's code gave
nothing, the panel says why in one line."""

from .plotting import figure, png, wrap


def _missing(ax, what, reason):
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#f6f6f6")
    ax.text(0.5, 0.5, f"{what} could not be computed:\n" + wrap(reason or "no values", 34), ha="center", va="center",
            fontsize=8, color="#a00", transform=ax.transAxes)


def _grid(value, rank):
    """value as nested lists of floats of this rank, or None when it is not one (the student's data)."""
    try:
        import numpy as np

        array = np.asarray(value, dtype=float)
        return array if array.ndim == rank and array.size else None
    except (TypeError, ValueError):
        return None


def cross_attention(data):
    """One heat map per head, queries down and source positions across: yours above, the reference's below."""
    expected = _grid(data["expected"], 3)
    yours = _grid(data.get("yours"), 3)
    heads = expected.shape[0]
    fig = figure(3 * heads + 1, 5.2)
    axes = fig.subplots(2, heads, squeeze=False)
    for row, (label, grid) in enumerate((("yours", yours), ("reference", expected))):
        for head in range(heads):
            ax = axes[row][head]
            if grid is None or grid.shape != expected.shape:
                _missing(ax, "your weights", data.get("error") or f"weights of shape {getattr(grid, 'shape', None)}")
            else:
                ax.imshow(grid[head], cmap="magma", vmin=0.0, vmax=1.0, interpolation="nearest", aspect="auto")
                ax.set_xticks(range(grid.shape[2]))
                ax.set_yticks(range(grid.shape[1]))
                for p in data.get("padding", ()):
                    ax.text(p, -0.7, "pad", ha="center", fontsize=7, color="#a00")
            ax.set_title(f"{label}: head {head}", fontsize=9, pad=12)
            ax.set_xlabel("source position", fontsize=8)
            ax.set_ylabel("target query", fontsize=8)
    fig.tight_layout()
    return png(fig)


def viterbi(data):
    """The emission scores as a heat map (tags down, steps across), the reference's path dashed white, yours solid."""
    import numpy as np

    emissions = np.asarray(data["emissions"], dtype=float)  # (L, T)
    fig = figure(8, 3.4)
    ax = fig.subplots()
    image = ax.imshow(emissions.T, cmap="viridis", aspect="auto", interpolation="nearest", origin="lower")
    fig.colorbar(image, ax=ax, label="emission score")
    steps = list(range(len(data["expected"])))
    ax.plot(steps, data["expected"], linestyle="--", color="white", linewidth=2.2, marker="s", markersize=9,
            markerfacecolor="none", label="reference")
    yours = _grid(data.get("yours"), 1)
    if yours is None:
        reason = wrap(data.get("error") or "no path", 60).replace("\n", " ")
        ax.set_title("your Viterbi path could not be computed: " + reason, fontsize=9, color="#a00")
    else:
        ax.plot(range(len(yours)), yours, color="#ff7f0e", linewidth=1.8, marker="o", markersize=5, label="yours")
        same = len(yours) == len(steps) and all(int(a) == b for a, b in zip(yours, data["expected"]))
        ax.set_title("your path is the reference's" if same else "your path differs from the reference's", fontsize=10)
    ax.set_xlabel("step")
    ax.set_ylabel("tag")
    ax.set_yticks(range(emissions.shape[1]))
    ax.legend(fontsize=8, loc="upper right")
    return png(fig)


def continuations(data):
    """Each prompt's continuation as token ids, yours under the reference's; tokens that differ in red."""
    expected = data["expected"]
    yours = data.get("yours") or {}
    prompt_length = len(data["prompt"][0])
    rows = []
    for mode, title in (("greedy", "greedy (temperature 0)"),
                        ("sampled", f"sampled (temperature {data['temperature']:g}, top-k {data['top_k']}, seed 0)")):
        for i, want in enumerate(expected[mode]):
            got = (yours.get(mode) or [None] * len(expected[mode]))[i] if isinstance(yours, dict) else None
            rows.append((f"{title}, prompt {i + 1}", want, got))
    fig = figure(9, 0.55 * 3 * len(rows) + 0.6)
    ax = fig.subplots()
    ax.set_axis_off()
    y = 0
    for label, want, got in rows:
        ax.text(0, y, label, fontsize=9, weight="bold", va="top")
        ax.text(0, y - 0.9, "reference", fontsize=8, color="#555", va="top")
        ax.text(0, y - 1.8, "yours", fontsize=8, color="#555", va="top")
        for k, token in enumerate(want):
            ax.text(1.6 + 0.55 * k, y - 0.9, str(token), fontsize=9, va="top", family="monospace",
                    color="#888" if k < prompt_length else "black")
        if got is None:
            ax.text(1.6, y - 1.8, wrap(data.get("error") or "no continuation", 90).replace("\n", " "), fontsize=8,
                    color="#a00", va="top")
        else:
            for k, token in enumerate(got[:40]):
                differs = k >= len(want) or token != want[k]
                ax.text(1.6 + 0.55 * k, y - 1.8, str(token), fontsize=9, va="top", family="monospace",
                        color="#d62728" if differs else ("#888" if k < prompt_length else "black"),
                        weight="bold" if differs else "normal")
        y -= 3
    ax.set_xlim(0, 1.6 + 0.55 * max(max(len(want) for _, want, _ in rows) + 1, 12))
    ax.set_ylim(y + 0.5, 0.5)
    return png(fig)


# artifacts.py's key -> its figure (its caption: course_cli/i18n.py's "<key>_caption")
FIGURES = {"cross_attention": cross_attention, "viterbi": viterbi, "continuations": continuations}
