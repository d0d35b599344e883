"""The hidden tests' fixtures and hooks: the same for every assignment (autograder/fixtures.py)."""
from autograder.fixtures import *  # noqa: F401,F403
