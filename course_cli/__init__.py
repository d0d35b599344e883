"""course: build a Transformer by hand, graded by a hidden autograder."""
import sys

__version__ = "0.1.0"

# nbgrader imports nbformat, which imports jsonschema, which imports rfc3987_syntax if it is
# installed: that builds a parser at import (~1 s here), for the "iri" string formats, which no
# notebook schema uses. Without it jsonschema skips those formats. Every command pays otherwise.
sys.modules.setdefault("rfc3987_syntax", None)
