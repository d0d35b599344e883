"""Where a submission's files come from, and the package each exercise is graded in.

No cascade: an exercise's file is graded beside working versions of the
siblings it imports, so a broken attention.py costs points in attention only.
Those are the shims (autograder/<id>/shims/), not the reference solutions: the
reference never enters a student's process, not even as a file it could read.

Only the shims of *earlier* exercises go beside it. One process grades a
submission's exercises in their order, so the working version of an exercise
is never within the student's reach before that exercise has been graded.
(Every sibling a file imports comes earlier: multi_head imports attention,
transformer_block imports multi_head and feed_forward, bert imports
transformer_block and positional_encoding, in `transformer`.) A later
exercise's file is a placeholder without code, and a name a stand-in lacks
(an import of a later exercise, or of what no other exercise uses) fails with
an ImportError that says so, in place of "No module named ...". An
assignment's given files (shipped complete) go beside every exercise, from its
shims too.
"""
import os
import stat
import codecs
import io
import tokenize
from functools import lru_cache
from pathlib import Path

from course_core import assignments
from course_core.stubs import strip_solutions

from . import parts


class SubmissionError(Exception):
    """The submission cannot be graded at all (one line)."""


def _no_link(path, what):
    if Path(path).is_symlink():
        raise SubmissionError(f"{what} is a symbolic link, which is never followed: submit the folder or file itself")


def package_dir(path, assignment):
    """The folder holding the exercise files of `assignment` (its table): PATH itself, or PATH/<id>.

    No symbolic link below the caller's PATH is followed (PATH/<id>, an exercise file: see
    read_exercise), and PATH itself may not be one either: a link would grade someone else's files.
    """
    path = Path(path)
    _no_link(path, path)
    if not path.exists():
        raise SubmissionError(f"{path} does not exist")
    if not path.is_dir():
        raise SubmissionError(f"{path} is not a folder")
    _no_link(path / assignment.id, f"{path.name}/{assignment.id}")
    for where, what in ((path, path.name), (path / assignment.id, f"{path.name}/{assignment.id}")):
        if where.is_dir() and not os.access(where, os.R_OK | os.X_OK):
            raise SubmissionError(f"{what} cannot be read by the grader (its permissions)")
    folder = assignment.folder(path)  # the same rule as the students' `course test`
    if folder is None:
        raise SubmissionError(f"{path} holds none of the assignment's files ({', '.join(e.file for e in assignment.exercises)})")
    return folder


def read_exercise(pkg, exercise):
    """The student's source of one exercise, or a SubmissionError naming what is wrong.

    The file is opened relative to the package folder, with O_NOFOLLOW: a symbolic link is refused
    by the kernel at the moment of opening, not by a check a student could race.
    """
    try:
        folder = os.open(pkg, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        raise SubmissionError(f"{Path(pkg).name} is not a folder (a symbolic link is never followed)") from None
    try:
        fd = os.open(exercise.file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except FileNotFoundError:
        raise SubmissionError(f"{exercise.file} is missing from the submission") from None
    except OSError:  # ELOOP: a symbolic link; or a file we may not open
        raise SubmissionError(f"{exercise.file} is not a regular file (a symbolic link is never followed)") from None
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # before fdopen, which refuses a folder with its own error
        os.close(fd)
        raise SubmissionError(f"{exercise.file} is not a regular file")
    with os.fdopen(fd, "rb") as file:
        data = file.read((1 << 20) + 1)
    if len(data) > 1 << 20:
        raise SubmissionError(f"{exercise.file} is larger than 1 MiB")
    try:
        # as the import will read it: a coding cookie (PEP 263) could make it see other text than we check
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SubmissionError(f"{exercise.file}: {exc.msg}") from None
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        raise SubmissionError(f"{exercise.file} declares the encoding {encoding}: only UTF-8 is accepted")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise SubmissionError(f"{exercise.file} is not UTF-8 text") from None


@lru_cache(maxsize=None)
def _shim(assignment_id, name):
    return (parts.shims(assignment_id) / name).read_text(encoding="utf-8")


# Appended to each stand-in and placeholder: a module __getattr__ (PEP 562) that `from .x import name` calls
# for a name the module lacks. Private names stay AttributeErrors, for hasattr() and its kind.
_LACKS = '''

def __getattr__(name):  # the grader's: a name this {kind} lacks
    if name.startswith("_"):
        raise AttributeError(name)
    raise ImportError(f"{{name}} cannot come from {file}: {why}; define it in your own file")
'''
EARLIER = ("it is exercise {number}, and while a later exercise is graded it is a stand-in that holds only what"
           " later exercises use")
LATER = ("it is exercise {number}, graded after this one, and an exercise may import only the given files and"
         " the exercises before it")


@lru_cache(maxsize=None)
def _stand_in(assignment_id, exercise, graded):
    """The file of `exercise` while `graded` (another exercise) is graded: its shim if it comes earlier, else
    a placeholder; either answers an import of a name it lacks with a sentence that says why."""
    if exercise.number < graded.number:
        text, kind, why = _shim(assignment_id, exercise.file), "stand-in", EARLIER
    else:
        text, kind, why = f'"""Placeholder for {exercise.file}, a later exercise."""\n', "placeholder", LATER
    return text + _LACKS.format(kind=kind, file=exercise.file, why=why.format(number=exercise.number))


@lru_cache(maxsize=None)
def _given(assignment_id, name):
    """A given file, as students receive it: public, so the reference's own copy."""
    return (parts.reference(assignment_id) / name).read_text(encoding="utf-8")


def package_files(exercise, source):
    """{path: text} of the package `exercise` is graded in: `source` as its file, the package's
    __init__.py, its given files, the shims of the exercises before it and placeholders of those after."""
    a = assignments.get(exercise.assignment)
    files = {f"{a.id}/__init__.py": _shim(a.id, "__init__.py")}
    files.update({f"{a.id}/{name}": _given(a.id, name) for name in a.given})
    files.update({f"{a.id}/{e.file}": _stand_in(a.id, e, exercise) for e in a.exercises if e.id != exercise.id})
    files[f"{a.id}/{exercise.file}"] = source
    return files


@lru_cache(maxsize=None)
def stub_source(exercise):
    """The exercise's file exactly as students receive it."""
    master = parts.reference(exercise.assignment) / exercise.file
    return strip_solutions(master.read_text(encoding="utf-8"), exercise.number, exercise.id)


def unchanged(exercise, source):
    return source.split() == stub_source(exercise).split()
