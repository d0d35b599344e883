"""Paths and commands shared by the project's tests."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions" / "transformer"
EXERCISES = ROOT / "exercises" / "transformer"
COURSE = [sys.executable, "-m", "course_cli"]
