"""One grading run's sandbox: the zygote, a scratch folder, and the child of the
(submission, exercise) being graded. Children live for one exercise: the hidden
tests run grouped that way, and each exercise starts in a fresh process."""
import shutil
import tempfile
from pathlib import Path

from course_cli.assignment import ASSIGNMENT

from . import forbidden, workspace
from .compare import Wrong
from .remote import SandboxError, StudentError, Zygote


class Fatal(Wrong):
    """Nothing in this exercise can be graded: it scores 0, with this one line."""


class Session:
    def __init__(self, time_limit=20.0):
        self.time_limit = time_limit
        self.zygote = Zygote()
        self.scratch = Path(tempfile.mkdtemp(prefix="course-grade-"))
        self.key = self.child = self.module_or_reason = None
        self.count = 0

    def module(self, submission, exercise):
        """The student's module for this exercise, as a Remote; raises Fatal if there is none."""
        key = (submission, exercise.id)
        if key != self.key:
            self._close_child()
            self.key, self.module_or_reason = key, self._open(submission, exercise)
        if isinstance(self.module_or_reason, str):
            raise Fatal(self.module_or_reason)
        if self.child.dead:
            raise Fatal(self.child.dead)
        return self.module_or_reason

    def _open(self, submission, exercise):
        try:
            source = workspace.read_exercise(workspace.package_dir(submission), exercise)
        except workspace.SubmissionError as exc:
            return str(exc)
        if workspace.unchanged(exercise, source):
            return f"not implemented yet: {exercise.file} is unchanged from the released stub"
        try:
            used = forbidden.shortcuts(exercise.id, source)
        except SyntaxError as exc:
            return f"{exercise.file} does not parse: SyntaxError: {exc.msg} (line {exc.lineno})"
        if used:
            return f"uses {', '.join(used)}, which this exercise forbids"
        self.count += 1
        scratch = workspace.build(self.scratch / str(self.count), exercise, source)
        self.child = self.zygote.spawn(scratch, self.time_limit)
        try:
            return self.child.import_module(f"{ASSIGNMENT}.{exercise.id}")
        except StudentError as exc:
            if exc.type == "NotImplementedError":
                return f"not implemented yet ({exc.message})"
            return f"{exercise.file} cannot be imported: {exc}"
        except SandboxError as exc:
            return str(exc)

    def _close_child(self):
        if self.child is not None:
            self.child.close()
            self.child = None

    def close(self):
        self._close_child()
        self.zygote.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
