"""Checks for notebook 02 (activation functions): ReLU's derivative, a collapsed linear stack."""

from __future__ import annotations

import math

from chainrule.autograd import Value

from ..names import fmt
from .core import Verdict, as_number, call_student, close, exercise, is_placeholder
from .diagnose import derivative_verdict

__all__ = ["check_relu_derivative", "check_linear_collapse"]

NOTEBOOK = "02_activation_functions"

# ---------------- 02.1: ReLU's local derivative ----------------
# Central differences are meaningless across the kink, so they are used away from 0;
# at exactly 0 the answer is the engine's convention, read from a backward pass.
POINTS = (-3.0, -1.0, -0.25, 0.25, 1.0, 2.5)

_KNOWN_WRONG = (
    ("relu(z) itself, max(0, z), not its derivative", lambda z: max(0.0, z)),
    ("1 for z < 0 and 0 for z > 0: the two sides are swapped", lambda z: float(z < 0)),
    ("1 everywhere: that is the derivative of the identity, not of ReLU", lambda z: 1.0),
    ("0 everywhere: ReLU passes the gradient through where z > 0", lambda z: 0.0),
)


def relu(z: float) -> float:
    """max(0, z)."""
    return z if z > 0.0 else 0.0


def _engine_relu_grad(z: float) -> float:
    v = Value(z)
    v.relu().backward()
    return v.grad


def _as_float_fn(fn: object) -> object:
    """The student's function with a bool result (``z > 0``) read as 0 or 1."""
    if is_placeholder(fn) or not callable(fn):
        return fn

    def wrapped(z: float) -> object:
        out = fn(z)
        return float(out) if isinstance(out, bool) else out

    return wrapped


@exercise("02.1", NOTEBOOK, "ReLU's local derivative")
def check_relu_derivative(relu_derivative: object) -> Verdict:
    """Compare ``relu_derivative(z)`` with central differences away from 0 and the engine at 0."""
    fn = _as_float_fn(relu_derivative)
    verdict = derivative_verdict(fn, "relu_derivative", relu, "relu", POINTS, _KNOWN_WRONG)
    if not verdict.passed:
        return verdict
    at0 = as_number(call_student(fn, "relu_derivative", 0.0), "relu_derivative(0)")
    engine = _engine_relu_grad(0.0)
    if not close(at0, engine):
        return Verdict(
            False,
            f"Away from 0 your relu_derivative is right, but relu_derivative(0) = {fmt(at0)}. "
            f"ReLU has a kink at 0 where the slope is not defined; the engine (like PyTorch) "
            f"uses {fmt(engine)} there: z.relu().backward() at z = 0 leaves z.grad = {fmt(engine)}."
            + (" Use z > 0, not z >= 0." if close(at0, 1.0) else ""),
        )
    return Verdict(
        True,
        verdict.reason + f" At the kink z = 0 it gives {fmt(engine)}, as the engine does.",
    )


# ---------------- 02.2: a stack of linear layers is one line ----------------
# h1 = w1·x + b1, h2 = w2·h1 + b2, f = w3·h2 + b3: three one-unit layers, no activation.
WS, BS = (2.0, -1.5, 3.0), (1.0, 2.0, -1.0)


def _stack(x: Value) -> Value:
    h = x
    for w, b in zip(WS, BS):
        h = w * h + b
    return h


def _slope_and_intercept() -> tuple[float, float]:
    """The engine's df/dx (one backward pass) and f(0)."""
    x = Value(0.0, "x")
    f = _stack(x)
    f.backward()
    return x.grad, f.data


def _W_mistakes() -> list[tuple[float, str]]:
    w1, w2, w3 = WS
    return [
        (w1 + w2 + w3, "the sum of the weights; a layer multiplies, so the weights multiply"),
        (w3, "w3 alone: x passes through all three layers, so W = w1·w2·w3"),
        (w1 * w3, "w1·w3: it lacks w2"),
        (-w1 * w2 * w3, "−w1·w2·w3: the sign is wrong"),
    ]


def _B_mistakes() -> list[tuple[float, str]]:
    (w1, w2, w3), (b1, b2, b3) = WS, BS
    return [
        (b1 + b2 + b3, "the sum of the biases: each bias is multiplied by the later weights"),
        (b3, "b3 alone: b1 and b2 pass through the later layers too"),
        (w2 * b1 + b2 + b3, "w2·b1 + b2 + b3: b1 and b2 must also be multiplied by w3"),
        (w1 * b1 + w2 * b2 + w3 * b3, "Σ wk·bk: a bias is multiplied by the weights after it"),
        (w1 * w2 * w3 * (b1 + b2 + b3), "W·(b1 + b2 + b3): each bias meets only later weights"),
    ]


@exercise("02.2", NOTEBOOK, "three linear layers are one line")
def check_linear_collapse(W: object, B: object) -> Verdict:
    """Check that f(x) = W·x + B for the stack of three linear layers, using the engine."""
    w, b = as_number(W, "W"), as_number(B, "B")
    slope, intercept = _slope_and_intercept()
    reasons = []
    if not close(w, slope, rtol=1e-6):
        why = next((t for v, t in _W_mistakes() if close(w, v, rtol=1e-6)), "")
        reasons.append(
            f"Your W = {fmt(w)}"
            + (f" is {why}" if why else "")
            + f"; the engine's df/dx is {fmt(slope)}."
        )
    if not close(b, intercept, rtol=1e-6, atol=1e-9):
        why = next((t for v, t in _B_mistakes() if close(b, v, rtol=1e-6)), "")
        reasons.append(
            f"Your B = {fmt(b)}"
            + (f" is {why}" if why else "")
            + f"; the stack gives f(0) = {fmt(intercept)}."
        )
    if reasons:
        return Verdict(False, " ".join(reasons))
    for x in (-2.0, 0.5, 3.0):  # the line and the stack agree everywhere, not just at 0
        f = _stack(Value(x)).data
        if not math.isclose(f, w * x + b, rel_tol=1e-9, abs_tol=1e-9):
            return Verdict(
                False, f"At x = {x:g} the stack gives {fmt(f)}, W·x + B {fmt(w * x + b)}."
            )
    return Verdict(
        True,
        f"W = w1·w2·w3 = {fmt(slope)} and B = w3·(w2·b1 + b2) + b3 = {fmt(intercept)}: the three "
        "layers compute the single line f(x) = W·x + B, so stacking them bends nothing.",
    )
