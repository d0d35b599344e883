"""The `course` command. Each command parses its options and calls a plain function."""
import json
import os
import sys
from pathlib import Path

import click

from . import tables
from .assignment import ASSIGNMENT


def _jobs_default():
    return os.cpu_count() or 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="course")
def main():
    """Build a Transformer by hand: exercises, a hidden autograder, and the course workflow."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON grading report, and nothing else.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=_jobs_default, show_default="number of cores", help="Grading processes.")
@click.option("--time-limit", type=click.FloatRange(0.1), default=20.0, show_default=True, help="Seconds per exercise.")
def check(paths, as_json, jobs, time_limit):
    """Grade assignment folders with the hidden autograder (instructor)."""
    from .repo import require_autograder

    require_autograder()
    from autograder.grade import GradingError, grade

    try:
        report = grade(paths, time_limit=time_limit, jobs=jobs)
    except GradingError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        click.echo(tables.grading_report(report))


@main.command()
@click.option("--jobs", "-j", type=click.IntRange(1), default=_jobs_default, show_default="number of cores")
def audit(jobs):
    """Prove the hidden tests: reference 100, stubs 0, every catalogued mistake and variant (instructor)."""
    from .repo import require_autograder

    require_autograder()
    from autograder.audit import audit as run_audit

    rows = run_audit(jobs=jobs)
    click.echo(tables.render(["kind", "case", "ok", "result"], [[k, n, "ok" if ok else "MISS", d] for k, n, ok, d in rows]))
    misses = [r for r in rows if not r[2]]
    counts = {k: sum(1 for r in rows if r[0] == k) for k in ("mistake", "variant")}
    click.echo(f"\n{counts['mistake']} mistakes, {counts['variant']} variants, {len(misses)} misses")
    if misses:
        sys.exit(1)


@main.command()
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), help="Also write the checked students' version here.")
@click.option("--no-check", is_flag=True, help="Skip grading the reference (100) and the stubs (0).")
def build(out, no_check):
    """Regenerate exercises/ from solutions/, check it, and optionally write a release folder (instructor)."""
    from .build import ReleaseRefused, build_student_version, regenerate_exercises
    from .repo import require_autograder
    from .stubs import MarkerError

    require_autograder()
    try:
        if out:
            click.echo(f"students' version written to {build_student_version(out, check=not no_check)}")
        else:
            click.echo(f"regenerated {regenerate_exercises()}")
    except (MarkerError, ReleaseRefused, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None


@main.command("test")
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
def test_command(folder):
    """Run the public tests on your assignment folder (student)."""
    from .public_tests import format_table, run_public_tests

    try:
        rows = run_public_tests(folder)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_table(rows))
    if any(r["passed"] < r["total"] for r in rows):
        sys.exit(1)


@main.command()
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), help="Keep the demo's files in this folder.")
def demo(keep):
    """Release the assignment, let three simulated students submit, grade them, and show the table."""
    from .demo import run_demo

    run_demo(keep, echo=click.echo)
