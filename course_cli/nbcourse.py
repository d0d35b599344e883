"""nbgrader's own course directory, exchange and gradebook, set up for `course`.

Every transfer goes through nbgrader's exchange classes (ExchangeFactory), and
every grade through `nbgrader.api.Gradebook`, so that `course` and `nbgrader`
commands can be mixed on one course. nbgrader's Python API is used in-process:
each `nbgrader` command-line call costs seconds of start-up.
"""
import json
import logging
import os
import sys
from pathlib import Path

from nbgrader.apps.baseapp import NbGrader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError, ExchangeFactory
from traitlets.config import PyFileConfigLoader

from course_core import assignments

CONFIG_FILE = "nbgrader_config.py"
# In a fetched assignment folder: the course it came from (course id, exchange, due date), so that
# a student names the course once, at `course fetch`.
MARKER = ".course.json"

# nbgrader runs tools of its own environment by name (the gradebook calls `alembic`):
# find them even when the venv is not activated, as in `.venv/bin/course ...`.
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")


class CourseError(Exception):
    """A user's mistake, said in one line."""


def _quiet_log():
    log = logging.getLogger("course.nbgrader")
    log.setLevel(logging.CRITICAL + 1)  # nbgrader logs then raises; we say the one line ourselves
    return log


def load_config(course_dir=".", exchange=None, course_id=None, cache=None, need_course_dir=False, remembered=None):
    """nbgrader's configuration, read as nbgrader reads it (its system, environment and user
    nbgrader_config.py, then the current folder's), then course_dir/nbgrader_config.py, then what
    an assignment folder remembers (`remembered`, a MARKER's dict), then these options over it all."""
    course_dir = Path(course_dir).resolve()
    app = NbGrader(log=_quiet_log())
    app.load_config_file()
    config = app.config.copy()
    file = course_dir / CONFIG_FILE
    if file.is_file():
        config.merge(PyFileConfigLoader(CONFIG_FILE, path=str(course_dir)).load_config())
    elif need_course_dir:
        raise CourseError(f"{course_dir} is not a course directory (no {CONFIG_FILE}; run `course init` first)")
    config.CourseDirectory.root = str(course_dir)
    remembered = remembered or {}
    course_id = course_id or remembered.get("course_id")
    if course_id:
        config.CourseDirectory.course_id = course_id
    exchange = exchange or os.environ.get("COURSE_EXCHANGE") or remembered.get("exchange")
    if exchange:
        config.Exchange.root = str(Path(exchange).resolve())
    if cache:
        config.Exchange.cache = str(Path(cache).resolve())
    return config


def coursedir(config, assignment_id="", student_id=""):
    cd = CourseDirectory(config=config, log=_quiet_log())
    cd.assignment_id, cd.student_id = assignment_id, student_id
    if not cd.course_id:
        raise CourseError(f"which course? Run this inside or beside the {assignment_id or 'assignment'} folder that `course fetch` made, "
                          "or pass --course-id ID")
    return cd


def exchange_root(config):
    return Path(ExchangeFactory(config=config).exchange(config=config).root)


def check_exchange(config, create=False):
    """nbgrader's own check of the exchange root (exists, writable), made before long work rather than
    after it; with create, a root nbgrader will create (at release) needs a writable folder above it."""
    root = exchange_root(config)
    existing = next(p for p in (root, *root.parents) if p.exists()) if create else root
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise CourseError(f"the exchange {root} is not a writable folder{' (nor can it be created)' if create else ''}: "
                          "check --exchange")


def run_exchange(kind, config, assignment_id="", student_id="", assignment_dir=None, **attributes):
    """Run one of nbgrader's exchange operations (ReleaseAssignment, Submit, ..., or an exchange class) and
    return what it returns."""
    factory = ExchangeFactory(config=config)
    cd = coursedir(config, assignment_id, student_id)
    app = (kind if isinstance(kind, type) else getattr(factory, kind))(coursedir=cd, authenticator=Authenticator(config=config), config=config, log=_quiet_log())
    if assignment_dir is not None:
        app.assignment_dir = str(assignment_dir)
    for name, value in attributes.items():
        setattr(app, name, value)
    try:
        return app.start()
    except ExchangeError as exc:
        raise CourseError(str(exc).strip().splitlines()[0]) from None
    except RuntimeError as exc:  # nbgrader's size limit
        raise CourseError(str(exc).strip().splitlines()[0]) from None


def default_student():
    """nbgrader's rule: JUPYTERHUB_USER under JupyterHub, else the OS account."""
    from nbgrader.utils import get_username

    return get_username()


def is_assignment_folder(folder):
    """A folder a student works in: one `course fetch` made, or one named for an assignment holding its files."""
    folder = Path(folder)
    return (folder / MARKER).is_file() or any(
        folder.name == a.id and any((folder / e.file).is_file() for e in a.exercises) for a in assignments.all_assignments())


def assignment_folder(start=".", assignment=None):
    """The student's assignment folder: `start` itself when it is one, else start/<id> (of `assignment`, or of
    any assignment), else None."""
    start = Path(start).absolute()
    ids = [assignment] if assignment else list(assignments.ids())
    for folder in (start, *(start / i for i in ids)):
        if folder.is_dir() and is_assignment_folder(folder):
            return folder
    return None


def remembered(start="."):
    """What the assignment folder at or below `start` remembers of its course ({} when nothing)."""
    folder = assignment_folder(start)
    if folder is None or not (folder / MARKER).is_file():
        return {}
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remember(folder, **values):
    """Add values to what the assignment folder remembers."""
    file = Path(folder) / MARKER
    data = remembered(folder) if file.is_file() else {}
    data.update({k: v for k, v in values.items() if v is not None})
    file.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
