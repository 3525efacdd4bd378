"""chainrule.viz.exercises: checks a student runs after each exercise of the notebooks.

Each check prints right or wrong and why, using what the engine knows, and
returns (and records) a `CheckResult`:

    >>> from chainrule.viz.exercises import check_dJ_dw1
    >>> check_dJ_dw1(2.4733)                       # doctest: +SKIP
    ✓ Exercise 06.2 (dJ/dw1 by the chain rule): right. ...

The checks need no network, no numpy and no subprocess, so they run in a
browser kernel too. `results()` lists this session's outcomes;
`course/grade.py` collects them from a folder of submitted notebooks.
"""

from .backprop import check_dJ_dw1, check_dJ_dw2, check_gd_step
from .core import (
    BadAnswer,
    CheckResult,
    Exercise,
    NotAnswered,
    Verdict,
    exercise,
    exercises_for,
    registered,
    reset,
    results,
    summary,
)
from .layers import check_count_parameters, check_dense_forward
from .perceptron import check_perceptron, check_sigmoid_derivative
from .value import check_backward, check_dL_db

__all__ = [
    "BadAnswer",
    "CheckResult",
    "Exercise",
    "NotAnswered",
    "Verdict",
    "check_backward",
    "check_count_parameters",
    "check_dJ_dw1",
    "check_dJ_dw2",
    "check_dL_db",
    "check_dense_forward",
    "check_gd_step",
    "check_perceptron",
    "check_sigmoid_derivative",
    "exercise",
    "exercises_for",
    "registered",
    "reset",
    "results",
    "summary",
]
