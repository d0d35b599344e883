"""Late submissions follow nbgrader's late policy, configured in nbgrader_config.py."""
import pytest

from course_cli import workflow
from course_cli.nbcourse import CONFIG_FILE, CourseError, load_config
from tests.helpers import hand_in


def test_late_submission_gets_nbgrader_penalty_and_before_duedate_keeps_the_earlier(tmp_path):
    course_dir, exchange = tmp_path / "course", tmp_path / "exchange"
    workflow.init_course(course_dir, "late101", exchange)
    with open(course_dir / CONFIG_FILE, "a") as f:
        f.write("c.LateSubmissionPlugin.penalty_method = 'zero'\n")  # nbgrader's own policy: late scores 0
    instructor = load_config(course_dir, need_course_dir=True)
    with pytest.raises(CourseError, match="due date"):
        workflow.release(instructor, "transformer", check=False, duedate="not a date")
    assert not (course_dir / "source").exists()  # a bad due date stops the release before it writes anything
    workflow.release(instructor, "transformer", check=False, duedate="2000-01-01 00:00:00 UTC")

    hand_in(exchange, "late101", tmp_path / "ann", "ann")

    workflow.collect(instructor, "transformer")
    (result,) = workflow.grade(instructor, "transformer").values()
    assert result["score"] == 100
    (row,) = workflow.grade_table(instructor)
    assert row["late_penalty"] == 100 and row["total"] == 0
