"""Checks for notebook 01 (the perceptron): the lecture's z and yhat, and sigmoid's derivative."""

from __future__ import annotations

import itertools
import math

from ..names import fmt
from .core import Verdict, as_number, close, exercise
from .diagnose import derivative_verdict

__all__ = ["check_perceptron", "check_sigmoid_derivative", "sigmoid"]

NOTEBOOK = "01_perceptron"

# The lecture's perceptron: bias w0 = 1, weights W = [3, -2], input x = [-1, 2].
W0, W, X = 1.0, (3.0, -2.0), (-1.0, 2.0)


def sigmoid(z: float) -> float:
    """1 / (1 + e^-z), written so that exp never overflows."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _z_mistakes() -> list[tuple[float, str]]:
    """Sums a student gets by leaving out or flipping the sign of a term of w0 + w1·x1 + w2·x2."""
    terms = [("the bias w0", W0)] + [
        (f"w{i + 1}·x{i + 1} = ({W[i]:g})({X[i]:g})", W[i] * X[i]) for i in range(2)
    ]
    out = []
    for k in (1, 2):
        for gone in itertools.combinations(range(3), k):
            kept = sum(v for i, (_, v) in enumerate(terms) if i not in gone)
            names = " and ".join(terms[i][0] for i in gone)
            out.append((kept, f"it lacks {names}"))
    for name, v in terms:
        flipped = sum(t for _, t in terms) - 2 * v
        out.append((flipped, f"it has the sign of {name} flipped"))
    swapped = W0 + W[0] * X[1] + W[1] * X[0]
    out.append((swapped, "it pairs each weight with the other input (w1·x2 + w2·x1)"))
    return out


def _yhat_mistakes(z: float) -> list[tuple[float, str]]:
    return [
        (z, "that is z itself: the non-linearity g is missing (yhat = g(z))"),
        (sigmoid(-z), "that is 1 / (1 + e^z): the sigmoid is 1 / (1 + e^-z)"),
        (math.tanh(z), "that is tanh(z); the lecture's g here is the sigmoid"),
        (max(0.0, z), "that is relu(z); the lecture's g here is the sigmoid"),
        (math.exp(-z), "that is e^-z: the sigmoid is 1 / (1 + e^-z)"),
    ]


@exercise("01.1", NOTEBOOK, "the lecture's perceptron: z and yhat")
def check_perceptron(z: object, yhat: object) -> Verdict:
    """Check z = w0 + W·x and yhat = sigmoid(z) for w0 = 1, W = [3, -2], x = [-1, 2]."""
    zs = as_number(z, "z")
    ys = as_number(yhat, "yhat")
    z_true = W0 + W[0] * X[0] + W[1] * X[1]
    y_true = sigmoid(z_true)
    if not close(zs, z_true, rtol=1e-6):
        why = next((text for v, text in _z_mistakes() if close(zs, v, rtol=1e-6)), "")
        reason = (
            f"Your z = {fmt(zs)}, but z = w0 + w1·x1 + w2·x2 = 1 + (3)(−1) + (−2)(2) "
            f"= {fmt(z_true)}."
        )
        if why:
            reason = f"Your z = {fmt(zs)}: {why}. z = w0 + w1·x1 + w2·x2 = {fmt(z_true)}."
        if close(ys, sigmoid(zs), rtol=1e-3):
            reason += " (Your yhat = sigmoid(your z) is consistent: fix z first.)"
        return Verdict(False, reason)
    if not close(ys, y_true, rtol=1e-3):
        why = next((text for v, text in _yhat_mistakes(z_true) if close(ys, v, rtol=1e-3)), "")
        reason = f"z = {fmt(z_true)} is right, but your yhat = {fmt(ys)}"
        reason += f": {why}." if why else f" and sigmoid(z) = {fmt(y_true)}."
        return Verdict(False, reason)
    return Verdict(
        True,
        f"z = 1 + (3)(−1) + (−2)(2) = {fmt(z_true)} and yhat = sigmoid({fmt(z_true)}) = "
        f"{fmt(y_true)}: the perceptron is sure this point is on the negative side.",
    )


# ---------------- 01.2: sigmoid's local derivative ----------------
POINTS = (-4.0, -1.5, -0.5, 0.0, 0.5, 1.0, 3.0)

_KNOWN_WRONG = (
    ("sigmoid(z) itself, not its derivative", sigmoid),
    ("z·(1 − z): the formula s·(1 − s) needs s = sigmoid(z), not z", lambda z: z * (1.0 - z)),
    ("sigmoid(z)·(1 + sigmoid(z)): it is 1 − sigmoid(z)", lambda z: sigmoid(z) * (1 + sigmoid(z))),
    ("−sigmoid(z)·(1 − sigmoid(z)): the sign is wrong", lambda z: -sigmoid(z) * (1 - sigmoid(z))),
    ("1 − sigmoid(z): it lacks the factor sigmoid(z)", lambda z: 1.0 - sigmoid(z)),
    ("e^−z: the derivative of 1/(1 + e^−z) is e^−z / (1 + e^−z)²", lambda z: math.exp(-z)),
)


@exercise("01.2", NOTEBOOK, "sigmoid's local derivative")
def check_sigmoid_derivative(sigmoid_derivative: object) -> Verdict:
    """Compare ``sigmoid_derivative(z)`` with central differences of the sigmoid."""
    return derivative_verdict(
        sigmoid_derivative, "sigmoid_derivative", sigmoid, "sigmoid", POINTS, _KNOWN_WRONG
    )
