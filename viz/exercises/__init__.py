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

from .activations import check_linear_collapse, check_relu_derivative
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
from .descent import check_descent_step, check_learning_rate
from .layers import check_count_parameters, check_dense_forward
from .losses import check_bce, check_mse
from .minibatch import check_batch_gradient
from .overfitting import check_dropout_forward, check_stop_epoch
from .perceptron import check_perceptron, check_sigmoid_derivative
from .value import check_backward, check_dL_db

__all__ = [
    "BadAnswer",
    "CheckResult",
    "Exercise",
    "NotAnswered",
    "Verdict",
    "check_backward",
    "check_batch_gradient",
    "check_bce",
    "check_count_parameters",
    "check_dJ_dw1",
    "check_dJ_dw2",
    "check_dL_db",
    "check_dense_forward",
    "check_descent_step",
    "check_dropout_forward",
    "check_gd_step",
    "check_learning_rate",
    "check_linear_collapse",
    "check_mse",
    "check_perceptron",
    "check_relu_derivative",
    "check_sigmoid_derivative",
    "check_stop_epoch",
    "exercise",
    "exercises_for",
    "registered",
    "reset",
    "results",
    "summary",
]
