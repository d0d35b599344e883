"""Mutation check of the project's own guards: does a test see each one break?

    python benchmarks/mutants.py                 # every mutant (slow: ~15 minutes on 2 cores)
    python benchmarks/mutants.py -k tempfiles    # those whose name contains "tempfiles"
    python benchmarks/mutants.py --list

For each mutant: copy the repository's tracked files into a temporary folder,
apply one guard-breaking patch there, run the tests named for it, and print
"killed" (a test failed) or "survived" (they all passed: the guard is broken
and no test can see it). Exits non-zero if any survived or could not be applied.
For people, not CI: run it before resolving an issue that adds a guard, and
append that guard's mutant to MUTANTS below (one line each: the file, the text
to replace, exactly once, its replacement, the tests that must catch it).
"""
import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_core import tempfiles  # noqa: E402
from tests.helpers import copy_repo  # noqa: E402


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to the repository root
    old: str  # must occur exactly once in file
    new: str
    tests: tuple  # pytest node ids (or files) that must fail


C = "tests/test_sandbox_confinement.py::"
W = "tests/test_workflow.py::"
MUTANTS = [
    # ---- the thirteen the first mutation test caught (issue 15), reconstructed
    Mutant("loose tolerance", "autograder/compare.py", "ATOL = RTOL = 1e-7", "ATOL = RTOL = 1e-3",
           ("tests/test_audit.py",)),
    Mutant("dead forbidden-shortcut check", "autograder/session.py",
           "used = forbidden.shortcuts(exercise, walked)", "used = []",
           ("tests/test_forbidden.py::test_a_forbidden_shortcut_scores_zero_on_its_exercise_only",)),
    Mutant("dropped exclude_overwriting", "course_cli/workflow.py",
           'f"c.Autograde.exclude_overwriting = {({a.id: list(a.files) for a in assignments.all_assignments()})!r}",', "",
           (W + "test_course_grade_and_nbgrader_autograde_agree_exercise_by_exercise",)),
    Mutant("ignored --student", "course_cli/cli.py",
           'kwargs["student"] = kwargs.get("student") or default_student()', 'kwargs["student"] = default_student()',
           (W + "test_every_submission_is_kept_with_its_timestamp",)),
    Mutant("seccomp off", "autograder/sandbox/limits.py", "        seccomp()\n", "        pass\n",
           (C + "test_child_cannot_send_udp_nor_make_setuid_files", C + "test_child_cannot_connect_to_tcp")),
    Mutant("Landlock off", "autograder/sandbox/limits.py", '        landlock(plan["landlock"], rules)\n', "        pass\n",
           (C + "test_child_cannot_read_the_solutions_nor_the_autograder", C + "test_child_writes_only_to_its_scratch_folder")),
    Mutant("orphans not reaped", "autograder/sandbox/zygote.py", "    limits.become_subreaper()\n", "    pass\n",
           (C + "test_daemons_die_with_their_child",)),
    Mutant("wrong Gradescope visibility", "course_cli/gradescope_run.py",
           '"output": str(t["output"]), "visibility": visibility}', '"output": str(t["output"]), "visibility": "visible"}',
           ("tests/test_gradescope.py::test_mistake_loses_points_in_attention_only",)),
    Mutant("changed points marker", "autograder/transformer/hidden/test_warmup.py",
           "@pytest.mark.points(3)\ndef test_linear_warmup", "@pytest.mark.points(4)\ndef test_linear_warmup",
           ("tests/test_hidden_tests.py",)),
    # ---- the seven no test could see (issue 15)
    Mutant("release's solution-text guard a no-op", "course_cli/workflow.py",
           "def assert_no_solution(folder, table):\n", "def assert_no_solution(folder, table):\n    return\n",
           ("tests/test_workflow_guards.py::test_release_refuses_a_folder_holding_solution_text",)),
    Mutant("the reference in the child's package", "autograder/workspace.py",
           'text, kind, why = _shim(assignment_id, exercise.file), "stand-in", EARLIER',
           'text, kind, why = (parts.reference(assignment_id) / exercise.file).read_text(), "stand-in", EARLIER',
           ("tests/test_sandbox_reach.py",)),
    Mutant("a commit per exercise", "course_cli/workflow.py",
           '            grade.manual_score = None\n', '            grade.manual_score = None\n            gb.db.commit()\n',
           ("tests/test_workflow_guards.py::test_a_grading_killed_mid_student_records_no_part_of_that_student",)),
    Mutant("the reference's pictures for everyone", "autograder/transformer/artifacts.py",
           "            out[path] = _artifacts(pe, warmup)", "            out[path] = reference()",
           ("tests/test_report.py::test_a_feedback_page_shows_the_students_own_table_and_curves",)),
    Mutant("--before-duedate ignored", "course_cli/workflow.py",
           "update=True, before_duedate=before_duedate)", "update=True)",
           ("tests/test_workflow_guards.py::test_collect_before_duedate_takes_the_submission_before_it",)),
    Mutant("a build that never refuses", "course_cli/build.py",
           '    require_autograder(assignment)\n    from autograder.grade import grade\n',
           '    return None, None\n    require_autograder(assignment)\n    from autograder.grade import grade\n',
           ("tests/test_build.py",)),
    Mutant("only the latest submission listed", "course_cli/cli.py",
           "    for assignment, timestamp, page in submitted:\n", "    for assignment, timestamp, page in submitted[-1:]:\n",
           (W + "test_every_submission_is_kept_with_its_timestamp",)),
    # ---- guards added with issues 16 and 10 (item 5)
    Mutant("temp folders not removed at exit", "course_core/tempfiles.py",
           "    for path in [p for p, pid in _mine.items() if pid == os.getpid()]:\n        discard(path)\n",
           "    pass\n", ("tests/test_tempfiles.py::test_a_folder_is_removed_when_its_process_is_interrupted_or_terminated",
                       "tests/test_tempfiles.py::test_course_demo_leaves_tmpdir_empty")),
    Mutant("SIGTERM not turned into an interrupt", "course_core/tempfiles.py",
           "        signal.signal(signal.SIGTERM, stop)", "        pass",
           ("tests/test_tempfiles.py::test_a_folder_is_removed_when_its_process_is_interrupted_or_terminated",)),
    Mutant("stale folders not swept", "course_core/tempfiles.py", "        sweep()\n", "        pass\n",
           ("tests/test_tempfiles.py::test_the_next_run_sweeps_a_killed_runs_folder_and_nothing_else",)),
    Mutant("the sweep takes a live run's folder", "course_core/tempfiles.py",
           "    return _started(pid) is None or _started(pid) != start", "    return True",
           ("tests/test_tempfiles.py::test_the_next_run_sweeps_a_killed_runs_folder_and_nothing_else",)),
    Mutant("mutants written to disk", "autograder/catalog.py",
           '    _memory.sources[f"{name}.{patch.exercise}"] = (f"<{patch.id}>/{patch.file}", patch.source(), False)\n',
           '    _memory.sources[f"{name}.{patch.exercise}"] = (f"<{patch.id}>/{patch.file}", patch.source(), False)\n'
           '    (__import__("pathlib").Path(__import__("tempfile").mkdtemp(prefix="course-mutants-")) / patch.file).write_text(patch.source())\n',
           ("tests/test_tempfiles.py::test_course_check_of_a_mistake_leaves_tmpdir_empty",)),
    Mutant("forbidden operators not watched", "autograder/sandbox/watch.py",
           "        if self.ops:\n            stack.enter_context(self)\n", "",
           ("tests/test_forbidden.py::test_a_forbidden_shortcut_scores_zero_on_its_exercise_only",)),
    Mutant("a coding cookie believed", "autograder/workspace.py",
           '    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):', "    if False:",
           ("tests/test_forbidden.py::test_a_forbidden_shortcut_scores_zero_on_its_exercise_only",)),
    Mutant("shims' operators charged to the student", "autograder/sandbox/watch.py",
           "            if frame.f_code.co_filename in self.shims:\n                return False\n", "",
           ("tests/test_forbidden.py",)),
    # ---- guards added with issue 10 (isolation), issue 11 (feedback) and issue 12 (everyday use)
    Mutant("no namespaces", "autograder/sandbox/limits.py", '    "namespaces": True, ', '    "namespaces": False, ',
           (C + "test_child_cannot_see_the_answers_exist_nor_change_a_file_outside_its_scratch",
            C + "test_child_reaches_no_unix_socket_outside")),
    Mutant("the instructor's environment kept", "autograder/sandbox/zygote.py",
           "    forget_environment()\n    control = ", "    control = ",
           # as root a child cannot read its own environ (not dumpable once its uid drops): the non-root run sees it
           ("tests/test_sandbox_hostile.py::test_no_student_sees_the_instructors_environment",
            "tests/test_sandbox_hostile.py::test_the_hostile_suite_holds_for_a_non_root_judge")),
    Mutant("no cap on what a child writes", "autograder/sandbox/limits.py",
           '"scratch_bytes": 64 << 20,', '"scratch_bytes": 64 << 30,',
           (C + "test_what_a_child_writes_in_all_is_capped",)),
    Mutant("a forged sandbox failure believed", "autograder/remote.py",
           "reason = self.verify() if self.verify else said(value)", "reason = said(value)",
           ("tests/test_sandbox_hostile.py::test_forged_sandbox_replies_cost_only_their_own_exercise",)),
    Mutant("symbolic links followed", "autograder/workspace.py",
           "fd = os.open(exercise.file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)",
           "fd = os.open(exercise.file, os.O_RDONLY | os.O_NONBLOCK, dir_fd=folder)",
           ("tests/test_workspace.py::test_a_symlinked_exercise_file_is_refused_and_costs_that_exercise_only",)),
    Mutant("student text shown raw", "course_cli/safe_text.py",
           "    return _sub(str(text), _escaped)", "    return str(text)",
           ("tests/test_workspace.py::test_a_students_control_characters_are_escaped_in_the_table_and_the_json",)),
    Mutant("workers killed outright when grading is interrupted", "autograder/grade.py",
           "            worker.proc.terminate()", "            worker.proc.kill()",
           ("tests/test_tempfiles.py::test_course_grade_interrupted_leaves_tmpdir_empty",)),
    Mutant("an ungraded nbgrader cell scores 0", "course_cli/nbgrader_cell.py",
           '    if "error" in result:\n', '    if False:\n',
           ("tests/test_grade_machinery.py::test_an_nbgrader_cell_errors_rather_than_scoring_0_when_the_machinery_never_grades",)),
    Mutant("a forbidden use carries over to the student's next exercise", "autograder/sandbox/child.py",
           "        self.watcher.used = None  # the last exercise's forbidden use is its own: the judge has scored it\n", "",
           ("tests/test_forbidden_decoder.py",)),
    Mutant("a forbidden torch.nn class reached by a built name goes unseen", "autograder/sandbox/watch.py",
           "        if isinstance(module, self.modules) and self._students():", "        if False:",
           ("tests/test_forbidden_decoder.py",)),
    Mutant("a forbidden function that runs no operator of its own goes unseen", "autograder/sandbox/watch.py",
           "        if func in self.watcher.functions and self.watcher._students():", "        if False:",
           ("tests/test_forbidden.py::test_a_forbidden_shortcut_scores_zero_on_its_exercise_only",)),
    Mutant("a module's own extra state refused", "autograder/sandbox/child.py",
           "    model.load_state_dict(state, strict=False)", "    model.load_state_dict(state)",
           ("tests/test_probes.py::test_weights_load_by_the_contracts_names_and_a_modules_own_extras_stay",)),
    Mutant("a stand-in misses a submodule's alias", "autograder/sandbox/child.py",
           '            old.__dict__["forward"] = value', "            pass",
           ("tests/test_probes.py::test_a_stand_in_replaces_its_submodule_wherever_it_sits",)),
    Mutant("nbgrader cells keep an edited submission's old grade", "course_cli/nbgrader_cell.py",
           "    key = (os.path.realpath(folder), assignment, _files(folder))", "    key = (os.path.realpath(folder), assignment)",
           ("tests/test_grade_machinery.py::test_the_nbgrader_cells_of_one_notebook_grade_the_submission_once",)),
]


def run(mutant):
    """'killed', 'survived' or 'error: ...' for one mutant."""
    with tempfiles.folder("mutant") as root:
        repo = copy_repo(root / "repo")
        path = repo / mutant.file
        text = path.read_text(encoding="utf-8")
        if text.count(mutant.old) != 1:
            return f"error: the text to replace occurs {text.count(mutant.old)} times in {mutant.file}"
        path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(repo), PYTHONDONTWRITEBYTECODE="1")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *mutant.tests]
        out = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
        if out.returncode == 0:
            return "survived"
        if out.returncode == 1:
            return "killed"
        return f"error: pytest exit {out.returncode}: {(out.stdout + out.stderr).strip().splitlines()[-1:]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only the mutants whose name contains this")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if args.k.lower() in m.name.lower()]
    if args.list:
        for m in chosen:
            print(f"{m.name}: {m.file} -> {', '.join(m.tests)}")
        return 0
    bad = 0
    for m in chosen:
        start = time.monotonic()
        verdict = run(m)
        bad += verdict != "killed"
        print(f"{verdict:<9} {m.name}  ({time.monotonic() - start:.0f} s)", flush=True)
    print(f"{len(chosen) - bad} of {len(chosen)} mutants killed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
