"""Pictures as self-contained data: URIs, drawn with matplotlib without pyplot (no global state, no display).

matplotlib (the `instructor` extra) is imported only inside the functions that draw: the students'
wheel has none."""
import base64
import io


def wrap(text, width=48):
    """text in lines of at most `width` characters, six lines at most."""
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines[:6]) + ("\n..." if len(lines) > 6 else "")


def figure(width, height):
    """A matplotlib Figure on the Agg canvas, without pyplot (no global state, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def png(fig):
    """The figure as a data: URI of a base64 PNG (written to memory, never to disk)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
