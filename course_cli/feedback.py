"""Feedback pages through nbgrader's exchange, and the instructor's class report."""
import glob
import os
import shutil
from pathlib import Path

from .language import read_language
from .nbcourse import CourseError, assignment_folder, check_exchange, coursedir, run_exchange
from .notebook import notebook_name
from .workflow import REPORTS, check_assignment, stored_results


def _notebook_id(assignment):
    return notebook_name(assignment).removesuffix(".ipynb")


def page_name(assignment):
    """<id>.html: nbgrader matches feedback to the submitted notebook by name."""
    return _notebook_id(assignment) + ".html"


def _graded(config, assignment):
    check_assignment(assignment)
    results = stored_results(config, assignment)
    if not results:
        raise CourseError(f"nothing graded yet: run `course grade {assignment}` first")
    return results


def release_feedback(config, assignment, progress=None):
    """Render a page per graded student into feedback/, then release them all through the exchange.
    progress(student) is called as each page is written."""
    from .repo import require_autograder
    from .report import render_feedback

    require_autograder()
    from autograder import parts

    results = _graded(config, assignment)
    check_exchange(config)
    cd = coursedir(config, assignment)
    lang = read_language(cd.root)
    drawn = parts.artifacts(assignment)  # an assignment may have no pictures: then its pages have none
    paths = [r["submission"] for r in results.values()]
    artifacts = drawn.collect(paths) if drawn else dict.fromkeys(paths)
    PAGE = page_name(assignment)
    pages = {}
    for student, result in results.items():
        submitted = Path(cd.format_path(cd.submitted_directory, student, assignment))
        folder = Path(cd.format_path(cd.feedback_directory, student, assignment))
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("timestamp.txt", "submission_secret.txt"):  # nbgrader keys feedback to the submission with these
            if (submitted / name).is_file():
                shutil.copyfile(submitted / name, folder / name)
        timestamp = (folder / "timestamp.txt").read_text(encoding="utf-8").strip() if (folder / "timestamp.txt").is_file() else None
        pages[student] = render_feedback(result, artifacts[result["submission"]], folder / PAGE, student=student, timestamp=timestamp,
                                         lang=lang)
        if progress:
            progress(student)
    run_exchange("ReleaseFeedback", config, assignment, "*")
    return pages


def _pages(cache_path, feedback_path, student, assignment):
    """{timestamp: released page} for the student's own cache entries <student>+<assignment>+<timestamp>.

    Each submission is keyed to its page by its secret and the notebook's name, as nbgrader's
    ReleaseFeedback names pages, so a notebook the student deleted before submitting hides nothing.
    """
    from nbgrader.utils import notebook_hash

    own = f"{student}+{assignment}+"
    pages = {}
    for entry in sorted(Path(cache_path).glob(glob.escape(own) + "*")):
        secret = entry / "submission_secret.txt"
        if entry.is_symlink() or not secret.is_file():
            continue
        page = Path(feedback_path) / f"{notebook_hash(secret=secret.read_text(), notebook_id=_notebook_id(assignment))}.html"
        if page.is_file():
            pages[entry.name[len(own):]] = page
    return pages


def own_feedback(config, course_id, assignment, student):
    """{timestamp of a submission: its feedback page in the exchange}, for this student only."""
    from nbgrader.exchange import ExchangeFactory

    exchange = ExchangeFactory(config=config).exchange(config=config)
    return _pages(Path(exchange.cache) / course_id, Path(exchange.root) / course_id / "feedback", student, assignment)


def _own_feedback_fetcher():
    """nbgrader's FetchFeedback, for the named student's own submissions only.

    nbgrader's looks through the cache for every student's submissions of the
    assignment (`*+<id>+*`): students sharing an OS account (one JupyterHub
    account, the demo) then receive each other's pages.
    """
    from nbgrader.exchange.default.fetch_feedback import ExchangeFetchFeedback
    from nbgrader.utils import parse_utc

    class OwnFeedback(ExchangeFetchFeedback):
        def init_src(self):
            super().init_src()  # nbgrader's checks of the course, the student id and the exchange
            pages = _pages(self.cache_path, self.outbound_path, self.coursedir.student_id, self.coursedir.assignment_id)
            notebook_id = _notebook_id(self.coursedir.assignment_id)
            self.feedback_files = [(notebook_id, timestamp, str(page)) for timestamp, page in pages.items()]

        def do_copy(self, src, dest):
            self.fetched = []
            for notebook_id, timestamp, page in self.feedback_files:
                # A folder name without spaces, colons or microseconds: 2026-11-30_15-20-51_UTC.
                folder = Path(dest) / parse_utc(timestamp).strftime("%Y-%m-%d_%H-%M-%S_UTC")
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(page, folder / f"{notebook_id}.html")
                self.fetched.append(folder / f"{notebook_id}.html")

        def start(self):
            self.fetched = []
            super().start()
            return self.fetched

    return OwnFeedback


def fetch_feedback(config, assignment, student, into="."):
    """The student's own feedback pages (only theirs, on a shared account too), fetched into
    ASSIGNMENT/feedback/<time of the submission>/. Returns the pages fetched."""
    check_assignment(assignment)
    folder = assignment_folder(into)  # run beside the assignment folder, or inside it
    into = folder.parent if folder is not None else into
    return sorted(set(run_exchange(_own_feedback_fetcher(), config, assignment, student, assignment_dir=into)))


def class_report(config, assignment):
    """reports/<assignment>/summary.html: score distributions and the most frequent named mistakes."""
    from .report import render_summary

    results = _graded(config, assignment)
    cd = coursedir(config, assignment)
    out = Path(cd.root) / REPORTS / assignment / "summary.html"
    links = {}
    for student, result in results.items():
        page = Path(cd.format_path(cd.feedback_directory, student, assignment)) / page_name(assignment)
        if page.is_file():
            links[result["submission"]] = os.path.relpath(page, out.parent)
    return render_summary({"results": list(results.values()), "assignment": assignment}, out, feedback_links=links)
