"""`course similarity`: which submissions share unusually much code beyond the stubs (instructor)."""
import contextlib
import sys
from pathlib import Path

import click

from .assignment import ASSIGNMENT


def student_folders(submissions: Path, assignment: str = ASSIGNMENT) -> dict:
    """{student id: assignment folder} for DIR/<student>/<assignment>/*.py (nbgrader's layout) or DIR/<student>/*.py."""
    folders = {}
    for student in sorted(submissions.iterdir()):
        if not student.is_dir() or student.name.startswith((".", "_")):
            continue
        nested = student / assignment
        folders[student.name] = nested if nested.is_dir() else student
    return folders


@click.command("similarity")
@click.argument("assignment")
@click.option("--course-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="The course root: its submitted/ folder is compared, and the report goes to reports/.")
@click.option("--submissions", "-s", "submissions", type=click.Path(path_type=Path),
              help="A folder with one subfolder per student, holding the files or a <assignment>/ folder with them "
                   "[default: COURSE_DIR/submitted, where `course collect` puts them].")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="List the pairs whose share of code beyond the stubs found in the other's files reaches this (0..1).")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write copydetect's report, with the matched code side by side, to this HTML file.")
@click.option("--stubs", type=click.Path(file_okay=False, path_type=Path),
              help="The stubs the students started from  [default: exercises/<assignment> of the course repository]")
@click.option("--quiet", "-q", is_flag=True, help="Hide copydetect's progress output.")
def similarity(assignment, course_dir, submissions, threshold, html, stubs, quiet):
    """List the pairs of submissions that share unusually much code beyond the stubs (instructor)."""
    from .repo import EXERCISES_DIR
    from .similarity import EXERCISE_FILES, format_pairs, similar_pairs

    if assignment != ASSIGNMENT:
        raise click.ClickException(f"unknown assignment {assignment!r}: the only assignment is {ASSIGNMENT!r}")
    if submissions is None:
        submissions = course_dir / "submitted"
        if html is None and submissions.is_dir():
            html = course_dir / "reports" / assignment / "similarity.html"
            html.parent.mkdir(parents=True, exist_ok=True)
    if not submissions.is_dir():
        raise click.ClickException(f"submissions folder {submissions} does not exist or is not a folder")
    stubs = stubs or EXERCISES_DIR
    if not stubs.is_dir():
        raise click.ClickException(f"stubs folder {stubs} does not exist: pass --stubs, or run from the course repository")
    if html is not None and not html.parent.is_dir():
        raise click.ClickException(f"cannot write the report {html}: folder {html.parent} does not exist")

    folders = student_folders(submissions, assignment)
    # Not quiet: copydetect's progress goes to stderr, so that stdout is the table alone.
    progress = contextlib.nullcontext() if quiet else contextlib.redirect_stdout(sys.stderr)
    try:
        with progress:
            pairs = similar_pairs(folders, stubs, threshold=threshold, out_html=html, quiet=quiet)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_pairs(pairs, threshold))
    empty = [s for s, folder in folders.items() if not any((folder / f).is_file() for f in EXERCISE_FILES)]
    click.echo(f"\n{len(folders) - len(empty)} submissions compared, {len(pairs)} pairs at or above {threshold:.0%}")
    if empty:
        click.echo(f"without any exercise file, skipped: {', '.join(empty)}")
    if html is not None:
        click.echo(f"HTML report written to {html}")
