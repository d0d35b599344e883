"""Run the hidden tests on submissions and build the contract's grading report.

    python -m autograder.grade PATH [PATH ...]      # prints the JSON report
    python -m autograder.grade < paths.json          # the same; how a grading worker gets its share

`grade()` runs the hidden tests in this process (autograder/judge.py), or with
jobs > 1 splits the submissions among that many worker processes, each this
module's main(). Either way each grading process starts its zygote before it
imports torch (pool.prestart), so that the two imports overlap; a process that
only hands out work never imports torch at all.
"""
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from course_cli import tempfiles
from course_cli.assignment import BY_ID, EXERCISES

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


def build_report(paths, records, exercises=None):
    results = []
    for path in paths:
        exercises_report = {}
        for exercise in EXERCISES:
            if exercises and exercise.id not in exercises:
                continue
            mine = [r for r in records if r["submission"] == path and r["exercise"] == exercise.id]
            exercises_report[exercise.id] = _exercise_report(exercise, mine)
        score = sum(e["score"] for e in exercises_report.values())
        max_score = sum(BY_ID[k].points for k in exercises_report)
        results.append({"submission": path, "score": round(score, 2), "max_score": max_score, "exercises": exercises_report})
    return {"results": results}


def grade(paths, time_limit=20.0, jobs=1, exercises=None, progress=None, total_time_limit=None):
    """The grading report (a dict) of the submission folders `paths`, in their order.

    time_limit: seconds per exercise; total_time_limit: seconds for all of one
    submission's exercises (default 3 x time_limit); exercises: only these ids
    (default all); progress(path) is called as each submission is done.
    """
    given = [str(p) for p in paths]
    paths = list(dict.fromkeys(given))  # a folder named twice is graded once
    unknown = [e for e in exercises or () if e not in BY_ID]
    if unknown:
        raise GradingError(f"unknown exercise {', '.join(unknown)}")
    jobs = max(1, min(jobs, len(paths)))
    if jobs == 1:
        pool.prestart()
        from .judge import run

        report = run(paths, time_limit, exercises, progress, total_time_limit)
    else:
        report = _grade_in_workers(paths, time_limit, jobs, exercises, progress, total_time_limit)
    by_path = {r["submission"]: r for r in report["results"]}
    return {"results": [by_path[p] for p in given]}


def _grade_in_workers(paths, time_limit, jobs, exercises, progress, total_time_limit):
    chunks = [paths[i::jobs] for i in range(jobs)]
    # One torch thread per worker: the workers already fill the cores.
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    extra = [f"--exercise={e}" for e in exercises or ()]
    if total_time_limit is not None:
        extra.append(f"--total-time-limit={total_time_limit}")
    workers = [subprocess.Popen([sys.executable, "-m", "autograder.grade", "--time-limit", str(time_limit), "--progress",
                                 *extra], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                text=True) for _ in chunks]
    for worker, chunk in zip(workers, chunks):  # on stdin: a worker forks its zygote before it reads them
        worker.stdin.write(json.dumps(chunk))
        worker.stdin.close()
    errors = {}

    def follow(worker):
        lines = []
        for line in worker.stderr:
            if line.startswith(PROGRESS) and progress:
                progress(line[len(PROGRESS):].rstrip("\n"))
            else:
                lines.append(line)
        errors[worker.pid] = "".join(lines)

    threads = [threading.Thread(target=follow, args=(w,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    by_path = {}
    for worker, thread in zip(workers, threads):
        out = worker.stdout.read()
        worker.wait()
        thread.join()
        if worker.returncode != 0:
            raise GradingError(f"a grading worker failed: {errors.get(worker.pid, '').strip()[-2000:]}")
        for result in json.loads(out)["results"]:
            by_path[result["submission"]] = result
    return {"results": [by_path[p] for p in paths]}


PROGRESS = "course-progress\t"


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m autograder.grade", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="submission folders (default: a JSON list on stdin)")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--total-time-limit", type=float, default=None)
    parser.add_argument("--exercise", action="append", help="only this exercise (repeatable)")
    parser.add_argument("--progress", action="store_true", help="say on stderr as each submission is done")
    args = parser.parse_args(argv)
    if not args.paths:
        pool.prestart(fork=True)  # before this process holds any submission's path
        args.paths = json.load(sys.stdin)
    tempfiles.interrupt_on_sigterm()  # after the fork: the zygote keeps SIGTERM's default

    def say(path):
        print(f"{PROGRESS}{path}", file=sys.__stderr__, flush=True)  # pytest.main has sys.stderr redirected

    report = grade(args.paths, args.time_limit, exercises=args.exercise, progress=say if args.progress else None,
                   total_time_limit=args.total_time_limit)
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
