"""Run the hidden tests on submissions and build the contract's grading report.

    python -m autograder.grade PATH [PATH ...]      # prints the JSON report
    python -m autograder.grade --worker --assignment ID   # a grading worker: paths on stdin, entries on stdout

Each folder is graded with the hidden tests of its own assignment: the one
named, or else the one whose exercise files it holds (course_core.assignments.detect).

`grade()` runs the hidden tests in this process (autograder/judge.py), or with
jobs > 1 in that many worker processes (this module's main --worker) that
share one queue: each is handed the next submission as it finishes one, and
its report entry comes back as soon as it is graded. Either way each grading
process starts its zygote before it imports the tests (pool.prestart); a
process that only hands out work never imports torch at all.
"""
import collections
import json
import os
import selectors
import subprocess
import sys
import tempfile
from pathlib import Path

from course_core import assignments, tempfiles

from . import pool

ROOT = Path(__file__).resolve().parent.parent


class GradingError(Exception):
    """The grader itself could not run (not a student's fault)."""


def _exercise_report(exercise, records):
    fatal = next((r["message"] for r in records if r["fatal"]), None)
    tests = []
    for i, r in enumerate(records, 1):
        earned = r["points"] if r["passed"] and not fatal else 0.0
        output = "passed" if r["passed"] and not fatal else (fatal or r["message"])
        tests.append({"name": f"{exercise.id}: {r['label']}", "number": f"{exercise.number}.{i}",
                      "score": earned, "max_score": r["points"], "output": output})
    score = sum(t["score"] for t in tests)
    if fatal:
        feedback = [fatal]
    elif records and all(r["passed"] for r in records):
        feedback = [f"all {len(records)} checks passed"]
    else:
        feedback = _collapse([r for r in records if not r["passed"]])
    return {"score": score, "max_score": exercise.points, "feedback": feedback, "tests": tests}


def _collapse(failed):
    """One line per failure; a sentence shared by several checks is said once."""
    lines, seen = [], {}
    for r in failed:
        same = [f for f in failed if f["message"] == r["message"]]
        if len(same) == 1:
            lines.append(f"{r['label']}: {r['message']}")
        elif r["message"] not in seen:
            seen[r["message"]] = True
            lines.append(f"{r['message']} ({len(same)} checks)")
    return lines


def build_report(paths, records, assignment, exercises=None):
    """The report of `paths`, all of `assignment` (its table), from the hidden tests' records."""
    results = []
    for path in paths:
        exercises_report = {}
        for exercise in assignment.exercises:
            if exercises and exercise.id not in exercises:
                continue
            mine = [r for r in records if r["submission"] == path and r["exercise"] == exercise.id]
            exercises_report[exercise.id] = _exercise_report(exercise, mine)
        score = sum(e["score"] for e in exercises_report.values())
        max_score = sum(assignment.by_id[k].points for k in exercises_report)
        results.append({"submission": path, "assignment": assignment.id, "score": round(score, 2), "max_score": max_score, "exercises": exercises_report})
    return {"results": results}


def assignment_of(path, assignment=None):
    """The table of the assignment `path` is graded as: `assignment` (an id) if given, else the one whose
    files it holds, else the only one; GradingError (one line) when that cannot be told."""
    try:
        if assignment is not None:
            return assignments.get(assignment)
        return assignments.detect(path)
    except assignments.UnknownAssignment as exc:
        only = assignments.only()
        if assignment is None and only is not None:
            return only  # nothing to choose from: its tests say what the folder lacks, exercise by exercise
        raise GradingError(str(exc)) from None


def _assignments_of(paths, assignment=None):
    """{path: table}. A folder whose files name no assignment (empty, missing, broken) is graded as the
    batch's other folders are when they are all of one assignment, so that it gets its entry (every
    exercise saying what is missing) instead of stopping the batch; else GradingError."""
    found, unknown = {}, []
    for path in paths:
        try:
            found[path] = assignment_of(path, assignment)
        except GradingError as exc:
            unknown.append((path, exc))
    if unknown:
        batch = set(found.values())
        if len(batch) != 1:
            raise unknown[0][1]
        found.update({path: next(iter(batch)) for path, _ in unknown})
    return found


def grade(paths, time_limit=20.0, jobs=1, exercises=None, progress=None, total_time_limit=None, assignment=None,
          entries=None):
    """The grading report (a dict) of the submission folders `paths`, in their order.

    Each folder is graded with its own assignment's hidden tests (assignment: an id, for all of them;
    default: each folder's, from the files it holds). time_limit: seconds per exercise;
    total_time_limit: seconds for all of one submission's exercises (default 3 x time_limit);
    exercises: only these ids (default all); progress(path) is called as each submission is done.
    entries(entry): each submission's report entry as soon as it is graded, in the order they finish, and
    not kept: the report's "results" is then empty, and this process's memory stays flat however many
    are graded (the caller writes them out as they come).
    """
    given = [str(p) for p in paths]
    paths = list(dict.fromkeys(given))  # a folder named twice is graded once
    groups = {}
    for path, table in _assignments_of(paths, assignment).items():
        groups.setdefault(table, []).append(path)
    known = {e.id for a in groups for e in a.exercises} if groups else {e.id for a in assignments.all_assignments() for e in a.exercises}
    unknown = [e for e in exercises or () if e not in known]
    if unknown:
        raise GradingError(f"unknown exercise {', '.join(unknown)}")
    by_path = {}
    for table, group in groups.items():  # one assignment's hidden tests at a time
        mine = [e for e in exercises or () if e in table.by_id] or None
        if exercises and not mine:
            raise GradingError(f"{table.id} has none of the exercises {', '.join(exercises)}")
        group_jobs = max(1, min(jobs, len(group)))
        if group_jobs == 1:
            pool.prestart()
            from .judge import run

            report = run(group, table, time_limit, mine, progress, total_time_limit, entries=entries)
        else:
            report = _grade_in_workers(group, table, time_limit, group_jobs, mine, progress, total_time_limit, entries)
        by_path.update({r["submission"]: r for r in report["results"]})
    return {"results": [] if entries else [by_path[p] for p in given]}


class Results:
    """Where graded entries go as they come: progress(path) told, and each kept for the report, or handed
    to entries(entry) and not kept (see grade)."""

    def __init__(self, progress=None, entries=None):
        self.progress, self.entries, self.kept = progress, entries, {}

    def add(self, entry):
        if self.entries:
            self.entries(entry)
        else:
            self.kept[entry["submission"]] = entry
        if self.progress:
            self.progress(entry["submission"])

    def report(self, paths):
        return {"results": [] if self.entries else [self.kept[p] for p in paths]}


WORKER_ATTEMPTS = 3  # workers that may die holding one submission before it is reported as not graded
STOP_GRACE = 10  # seconds a worker asked to stop has to remove its temp folders before it is killed
BROKEN = 3  # a worker's exit status when the hidden tests cannot run at all (no point in another worker)


class _Worker:
    """One grading process (this module's main --worker): a submission path per line on its stdin,
    its report entry per line on its stdout as soon as it is graded."""

    def __init__(self, argv, env):
        self.log = tempfile.TemporaryFile()  # its stderr: read only if it fails
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env)
        self.buffer, self.path, self.graded = b"", None, 0

    def give(self, path):
        """Hand it path, or None: nothing more (it finishes and exits)."""
        self.path = path
        try:
            if path is None:
                self.proc.stdin.close()
            else:
                self.proc.stdin.write(json.dumps(path).encode() + b"\n")
                self.proc.stdin.flush()
        except OSError:
            pass  # it died: its stdout says so next

    def stderr(self):
        """The end of what it wrote to stderr (kept once its log is closed)."""
        if not self.log.closed:
            self.log.seek(0)
            self.said = self.log.read().decode(errors="replace").strip()[-2000:]
        return self.said

    def close(self):
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.proc.wait()
        self.stderr()
        self.log.close()


def _grade_in_workers(paths, assignment, time_limit, jobs, exercises, progress, total_time_limit, entries=None):
    """Grade paths in `jobs` worker processes sharing one queue: a worker takes the next submission when
    it finishes one. A worker that dies puts its submission back (WORKER_ATTEMPTS times at most), and a
    fresh worker takes its place."""
    # One torch thread per worker: the workers already fill the cores.
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    argv = [sys.executable, "-m", "autograder.grade", "--worker", "--assignment", assignment.id, "--time-limit", str(time_limit),
            *[f"--exercise={e}" for e in exercises or ()]]
    if total_time_limit is not None:
        argv.append(f"--total-time-limit={total_time_limit}")
    queue, died, results = collections.deque(paths), collections.Counter(), Results(progress, entries)
    chooser = selectors.DefaultSelector()

    def start():
        worker = _Worker(argv, env)
        chooser.register(worker.proc.stdout, selectors.EVENT_READ, worker)
        worker.give(queue.popleft())

    try:
        for _ in range(min(jobs, len(queue))):
            start()
        while chooser.get_map():
            for key, _ in chooser.select():
                worker = key.data
                chunk = os.read(key.fileobj.fileno(), 1 << 16)
                worker.buffer += chunk
                *lines, worker.buffer = worker.buffer.split(b"\n")
                for line in lines:
                    results.add(json.loads(line))
                    worker.graded += 1
                    worker.give(queue.popleft() if queue else None)
                if chunk:
                    continue
                chooser.unregister(key.fileobj)  # it exited, or closed its stdout: it is done either way
                worker.close()
                status = worker.proc.returncode
                if status == BROKEN or (status > 0 and not worker.graded):  # not killed: it cannot work at all
                    raise GradingError(f"a grading worker failed: {worker.stderr()}")
                if worker.path is not None:  # it died holding a submission: not that submission's fault
                    died[worker.path] += 1
                    if died[worker.path] < WORKER_ATTEMPTS:
                        queue.appendleft(worker.path)
                    else:
                        results.add(not_graded(worker.path, assignment, exercises, f"its grading process died {WORKER_ATTEMPTS} times "
                                            f"(last: exit status {worker.proc.returncode}; {worker.stderr()[-300:]})"))
                if queue:
                    start()
    finally:  # interrupted, or a worker could not work: the others stop, removing their temp folders first
        running = [key.data for key in chooser.get_map().values()]
        for worker in running:
            worker.proc.terminate()  # a worker ends on SIGTERM as on Ctrl-C, through its clean-up
        for worker in running:
            try:
                worker.proc.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                worker.proc.kill()
            worker.close()
    return results.report(paths)


def not_graded(path, assignment, exercises, why):
    """The report entry of a submission the machinery could not grade: zero scores, and `error`."""
    entry = build_report([path], [], assignment, exercises)["results"][0]
    for exercise in entry["exercises"].values():
        exercise["feedback"] = ["not graded: the grading machinery failed"]
    entry["error"] = f"not graded: {why}"
    return entry


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m autograder.grade", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="submission folders")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--total-time-limit", type=float, default=None)
    parser.add_argument("--exercise", action="append", help="only this exercise (repeatable)")
    parser.add_argument("--assignment", help="the assignment's id [default: each folder's, from its files]")
    parser.add_argument("--worker", action="store_true",
                        help="a path per line on stdin; each report entry on stdout as one line once graded")
    args = parser.parse_args(argv)
    if not args.worker:
        json.dump(grade(args.paths, args.time_limit, exercises=args.exercise, total_time_limit=args.total_time_limit,
                        assignment=args.assignment), sys.stdout)
        return
    table = assignments.get(args.assignment)
    pool.prestart(fork=True)  # before this process holds any submission's path
    tempfiles.interrupt_on_sigterm()  # after the fork: the zygote keeps SIGTERM's default
    # Its own copies of stdin and stdout: pytest captures the standard ones while a test runs.
    inbox, outbox = os.fdopen(os.dup(0), "rb"), os.fdopen(os.dup(1), "wb")
    from .judge import serve

    def take():
        line = inbox.readline()
        return json.loads(line) if line.strip() else None

    def done(entry):
        outbox.write(json.dumps(entry).encode() + b"\n")
        outbox.flush()

    try:
        serve(take, done, table, args.time_limit, args.exercise, args.total_time_limit)
    except GradingError as exc:
        print(exc, file=sys.stderr)
        sys.exit(BROKEN)


if __name__ == "__main__":
    main()
