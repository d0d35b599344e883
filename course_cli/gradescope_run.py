"""The Gradescope runner: grade $AUTOGRADER_ROOT/submission, write results/results.json.

    python -m course_cli.gradescope_run           # what run_autograder calls, for each submission
    python -m course_cli.gradescope_run --setup   # setup.sh's Python part, once per image

It lives in the exported zip (see course_cli/gradescope.py, which also cites the parts
of Gradescope's documentation this follows), in $AUTOGRADER_ROOT/source (default
/autograder/source). For each submission it:

1. finds the assignment (gradescope.json's) in the upload: the files at its top, or in a
   folder named after it (or any folder) up to two levels down, or in a single uploaded .zip; copies the
   assignment's regular files (no symbolic links, at most 1 MiB each) to a scratch folder;
2. grades them with autograder.grade.grade, the function `course check` uses, so the
   score is the same; each hidden test becomes one Gradescope test (name, number such as
   "2.3", score, max_score, output, and the instructor's visibility, `after_published`
   unless chosen otherwise at export);
3. runs the public tests (course_cli.public_tests.run_public_tests, as `course test`) and
   adds one `visible` 0-point test per exercise: they never change the total;
4. applies the late policy, only when the instructor asked for one at export, from
   submission_metadata.json's `created_at` and `assignment.due_date`;
5. writes results.json atomically, with a top-level `score`, `output` (a table per
   exercise) and `execution_time`; the full `course check` report goes to `extra_data`.
   Anything that stops the grading still writes a valid results.json, score 0 and why.

Security. Gradescope starts the autograder as root and advises running student code as
an unprivileged user. When root, this runner (a) removes other users' access to
everything in source/ except what the sandbox itself needs (autograder/__init__.py and
autograder/sandbox/), so the reference, the hidden tests, the mistake catalog and the
probes cannot be read, and likewise to results/, submission/ and
submission_metadata.json; (b) runs the public tests as the user `student` (setup.sh
creates it; else `nobody`), from a copy of course_cli and of the submission. The hidden
tests run student code only in the children of the grading sandbox
(autograder/sandbox), which drops root privileges itself, as in local grading.
COURSE_STUDENT_USER names another user for the public tests; `root` keeps root (only for
testing this runner on a machine where no other user can run the Python interpreter).
"""
import json
import math
import os
import pwd
import shutil
import subprocess
import sys
import time
import traceback
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent


def _configured_assignment():
    """The id of the assignment the zip grades: gradescope.json's (written at export), else the only one."""
    path = SOURCE / "gradescope.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8")).get("assignment")
    from course_core import assignments

    only = assignments.only()
    return only.id if only else None


ASSIGNMENT = _configured_assignment()
MAX_FILE = 1 << 20
PUBLIC_TIMEOUT = 240.0
# Readable by the sandbox's unprivileged children; everything else in source/ is not.
SANDBOX_READABLE = ("autograder/__init__.py", "autograder/sandbox")
PUBLIC_MARK = "@@course-public-rows@@"
PUBLIC_HELPER = f"""
import json, sys
try:
    from course_cli.public_tests import run_public_tests
    out = {{"rows": run_public_tests(sys.argv[1], timeout=float(sys.argv[2]))}}
except Exception as exc:
    out = {{"error": f"{{type(exc).__name__}}: {{exc}}"}}
sys.stdout.write("\\n{PUBLIC_MARK}" + json.dumps(out) + "\\n")
"""


class SubmissionProblem(Exception):
    """The upload cannot be graded at all, through no fault of the autograder (one line for the student)."""


class NotGraded(Exception):
    """The grading machinery could not grade the upload (retried; the report's "error"): the autograder's fault."""


def autograder_root():
    return Path(os.environ.get("AUTOGRADER_ROOT") or "/autograder")


def load_config():
    defaults = {"assignment": ASSIGNMENT, "visibility": "after_published", "late_policy": None, "time_limit": 20.0}
    path = SOURCE / "gradescope.json"
    if path.is_file():
        defaults.update(json.loads(path.read_text(encoding="utf-8")))
    return defaults


# ---------------------------------------------------------------- the upload

def _regular(path):
    return path.is_file() and not path.is_symlink()


def _holds_assignment(folder, files):
    return any(_regular(folder / name) for name in files if name != "__init__.py")


def _subfolders(folder):
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    return [c for c in children if c.is_dir() and not c.is_symlink()
            and not c.name.startswith((".", "__MACOSX", "__pycache__"))]


def find_assignment(upload, files):
    """The folder of the upload holding the assignment's files: the shallowest one, one named after the assignment first."""
    level = [upload]
    for _ in range(3):  # the upload itself, then one and two folders down
        found = [f for f in level if _holds_assignment(f, files)]
        if found:
            return next((f for f in found if f.name == ASSIGNMENT), found[0])
        level = [child for folder in level for child in _subfolders(folder)]
    return None


def _unzip_single(upload, scratch):
    """A lone .zip in the upload, extracted safely into scratch/unzipped; None if there is none."""
    zips = [p for p in upload.iterdir() if _regular(p) and p.suffix.lower() == ".zip"] if upload.is_dir() else []
    if len(zips) != 1:
        return None
    target = scratch / "unzipped"
    target.mkdir()
    try:
        with zipfile.ZipFile(zips[0]) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > 2000 or sum(m.file_size for m in members) > 50 * MAX_FILE:
                raise SubmissionProblem(f"{zips[0].name} is too large to be an assignment")
            for member in members:
                parts = Path(member.filename).parts
                if member.filename.startswith(("/", "\\")) or ".." in parts or not parts:
                    continue
                if (member.external_attr >> 16) & 0o170000 == 0o120000:  # a symbolic link
                    continue
                dest = target.joinpath(*parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(archive.read(member))
    except zipfile.BadZipFile:
        raise SubmissionProblem(f"{zips[0].name} is not a readable zip file") from None
    return target


def collect_submission(upload, scratch, files):
    """Copy the assignment's files from the upload to scratch/submission/<id>.

    Returns (that folder, notes for the student). Raises SubmissionProblem when the
    upload holds none of the assignment's files.
    """
    upload = Path(upload)
    if not upload.is_dir():
        raise SubmissionProblem("the submission folder is missing: nothing was uploaded")
    found, base, prefix = find_assignment(upload, files), upload, "submission/"
    if found is None:
        unzipped = _unzip_single(upload, scratch)
        if unzipped is not None:
            found, base, prefix = find_assignment(unzipped, files), unzipped, "the uploaded zip's "
    if found is None:
        exercise_files = [f for f in files if f != "__init__.py"]
        raise SubmissionProblem(
            f"no file of the {ASSIGNMENT} assignment in your upload: upload {', '.join(exercise_files)} "
            f"(and __init__.py), or the {ASSIGNMENT}/ folder holding them")
    notes = []
    target = scratch / "submission" / ASSIGNMENT
    target.mkdir(parents=True)
    for name in files:
        src = found / name
        if src.is_symlink():
            notes.append(f"{name} is a symbolic link, not a file: it was not graded")
        elif src.is_file():
            if src.stat().st_size > MAX_FILE:
                notes.append(f"{name} is larger than 1 MiB: it was not graded")
            else:
                (target / name).write_bytes(src.read_bytes())
    if not (target / "__init__.py").exists():
        # The released __init__.py deliberately imports nothing; the hidden tests use their own.
        shutil.copyfile(SOURCE / "solutions" / ASSIGNMENT / "__init__.py", target / "__init__.py")
        notes.append("__init__.py was not in the upload: the released one was used")
    inside = found.relative_to(base).as_posix()
    return target, notes, prefix + ("" if inside == "." else inside + "/")


# ---------------------------------------------------------------- privileges

def _is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _restrict_tree(path):
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                os.chmod(p, os.lstat(p).st_mode & 0o7700)
    if path.exists() and not path.is_symlink():
        os.chmod(path, path.lstat().st_mode & 0o7700)


def protect(root):
    """As root: no other user may read source/ (but the sandbox's own code), results/ or the upload."""
    if not _is_root() or not (SOURCE / "gradescope.json").is_file():
        return  # not root, or not an exported autograder (never touch a repository checkout)
    _restrict_tree(SOURCE)
    for folder in (SOURCE, SOURCE / "autograder"):
        os.chmod(folder, 0o755)
    for name in SANDBOX_READABLE:
        path = SOURCE / name
        if path.is_file():
            os.chmod(path, 0o644)
        for dirpath, dirnames, filenames in os.walk(path):
            os.chmod(dirpath, 0o755)
            for f in filenames:
                os.chmod(os.path.join(dirpath, f), 0o644)
    for path in (root / "results", root / "submission", root / "submission_metadata.json"):
        if path.exists() and not path.is_symlink():
            _restrict_tree(path) if path.is_dir() else os.chmod(path, 0o600)


def student_user():
    """(uid, gid, name) to run the public tests as, or None to stay as we are."""
    if not _is_root():
        return None
    wanted = os.environ.get("COURSE_STUDENT_USER", "").strip()
    if wanted == "root":
        return None
    for name in ([wanted] if wanted else ["student", "nobody"]):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return entry.pw_uid, entry.pw_gid, name
    raise RuntimeError(f"no unprivileged user to run the public tests as (tried {wanted or 'student, nobody'})")


# ---------------------------------------------------------------- the public tests

def run_public(submission_dir, exercises):
    """The public tests' rows (course test's), run as the unprivileged user; or (None, why)."""
    from course_core import tempfiles

    scratch = tempfiles.mkdtemp("public")
    try:
        os.chmod(scratch, 0o755)
        lib = scratch / "lib"
        for package in ("course_cli", "course_core"):
            shutil.copytree(SOURCE / package, lib / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        folder = scratch / ASSIGNMENT
        shutil.copytree(submission_dir, folder)
        home = scratch / "home"
        home.mkdir()
        for dirpath, dirnames, filenames in os.walk(scratch):
            os.chmod(dirpath, 0o755)
            for f in filenames:
                os.chmod(os.path.join(dirpath, f), 0o644)
        try:
            user = student_user()
        except RuntimeError as exc:
            return None, f"the public tests were not run: {exc}"
        kwargs = {}
        if user:
            uid, gid, _ = user
            os.chown(home, uid, gid)
            kwargs = {"user": uid, "group": gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
               "PYTHONPATH": str(lib), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
               "OMP_NUM_THREADS": "1"}
        who = f" as user {user[2]}" if user else ""
        try:
            done = subprocess.run([sys.executable, "-c", PUBLIC_HELPER, str(folder), str(PUBLIC_TIMEOUT)],
                                  cwd=scratch, env=env, capture_output=True, text=True, errors="replace",
                                  timeout=PUBLIC_TIMEOUT + 30, start_new_session=True, **kwargs)
        except subprocess.TimeoutExpired:
            return None, f"the public tests did not finish within {PUBLIC_TIMEOUT + 30:g} s"
        except OSError as exc:
            return None, f"the public tests could not start{who}: {exc}"
        line = next((ln for ln in reversed(done.stdout.splitlines()) if ln.startswith(PUBLIC_MARK)), None)
        if line is None:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            return None, f"the public tests could not run{who}: {tail[0][:300]}"
        try:
            answer = json.loads(line[len(PUBLIC_MARK):])
            if "error" in answer:
                return None, (str(answer["error"]).splitlines() or ["an error"])[0][:500]
            return _checked_rows(answer["rows"], exercises), None
        except (ValueError, TypeError, KeyError, AttributeError):
            return None, "the public tests' report could not be read"
    finally:
        tempfiles.discard(scratch)


def _checked_rows(rows, exercises):
    """The rows came from a process running student code: keep only well-formed fields."""
    by_id = {}
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get("exercise") in {e.id for e in exercises}:
            by_id[row["exercise"]] = {
                "passed": int(row.get("passed", 0)), "total": int(row.get("total", 0)),
                "skipped": int(row.get("skipped", 0)),
                "messages": [str(m)[:300] for m in row.get("messages", [])][:20],
            }
    return by_id


def _public_output(row):
    if row is None:
        return "the public tests did not report on this exercise"
    lines = [f"{row['passed']}/{row['total']} public tests passed"
             + (f", {row['skipped']} skipped (they wait for a sibling file)" if row["skipped"] else "")]
    lines += [f"- {m}" for m in dict.fromkeys(row["messages"])]
    return "\n".join(lines)


# ---------------------------------------------------------------- the late policy

def parse_time(text):
    text = str(text).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def due_date(metadata):
    """The assignment's due date; the latest of the users' own due dates (extensions) when they are given."""
    dates = [parse_time(metadata["assignment"]["due_date"])]
    for user in metadata.get("users") or []:
        own = (user.get("assignment") or {}).get("due_date") if isinstance(user, dict) else None
        if own:
            dates.append(parse_time(own))
    return max(dates)


def late_factor(policy, metadata):
    """(multiplier of the score, one sentence) under the instructor's late policy."""
    submitted = parse_time(metadata["created_at"])
    due = due_date(metadata)
    late = submitted - due - timedelta(minutes=policy.get("grace_minutes") or 0)
    if late <= timedelta(0):
        return 1.0, "submitted on time"
    days = math.ceil(late / timedelta(days=1))
    hours = (submitted - due) / timedelta(hours=1)
    max_days = policy.get("max_days")
    if max_days is not None and days > max_days:
        return 0.0, f"submitted {hours:.1f} h after the due date, more than {max_days:g} days late: score 0"
    factor = max(0.0, 1.0 - policy["penalty_per_day"] * days / 100.0)
    return factor, (f"submitted {hours:.1f} h after the due date: {days} started day(s) late, "
                    f"-{policy['penalty_per_day']:g}% per day, score x {factor:g}")


# ---------------------------------------------------------------- results.json

WHEN = {"after_published": "when your instructor publishes the grades",
        "after_due_date": "after the due date", "hidden": "by your instructor"}


def build_results(report, public, public_problem, config, exercises, max_score, notes, late, elapsed):
    """results.json (a dict) from `course check`'s report of one submission and the public rows."""
    visibility = config["visibility"]
    shown = visibility == "visible"
    tests = []
    for ex in exercises:
        row = public.get(ex.id) if public is not None else None
        tests.append({"name": f"{ex.id}: public tests (shapes and names; no points)", "number": f"{ex.number}.0",
                      "score": 0.0, "max_score": 0.0,
                      "output": public_problem if public is None else _public_output(row),
                      "visibility": "visible"})
        graded = report["exercises"][ex.id]
        entries = graded["tests"] or [{"name": f"{ex.id}: hidden tests", "number": f"{ex.number}.1",
                                       "score": float(graded["score"]), "max_score": float(ex.points),
                                       "output": "\n".join(graded["feedback"])}]
        for t in entries:
            tests.append({"name": str(t["name"]), "number": str(t["number"]), "score": float(t["score"]),
                          "max_score": float(t["max_score"]), "output": str(t["output"]), "visibility": visibility})
    score = float(report["score"])
    factor, late_sentence = late if late else (1.0, None)
    final = round(score * factor, 2)
    header = ["#", "exercise", "points" if shown else "max points", "public tests", "feedback" if shown else ""]
    rows = [header]
    for ex in exercises:
        graded = report["exercises"][ex.id]
        row = public.get(ex.id) if public is not None else None
        pub = f"{row['passed']}/{row['total']}" if row else "-"
        points = f"{graded['score']:g}/{ex.points:g}" if shown else f"{ex.points:g}"
        rows.append([str(ex.number), ex.id, points, pub, graded["feedback"][0] if shown and graded["feedback"] else ""])
    lines = []
    if shown:
        lines.append(f"{ASSIGNMENT}: {final:g} / {max_score:g} points")
    else:
        lines.append(f"{ASSIGNMENT}: the hidden tests' scores are shown {WHEN[visibility]}.")
    from course_cli import tables

    lines += ["", tables.render(rows[0], rows[1:]), ""]
    if late_sentence:
        lines.append(f"Late policy: {late_sentence}." + (f" Score before it: {score:g}." if shown and factor != 1 else ""))
    lines += [f"Note: {n}." for n in notes]
    if public is None:
        lines.append(f"Note: {public_problem}.")
    lines.append("The public tests only check imports, names and shapes; the hidden tests grade the values.")
    return {
        "score": final,
        "execution_time": int(round(elapsed)),
        "output": "\n".join(lines).strip() + "\n",
        "tests": tests,
        "extra_data": {"course_check": report, "late_factor": factor, "score_before_late_policy": score},
    }


def failure_results(reason, exercises, elapsed=0.0):
    """A valid results.json for a submission that could not be graded at all: score 0 and why."""
    tests = [{"name": f"{ex.id}: not graded", "number": f"{ex.number}.1", "score": 0.0, "max_score": float(ex.points),
              "output": reason, "visibility": "visible"} for ex in exercises]
    return {"score": 0.0, "execution_time": int(round(elapsed)),
            "output": f"Your submission could not be graded: {reason}\nScore: 0.\n", "tests": tests}


def write_results(root, results):
    folder = root / "results"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / ".results.json.part"
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, folder / "results.json")
    return folder / "results.json"


def _table():
    from course_core import assignments  # the tables only: no dependency that could fail to import

    return assignments.get(ASSIGNMENT)


def _exercises():
    return _table().exercises, _table().max_score


def grade_submission(root, config):
    """results.json (a dict) for the upload in root/submission."""
    start = time.monotonic()
    exercises, max_score = _exercises()
    from course_core import tempfiles

    FILES = _table().files
    protect(root)
    scratch = tempfiles.mkdtemp("gradescope")
    try:
        folder, notes, where = collect_submission(root / "submission", scratch, FILES)
        print(f"grading the files of {where}", flush=True)
        from autograder.grade import grade

        report = grade([str(folder)], time_limit=float(config.get("time_limit") or 20.0), jobs=1,
                       assignment=ASSIGNMENT)["results"][0]
        if "error" in report:
            raise NotGraded(report["error"])
        report["submission"] = where
        public, public_problem = run_public(folder, exercises)
        late = None
        if config.get("late_policy"):
            try:
                metadata = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
                late = late_factor(config["late_policy"], metadata)
            except Exception as exc:  # no metadata: grade without the policy, and say so
                notes.append(f"the late policy was not applied: submission_metadata.json could not be read "
                             f"({type(exc).__name__}: {exc})")
        return build_results(report, public, public_problem, config, exercises, max_score, notes, late,
                             time.monotonic() - start)
    finally:
        tempfiles.discard(scratch)


def main_run():
    start = time.monotonic()
    root = autograder_root()
    try:
        config = load_config()
        results = grade_submission(root, config)
    except SubmissionProblem as exc:
        results, status = failure_results(str(exc), _exercises()[0], time.monotonic() - start), 0
    except BaseException as exc:  # the autograder's own failure: still a results.json, details for the instructor
        if isinstance(exc, NotGraded):
            print(f"course: this submission could not be graded: {exc}", file=sys.stderr)
        else:
            traceback.print_exc()
        reason = (f"the autograder failed ({type(exc).__name__}), not because of your files; "
                  "your instructor can see the details")
        results, status = failure_results(reason, _exercises()[0], time.monotonic() - start), 1
    else:
        status = 0
    path = write_results(root, results)
    print(f"score {results['score']:g}; wrote {path}")
    print(results["output"])
    if "extra_data" in results:
        for ex_id, ex in results["extra_data"]["course_check"]["exercises"].items():
            print(f"  {ex_id}: {ex['score']:g}/{ex['max_score']:g}  {'; '.join(ex['feedback'])[:200]}")
    return status


# ---------------------------------------------------------------- setup.sh's Python part

def main_setup():
    """Check that the pinned packages import and this source is the one imported; byte-compile; protect."""
    import compileall
    from importlib import metadata

    problems = []
    if sys.version_info < (3, 10):
        problems.append(f"Python {sys.version.split()[0]} is too old: 3.10 or newer is needed")
    pins = (SOURCE / "requirements.txt").read_text(encoding="utf-8").splitlines()
    for line in pins:
        line = line.split("#")[0].strip()
        if "==" not in line:
            continue
        name, wanted = (s.strip() for s in line.split("==", 1))
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed")
            continue
        if have.split("+")[0] != wanted:
            problems.append(f"{name} {have} is installed, {wanted} is pinned")
    import autograder
    import course_cli
    import course_core

    for module in (autograder, course_cli, course_core):
        if not Path(module.__file__).resolve().is_relative_to(SOURCE):
            problems.append(f"{module.__name__} is imported from {module.__file__}, not from {SOURCE}")
    import torch  # noqa: F401  (imports, and is the CPU build the grader expects)
    from autograder.grade import grade  # noqa: F401

    config = load_config()
    if not (SOURCE / "solutions" / str(config.get("assignment")) / "__init__.py").is_file():
        problems.append(f"gradescope.json is for {config.get('assignment')!r}, whose reference is not in the zip")
    if problems:
        for p in problems:
            print(f"setup: {p}", file=sys.stderr)
        return 1
    compileall.compile_dir(str(SOURCE), quiet=1)
    protect(autograder_root())
    print(f"setup: ok (Python {sys.version.split()[0]}, torch {metadata.version('torch')}, source {SOURCE})")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--setup"]:
        return main_setup()
    if argv:
        print("usage: python -m course_cli.gradescope_run [--setup]", file=sys.stderr)
        return 2
    return main_run()


if __name__ == "__main__":
    sys.exit(main())
