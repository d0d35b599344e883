"""Paths and commands shared by the project's tests."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions" / "transformer"
EXERCISES = ROOT / "exercises" / "transformer"
COURSE = [sys.executable, "-m", "course_cli"]


def namespaces_refused():
    """Why the kernel refuses the children's namespaces here ("" where it gives them). Asked with them
    requested, so that namespaces merely turned off in the defaults (a broken guard) are no reason for a
    test to skip: it runs, and fails."""
    from autograder.sandbox import limits

    return limits.plan({"namespaces": True})["namespaces_missing"]


def copy_repo(dst):
    """The repository's tracked files (its working-tree versions) copied into dst: a copy to break on purpose."""
    import shutil
    import subprocess

    dst = Path(dst)
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode == 0:
        files = [f for f in listed.stdout.decode().split("\0") if f]
    else:  # a copy made by this function (no .git): everything but caches and the virtual environment
        files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()
                 and not {".venv", "__pycache__", ".git", ".pytest_cache"} & set(p.relative_to(ROOT).parts)]
    for name in files:
        if (ROOT / name).is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dst / name)
    return dst


def course_in(copy, *args, cwd=None):
    """`course ARGS` run from the repository copy `copy` (its course_cli and autograder), as a real process."""
    import os
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(copy))
    return subprocess.run([sys.executable, "-m", "course_cli", *map(str, args)], cwd=cwd or copy, env=env,
                          capture_output=True, text=True)


def hand_in(exchange, course_id, home, student, files=()):
    """A student who fetches the assignment into home, copies the reference over it, replaces
    `files` ({name: text}) and submits: the folder they submitted."""
    from course_cli import workflow
    from course_cli.nbcourse import load_config

    home.mkdir()
    config = load_config(home, exchange, course_id, cache=home / ".cache")
    folder = workflow.fetch(config, "transformer", student, home)
    for file in SOLUTIONS.glob("*.py"):
        (folder / file.name).write_bytes(file.read_bytes())
    for name, text in dict(files).items():
        (folder / name).write_text(text, encoding="utf-8")
    workflow.submit(config, "transformer", student, folder)
    return folder
