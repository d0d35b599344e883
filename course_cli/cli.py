"""The `course` command. Each command parses its options and calls a plain function."""
import contextlib
import functools
import io
import os
import sys
from pathlib import Path

import click

from course_core import tempfiles

from . import tables
from .i18n import DEFAULT as DEFAULT_LANGUAGE
from .i18n import LANGUAGES, localize_report
from .language import read_language, write_language


def _jobs_default():
    return os.cpu_count() or 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="course")
def main():
    """Build a Transformer by hand: exercises, a hidden autograder, and the course workflow."""
    tempfiles.interrupt_on_sigterm()  # SIGTERM too removes what the command made in the temp folder


def time_limits(command):
    command = click.option("--total-time-limit", type=click.FloatRange(0.1), default=None,
                           help="Seconds for all the exercises of one submission  [default: 3 x --time-limit]")(command)
    return click.option("--time-limit", type=click.FloatRange(0.1), default=20.0, show_default=True,
                        help="Seconds per exercise.")(command)


def isolation(echo=True):
    """What confines student code here; said on stderr, with a warning when nothing does."""
    from autograder.sandbox.limits import isolation as describe

    text = describe()
    if echo:
        click.echo(f"isolation: {text}", err=True)
        if text.startswith("none"):
            click.echo("warning: student code is NOT confined on this machine (no Landlock, not root)", err=True)
    return text


def assignment_option(command):
    return click.option("--assignment", "-a", metavar="ID",
                        help="The assignment's id [default: each folder's, from the exercise files it holds].")(command)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@assignment_option
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON grading report, and nothing else.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=_jobs_default, show_default="number of cores", help="Grading processes.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="The feedback's language [default: the course's, from ./nbgrader_config.py, else both].")
@time_limits
def check(paths, assignment, as_json, jobs, time_limit, total_time_limit, lang):
    """Grade assignment folders with the hidden autograder (instructor): each with its own assignment's
    hidden tests."""
    from .repo import require_autograder

    for path in map(Path, paths):  # the caller's typo: one line, exit 2, before anything starts
        problem = ("is a symbolic link (never followed: name the folder itself)" if path.is_symlink()
                   else "does not exist" if not path.exists() else "is not a folder" if not path.is_dir() else None)
        if problem:
            click.echo(f"Error: {tables.safe(path)} {problem}", err=True)
            sys.exit(2)
    require_autograder()
    from autograder.grade import GradingError, grade

    lang = lang or read_language(".")
    if as_json:
        return _check_json(paths, lang, time_limit=time_limit, jobs=jobs, total_time_limit=total_time_limit,
                           assignment=assignment)
    try:
        report = grade(paths, time_limit=time_limit, jobs=jobs, total_time_limit=total_time_limit, assignment=assignment)
    except GradingError as exc:
        raise click.ClickException(str(exc)) from None
    report = localize_report(report, lang)
    isolation()
    click.echo(tables.grading_report(report))
    _not_graded([r["submission"] for r in report["results"] if "error" in r])


def _check_json(paths, lang, **options):
    """`course check --json`: the contract's report, each entry written out as soon as it and every entry before
    it are graded (in the order of the paths), so that the report of a large class is never held whole."""
    from autograder.grade import GradingError, grade

    from .safe_text import dumps

    order = list(dict.fromkeys(str(p) for p in paths))
    waiting, written, failed = {}, [0], []
    out = _stdout_now()

    def entry(result):
        waiting[result["submission"]] = result
        while written[0] < len(order) and order[written[0]] in waiting:
            result = waiting.pop(order[written[0]])
            failed.extend([result["submission"]] if "error" in result else [])
            text = dumps(localize_report({"results": [result]}, lang)["results"][0])
            out.write(("{\"results\": [" if written[0] == 0 else ", ") + text)
            out.flush()
            written[0] += 1

    try:
        grade(paths, entries=entry, **options)
    except GradingError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        out.flush()
    out.write(("{\"results\": [" if not written[0] else "") + f"], \"isolation\": {dumps(isolation(echo=False))}}}\n")
    out.flush()
    _not_graded(failed)


def _stdout_now():
    """Standard output as it is now, past the capture of fd 1 and sys.stdout that the hidden tests' own pytest
    sets up while it grades in this process (a duplicate of the descriptor; else the stream object itself)."""
    try:
        return open(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    except (AttributeError, OSError, io.UnsupportedOperation):
        return sys.stdout


def _not_graded(names):
    """Exit non-zero, in one line, if the grading machinery could not grade some submissions."""
    if names:
        raise click.ClickException(f"not graded, through no fault of theirs (the grading machinery failed; "
                                   f"run again to grade them): {', '.join(names)}")


def _tables(ids):
    """The tables of the assignments `ids` (default: every one), or a one-line error."""
    from course_core import assignments

    try:
        return [assignments.get(i) for i in ids] if ids else list(assignments.all_assignments())
    except assignments.UnknownAssignment as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("assignments", nargs=-1, metavar="[ASSIGNMENT]...")
@click.option("--jobs", "-j", type=click.IntRange(1), default=_jobs_default, show_default="number of cores")
def audit(assignments, jobs):
    """Prove the hidden tests: reference 100, stubs 0, every catalogued mistake and variant (instructor);
    of every assignment, or of those named."""
    from .repo import require_autograder

    chosen = _tables(assignments)
    require_autograder()
    from autograder.audit import audit as run_audit

    missed = False
    for table in chosen:
        rows = run_audit(table.id, jobs=jobs)
        click.echo(f"{table.id}:")
        click.echo(tables.render(["kind", "case", "ok", "result"], [[k, n, "ok" if ok else "MISS", d] for k, n, ok, d in rows]))
        misses = [r for r in rows if not r[2]]
        counts = {k: sum(1 for r in rows if r[0] == k) for k in ("mistake", "variant")}
        click.echo(f"\n{table.id}: {counts['mistake']} mistakes, {counts['variant']} variants, {len(misses)} misses\n")
        missed = missed or bool(misses)
    if missed:
        sys.exit(1)


@main.command()
@click.argument("assignments", nargs=-1, metavar="[ASSIGNMENT]...")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), help="Also write the checked students' version here.")
@click.option("--no-check", is_flag=True, help="Skip grading the reference (100) and the stubs (0).")
def build(assignments, out, no_check):
    """Regenerate exercises/<id>/ from solutions/<id>/ (of every assignment, or of those named), check it,
    and optionally write a release folder (instructor)."""
    from course_core.stubs import MarkerError

    from .build import ReleaseRefused, build_student_versions, regenerate_exercises
    from .repo import require_autograder

    chosen = _tables(assignments)
    require_autograder()
    try:
        if out:  # every assignment checked before any is written
            for folder in build_student_versions(chosen, out, check=not no_check):
                click.echo(f"students' version written to {folder}")
        else:
            for table in chosen:
                click.echo(f"regenerated {regenerate_exercises(table)}")
    except (MarkerError, ReleaseRefused, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None


@main.command("test")
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--assignment", "-a", metavar="ID", help="The assignment's id [default: the folder's, from its files].")
@click.option("--verbose", "-v", is_flag=True, help="Every problem of every exercise, in full.")
def test_command(folder, assignment, verbose):
    """Run the public tests on your assignment folder (student)."""
    from .public_tests import find_assignment, format_table, run_public_tests

    try:
        find_assignment(folder, assignment)
        click.echo("running the public tests...", err=True)
        rows = run_public_tests(folder, assignment=assignment)
    except (FileNotFoundError, TimeoutError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_table(rows, verbose=verbose))
    if any(r["passed"] < r["total"] for r in rows):
        sys.exit(1)


@main.command()
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), help="Keep the demo's files in this folder.")
def demo(keep):
    """Release the assignment, let three simulated students submit, grade them, and show the table."""
    from .demo import run_demo

    run_demo(keep, echo=click.echo)


# ---------------------------------------------------------------- the course cycle, on nbgrader


def course_options(student=False, instructor=True):
    """--course-dir, --exchange, --course-id (and --student): the options the cycle's commands share."""

    def wrap(command):
        @click.option("--course-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
                      help="The course root, holding nbgrader_config.py and gradebook.db.")
        @click.option("--exchange", type=click.Path(file_okay=False, path_type=Path), envvar="COURSE_EXCHANGE",
                      help="The exchange root [default: nbgrader's; COURSE_EXCHANGE overrides it].")
        @click.option("--course-id", help="The course id [default: what the fetched assignment folder remembers, "
                                          "else nbgrader's configuration].")
        @functools.wraps(command)
        def run(course_dir, exchange, course_id, **kwargs):
            from .nbcourse import CourseError, load_config, remembered

            try:
                # A student's assignment folder remembers its course: look in it, or beside it.
                memory = remembered(kwargs.get("folder") or kwargs.get("into") or ".") if student else None
                config = load_config(course_dir, exchange, course_id, need_course_dir=instructor, remembered=memory)
                if student:
                    from .nbcourse import default_student

                    kwargs["student"] = kwargs.get("student") or default_student()
                return command(config, **kwargs)
            except CourseError as exc:
                raise click.ClickException(str(exc)) from None

        if student:
            run = click.option("--student", help="Your student id [default: nbgrader's: JUPYTERHUB_USER, else the OS account].")(run)
        return run

    return wrap


def progress_bar(quiet, length, label):
    """A click progress bar (or nothing with --quiet); yields a function to call once per item done."""
    if quiet or not length:
        return contextlib.nullcontext(lambda *_: None)

    @contextlib.contextmanager
    def bar():
        with click.progressbar(length=length, label=label, file=sys.stderr) as b:
            yield lambda *_: b.update(1)

    return bar()


@main.command("init")
@click.argument("course_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--course-id", required=True, help="The course id students and nbgrader use.")
@click.option("--exchange", type=click.Path(file_okay=False, path_type=Path), envvar="COURSE_EXCHANGE",
              help="The exchange root [default: nbgrader's; COURSE_EXCHANGE overrides it].")
@click.option("--lang", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE, show_default=True,
              help="The language students read: Chinese, English or both.")
def init_command(course_dir, course_id, exchange, lang):
    """Create a course directory with its nbgrader configuration (instructor)."""
    from .nbcourse import CourseError
    from .workflow import init_course

    try:
        config = init_course(course_dir, course_id, exchange)
        write_language(course_dir, lang)
        click.echo(f"wrote {config}")
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("assignment")
@click.option("--force", is_flag=True, help="Release again over an earlier release.")
@click.option("--duedate", help="The due date, e.g. '2026-12-24 23:59 UTC' (stored in the gradebook).")
@course_options()
def release(config, assignment, force, duedate):
    """Build the students' version, check it (reference 100, stubs 0) and publish it (instructor)."""
    from .workflow import release as run

    click.echo(f"released {assignment} to {run(config, assignment, force=force, duedate=duedate, echo=click.echo)}")


@main.command()
@click.argument("assignment")
@click.option("--dir", "into", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="Where to put the assignment's folder.")
@course_options(student=True, instructor=False)
def fetch(config, assignment, into, student):
    """Fetch a released assignment into ./ASSIGNMENT (student)."""
    from .workflow import fetch as run

    click.echo(f"fetched {assignment} into {run(config, assignment, student, into)}")


@main.command()
@click.argument("assignment")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="The assignment's folder [default: ./ASSIGNMENT].")
@course_options(student=True, instructor=False)
def submit(config, assignment, folder, student):
    """Submit your assignment's files; every submission is kept (student)."""
    from .workflow import submit as run

    done = run(config, assignment, student, folder)
    click.echo(f"submitted {assignment} as {student} at {done['timestamp']}")
    click.echo(f"  sent: {', '.join(done['files'])}")
    for name, why in done["skipped"].items():
        click.echo(f"  left out: {tables.safe(name)}: {why}")
    if done["unchanged"]:
        click.echo(f"  warning: still as released (not started?): {', '.join(done['unchanged'])}")
    failing = _failing_public_tests(done["folder"], assignment, skip=done["unchanged"])
    if failing:
        click.echo(f"  warning: public tests fail in {failing} (run `course test` for the details)")
    if done["duedate"]:
        late = f"; this submission is {_duration(done['late'])} LATE" if done["late"] else " (on time)"
        click.echo(f"  due {done['duedate']:%Y-%m-%d %H:%M} UTC{late}")


def _failing_public_tests(folder, assignment, skip=()):
    """'attention (its first problem), ...' of the exercises whose public tests fail, or ''."""
    from .public_tests import run_public_tests

    click.echo("  running the public tests...", err=True)
    try:
        rows = run_public_tests(folder, assignment=assignment)
    except (FileNotFoundError, RuntimeError, TimeoutError) as exc:
        return f"all exercises ({tables.safe(str(exc).splitlines()[0])})"
    return ", ".join(f"{r['exercise']} ({tables.safe(r['messages'][0])})" for r in rows
                     if r["passed"] < r["total"] and f"{r['exercise']}.py" not in skip)


def _duration(delta):
    minutes = int(delta.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    return " ".join(f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n) or "under a minute"


@main.command("list")
@course_options(student=True, instructor=False)
def list_command(config, student):
    """What is released, and what you have submitted, with timestamps (student)."""
    from .workflow import listing

    released, submitted = listing(config, student)
    click.echo("released: " + (", ".join(f"{a} (due {d:%Y-%m-%d %H:%M} UTC)" if d else a for a, d in released.items())
                               or "nothing yet"))
    click.echo(f"submitted by {student}:" + ("" if submitted else " nothing yet"))
    for assignment, timestamp, page in submitted:
        due = released.get(assignment)
        late = "  late" if due and _utc(timestamp) > due else ""
        ready = "  feedback ready: `course fetch-feedback " + assignment + "`" if page else ""
        click.echo(f"  {assignment}  {timestamp}{late}{ready}")


def _utc(timestamp):
    from nbgrader.utils import parse_utc

    return parse_utc(timestamp)


@main.command()
@click.argument("assignment")
@click.option("--before-duedate", is_flag=True, help="Take each student's latest submission before the due date.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@course_options()
def collect(config, assignment, before_duedate, quiet):
    """Collect each student's latest submission into submitted/ (instructor)."""
    from .workflow import collect as run, inbound_students

    with progress_bar(quiet, len(inbound_students(config, assignment)), "collecting") as done:
        students = run(config, assignment, before_duedate=before_duedate, progress=done)
    click.echo(f"collected {_count(len(students), 'submission')} of {assignment}: {', '.join(students) or 'none'}")


def _count(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


@main.command()
@click.argument("assignment")
@click.option("--jobs", "-j", type=click.IntRange(1), default=_jobs_default, show_default="number of cores")
@time_limits
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@course_options()
def grade(config, assignment, jobs, time_limit, total_time_limit, quiet):
    """Grade the collected submissions into nbgrader's gradebook (instructor)."""
    from .repo import require_autograder
    from .workflow import check_assignment, grade as run, refused_links, submitted

    check_assignment(assignment)  # a wrong argument is said before anything else
    require_autograder()
    isolation()
    for student in refused_links(config, assignment):
        click.echo(f"refused {tables.safe(student)}: its submitted folder is a symbolic link, which is never followed",
                   err=True)
    with progress_bar(quiet, len(submitted(config, assignment)), "grading") as done:
        results = run(config, assignment, jobs=jobs, time_limit=time_limit, total_time_limit=total_time_limit,
                      progress=done)
    click.echo(tables.render(["student", "score"], [[s, f"{r['score']:g}/{r['max_score']:g}"] for s, r in results.items()
                                                    if "error" not in r]))
    _not_graded([s for s, r in results.items() if "error" in r])


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "canvas", "moodle"]),
              help="table, csv, json, or a CSV file Canvas's or Moodle's gradebook imports  "
                   "[default: table in a terminal, else csv]")
@course_options()
def grades(config, fmt):
    """The gradebook: one row per student, one column per exercise of every assignment, and the totals (instructor)."""
    from .nbcourse import CourseError
    from .workflow import format_grades, grade_table, gradebook_assignments

    rows = grade_table(config)
    if not rows:
        commands = " or ".join(f"`course grade {a}`" for a in gradebook_assignments(config))
        raise CourseError(f"no grades in the gradebook yet: run {commands} first")
    fmt = fmt or ("table" if sys.stdout.isatty() else "csv")
    click.echo(format_grades(rows, fmt), nl=False)


@main.command()
@click.argument("assignment")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@course_options()
def feedback(config, assignment, quiet):
    """Render each graded student's feedback page and return it through the exchange (instructor)."""
    from .feedback import release_feedback
    from .nbcourse import check_exchange
    from .workflow import stored_results

    check_exchange(config)  # before the long work, not after it
    if not quiet:
        click.echo("drawing each student's pictures and writing their pages...", err=True)
    with progress_bar(quiet, len(stored_results(config, assignment)), "feedback") as done:
        pages = release_feedback(config, assignment, progress=done)
    for student, page in pages.items():
        click.echo(f"{student}: {page}")


@main.command("fetch-feedback")
@click.argument("assignment")
@click.option("--dir", "into", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="The folder holding your ASSIGNMENT folder.")
@course_options(student=True, instructor=False)
def fetch_feedback(config, assignment, into, student):
    """Fetch the feedback on your submissions into ASSIGNMENT/feedback/ (student)."""
    from .feedback import fetch_feedback as run

    pages = run(config, assignment, student, into)
    click.echo("\n".join(str(p) for p in pages) if pages else f"no feedback yet for {student}")


@main.command()
@click.argument("assignment")
@course_options()
def report(config, assignment):
    """One page for the instructor: score distributions and the class's most frequent mistakes."""
    from .feedback import class_report

    click.echo(f"class report written to {class_report(config, assignment)}")


def _register():
    from .cmd_export import export
    from .cmd_similarity import similarity

    main.add_command(export)
    main.add_command(similarity)


_register()
