"""What a catalog entry is: a known mistake, or an equivalent way of writing a correct answer.

Each entry is a patch of the reference file. A mistake's patch reproduces it,
so that (1) feedback can name it when the student's answer equals the
patched reference's, and (2) `course audit` can prove that it loses points in
its own exercise only, with this sentence. A variant's patch is a correct
rewrite that must keep full marks.

Each assignment's entries are in its autograder/<id>/mistakes.py (MISTAKES,
VARIANTS, BY_ID, ZH: the sentences in Chinese, for_exercise); this module is
the machinery they share.
"""
import importlib
import importlib.abc
import importlib.util
import re
import sys
from dataclasses import dataclass
from functools import lru_cache

from course_core import assignments

from . import parts


@dataclass(frozen=True)
class Patch:
    id: str  # "<exercise id>.<name>"
    sentence: str  # what the student is told (a mistake), or what the rewrite does (a variant)
    patch: tuple  # (old, new) pairs applied to the reference file, each old found exactly once
    error: str = ""  # a regex on "Type: message" of the exception this mistake raises
    assignment: str = ""  # the id of the assignment whose reference it patches

    @property
    def exercise(self):
        return self.id.split(".")[0]

    @property
    def file(self):
        return assignments.get(self.assignment).by_id[self.exercise].file

    @property
    def zh(self):
        """The sentence in Chinese (the catalog's ZH; every mistake has one)."""
        return parts.catalog(self.assignment).ZH.get(self.id, "")

    def error_matches(self, exc):
        return re.search(self.error, f"{exc.type}: {exc.message}") is not None

    def source(self):
        text = (parts.reference(self.assignment) / self.file).read_text(encoding="utf-8")
        for old, new in self.patch:
            if text.count(old) != 1:
                raise ValueError(f"{self.id}: {old!r} occurs {text.count(old)} times in the reference")
            text = text.replace(old, new)
        return text


def maker(module_name):
    """M(id, sentence, *patch, error="") for the catalog module `module_name` (autograder.<id>.mistakes):
    its entries patch that assignment's reference."""
    assignment = module_name.split(".")[-2]

    def M(id, sentence, *patch, error=""):
        return Patch(id, sentence, tuple(patch), error, assignment)

    return M


class _InMemory(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the mutant packages from source text held here: nothing is written to disk."""

    def __init__(self):
        self.sources = {}  # module name -> (file name shown in tracebacks, source text, whether a package)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.sources:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=self.sources[fullname][0],
                                               is_package=self.sources[fullname][2])

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        filename, text, _ = self.sources[module.__name__]
        exec(compile(text, filename, "exec"), module.__dict__)


_memory = _InMemory()


@lru_cache(maxsize=None)
def mutant(patch):
    """The reference package with one file patched, imported in this (the judge's) process from memory.

    Only the patched file is a new module: its siblings are the reference's own modules (the files a
    patched exercise imports, which the patch does not change), so that a worker that meets the whole
    catalog holds one small module a mistake, not a package: its memory stops growing early."""
    name = f"_course_mutant_{patch.assignment}_" + re.sub(r"\W", "_", patch.id)
    if _memory not in sys.meta_path:
        sys.meta_path.append(_memory)
    reference = parts.reference(patch.assignment)
    _memory.sources[name] = (f"<{patch.id}>/__init__.py", (reference / "__init__.py").read_text(encoding="utf-8"), True)
    _memory.sources[f"{name}.{patch.exercise}"] = (f"<{patch.id}>/{patch.file}", patch.source(), False)
    for file in reference.glob("*.py"):
        if file.name not in ("__init__.py", patch.file):
            sys.modules[f"{name}.{file.stem}"] = importlib.import_module(f"solutions.{patch.assignment}.{file.stem}")
    return importlib.import_module(f"{name}.{patch.exercise}")
