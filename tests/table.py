"""The `transformer` assignment's table, as the tests of its exercises read it (course_core/assignments/)."""
from course_core import assignments

TABLE = assignments.get("transformer")
ASSIGNMENT = TABLE.id
EXERCISES = TABLE.exercises
BY_ID = TABLE.by_id
MAX_SCORE = TABLE.max_score
FILES = TABLE.files
