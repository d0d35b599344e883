"""The course cycle on nbgrader: release, fetch, submit, list, collect, grade, grades, feedback.

Plain functions; the click commands in cli.py only parse options and call these.
Every one raises CourseError (one line) for a user's mistake.
"""
import csv
import io
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from .assignment import ASSIGNMENT, EXERCISES, FILES
from .nbcourse import CONFIG_FILE, CourseError, coursedir, exchange_root, run_exchange
from .notebook import NOTEBOOK, write_source_notebook

SUBMITTED_FILES = FILES + (NOTEBOOK,)
MAX_FILE_BYTES = 1 << 20
REPORTS = "reports"  # course_dir/reports/<assignment>/<student>.json: the full grading report of each student


def check_assignment(assignment):
    if assignment != ASSIGNMENT:
        raise CourseError(f"unknown assignment {assignment!r}: this course has one assignment, {ASSIGNMENT!r}")


def init_course(course_dir, course_id, exchange=None):
    """A new course directory with its nbgrader_config.py."""
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
        f"c.Autograde.exclude_overwriting = {{{ASSIGNMENT!r}: {list(FILES)!r}}}",
        # Students of one JupyterHub, or of the demo, may share an OS account.
        "c.ExchangeCollect.check_owner = False",
        "c.ExecutePreprocessor.timeout = 300",
    ]
    if exchange:
        lines.append(f"c.Exchange.root = {str(Path(exchange).resolve())!r}")
    (course_dir / CONFIG_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return course_dir / CONFIG_FILE


def _solution_lines():
    """Lines found only in the reference's solution regions: none may reach the students.

    A line that the students' version has anywhere (a formula quoted in a
    docstring, a line of given code) is no leak.
    """
    from .assignment import BY_ID
    from .repo import SOLUTIONS
    from .stubs import BEGIN, END, strip_solutions

    masters = {f: f.read_text(encoding="utf-8") for f in SOLUTIONS.glob("*.py")}
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


def assert_no_solution(folder):
    lines = _solution_lines()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = next((l for l in sorted(lines) if l in text), None)
            if leaked:
                raise CourseError(f"refusing to release: solution code in {path.name}: {leaked!r}")


def release(config, assignment, force=False, duedate=None, check=True):
    """Build and check the students' version, let nbgrader generate it, and publish it to the exchange."""
    check_assignment(assignment)
    if duedate:
        from nbgrader.utils import parse_utc

        try:
            duedate = parse_utc(duedate)
        except (ValueError, OverflowError):
            raise CourseError(f"cannot read the due date {duedate!r}: write it like '2026-12-24 23:59:00 UTC'") from None
    from nbgrader.api import Gradebook
    from nbgrader.converters import GenerateAssignment

    from .build import ReleaseRefused, build_student_version

    cd = coursedir(config, assignment)
    source = Path(cd.format_path(cd.source_directory, ".", assignment))
    outbound = exchange_root(config) / cd.course_id / "outbound" / assignment
    if outbound.exists() and not force:
        raise CourseError(f"{assignment} is already released in {outbound.parent}; pass --force to release it again")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            built = build_student_version(tmp, check=check)
            if source.exists():
                shutil.rmtree(source)
            shutil.copytree(built, source)
    except ReleaseRefused as exc:
        raise CourseError(f"refusing to release: {exc}") from None
    write_source_notebook(source)
    with Gradebook(cd.db_url, cd.course_id) as gb:
        gb.update_or_create_assignment(assignment, **({"duedate": duedate} if duedate else {}))
    generate = GenerateAssignment(coursedir=cd, config=config, log=cd.log)
    generate.force = True
    generate.start()
    released = Path(cd.format_path(cd.release_directory, ".", assignment))
    assert_no_solution(released)
    run_exchange("ReleaseAssignment", config, assignment, force=force)
    return outbound


def fetch(config, assignment, student, into="."):
    check_assignment(assignment)
    run_exchange("FetchAssignment", config, assignment, student, assignment_dir=into)
    return Path(into) / assignment


def _submittable(folder):
    """The files of the assignment in folder, refusing what must not be submitted."""
    if not folder.is_dir():
        raise CourseError(f"nothing to submit: no folder {folder} (run `course fetch {folder.name}` first)")
    files = []
    for name in SUBMITTED_FILES:
        path = folder / name
        if path.is_symlink():
            raise CourseError(f"{path} is a symbolic link: submit the file itself")
        if not path.exists():
            continue
        if not path.is_file():
            raise CourseError(f"{path} is not a regular file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CourseError(f"{path} is larger than {MAX_FILE_BYTES // 1024} KiB")
        files.append(path)
    if not any(p.name.endswith(".py") and p.name != "__init__.py" for p in files):
        raise CourseError(f"nothing to submit: {folder} holds none of {', '.join(e.file for e in EXERCISES)}")
    return files


def submit(config, assignment, student, folder=None):
    """Submit the assignment's own files, and nothing else, through nbgrader's exchange. Returns the timestamp."""
    check_assignment(assignment)
    folder = Path(folder or assignment)
    files = _submittable(folder)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / assignment
        staged.mkdir()
        for path in files:
            shutil.copyfile(path, staged / path.name)
        app_dir = Path(tmp)
        run_exchange("Submit", config, assignment, student, assignment_dir=app_dir)
    return latest_submission_time(config, assignment, student)


def listing(config, student):
    """(released assignment ids, [(assignment, timestamp), ...] this student submitted)."""
    released = run_exchange("List", config, "*", student)
    submitted = run_exchange("List", config, "*", student, cached=True)
    return ([a["assignment_id"] for a in released],
            [(s["assignment_id"], s["timestamp"]) for a in submitted for s in a["submissions"]])


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
    cd = coursedir(config, assignment)
    root = Path(cd.root) / cd.submitted_directory
    return {p.parent.name: p for p in sorted(root.glob(f"*/{assignment}")) if p.is_dir()}


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
    """Grade every collected submission and record it in nbgrader's gradebook. Returns {student: result}; a
    result with "error" (the machinery could not grade it) is not recorded, so that a rerun grades it."""
    check_assignment(assignment)
    from .repo import require_autograder

    require_autograder()
    from autograder.grade import grade as run_grade
    from nbgrader.api import Gradebook, MissingEntry

    folders = submitted(config, assignment)
    if not folders:
        raise CourseError(f"nothing to grade: no collected submissions of {assignment} (run `course collect {assignment}`)")
    by_path = {str(folder): student for student, folder in folders.items()}
    report = run_grade(list(by_path), time_limit=time_limit, jobs=jobs, total_time_limit=total_time_limit,
                       progress=(lambda path: progress(by_path[path])) if progress else None)
    cd = coursedir(config, assignment)
    results = {}
    with Gradebook(cd.db_url, cd.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook: release it with `course release {assignment}`") from None
        for result in report["results"]:
            student = by_path[result["submission"]]
            results[student] = result
            if "error" in result:
                continue
            record_grades(gb, config, assignment, student, result, _timestamp(folders[student]))
            _write_atomically(Path(cd.root) / REPORTS / assignment / f"{student}.json",
                              json.dumps(result, ensure_ascii=False, indent=1))
    return results


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
        notebook = gb.find_submission_notebook(NOTEBOOK.removesuffix(".ipynb"), assignment, student)
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


def grade_table(config, assignment=ASSIGNMENT):
    """One row per student: per-exercise scores and the total, from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    cd = coursedir(config, assignment)
    if not Path(cd.db_url.removeprefix("sqlite:///")).exists() and cd.db_url.startswith("sqlite:///"):
        raise CourseError(f"no gradebook at {cd.db_url.removeprefix('sqlite:///')}: nothing graded yet")
    rows = []
    with Gradebook(cd.db_url, cd.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook") from None
        for student in sorted(s.id for s in gb.students):
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            notebook = submission.notebooks[0]
            row = {"student": student, "timestamp": submission.timestamp.isoformat() if submission.timestamp else ""}
            for e in EXERCISES:
                row[e.id] = gb.find_grade(e.id, notebook.name, assignment, student).score
            row["late_penalty"] = submission.late_submission_penalty or 0.0
            row["total"] = round(sum(row[e.id] for e in EXERCISES) - row["late_penalty"], 2)
            rows.append(row)
    return rows


def format_grades(rows, fmt):
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["student", *(e.id for e in EXERCISES), "late_penalty", "total", "timestamp"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def stored_results(config, assignment):
    cd = coursedir(config, assignment)
    folder = Path(cd.root) / REPORTS / assignment
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}
