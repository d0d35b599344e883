"""Render the students' README of the assignment, in English and Chinese.

The jinja2 templates in templates/ get the assignment id, the exercise table
and the total score from the assignment's table, so the README never disagrees with it.
An assignment may have templates of its own, templates/<id>/README.md.j2 (and .zh).
"""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
READMES = {"README.md.j2": "README.md", "README.zh.md.j2": "README.zh.md"}


def render_readmes(out_dir, assignment, duedate=None) -> list[Path]:
    """Write out_dir/README.md and out_dir/README.zh.md (with the due date, if there is one); return their paths."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    context = {"assignment": assignment.id, "exercises": assignment.exercises, "max_score": assignment.max_score,
               "duedate": duedate}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for template, name in READMES.items():
        path = out_dir / name
        own = f"{assignment.id}/{template}"
        chosen = own if (TEMPLATES / own).is_file() else template
        path.write_text(env.get_template(chosen).render(**context), encoding="utf-8")
        written.append(path)
    return written
