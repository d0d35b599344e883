"""Feedback pages through nbgrader's exchange, and the instructor's class report."""
import os
import shutil
from pathlib import Path

from .language import read_language
from .nbcourse import CourseError, coursedir, run_exchange
from .notebook import NOTEBOOK
from .workflow import REPORTS, check_assignment, stored_results

PAGE = NOTEBOOK.removesuffix(".ipynb") + ".html"  # nbgrader matches feedback to the submitted notebook by name


def _graded(config, assignment):
    check_assignment(assignment)
    results = stored_results(config, assignment)
    if not results:
        raise CourseError(f"nothing graded yet: run `course grade {assignment}` first")
    return results


def release_feedback(config, assignment):
    """Render a page per graded student into feedback/, then release them all through the exchange."""
    from .repo import require_autograder
    from .report import render_feedback

    require_autograder()
    from autograder.artifacts import collect

    results = _graded(config, assignment)
    cd = coursedir(config, assignment)
    lang = read_language(cd.root)
    artifacts = collect([r["submission"] for r in results.values()])
    pages = {}
    for student, result in results.items():
        submitted = Path(cd.format_path(cd.submitted_directory, student, assignment))
        folder = Path(cd.format_path(cd.feedback_directory, student, assignment))
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("timestamp.txt", "submission_secret.txt"):  # nbgrader keys feedback to the submission with these
            if (submitted / name).is_file():
                shutil.copyfile(submitted / name, folder / name)
        timestamp = (folder / "timestamp.txt").read_text(encoding="utf-8").strip() if (folder / "timestamp.txt").is_file() else None
        pages[student] = render_feedback(result, artifacts[result["submission"]], folder / PAGE, student=student,
                                         timestamp=timestamp, lang=lang)
    run_exchange("ReleaseFeedback", config, assignment, "*")
    return pages


def fetch_feedback(config, assignment, student, into="."):
    """The student's feedback pages, fetched into ASSIGNMENT/feedback/<timestamp>/."""
    check_assignment(assignment)
    run_exchange("FetchFeedback", config, assignment, student, assignment_dir=into)
    return sorted((Path(into) / assignment / "feedback").glob(f"*/{PAGE}"))


def class_report(config, assignment):
    """reports/<assignment>/summary.html: score distributions and the most frequent named mistakes."""
    from .report import render_summary

    results = _graded(config, assignment)
    cd = coursedir(config, assignment)
    out = Path(cd.root) / REPORTS / assignment / "summary.html"
    links = {}
    for student, result in results.items():
        page = Path(cd.format_path(cd.feedback_directory, student, assignment)) / PAGE
        if page.is_file():
            links[result["submission"]] = os.path.relpath(page, out.parent)
    return render_summary({"results": list(results.values())}, out, feedback_links=links)
