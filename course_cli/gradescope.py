"""`course export gradescope ID`: an assignment as a Gradescope autograder zip.

What this follows in Gradescope's own documentation (gradescope/autograder_samples,
published at gradescope-autograders.readthedocs.io):

- specs.md ("Autograder Specifications"): the zip holds `setup.sh` (a Bash script that
  installs the dependencies, run once when the image is built) and an executable
  `run_autograder` with a `#!` line, both at the root of the archive, not in a folder.
  At run time the zip's contents are in /autograder/source, `run_autograder` is copied to
  /autograder/run_autograder, the working folder is /autograder, the upload is in
  /autograder/submission, and the results must be written to
  /autograder/results/results.json: a top-level `score` (it overrides the sum of the
  tests), `output`, `execution_time`, `extra_data`, and `tests`, each with `score`,
  `max_score`, `name`, `number` (a string such as "1.1"), `output` and `visibility`
  (`hidden`, `after_due_date`, `after_published` or `visible`, the default).
  Anything printed to stdout is shown to instructors only.
- submission_metadata.md: /autograder/submission_metadata.json holds `created_at` (the
  submission time), `assignment` (`due_date`, `late_due_date`, `release_date`,
  `title`, `total_points`, ...), `users` and `previous_submissions`, times as
  ISO 8601 with an offset ("2018-07-01T14:22:32.365935-07:00").
- best_practices.md: run student code as a non-root user (the autograder starts as
  root), remove other users' access to the source and results folders (`chmod o=`),
  always write a results.json even when the autograder fails, use timeouts, and give
  students a clear message when expected files are missing.
- base_images.md: the default image is Ubuntu 22.04 (its `python3` is 3.10; setup.sh
  installs python3.11 when no python >= 3.11 is there).

The zip (nothing of exercises/ or tests/):

    setup.sh  run_autograder  requirements.txt  gradescope.json
    autograder/   the hidden autograder: the engine and this assignment's part, autograder/<id>/
                  (its runner is course_cli/gradescope_run.py)
    solutions/    this assignment's reference, solutions/<id>/
    course_cli/   the public tests and the runner
    course_core/  the assignments' tables and the stub generator

`gradescope.json` holds the instructor's choices (visibility of the hidden tests, late
policy, time limit per exercise). The runner, course_cli/gradescope_run.py, grades
with exactly `course check`'s function, so the score is the same.

The late policy, `--late-policy "penalty_per_day=10[,grace_minutes=15][,max_days=5]"`:
a submission `created_at` later than the assignment's `due_date` (plus the grace
minutes) loses `penalty_per_day` percent of its score per started day late, and
scores 0 after `max_days` days. Without the option no late policy is applied (use
Gradescope's own late settings, or none).
"""
import io
import json
import os
import stat
import zipfile
from pathlib import Path

from course_core import assignments

VISIBILITIES = ("after_published", "visible", "hidden", "after_due_date")
TORCH = "torch==2.13.0"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
# The other packages the runner imports (pyproject's dependencies, less nbgrader, which it does not use).
PACKAGES = ("click", "jinja2", "pytest")
FALLBACK_PINS = {"click": "click>=8.1", "jinja2": "jinja2>=3.1", "pytest": "pytest>=8.4"}  # as pyproject.toml
TIME_LIMIT = 20.0  # seconds per exercise, `course check`'s default
LATE_KEYS = {"penalty_per_day": (0.0, 100.0), "grace_minutes": (0.0, None), "max_days": (0.0, None)}
# Fixed timestamps, so that the same repository gives the same zip.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
# Shell part: a Python >= 3.11, a virtual environment in $AUTOGRADER_ROOT/venv with
# the pinned packages (torch as the CPU build, never a multi-GB CUDA one), and the
# unprivileged user `student` that student code runs as.
# Python part: check the packages and the layout, byte-compile, and take other
# users' access away from the reference and the hidden tests.
# COURSE_SETUP_PYTHON_ONLY=1 runs only the Python part, with the python3 on PATH.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
export AUTOGRADER_ROOT="$ROOT"

if [ "${COURSE_SETUP_PYTHON_ONLY:-0}" != 1 ]; then
  PY=""
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY="$(command -v "$candidate")"; break
    fi
  done
  if [ -z "$PY" ]; then
    apt-get update && apt-get install -y python3.11 python3.11-venv  # a fresh image has no package lists
    PY="$(command -v python3.11)"
  fi
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --upgrade pip
  "$VENV/bin/python" -m pip install --index-url @TORCH_INDEX@ "@TORCH@"
  "$VENV/bin/python" -m pip install -r "$SOURCE/requirements.txt"
  if ! id -u student >/dev/null 2>&1; then
    adduser student --no-create-home --disabled-password --gecos "" || useradd --no-create-home student
  fi
fi

if [ -x "$VENV/bin/python3" ]; then PY="$VENV/bin/python3"; else PY="$(command -v python3)"; fi
cd "$SOURCE"
PYTHONPATH="$SOURCE" "$PY" -m course_cli.gradescope_run --setup
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this (as /autograder/run_autograder) as root for every submission.
# It grades /autograder/submission and writes /autograder/results/results.json;
# AUTOGRADER_ROOT moves /autograder elsewhere (to test the autograder locally).
set -u
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export AUTOGRADER_ROOT="$ROOT"
SOURCE="$ROOT/source"
RESULTS="$ROOT/results"
mkdir -p "$RESULTS"
rm -f "$RESULTS/results.json"
if [ -x "$ROOT/venv/bin/python3" ]; then PY="$ROOT/venv/bin/python3"; else PY="$(command -v python3 || true)"; fi
STATUS=0  # non-zero: the grading machinery failed (results.json says so too)
if [ -n "$PY" ] && cd "$SOURCE"; then
  PYTHONPATH="$SOURCE" PYTHONNOUSERSITE=1 "$PY" -m course_cli.gradescope_run || STATUS=$?
fi
if [ ! -s "$RESULTS/results.json" ]; then
  # The runner always writes results.json; this is for when Python itself could not start.
  printf '%s\n' '{"score": 0.0, "output": "The autograder could not start (no Python): nothing was graded. Please tell your instructor.", "tests": []}' > "$RESULTS/results.json"
  STATUS=1
fi
exit "$STATUS"
"""


def parse_late_policy(text):
    """`penalty_per_day=10[,grace_minutes=15][,max_days=5]` -> a dict; None or "" -> None."""
    if text is None or not str(text).strip():
        return None
    policy = {}
    for part in str(text).replace(";", ",").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in LATE_KEYS:
            raise ValueError(f"late policy: expected key=value with a key among {', '.join(LATE_KEYS)}, got {part.strip()!r}")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"late policy: {key} must be a number, got {value.strip()!r}") from None
        low, high = LATE_KEYS[key]
        if not (number >= low and (high is None or number <= high)):
            raise ValueError(f"late policy: {key} must be >= {low:g}" + (f" and <= {high:g}" if high is not None else ""))
        policy[key] = number
    if "penalty_per_day" not in policy:
        raise ValueError("late policy: penalty_per_day=PERCENT is required, e.g. penalty_per_day=10")
    policy.setdefault("grace_minutes", 0.0)
    policy.setdefault("max_days", None)
    return policy


def _pins():
    from importlib import metadata

    lines = [f"# Install torch first from the CPU index: pip install --index-url {TORCH_INDEX} {TORCH}",
             "# (setup.sh does), so that pip never fetches a CUDA build; then pip install -r requirements.txt.",
             TORCH]
    for package in PACKAGES:
        try:
            lines.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            lines.append(FALLBACK_PINS[package])
    return "\n".join(lines) + "\n"


def _files(root, assignment_id):
    """(path in the zip, file) of the hidden autograder, the reference and course_cli: of this assignment
    only (no other assignment's hidden tests, catalog or reference)."""
    skip_dirs = {"__pycache__", ".pytest_cache"}
    others = {a for a in assignments.ids() if a != assignment_id}
    for top in ("autograder", "solutions", "course_cli", "course_core"):
        for dirpath, dirnames, filenames in os.walk(root / top):
            keep = (d for d in dirnames if d not in skip_dirs and not d.startswith("."))
            dirnames[:] = sorted(d for d in keep if not (d in others and Path(dirpath).name in ("autograder", "solutions")))
            for name in sorted(filenames):
                if name.endswith((".pyc", ".pyo")) or name.startswith("."):
                    continue
                path = Path(dirpath) / name
                yield path.relative_to(root).as_posix(), path


def _add(archive, name, data, executable=False):
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, so that the permission bits below are honoured
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    archive.writestr(info, data)


def export_gradescope(assignment_id, out_zip, visibility="after_published", late_policy=None, time_limit=TIME_LIMIT):
    """Write the Gradescope autograder zip of the assignment `assignment_id` to `out_zip`; returns its path.

    `visibility` is the Gradescope visibility of the hidden tests (the public tests are
    always `visible`); `late_policy` is None or the text parse_late_policy reads.
    Raises ValueError for a bad visibility or late policy.
    """
    from .repo import ROOT, require_autograder

    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    policy = parse_late_policy(late_policy)
    assignment = assignments.get(assignment_id)
    require_autograder(assignment)
    config = {"assignment": assignment.id, "visibility": visibility, "late_policy": policy,
              "time_limit": float(time_limit)}
    out_zip = Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "setup.sh", SETUP_SH.replace("@TORCH_INDEX@", TORCH_INDEX).replace("@TORCH@", TORCH), executable=True)
        _add(archive, "run_autograder", RUN_AUTOGRADER, executable=True)
        _add(archive, "requirements.txt", _pins())
        _add(archive, "gradescope.json", json.dumps(config, indent=2) + "\n")
        for name, path in _files(ROOT, assignment.id):
            _add(archive, name, path.read_bytes())
    tmp = out_zip.with_name(out_zip.name + ".part")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, out_zip)
    return out_zip
