"""One grading run's sandbox: the zygote, a scratch folder, and the child of the
submission being graded.

A child serves one submission's exercises in their order (the hidden tests
run grouped and sorted that way), each in a fresh package folder of its own
(see sandbox/child.py). A fresh child takes over when the last one died, was
killed, or refuses because the student's code left something behind. When a
child that served an earlier exercise ends by itself, or answers out of step,
while it starts or grades a later one (what the earlier exercise's code may have
planted), that exercise is graded again from its start in a fresh child
(`_open`, `replay`): the earlier code costs its own exercise only.
Forking once per submission rather than once per exercise is most of what
keeps grading cheap.

Time: each exercise has `time_limit` seconds of wall time from its start; all
the exercises of one submission together have `total_time_limit` seconds of
answering (the time the judge spends waiting; 3 x time_limit unless given).
Past either, the child's whole process group is killed, and the zygote kills
whatever it left behind.

Machinery failures: only what the judge observes itself counts (a zygote that
does not answer a spawn, a child that ended while its zygote died, a sandbox
claim that a fresh child, which ran no student code, repeats). The session
then holds the reason in `failure` until `begin` of the next attempt, and
raises SandboxFailure; the caller (judge.Grader) restarts the zygote and
grades the submission again.
"""
import os
import subprocess
from pathlib import Path

from course_core import assignments, tempfiles

from . import forbidden, pool, side_effects, workspace
from .compare import Wrong
from .remote import SandboxError, SandboxFailure, StudentError, Tainted  # noqa: F401 (SandboxFailure re-exported)
from .sandbox import limits as sandbox_limits


class Fatal(Wrong):
    """Nothing in this exercise can be graded: it scores 0, with this one line."""


class Session:
    def __init__(self, time_limit=20.0, total_time_limit=None, limits=None):
        """limits: overrides of sandbox.limits.DEFAULTS, e.g. {"memory": 4 << 30}."""
        self.time_limit = time_limit
        self.total_time_limit = 3 * time_limit if total_time_limit is None else total_time_limit
        self.limits = dict(limits or {})
        self.zygote = pool.take()
        self.scratch = tempfiles.mkdtemp("grade")
        if os.geteuid() == 0:
            self.scratch.chmod(0o711)  # children run as other uids: they may cross it, not list it
        self.key = self.module_or_reason = None
        self.child = self.submission = None
        self.last = 0  # the number of the last exercise the child entered
        self.first = 0  # the number of the first exercise the child entered
        self.replayed = set()  # the exercises of this submission graded again in a fresh child (replay)
        self.suspect = False  # whether that exercise's source is flagged by side_effects
        self.used = {}  # submission -> seconds its closed children spent answering
        self.count = 0
        self.failure = None  # why the machinery failed during this submission (see begin/end)
        self.unverified = False  # a child ended by itself, and no spawn since showed its zygote alive

    def begin(self):
        """Start grading a submission (again): forget the last one; a fresh zygote if the last one died."""
        self._close_child()
        self.key = self.module_or_reason = self.submission = None
        self.used.clear()
        self.replayed.clear()
        if self.failure or not self.zygote.alive():
            self.restart()
        self.failure, self.unverified = None, False

    def end(self):
        """Finish a submission: None if its grades stand, else why the machinery failed meanwhile. A child
        that ended by itself may have died with its zygote: a spawn answered since then shows it did not."""
        self._close_child()
        if self.unverified and self.failure is None:
            try:
                self._spawn(0.0)
                self._close_child()
            except SandboxFailure:
                pass
        return self.failure

    def restart(self):
        """A fresh zygote in place of this one, dead or not (a fresh interpreter: this process holds answers)."""
        self._close_child()
        self.zygote.close()
        self.zygote = pool.take()

    @property
    def isolation(self):
        """What confines the children of this session (one line)."""
        return sandbox_limits.isolation(self.limits)

    def module(self, submission, exercise):
        """The student's module for this exercise, as a Remote; raises Fatal if there is none, and
        SandboxFailure once the machinery failed during this submission."""
        if self.failure:
            raise SandboxFailure(self.failure)
        key = (submission, exercise.assignment, exercise.id)
        if key != self.key:
            self.key, self.module_or_reason = key, None
            self.module_or_reason = self._open(submission, exercise)
        if isinstance(self.module_or_reason, str):
            raise Fatal(self.module_or_reason)
        if self.child.dead:
            raise Fatal(self.child.dead)
        return self.module_or_reason

    def _failed(self, exc):
        self.failure = self.failure or str(exc)
        raise exc

    def _open(self, submission, exercise):
        if submission != self.submission:
            self._close_child()
            self.submission = submission
        try:
            source = workspace.read_exercise(workspace.package_dir(submission, assignments.get(exercise.assignment)), exercise)
        except workspace.SubmissionError as exc:
            return str(exc)
        if workspace.unchanged(exercise, source):
            return f"not implemented yet: {exercise.file} is unchanged from the released stub"
        try:
            walked = side_effects.nodes(source)  # once, for the three readings below
        except SyntaxError as exc:
            return f"{exercise.file} does not parse: SyntaxError: {exc.msg} (line {exc.lineno})"
        used = forbidden.shortcuts(exercise, walked)
        if used:
            return f"uses {', '.join(used)}, which this exercise forbids"
        spent = self.used.get(submission, 0.0) + (self.child.used if self.child else 0.0)
        if spent >= self.total_time_limit:
            return f"time limit exceeded: the submission's exercises together took longer than {self.total_time_limit:g} s"
        files = workspace.package_files(exercise, source)
        # a route to torch the reading above cannot follow, or a forbidden name in a self-test under __main__
        watch = exercise.forbidden if forbidden.watched(exercise, walked) else ()
        try:
            # A child that served an earlier exercise is replaced once: when it refuses (tainted), or ended or
            # answered out of step before this exercise's code ran (what the earlier code did); a fresh one cannot.
            for _ in range(2):
                if self._reusable(exercise) is False:
                    self._close_child()
                if self.child is None:
                    self._spawn(self.total_time_limit - self.used.get(submission, 0.0))
                reused, self.last = self.last > 0, exercise.number
                self.first = self.first if reused else exercise.number
                # everything: whether the last exercise's code may have changed more than the cheap checks see
                everything, self.suspect = self.suspect, side_effects.flagged(walked)
                try:
                    return self.child.enter(files, f"{exercise.assignment}.{exercise.id}", everything, watch)
                except Tainted:
                    self._close_child()
                except SandboxError:
                    if not (reused and (self.child.crashed or self.child.out_of_step)):
                        raise
                    self._close_child()
        except StudentError as exc:
            if exc.type == "NotImplementedError":
                return f"not implemented yet ({exc.message})"
            return f"{exercise.file} cannot be imported: {exc}"
        except SandboxError as exc:
            return str(exc)
        # A fresh child cannot refuse its first exercise: only the student's code, at import, says so.
        return f"{exercise.file}: the process running your code sent a reply the grader did not ask for"

    def replay(self, exercise):
        """Whether `exercise`, just graded, must be graded again from its start, in a fresh child: the child
        that graded it had served an earlier exercise of this submission and ended by itself meanwhile (what
        the earlier exercise's code may have planted: an alarm, a patched function). Once an exercise."""
        child, key = self.child, (self.submission, exercise.assignment, exercise.id)
        if child is None or not child.crashed or self.first >= exercise.number or key in self.replayed:
            return False
        self.replayed.add(key)
        self._close_child()
        self.key = self.module_or_reason = None
        return True

    def _reusable(self, exercise):
        """None without a child; else whether it may grade `exercise` next: alive, and still in exercise
        order (no working version of this exercise has been within its reach). The child itself refuses
        if the last exercise left anything behind."""
        if self.child is None:
            return None
        return not self.child.dead and exercise.number > self.last

    def _spawn(self, budget):
        self.child = self._fork(budget)
        self.child.verify = self._confines
        self.last = self.first = 0
        self.suspect = False

    def _fork(self, budget):
        self.count += 1
        workdir = self.scratch / str(self.count)
        workdir.mkdir(mode=0o700)
        # the zygote deletes workdir once it has killed the child and whatever the child left behind
        try:
            child = self.zygote.spawn(workdir, self.time_limit, budget, self.total_time_limit, self.limits)
        except SandboxFailure as exc:
            self._failed(exc)
        self.unverified = False
        return child

    def _confines(self):
        """None if a fresh child, which runs no student code, is confined; else why not (its own word,
        trusted as no student code ran in it)."""
        probe = self._fork(self.time_limit)
        try:
            probe.request("noop")
        except SandboxFailure as exc:
            self.failure = self.failure or str(exc)
            return str(exc).split(": ", 1)[-1]
        except SandboxError as exc:
            self._failed(SandboxFailure(f"a fresh grading child did not answer ({exc})"))
        finally:
            probe.close()
        return None

    def _close_child(self):
        if self.child is not None:
            self.unverified = self.unverified or self.child.crashed
            self.child.close()
            self.used[self.submission] = self.used.get(self.submission, 0.0) + self.child.used
            self.child = None

    def close(self):
        self._close_child()
        self.zygote.close()
        # rm, not shutil.rmtree: a student's tree 5,000 folders deep is a RecursionError there
        subprocess.run(["rm", "-rf", "--one-file-system", "--", str(self.scratch)], stderr=subprocess.DEVNULL)
