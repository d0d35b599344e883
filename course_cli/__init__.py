"""course: build a Transformer by hand, graded by a hidden autograder."""

__version__ = "0.1.0"
