"""Graded exercises: learner notebooks, checks with points and feedback, a sandboxed grader.

``python -m rnncourse grade exercises/01_rnn_step.md`` grades one notebook;
``grade_file`` and ``grade_folder`` do the same from Python.
"""

from .checks import EXERCISES
from .grade import Report, detect_exercise, grade, grade_file, submissions_in
from .sandbox import Limits
