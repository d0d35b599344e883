"""`course similarity`: which submissions share unusually much code beyond the stubs (instructor)."""
from pathlib import Path

import click

def student_folders(submissions: Path, assignment: str) -> dict:
    """{student id: assignment folder} for DIR/<student>/<assignment>/*.py (nbgrader's layout) or DIR/<student>/*.py."""
    folders = {}
    for student in sorted(submissions.iterdir()):
        if student.is_symlink() or not student.is_dir() or student.name.startswith((".", "_")):
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
              help="Also write the report page (the pairs per exercise with their code side by side, and pictures) "
                   "to this HTML file [default with the course's submitted/: reports/ASSIGNMENT/similarity.html].")
@click.option("--stubs", type=click.Path(file_okay=False, path_type=Path),
              help="The stubs the students started from  [default: exercises/<assignment> of the course repository]")
@click.option("--reference", type=click.Path(file_okay=False, path_type=Path),
              help="The reference solution, common code like the stubs  [default: solutions/<assignment> of the course "
                   "repository]")
@click.option("--quiet", "-q", is_flag=True, help="No progress line.")
def similarity(assignment, course_dir, submissions, threshold, html, stubs, reference, quiet):
    """List the pairs of submissions that share unusually much code beyond the stubs (instructor)."""
    from course_core import assignments

    from .repo import exercises_dir, solutions
    from .similarity import exercise_files, format_pairs, similar_pairs

    try:
        table = assignments.get(assignment)
    except assignments.UnknownAssignment as exc:
        raise click.ClickException(str(exc)) from None
    EXERCISE_FILES = exercise_files(table)
    if submissions is None:
        submissions = course_dir / "submitted"
        if html is None and submissions.is_dir():
            html = course_dir / "reports" / assignment / "similarity.html"
            html.parent.mkdir(parents=True, exist_ok=True)
    if not submissions.is_dir():
        raise click.ClickException(f"submissions folder {submissions} does not exist or is not a folder")
    stubs = stubs or exercises_dir(table)
    if not stubs.is_dir():
        raise click.ClickException(f"stubs folder {stubs} does not exist: pass --stubs, or run from the course repository")
    if html is not None and not html.parent.is_dir():
        raise click.ClickException(f"cannot write the report {html}: folder {html.parent} does not exist")

    reference = reference or solutions(table)
    if not reference.is_dir():
        raise click.ClickException(f"reference folder {reference} does not exist: pass --reference, or run from the "
                                   "course repository")

    folders = student_folders(submissions, assignment)
    empty = [s for s, folder in folders.items() if not any((folder / f).is_file() for f in EXERCISE_FILES)]
    if not quiet:
        click.echo(f"comparing {len(folders) - len(empty)} submissions, file by file...", err=True)
    try:
        pairs = similar_pairs(folders, stubs, threshold=threshold, out_html=html, reference_dir=reference,
                              assignment=table)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None
    if len(folders) - len(empty) < 2:
        click.echo(f"nothing to compare: {len(folders) - len(empty)} submission(s) with exercise files, "
                   "and a comparison needs two")
    else:
        click.echo(format_pairs(pairs, threshold))
    click.echo(f"\n{len(folders) - len(empty)} submissions compared, {len(pairs)} pairs at or above {threshold:.0%}")
    if empty:
        click.echo(f"without any exercise file, skipped: {', '.join(empty)}")
    if html is not None:
        click.echo(f"HTML report written to {html}")
