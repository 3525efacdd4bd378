"""Checks for notebook 05 (gradient descent): one step on J(w0, w1), a learning rate."""

from __future__ import annotations

from collections.abc import Callable

from chainrule.autograd import Value

from ..descent import descent_1d
from ..names import fmt
from .core import BadAnswer, Verdict, as_number, call_student, close, exercise, is_placeholder

__all__ = ["check_descent_step", "check_learning_rate", "landscape", "descend"]

NOTEBOOK = "05_gradient_descent"

# ---------------- 05.1: one step of gradient descent, with Values ----------------
_STARTS = (((-1.5, 1.5), 0.1), ((1.0, -0.5), 0.3))


def _grad(J: Callable, w0: float, w1: float) -> tuple[float, float, float]:
    """J and its gradient at (w0, w1), from a fresh graph."""
    a, b = Value(w0, "w0"), Value(w1, "w1")
    loss = J(a, b)
    if not isinstance(loss, Value):
        raise BadAnswer(f"J(w0, w1) should return a Value, got {type(loss).__name__}.")
    loss.backward()
    return loss.data, a.grad, b.grad


def _moved(want: tuple[float, float], got: tuple[float, float]) -> bool:
    return all(close(g, w, rtol=1e-9, atol=1e-12) for g, w in zip(got, want))


def _step_mistake(
    start: tuple[float, float], g: tuple[float, float], lr: float, got: tuple[float, float]
) -> str:
    candidates = [
        (
            start,
            "the weights did not move: change w0.data and w1.data in place "
            "(`w0 = w0 - ...` only makes a new local name), and update after backward(), "
            "before zeroing the grads",
        ),
        (
            [w + lr * d for w, d in zip(start, g)],
            "that is w + lr·grad: it steps uphill, along "
            "the gradient; step against it, w − lr·grad",
        ),
        ([w - d for w, d in zip(start, g)], "that is w − grad: the learning rate is missing"),
        ([w - lr for w in start], "that is w − lr: the gradient is missing"),
        ([-lr * d for d in g], "that is −lr·grad, the step alone: add it to w"),
    ]
    return next((text for want, text in candidates if _moved(want, got)), "")


@exercise("05.1", NOTEBOOK, "one step of gradient descent on J(w0, w1)")
def check_descent_step(descent_step: object, J: object) -> Verdict:
    """Run ``descent_step(w0, w1, lr)`` twice from two starts; compare with the engine."""
    if is_placeholder(descent_step):
        call_student(descent_step, "descent_step")  # raises NotAnswered
    if not callable(J):
        raise BadAnswer("pass the notebook's loss function J as the second argument.")
    for (s0, s1), lr in _STARTS:
        w0, w1 = Value(s0, "w0"), Value(s1, "w1")
        at = (s0, s1)
        for step in (1, 2):
            _, g0, g1 = _grad(J, *at)
            call_student(descent_step, "descent_step", w0, w1, lr)
            got = (as_number(w0.data, "w0.data"), as_number(w1.data, "w1.data"))
            want = (at[0] - lr * g0, at[1] - lr * g1)
            if _moved(want, got):
                at = got
                continue
            where = f"From (w0, w1) = ({fmt(at[0])}, {fmt(at[1])}) with lr = {lr}"
            if step == 2:
                where = "On the second call, " + where[0].lower() + where[1:]
            reason = (
                f"{where}, your step went to ({fmt(got[0])}, {fmt(got[1])}); w − lr·dJ/dw "
                f"gives ({fmt(want[0])}, {fmt(want[1])})."
            )
            why = _step_mistake(at, (g0, g1), lr, got)
            if step == 2 and not why and at != (s0, s1):
                old = (g0 + _grad(J, s0, s1)[1], g1 + _grad(J, s0, s1)[2])
                if _moved((at[0] - lr * old[0], at[1] - lr * old[1]), got):
                    why = (
                        "the gradient of the first step was still in .grad and the new one "
                        "was added to it: set w0.grad = w1.grad = 0.0 before backward()"
                    )
            return Verdict(False, reason + (f" Yours: {why}." if why else ""))
    w0, w1 = Value(-1.5, "w0"), Value(1.5, "w1")
    first = _grad(J, -1.5, 1.5)[0]
    for _ in range(50):
        call_student(descent_step, "descent_step", w0, w1, 0.1)
    last = _grad(J, w0.data, w1.data)[0]
    return Verdict(
        True,
        f"Each call computes J, zeroes the grads, backpropagates and moves w0 and w1 by "
        f"−lr·dJ/dw. Fifty steps at lr = 0.1 take J from {fmt(first)} to {fmt(last)}.",
    )


# ---------------- 05.2: a learning rate that finds the global minimum ----------------
START, STEPS, LIMIT = 2.0, 60, 1e6


def landscape(w: Value | float) -> Value | float:
    """The notebook's non-convex loss, J(w) = (w² − 1)² + 0.5·w + 1."""
    return (w * w - 1) ** 2 + 0.5 * w + 1


def descend(lr: float, start: float = START, steps: int = STEPS) -> list[float]:
    """Plain gradient descent on `landscape` (gradients from the engine); stops if |w| > 1e6."""
    return descent_1d(landscape, start, lr, steps, limit=LIMIT)


def _minima() -> tuple[float, float, float]:
    """Global minimum, local minimum, hump: the roots of J'(w) = 4w³ − 4w + 0.5 (bisection)."""

    def root(lo: float, hi: float) -> float:
        d = lambda w: 4 * w**3 - 4 * w + 0.5  # noqa: E731
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if d(lo) * d(mid) > 0 else (lo, mid)
        return (lo + hi) / 2

    return root(-2.0, -0.5), root(0.5, 1.5), root(-0.5, 0.5)


@exercise("05.2", NOTEBOOK, "a learning rate that finds the global minimum")
def check_learning_rate(lr: object) -> Verdict:
    """Run 60 steps of gradient descent from w = 2 with `lr`; say where it ends."""
    rate = as_number(lr, "lr_global")
    if rate <= 0:
        return Verdict(
            False, f"lr = {rate:g}: a learning rate must be positive, or no step goes downhill."
        )
    glob, loc, hump = _minima()
    path = descend(rate)
    w = path[-1]
    if not abs(w) <= LIMIT or len(path) < STEPS + 1:
        return Verdict(
            False,
            f"With lr = {rate:g} gradient descent diverged: after {len(path) - 1} steps "
            f"w = {w:.3g}. Each step overshoots further than the last; use a smaller rate.",
        )
    if abs(w - loc) < 1e-2:
        stuck = (
            f"With lr = {rate:g} gradient descent is stuck in the local minimum at w = "
            f"{loc:.2f} (J = {fmt(landscape(loc))}); the global minimum is at w = {glob:.2f}."
        )
        if min(path) > hump:
            return Verdict(
                False, stuck + " Its steps are too short to jump over the hump: try a larger rate."
            )
        return Verdict(
            False,
            stuck + f" It did cross the hump (w reached {fmt(min(path))}) but its steps were "
            "too long to settle there and it bounced back: try a slightly smaller rate.",
        )
    if abs(w - glob) < 1e-2:
        return Verdict(
            True,
            f"With lr = {rate:g} gradient descent reached the global minimum at w = {glob:.2f} "
            f"(J = {fmt(landscape(glob))}) in {STEPS} steps from w = {START:g}, jumping over "
            f"the local one at w = {loc:.2f}.",
        )
    return Verdict(
        False,
        f"With lr = {rate:g}, after {STEPS} steps gradient descent is at w = {fmt(w)}, in "
        f"neither valley (the minima are at w = {glob:.2f} and {loc:.2f}): its steps bounce "
        "around instead of settling. Try a somewhat smaller rate.",
    )
