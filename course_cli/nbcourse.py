"""nbgrader's own course directory, exchange and gradebook, set up for `course`.

Every transfer goes through nbgrader's exchange classes (ExchangeFactory), and
every grade through `nbgrader.api.Gradebook`, so that `course` and `nbgrader`
commands can be mixed on one course. nbgrader's Python API is used in-process:
each `nbgrader` command-line call costs seconds of start-up.
"""
import logging
import os
import sys
from pathlib import Path

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError, ExchangeFactory
from traitlets.config import Config, PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"

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


def load_config(course_dir=".", exchange=None, course_id=None, cache=None, need_course_dir=False):
    """nbgrader's configuration: course_dir/nbgrader_config.py, then these options over it."""
    course_dir = Path(course_dir).resolve()
    config = Config()
    file = course_dir / CONFIG_FILE
    if file.is_file():
        config.merge(PyFileConfigLoader(CONFIG_FILE, path=str(course_dir)).load_config())
    elif need_course_dir:
        raise CourseError(f"{course_dir} is not a course directory (no {CONFIG_FILE}; run `course init` first)")
    config.CourseDirectory.root = str(course_dir)
    if course_id:
        config.CourseDirectory.course_id = course_id
    exchange = exchange or os.environ.get("COURSE_EXCHANGE")
    if exchange:
        config.Exchange.root = str(Path(exchange).resolve())
    if cache:
        config.Exchange.cache = str(Path(cache).resolve())
    return config


def coursedir(config, assignment_id="", student_id=""):
    cd = CourseDirectory(config=config, log=_quiet_log())
    cd.assignment_id, cd.student_id = assignment_id, student_id
    if not cd.course_id:
        raise CourseError("no course id: pass --course-id, or set c.CourseDirectory.course_id in nbgrader_config.py")
    return cd


def exchange_root(config):
    return Path(ExchangeFactory(config=config).exchange(config=config).root)


def run_exchange(kind, config, assignment_id="", student_id="", assignment_dir=None, **attributes):
    """Run one of nbgrader's exchange operations (ReleaseAssignment, Submit, ...) and return what it returns."""
    factory = ExchangeFactory(config=config)
    cd = coursedir(config, assignment_id, student_id)
    app = getattr(factory, kind)(coursedir=cd, authenticator=Authenticator(config=config), config=config, log=_quiet_log())
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
