"""Turn the one master (solutions/) into the students' version (exercises/).

Solution regions use nbgrader's markers. The text after the marker, if any,
becomes the hint of the stub:

    ### BEGIN SOLUTION: view as (B, L, h, d), then swap the L and h axes
    ...
    ### END SOLUTION

becomes

    # TODO (exercise 3): view as (B, L, h, d), then swap the L and h axes (roughly 2 lines)
    raise NotImplementedError("exercise 3: multi_head.split_heads")

A region directly followed by a `### BEGIN STUB` ... `### END STUB` block is
replaced by that block's commented-out code instead of a raise: this is how
bert.py ships the lecture's broken line for the student to fix.
"""
import ast
import re
import shutil
from pathlib import Path

from . import assignments

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_STUB, END_STUB = "### BEGIN STUB", "### END STUB"
MARKERS = (BEGIN, END, BEGIN_STUB, END_STUB)


class MarkerError(ValueError):
    """A solution file whose markers do not pair up."""


def _marker(line):
    stripped = line.strip()
    for m in MARKERS:
        if stripped.startswith(m):
            return m, stripped[len(m):].lstrip(": ").strip()
    return None, ""


def _enclosing_names(source):
    """line number -> the label of the innermost function around it, e.g. `split_heads`."""
    tree = ast.parse(source)
    spans, counts = [], {}

    def visit(node, cls=None):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                spans.append((child.lineno, child.end_lineno, cls, child.name))
                counts[child.name] = counts.get(child.name, 0) + 1
                visit(child, cls)

    visit(tree)

    def label(lineno):
        inner = [s for s in spans if s[0] <= lineno <= s[1]]
        if not inner:
            return "<module>"
        start, _, cls, name = max(inner)
        # A method name used twice in the file (forward, __init__) needs its class.
        return f"{cls}.{name}" if cls and counts[name] > 1 else name

    return label


def _code_lines(lines):
    return sum(1 for l in lines if l.strip() and not l.strip().startswith("#"))


def strip_solutions(source, number, stem, filename="<source>"):
    """The students' version of one master file."""
    lines = source.splitlines(keepends=True)
    label = _enclosing_names(source)
    out, i = [], 0
    while i < len(lines):
        kind, hint = _marker(lines[i])
        if kind is None:
            out.append(lines[i])
            i += 1
            continue
        if kind != BEGIN:
            raise MarkerError(f"{filename}:{i + 1}: {kind} without a {BEGIN} before it")
        start, indent = i, lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        i += 1
        body = []
        while i < len(lines) and _marker(lines[i])[0] != END:
            if _marker(lines[i])[0] is not None:
                raise MarkerError(f"{filename}:{i + 1}: {_marker(lines[i])[0]} inside the region opened at line {start + 1}")
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise MarkerError(f"{filename}:{start + 1}: {BEGIN} is never closed by {END}")
        i += 1
        where = label(start + 1)
        todo, _, zh = (hint or f"implement {where}").partition(" || ")
        n = _code_lines(body)
        out.append(f"{indent}# TODO (exercise {number}): {todo.strip()} (roughly {n} line{'s' if n != 1 else ''})\n")
        if zh.strip():  # the hint in Chinese, after " || "
            out.append(f"{indent}# TODO（第 {number} 题）：{zh.strip()}（约 {n} 行）\n")
        if i < len(lines) and _marker(lines[i])[0] == BEGIN_STUB:
            stub_start = i
            i += 1
            while i < len(lines) and _marker(lines[i])[0] != END_STUB:
                if _marker(lines[i])[0] is not None:
                    raise MarkerError(f"{filename}:{i + 1}: {_marker(lines[i])[0]} inside the stub block opened at line {stub_start + 1}")
                out.append(re.sub(r"^(\s*)# ?", r"\1", lines[i], count=1))
                i += 1
            if i == len(lines):
                raise MarkerError(f"{filename}:{stub_start + 1}: {BEGIN_STUB} is never closed by {END_STUB}")
            i += 1
        else:
            out.append(f'{indent}raise NotImplementedError("exercise {number}: {stem}.{where}")\n')
    return "".join(out)


def generate(master_dir, out_dir, assignment=None):
    """Write the students' version of every file of master_dir into out_dir; returns the files written.

    assignment: its table (default: the one master_dir is named after, solutions/<id>)."""
    master_dir, out_dir = Path(master_dir), Path(out_dir)
    if not master_dir.is_dir():
        raise FileNotFoundError(f"no master folder at {master_dir}")
    BY_ID = (assignment or assignments.get(master_dir.name)).by_id
    rendered = {}
    for path in sorted(master_dir.glob("*.py")):
        exercise = BY_ID.get(path.stem)
        source = path.read_text(encoding="utf-8")
        rendered[path.name] = strip_solutions(source, exercise.number, path.stem, str(path)) if exercise else source
    # Only write once every file has parsed, so a marker error leaves out_dir as it was.
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for name, text in rendered.items():
        (out_dir / name).write_text(text, encoding="utf-8")
    return [out_dir / name for name in rendered]
