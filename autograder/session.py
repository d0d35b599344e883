"""One grading run's sandbox: the zygote, a scratch folder, and the child of the
(submission, exercise) being graded. Children live for one exercise: the hidden
tests run grouped that way, and each exercise starts in a fresh process, in a
scratch folder of its own that is deleted with it.

Time: each child has `time_limit` seconds of wall time from its start; all the
children of one submission together have `total_time_limit` seconds of
answering (the time the judge spends waiting for them; 3 x time_limit unless
given). Past either, the child's whole process group is killed, and the
zygote kills whatever it left behind.
"""
import os
import shutil
import tempfile
from pathlib import Path

from course_cli.assignment import ASSIGNMENT

from . import forbidden, workspace
from .compare import Wrong
from .remote import SandboxError, SandboxFailure, StudentError, Zygote  # noqa: F401 (SandboxFailure re-exported)
from .sandbox import limits as sandbox_limits


class Fatal(Wrong):
    """Nothing in this exercise can be graded: it scores 0, with this one line."""


class Session:
    def __init__(self, time_limit=20.0, total_time_limit=None, limits=None):
        """limits: overrides of sandbox.limits.DEFAULTS, e.g. {"memory": 4 << 30}."""
        self.time_limit = time_limit
        self.total_time_limit = 3 * time_limit if total_time_limit is None else total_time_limit
        self.limits = dict(limits or {})
        self.zygote = Zygote()
        self.scratch = Path(tempfile.mkdtemp(prefix="course-grade-"))
        if os.geteuid() == 0:
            self.scratch.chmod(0o711)  # children run as other uids: they may cross it, not list it
        self.key = self.child = self.module_or_reason = None
        self.used = {}  # submission -> seconds its children have spent answering
        self.count = 0

    @property
    def isolation(self):
        """What confines the children of this session (one line)."""
        return sandbox_limits.isolation(self.limits)

    def module(self, submission, exercise):
        """The student's module for this exercise, as a Remote; raises Fatal if there is none."""
        key = (submission, exercise.id)
        if key != self.key:
            self._close_child()
            self.key, self.module_or_reason = key, None
            self.module_or_reason = self._open(submission, exercise)
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
        budget = self.total_time_limit - self.used.get(submission, 0.0)
        if budget <= 0:
            return f"time limit exceeded: the submission's exercises together took longer than {self.total_time_limit:g} s"
        self.count += 1
        scratch = self.scratch / str(self.count)
        scratch.mkdir(mode=0o700)
        workspace.build(scratch, exercise, source)
        # the zygote deletes `scratch` once it has killed the child and whatever the child left behind
        self.child = self.zygote.spawn(scratch, self.time_limit, budget, self.total_time_limit, self.limits)
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
            submission = self.key[0]
            self.used[submission] = self.used.get(submission, 0.0) + self.child.used
            self.child = None

    def close(self):
        self._close_child()
        self.zygote.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
