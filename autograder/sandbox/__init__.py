"""The student's side of grading. Nothing here may import the reference or the hidden tests."""
