"""The course cycle on nbgrader: release, fetch, submit, list, collect, grade, grades, feedback.

Plain functions; the click commands in cli.py only parse options and call these.
Every one raises CourseError (one line) for a user's mistake.
"""
import csv
import functools
import io
import json
import os
import re
import shutil
import warnings
from pathlib import Path

from course_core import assignments, tempfiles

from .nbcourse import (CONFIG_FILE, CourseError, assignment_folder, check_exchange, coursedir, exchange_root,
                       is_assignment_folder, remember, remembered, run_exchange)
from .notebook import notebook_name, write_source_notebook

MAX_FILE_BYTES = 1 << 20
COURSE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
REPORTS = "reports"  # course_dir/reports/<assignment>/<student>.json: the full grading report of each student


def check_assignment(assignment):
    """The table of the assignment `assignment` (an id); CourseError (one line) if there is none."""
    try:
        return assignments.get(assignment)
    except assignments.UnknownAssignment as exc:
        raise CourseError(str(exc)) from None


def submitted_files(table):
    """The files a submission of this assignment consists of: its own, and its nbgrader notebook."""
    return table.files + (notebook_name(table),)


def init_course(course_dir, course_id, exchange=None):
    """A new course directory with its nbgrader_config.py."""
    if not COURSE_ID.fullmatch(course_id):
        raise CourseError(f"course id {course_id!r}: use letters, digits, '.', '_' and '-' only, not first a '.' "
                          "(nbgrader makes it a folder name in the exchange)")
    course_dir = Path(course_dir)
    if (course_dir / CONFIG_FILE).exists():
        raise CourseError(f"{course_dir / CONFIG_FILE} already exists")
    course_dir.mkdir(parents=True, exist_ok=True)
    exchange = exchange or os.environ.get("COURSE_EXCHANGE")
    lines = [
        "# nbgrader's configuration of this course, written by `course init`; `nbgrader` commands read it too.",
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.course_id = {course_id!r}",
        # The .py files are the student's work: autograde must not replace them with the release's stubs.
        f"c.Autograde.exclude_overwriting = {({a.id: list(a.files) for a in assignments.all_assignments()})!r}",
        # Students of one JupyterHub, or of the demo, may share an OS account.
        "c.ExchangeCollect.check_owner = False",
        "c.ExecutePreprocessor.timeout = 300",
    ]
    if exchange:
        lines.append(f"c.Exchange.root = {str(Path(exchange).resolve())!r}")
    (course_dir / CONFIG_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return course_dir / CONFIG_FILE


def _solution_lines(table):
    """Lines found only in the reference's solution regions: none may reach the students.

    A line that the students' version has anywhere (a formula quoted in a
    docstring, a line of given code) is no leak.
    """
    from course_core.stubs import BEGIN, END, strip_solutions

    from .repo import solutions

    BY_ID = table.by_id
    masters = {f: f.read_text(encoding="utf-8") for f in solutions(table).glob("*.py")}
    given = "\n".join(strip_solutions(t, BY_ID[f.stem].number, f.stem) if f.stem in BY_ID else t for f, t in masters.items())
    lines, inside = set(), False
    for text in masters.values():
        for line in text.splitlines():
            if BEGIN in line:
                inside = True
            elif END in line:
                inside = False
            elif inside and len(line.strip()) > 30 and not line.strip().startswith("#") and line.strip() not in given:
                lines.add(line.strip())
    return lines


def assert_no_solution(folder, table):
    lines = _solution_lines(table)
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = next((l for l in sorted(lines) if l in text), None)
            if leaked:
                raise CourseError(f"refusing to release: solution code in {path.name}: {leaked!r}")


def release(config, assignment, force=False, duedate=None, check=True, echo=None):
    """Build and check the students' version, let nbgrader generate it, and publish it to the exchange.
    echo(line) is told each step as it starts, and what the check found."""
    echo = echo or (lambda line: None)
    table = check_assignment(assignment)
    if duedate:
        from nbgrader.utils import parse_utc

        try:
            duedate = parse_utc(duedate)
        except (ValueError, OverflowError):
            raise CourseError(f"cannot read the due date {duedate!r}: write it like '2026-12-24 23:59:00 UTC'") from None
    from nbgrader.api import Gradebook
    from nbgrader.converters import GenerateAssignment

    from .build import ReleaseRefused, build_student_version, verify

    cd = coursedir(config, assignment)
    source = Path(cd.format_path(cd.source_directory, ".", assignment))
    outbound = exchange_root(config) / cd.course_id / "outbound" / assignment
    if outbound.exists() and not force:
        raise CourseError(f"{assignment} is already released in {outbound.parent}; pass --force to release it again")
    check_exchange(config, create=True)
    try:
        with tempfiles.folder("release") as tmp:
            echo("building the students' version" + (", and grading the reference and the stubs..." if check else "..."))
            built = build_student_version(table, tmp, check=False)
            if check:
                reference, stubs = verify(table)
                echo(f"checked: the reference scores {reference['score']:g}/{reference['max_score']:g}, "
                     f"the stubs {stubs['score']:g}")
            if source.exists():
                shutil.rmtree(source)
            shutil.copytree(built, source)
    except ReleaseRefused as exc:
        raise CourseError(f"refusing to release: {exc}") from None
    write_source_notebook(source, table)
    # The release remembers its course and due date: students see the date in their README and `course list`.
    remember(source, course_id=cd.course_id, duedate=str(duedate) if duedate else None)
    if duedate:
        from .readme import render_readmes

        render_readmes(source, table, duedate=f"{duedate:%Y-%m-%d %H:%M} UTC")
    with Gradebook(cd.db_url, cd.course_id) as gb:
        gb.update_or_create_assignment(assignment, **({"duedate": duedate} if duedate else {}))
    echo("nbgrader generate_assignment, then publishing to the exchange...")
    generate = GenerateAssignment(coursedir=cd, config=config, log=cd.log)
    generate.force = True
    generate.start()
    released = Path(cd.format_path(cd.release_directory, ".", assignment))
    assert_no_solution(released, table)
    run_exchange("ReleaseAssignment", config, assignment, force=force)
    return outbound


def fetch(config, assignment, student, into="."):
    """The released assignment into into/ASSIGNMENT, which then remembers its course and exchange."""
    check_assignment(assignment)
    into = Path(into).absolute()
    if any(is_assignment_folder(p) for p in (into, *into.parents)):
        raise CourseError(f"{into} is inside an assignment folder already: run `course fetch` from the folder above it")
    run_exchange("FetchAssignment", config, assignment, student, assignment_dir=into)
    cd = coursedir(config, assignment)
    remember(into / assignment, course_id=cd.course_id, exchange=str(exchange_root(config)))
    return into / assignment


def due_date(config, assignment):
    """The released assignment's due date (a UTC datetime), or None."""
    from nbgrader.utils import parse_utc

    outbound = exchange_root(config) / coursedir(config, assignment).course_id / "outbound" / assignment
    date = remembered(outbound).get("duedate")
    return parse_utc(date) if date else None


def _size(n):
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"


def _submittable(folder, table):
    """(the files of the assignment in folder, {name: why} of everything else it holds, which is left out)."""
    if not folder.is_dir():
        raise CourseError(f"nothing to submit: no folder {folder} (run `course fetch {folder.name}` first)")
    files, skipped = [], {}
    SUBMITTED_FILES = submitted_files(table)
    for name in SUBMITTED_FILES:
        path = folder / name
        if path.is_symlink():
            raise CourseError(f"{path} is a symbolic link: submit the file itself")
        if not path.exists():
            continue
        if not path.is_file():
            raise CourseError(f"{path} is not a regular file")
        if path.stat().st_size > MAX_FILE_BYTES:
            skipped[name] = f"{_size(path.stat().st_size)}, over the {_size(MAX_FILE_BYTES)} limit"
            continue
        files.append(path)
    for path in sorted(folder.iterdir()):
        if path.name not in SUBMITTED_FILES and not path.name.startswith(".") and path.name not in ("__pycache__", "feedback"):
            skipped[path.name] = "not an assignment file"
    if not any(p.name.endswith(".py") and p.name != "__init__.py" for p in files):
        raise CourseError(f"nothing to submit: {folder} holds none of {', '.join(e.file for e in table.exercises)}")
    return files, skipped


def find_submission_folder(assignment, folder=None):
    """--dir, else ./ASSIGNMENT, else the current folder when it is the assignment folder itself."""
    if folder is not None:
        return Path(folder)
    return assignment_folder(".", assignment) or Path(assignment)


def submit(config, assignment, student, folder=None):
    """Submit the assignment's own files, and nothing else, through nbgrader's exchange.

    Returns {"timestamp", "folder", "files" (sent), "skipped" ({name: why}), "unchanged" (exercise files
    still as released), "duedate" and "late" (a timedelta, or None when on time)}.
    """
    from nbgrader.utils import parse_utc

    table = check_assignment(assignment)
    folder = find_submission_folder(assignment, folder)
    files, skipped = _submittable(folder, table)
    with tempfiles.folder("submit") as tmp:
        staged = Path(tmp) / assignment
        staged.mkdir()
        for path in files:
            shutil.copyfile(path, staged / path.name)
        app_dir = Path(tmp)
        run_exchange("Submit", config, assignment, student, assignment_dir=app_dir)
    timestamp = latest_submission_time(config, assignment, student)
    released = exchange_root(config) / coursedir(config, assignment).course_id / "outbound" / assignment
    unchanged = [p.name for p in files if p.name in table.files[1:] and (released / p.name).is_file()
                 and p.read_text(encoding="utf-8", errors="replace").split()
                 == (released / p.name).read_text(encoding="utf-8", errors="replace").split()]
    duedate = due_date(config, assignment)
    late = parse_utc(timestamp) - duedate if duedate and timestamp and parse_utc(timestamp) > duedate else None
    return {"timestamp": timestamp, "folder": folder, "files": [p.name for p in files], "skipped": skipped,
            "unchanged": unchanged, "duedate": duedate, "late": late}


def listing(config, student):
    """({released assignment id: due date or None}, [(assignment, timestamp, feedback page or None), ...]
    this student submitted)."""
    from .feedback import own_feedback

    released = run_exchange("List", config, "*", student)
    submitted = run_exchange("List", config, "*", student, cached=True)
    cd = coursedir(config)
    feedback = {}
    for assignment in {a["assignment_id"] for a in submitted}:
        feedback.update(own_feedback(config, cd.course_id, assignment, student))
    return ({a["assignment_id"]: due_date(config, a["assignment_id"]) for a in released},
            [(s["assignment_id"], s["timestamp"], feedback.get(s["timestamp"])) for a in submitted for s in a["submissions"]])


def latest_submission_time(config, assignment, student):
    submitted = run_exchange("List", config, assignment, student, cached=True)
    times = [s["timestamp"] for a in submitted for s in a["submissions"]]
    return max(times) if times else None


def inbound_students(config, assignment):
    cd = coursedir(config, assignment)
    inbound = exchange_root(config) / cd.course_id / "inbound"
    if not inbound.is_dir():
        raise CourseError(f"no exchange for course {cd.course_id} at {inbound.parent} (not released yet?)")
    return sorted({p.name.split("+")[0] for p in inbound.glob(f"*+{assignment}+*")})


def collect(config, assignment, before_duedate=False, progress=None):
    """Each student's latest submission (or latest before the due date) into submitted/. Returns the students."""
    check_assignment(assignment)
    students = inbound_students(config, assignment)
    for student in students:
        run_exchange("Collect", config, assignment, student, update=True, before_duedate=before_duedate)
        if progress:
            progress(student)
    return students


def submitted(config, assignment):
    """{student: folder} of the collected submissions."""
    return {student: p for student, p in _collected(config, assignment).items() if not _linked(p)}


def refused_links(config, assignment):
    """The students whose collected folder (or its assignment folder) is a symbolic link: never followed."""
    return [student for student, p in _collected(config, assignment).items() if _linked(p)]


def _collected(config, assignment):
    cd = coursedir(config, assignment)
    root = Path(cd.root) / cd.submitted_directory
    return {p.parent.name: p for p in sorted(root.glob(f"*/{assignment}")) if p.is_dir()}


def _linked(folder):
    return folder.is_symlink() or folder.parent.is_symlink()


def _timestamp(folder):
    file = Path(folder) / "timestamp.txt"
    if not file.is_file():
        return None
    from nbgrader.utils import parse_utc

    return parse_utc(file.read_text(encoding="utf-8").strip())


def _write_atomically(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def grade(config, assignment, jobs=1, time_limit=20.0, progress=None, total_time_limit=None):
    """Grade every collected submission and record it in nbgrader's gradebook as it is graded. Returns
    {student: {score, max_score}} (the whole entry is in report_path's file); one with "error" (the machinery
    could not grade it) is not recorded, so that a rerun grades it."""
    check_assignment(assignment)
    from .repo import require_autograder

    require_autograder()
    from autograder.grade import grade as run_grade
    from nbgrader.api import Gradebook, MissingEntry

    folders = submitted(config, assignment)
    if not folders:
        raise CourseError(f"nothing to grade: no collected submissions of {assignment} (run `course collect {assignment}`)")
    by_path = {str(folder): student for student, folder in folders.items()}
    cd = coursedir(config, assignment)
    results = {}
    with Gradebook(cd.db_url, cd.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook: release it with `course release {assignment}`") from None

        def record(result):
            """Each student's entry into the gradebook and its report file as soon as it is graded: nothing
            grows with the class, and an interrupted run keeps every student it finished."""
            student = by_path[result["submission"]]
            results[student] = {k: result[k] for k in ("score", "max_score", "error") if k in result}
            if "error" not in result:
                record_grades(gb, config, assignment, student, result, _timestamp(folders[student]))
                _write_atomically(report_path(cd, assignment, student), json.dumps(result, ensure_ascii=False, indent=1))

        run_grade(list(by_path), time_limit=time_limit, jobs=jobs, total_time_limit=total_time_limit, assignment=assignment,
                  progress=(lambda path: progress(by_path[path])) if progress else None, entries=record)
    return {student: results[student] for student in folders if student in results}


def report_path(cd, assignment, student):
    """Where `course grade` keeps a student's whole report entry (the feedback pages read it)."""
    return Path(cd.root) / REPORTS / assignment / f"{student}.json"


def record_grades(gb, config, assignment, student, result, timestamp):
    """One student's per-exercise scores into the gradebook gb (which holds the assignment), in one transaction."""
    from nbgrader.api import MissingEntry

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush warnings from inside nbgrader's add_submission
        gb.update_or_create_student(student)
        try:
            submission = gb.find_submission(assignment, student)
            if timestamp is not None:
                submission.timestamp = timestamp
        except MissingEntry:
            submission = gb.add_submission(assignment, student, **({"timestamp": timestamp} if timestamp else {}))
        notebook = gb.find_submission_notebook(notebook_name(assignments.get(assignment)).removesuffix(".ipynb"),
                                               assignment, student)
        for exercise_id, exercise in result["exercises"].items():
            grade = gb.find_grade(exercise_id, notebook.name, assignment, student)
            grade.auto_score = exercise["score"]
            grade.manual_score = None
        notebook.late_submission_penalty = _late_penalty(config, student, submission)
        gb.db.commit()


def _late_penalty(config, student, submission):
    """nbgrader's own late policy (LateSubmissionPlugin, configurable in nbgrader_config.py)."""
    from nbgrader.plugins import LateSubmissionPlugin
    from traitlets import import_item

    seconds = submission.total_seconds_late
    if not seconds:
        return None
    klass = config.AssignLatePenalties.get("plugin_class", LateSubmissionPlugin)
    klass = import_item(klass) if isinstance(klass, str) else klass
    return klass(config=config).late_submission_penalty(student, submission.score, seconds)


def _graded_assignments(gb):
    """The tables of the assignments the gradebook holds, in the order of their ids."""
    held = {a.name for a in gb.assignments}
    return [a for a in assignments.all_assignments() if a.id in held]


def gradebook_assignments(config):
    """The ids of the assignments the course's gradebook holds (released), in the order of their ids."""
    from nbgrader.api import Gradebook

    cd = coursedir(config)
    with Gradebook(cd.db_url, cd.course_id) as gb:
        return [a.id for a in _graded_assignments(gb)]


def _key(table, name, several):
    """A column's key: the exercise id (or late_penalty, total, timestamp) alone when the gradebook holds one
    assignment, else prefixed with the assignment's id ("decoder.gpt")."""
    return f"{table.id}.{name}" if several else name


def grade_table(config):
    """One row per student: per-exercise scores of every assignment in the gradebook, the late penalty and
    the total of each, and (with several assignments) the sum of their totals."""
    from nbgrader.api import Gradebook, MissingEntry

    cd = coursedir(config)
    if not Path(cd.db_url.removeprefix("sqlite:///")).exists() and cd.db_url.startswith("sqlite:///"):
        raise CourseError(f"no gradebook at {cd.db_url.removeprefix('sqlite:///')}: nothing graded yet")
    rows = []
    with Gradebook(cd.db_url, cd.course_id) as gb:
        tables = _graded_assignments(gb)
        if not tables:
            raise CourseError("no assignment is in the gradebook: release one with `course release ID`")
        several = len(tables) > 1
        for student in sorted(s.id for s in gb.students):
            row, found = {"student": student}, False
            for table in tables:
                key = functools.partial(_key, table, several=several)
                try:
                    submission = gb.find_submission(table.id, student)
                except MissingEntry:
                    row.update({key(e.id): None for e in table.exercises})
                    row.update({key("late_penalty"): 0.0, key("total"): 0.0, key("timestamp"): ""})
                    continue
                found = True
                notebook = submission.notebooks[0]
                for e in table.exercises:
                    row[key(e.id)] = gb.find_grade(e.id, notebook.name, table.id, student).score
                row[key("late_penalty")] = submission.late_submission_penalty or 0.0
                row[key("total")] = round(sum(row[key(e.id)] for e in table.exercises) - row[key("late_penalty")], 2)
                row[key("timestamp")] = submission.timestamp.isoformat() if submission.timestamp else ""
            if not found:
                continue
            if several:
                row["total"] = round(sum(row[f"{t.id}.total"] for t in tables), 2)
            rows.append(row)
    return rows


def _columns(rows):
    """[(table, [exercise column keys], late key, total key, timestamp key)] of the assignments in rows."""
    held = [a for a in assignments.all_assignments() if any(e.id in rows[0] or f"{a.id}.{e.id}" in rows[0]
                                                            for e in a.exercises)] if rows else []
    several = len(held) > 1
    return [(t, [_key(t, e.id, several) for e in t.exercises], _key(t, "late_penalty", several),
             _key(t, "total", several), _key(t, "timestamp", several)) for t in held]


def _cell(value):
    return "" if value is None else f"{value:g}"


def format_grades(rows, fmt):
    """The grade table as text: table (for a terminal), csv, json, or a file Canvas's or Moodle's gradebook imports.

    canvas: Canvas's gradebook CSV (as its export writes it): Student, ID, SIS User ID, SIS Login ID,
    Section, then one column per assignment; the "Points Possible" row under the header. Canvas
    matches a row by any of its id columns: nbgrader's student id is the login, in SIS Login ID.
    moodle: Moodle's grade import (Grades > Import > CSV file): a header row, a column that
    identifies the user (map "Username" to username at import), one column per grade item.
    """
    if fmt == "json":
        from .safe_text import dumps

        return dumps(rows, indent=1) + "\n"
    columns = _columns(rows)
    several = len(columns) > 1
    if fmt == "table":
        from . import tables

        # Exercises by number, so that the table fits a terminal; the legend names them. With several
        # assignments, "2.3" is the second assignment's third exercise.
        headers, cells, legend = ["student"], [], []
        for i, (t, keys, late, total, _) in enumerate(columns, 1):
            prefix = f"{i}." if several else ""
            headers += [f"{prefix}{e.number}" for e in t.exercises] + [f"{prefix}late", f"{prefix}total"]
            cells += keys + [late, total]
            legend.append((f"{i} {t.id}: " if several else "") + "exercises: " +
                          ", ".join(f"{e.number} {e.id}" for e in t.exercises))
        if several:
            headers.append("total")
            cells.append("total")
        text = tables.render(headers, [[r["student"], *(_cell(r[c]) for c in cells)] for r in rows])
        return text + "\n\n" + "\n".join(tables.wrap(line) for line in legend) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if fmt == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(t.id for t, *_ in columns)])
        writer.writerow(["    Points Possible", "", "", "", "", *(f"{t.max_score:g}" for t, *_ in columns)])
        writer.writerows([["", "", "", r["student"], "", *(_cell(r[c[3]]) for c in columns)] for r in rows])
    elif fmt == "moodle":
        writer.writerow(["Username", *(t.id for t, *_ in columns)])
        writer.writerows([[r["student"], *(_cell(r[c[3]]) for c in columns)] for r in rows])
    else:
        fields = ["student"] + [k for _, keys, late, total, stamp in columns for k in (*keys, late, total, stamp)]
        if several:
            fields.append("total")
        else:  # one assignment: its columns as they always were
            fields = ["student", *columns[0][1], "late_penalty", "total", "timestamp"] if columns else ["student"]
        writer.writerow(fields)
        writer.writerows([["" if r[f] is None else r[f] for f in fields] for r in rows])
    return out.getvalue()


def stored_results(config, assignment):
    cd = coursedir(config, assignment)
    folder = Path(cd.root) / REPORTS / assignment
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}
