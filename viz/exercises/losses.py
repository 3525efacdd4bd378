"""Checks for notebook 04 (will I pass?): binary cross-entropy for one example, MSE by hand.

The reference is the library's own loss (`chainrule.nn`), imported when a check runs.
"""

from __future__ import annotations

import math

from chainrule.autograd import Value

from ..names import fmt
from .core import Verdict, as_number, call_student, close, exercise
from .layers import _library

__all__ = ["check_bce", "check_mse"]

NOTEBOOK = "04_will_i_pass"

# ---------------- 04.1: binary cross-entropy of one (p, y) ----------------
PAIRS = ((0.9, 1), (0.2, 1), (0.5, 1), (0.3, 0), (0.8, 0), (0.05, 0))


def _bce_mistakes(p: float, y: int) -> list[tuple[float, str]]:
    right = -(y * math.log(p) + (1 - y) * math.log(1 - p))
    return [
        (-right, "y·log p + (1 − y)·log(1 − p) without the minus sign: a loss must be ≥ 0"),
        (
            -(y * math.log(1 - p) + (1 - y) * math.log(p)),
            "with log p and log(1 − p) swapped: y = 1 goes with log p",
        ),
        (right / math.log(10), "in log10; cross-entropy uses the natural log, math.log"),
        (-y * math.log(p), "−y·log p alone: the (1 − y)·log(1 − p) term for y = 0 is missing"),
        (-(1 - y) * math.log(1 - p), "only the (1 − y)·log(1 − p) term: −y·log p is missing"),
        ((y - p) ** 2, "the squared error (y − p)², not the cross-entropy"),
        (-(y * math.log(p) + (1 - y) * math.log(p)), "−log p whatever y is"),
    ]


@exercise("04.1", NOTEBOOK, "binary cross-entropy for one example")
def check_bce(bce: object) -> Verdict:
    """Compare ``bce(p, y)`` with the library's binary_cross_entropy on several (p, y) pairs."""
    library = _library("binary_cross_entropy", "check_bce")
    for p, y in PAIRS:
        got = as_number(call_student(bce, "bce", p, y), f"bce({p}, {y})") + 0.0  # no -0
        want = library(Value(p), y).data
        if not close(got, want, rtol=1e-6):
            why = next((t for v, t in _bce_mistakes(p, y) if close(got, v, rtol=1e-6)), "")
            return Verdict(
                False,
                f"bce(p={p}, y={y}) returned {fmt(got)}; chainrule.nn.binary_cross_entropy "
                f"gives {fmt(want)} = −(y·log p + (1 − y)·log(1 − p))."
                + (f" Yours is {why}." if why else ""),
            )
    shown = ", ".join(f"({p}, {y})" for p, y in PAIRS)
    return Verdict(
        True,
        f"bce agrees with chainrule.nn.binary_cross_entropy at (p, y) = {shown}: small for a "
        f"confident right answer (bce(0.9, 1) = {fmt(-math.log(0.9))}), large for a confident "
        f"wrong one (bce(0.2, 1) = {fmt(-math.log(0.2))}).",
    )


# ---------------- 04.2: mean squared error of the lecture's three grades ----------------
GRADES, PREDICTED = (90.0, 80.0, 95.0), (88.0, 85.0, 93.0)


def _mse_mistakes(errors: list[float]) -> list[tuple[float, str]]:
    n = len(errors)
    squares = [e * e for e in errors]
    return [
        (sum(squares), "the sum of the squared errors: divide by the number of examples"),
        (sum(errors) / n, "the mean error, not squared: +5 and −5 would cancel"),
        (sum(abs(e) for e in errors) / n, "the mean absolute error, not squared"),
        (
            sum(-s if e < 0 else s for e, s in zip(errors, squares)) / n,
            "(2² − 5² + 2²) / 3: −5² is −(5²) in Python; square the error, (−5)² = 25",
        ),
        (math.sqrt(sum(squares) / n), "the root of the MSE (RMSE): leave out the square root"),
        (sum(squares) / (n - 1), "divided by n − 1 = 2; the mean divides by n = 3"),
    ]


@exercise("04.2", NOTEBOOK, "the mean squared error of three grades")
def check_mse(mse: object) -> Verdict:
    """Check the MSE of grades (90, 80, 95) predicted as (88, 85, 93) against mse_loss."""
    got = as_number(mse, "mse_by_hand")
    mse_loss = _library("mse_loss", "check_mse")
    want = mse_loss([Value(p) for p in PREDICTED], list(GRADES)).data
    errors = [g - p for g, p in zip(GRADES, PREDICTED)]
    if close(got, want, rtol=1e-4):
        return Verdict(
            True,
            f"The errors are (2, −5, 2), so MSE = (2² + (−5)² + 2²) / 3 = 33 / 3 = {fmt(want)}, "
            "as chainrule.nn.mse_loss computes.",
        )
    why = next((t for v, t in _mse_mistakes(errors) if close(got, v, rtol=1e-4)), "")
    return Verdict(
        False,
        f"Your MSE = {fmt(got)}"
        + (f" is {why}." if why else ".")
        + f" The errors y − ŷ are (2, −5, 2); chainrule.nn.mse_loss gives {fmt(want)}.",
    )
