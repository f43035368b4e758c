"""Graded exercises: learner notebooks, checks with points and feedback, a sandboxed grader.

``python -m rnncourse grade exercises/01_rnn_step.md`` grades one notebook;
``grade_file`` does the same from Python (``seed=`` for the instructor's hidden checks).
The sandbox records what the learner's code runs (``watch``); a check whose answer came
from a reference solution scores 0. The solved sources live in ``instructor/`` at the
repository root, outside the package.
"""

from .checks import EXERCISES
from .grade import Report, detect_exercise, grade, grade_file, submissions_in
from .sandbox import Limits
