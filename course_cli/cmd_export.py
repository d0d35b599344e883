"""`course export`: the assignment for outside grading platforms (instructor)."""
from pathlib import Path

import click

from course_core import assignments


@click.group()
def export():
    """Export an assignment's hidden autograder for an outside platform (instructor)."""


@export.command()
@click.argument("assignment")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("autograder.zip"),
              show_default=True, help="The zip to write.")
@click.option("--visibility", type=click.Choice(["after_published", "visible", "hidden", "after_due_date"]),
              default="after_published", show_default=True,
              help="When students see the hidden tests and their scores (hidden: never; Gradescope advises that only "
                   "for tests worth no points). The public tests are always visible.")
@click.option("--late-policy", metavar="TEXT", default=None,
              help="e.g. 'penalty_per_day=10,grace_minutes=15,max_days=5': percent of the score lost per started "
                   "day after the due date, from submission_metadata.json. Default: no late policy.")
def gradescope(assignment, out, visibility, late_policy):
    """Write ASSIGNMENT as a Gradescope autograder zip (setup.sh, run_autograder, the hidden autograder).

    Upload the zip on the assignment's Configure Autograder page. A submission scores
    exactly what `course check` gives it; students upload their assignment's files
    or the folder holding them.
    """
    from .gradescope import export_gradescope

    try:
        assignments.get(assignment)
    except assignments.UnknownAssignment as exc:
        raise click.ClickException(str(exc)) from None
    try:
        path = export_gradescope(assignment, out, visibility=visibility, late_policy=late_policy)
    except ValueError as exc:
        raise click.BadParameter(str(exc).removeprefix("late policy: "), param_hint="--late-policy") from None
    size = path.stat().st_size
    click.echo(f"wrote {path} ({size / 1024:.0f} KiB): upload it on Gradescope's Configure Autograder page; "
               f"hidden tests {visibility}, late policy {late_policy or 'none'}")
