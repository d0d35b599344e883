"""The assignments, as their tables fix them: one `<id>.json` beside this file per assignment.

A table holds the assignment's id, its titles in English and Chinese, its given
files (shipped complete, not graded) and its exercises in order: number, id (the
file's stem), points, titles, and the forbidden shortcuts (library names that
would do the exercise for the student; autograder/forbidden.py finds them).
Everything that needs an exercise's number, file or points reads it here, in the
`course` command and in the autograder alike: adding an assignment means adding
its table, not editing the code that reads it.

This package is in the students' wheel (their `course test` and `course submit`
read the tables), so it holds tables only, never answers.
"""
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLES = Path(__file__).resolve().parent


class UnknownAssignment(ValueError):
    """An assignment id with no table (one line)."""


@dataclass(frozen=True)
class Exercise:
    assignment: str
    number: int
    id: str
    points: float
    title: str
    title_zh: str
    forbidden: tuple = ()

    @property
    def file(self) -> str:
        return f"{self.id}.py"


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    title_zh: str
    exercises: tuple
    given: tuple = ()

    @property
    def by_id(self):
        return {e.id: e for e in self.exercises}

    @property
    def max_score(self):
        return sum(e.points for e in self.exercises)

    @property
    def files(self):
        """The files a submission consists of; nothing else is graded or submitted."""
        return ("__init__.py",) + tuple(e.file for e in self.exercises) + self.given

    def folder(self, path):
        """The folder holding this assignment's exercise files: `path` itself, or path/<id>; else None."""
        path = Path(path)
        for candidate in (path, path / self.id):
            try:
                if candidate.is_dir() and any((candidate / e.file).is_file() for e in self.exercises):
                    return candidate.resolve()
            except OSError:  # a folder we may not read (a student's, mode 000) holds none we can grade
                continue
        return None

    def present(self, path):
        """How many of this assignment's exercise files are in `path` (or path/<id>)."""
        folder = self.folder(path)
        return sum((folder / e.file).is_file() for e in self.exercises) if folder else 0


def _load(path):
    table = json.loads(path.read_text(encoding="utf-8"))
    if table["id"] != path.stem:
        raise ValueError(f"{path.name} holds the table of {table['id']!r}: a table is named after its assignment")
    return _load_table(table, path.name)


def _load_table(table, name="the table"):
    """An Assignment from a table's JSON data (name: where it came from, for the error)."""
    exercises = tuple(Exercise(table["id"], e["number"], e["id"], float(e["points"]), e["title"], e["title_zh"],
                               tuple(e.get("forbidden", ()))) for e in table["exercises"])
    if [e.number for e in exercises] != list(range(1, len(exercises) + 1)):
        raise ValueError(f"{name}: the exercises are numbered 1, 2, ... in their order")
    return Assignment(table["id"], table["title"], table["title_zh"], exercises, tuple(table.get("given", ())))


@lru_cache(maxsize=None)
def _all():
    return tuple(_load(p) for p in sorted(TABLES.glob("*.json")))


def ids():
    """The ids of every assignment, in the order of their names."""
    return tuple(a.id for a in _all())


def all_assignments():
    return _all()


def get(assignment_id):
    """The assignment with this id; UnknownAssignment (one line) if it has no table."""
    for a in _all():
        if a.id == assignment_id:
            return a
    raise UnknownAssignment(f"unknown assignment {assignment_id!r}: the assignments are {', '.join(map(repr, ids()))}")


def only():
    """The assignment when there is exactly one, else None (a default only where there is no choice)."""
    return _all()[0] if len(_all()) == 1 else None


def detect(path):
    """The assignment whose exercise files are in `path` (or path/<id>): the one with the most of them
    there; UnknownAssignment if none, or if two have as many (then --assignment says which)."""
    counts = sorted(((a.present(path), a) for a in _all()), key=lambda c: -c[0])
    if not counts or counts[0][0] == 0:
        expected = "; ".join(f"{a.id}: {a.exercises[0].file}, ..." for a in _all())
        raise UnknownAssignment(f"no assignment's files in {path}: expected the exercise files of one ({expected}) "
                                "there or in a folder named after it")
    if len(counts) > 1 and counts[1][0] == counts[0][0]:
        raise UnknownAssignment(f"{path} holds as many files of {counts[0][1].id!r} as of {counts[1][1].id!r}: "
                                "say which with --assignment")
    return counts[0][1]


def of_result(result):
    """The assignment of one entry of a grading report: its "assignment", else (a report written before
    entries named it) the one whose exercises it holds."""
    if result.get("assignment"):
        return get(result["assignment"])
    held = set(result.get("exercises", {}))
    return next((a for a in _all() if held and held <= set(a.by_id)), None) or only() or _all()[0]
