"""The `decoder` assignment's part of the hidden autograder: its hidden tests (hidden/), its catalog of
mistakes (mistakes.py), the stand-ins for siblings (shims/) and the feedback page's pictures
(artifacts.py). The engine finds them through autograder/parts.py."""
