"""Checks for notebook 06 (backpropagation on the lecture's two-weight network)."""

from __future__ import annotations

import math

from ..lecture import two_weight_network
from ..names import fmt
from .core import BadAnswer, Verdict, as_number, call_student, close, exercise
from .diagnose import Factor, chain_verdict, factors_of

__all__ = ["check_dJ_dw2", "check_dJ_dw1", "check_gd_step"]

NOTEBOOK = "06_backpropagation"

# What each local derivative of the two-weight network is, in the lecture's symbols.
MEANINGS = {
    "dJ/derr": "2·err = 2(y − yhat)",
    "derr/dyhat": "d(y − yhat)/dyhat",
    "dyhat/da1": "w2",
    "dyhat/dw2": "a1",
    "da1/dz1": "sigmoid'(z1) = a1(1 − a1)",
    "dz1/dw1": "x",
}
# The engine builds J = err**2 with err = y - yhat; the lecture writes these pairs as one factor.
FOLDS = {("dJ/derr", "derr/dyhat"): "dJ/dyhat", ("dyhat/da1", "da1/dz1"): "dyhat/dz1"}


def _network_factors(weight: str) -> tuple[list[Factor], float, dict[str, float]]:
    net = two_weight_network()
    net.J.backward()
    factors, grad = factors_of(net.J, getattr(net, weight), MEANINGS)
    values = {
        "x": net.x.data,
        "w1": net.w1.data,
        "w2": net.w2.data,
        "a1": net.a1.data,
        "err": net.y.data - net.yhat.data,
    }
    return factors, grad, values


@exercise("06.1", NOTEBOOK, "dJ/dw2 by the chain rule")
def check_dJ_dw2(dJ_dw2: object) -> Verdict:
    """Check the student's dJ/dw2 against the engine's factors of the two-weight network."""
    factors, grad, v = _network_factors("w2")
    distractors = [
        Factor("w2", v["w2"], note="the weight, not what it multiplies"),
        Factor("err", v["err"], "y − yhat", "the power rule gives 2·err"),
    ]
    return chain_verdict(dJ_dw2, "dJ_dw2", factors, grad, distractors, folds=FOLDS)


@exercise("06.2", NOTEBOOK, "dJ/dw1 by the chain rule")
def check_dJ_dw1(dJ_dw1: object) -> Verdict:
    """Check the student's dJ/dw1 against the engine's factors of the two-weight network."""
    factors, grad, v = _network_factors("w1")
    distractors = [
        Factor("a1", v["a1"], "sigmoid(z1)", "the activation, not its derivative"),
        Factor("w1", v["w1"], note="the weight, not what it multiplies"),
        Factor("err", v["err"], "y − yhat", "the power rule gives 2·err"),
    ]
    return chain_verdict(dJ_dw1, "dJ_dw1", factors, grad, distractors, folds=FOLDS)


# ---------------- 06.3: the gradient-descent update ----------------
_CASES = ((0.5, 2.4733, 0.1), (-1.5, -3.0654, 0.05), (2.0, -0.5, 1.0))
_STEPS, _LR = 30, 0.2


def _wrong_updates(w: float, g: float, lr: float) -> list[tuple[float, str]]:
    return [
        (w + lr * g, "w + lr·grad: that steps uphill, along the gradient; step against it"),
        (w - g, "w − grad: the learning rate is missing"),
        (w - lr, "w − lr: the gradient is missing"),
        (-lr * g, "−lr·grad: that is the step, not the new weight; add it to w"),
        (lr * g, "lr·grad: that is (minus) the step, not the new weight"),
        (w - lr * g * w, "w − lr·grad·w: the step is lr·grad, not scaled by w"),
    ]


@exercise("06.3", NOTEBOOK, "the gradient-descent update")
def check_gd_step(gd_step: object) -> Verdict:
    """Check ``gd_step(w, grad, lr)`` on single steps, then let it train the two-weight network."""
    for w, g, lr in _CASES:
        got = as_number(call_student(gd_step, "gd_step", w, g, lr), f"gd_step({w}, {g}, {lr})")
        want = w - lr * g
        if not close(got, want):
            why = next((text for value, text in _wrong_updates(w, g, lr) if close(got, value)), "")
            return Verdict(
                False,
                f"gd_step(w={w}, grad={g}, lr={lr}) returned {fmt(got)}; the update "
                f"w − lr·grad gives {fmt(want)}." + (f" Yours is {why}." if why else ""),
            )
    w1, w2 = 0.5, -1.5
    losses = []
    for _ in range(_STEPS):  # train the lecture's network with the student's update
        net = two_weight_network(w1=w1, w2=w2)
        net.J.backward()
        losses.append(net.J.data)
        w1 = as_number(call_student(gd_step, "gd_step", w1, net.w1.grad, _LR), "gd_step(w1, ...)")
        w2 = as_number(call_student(gd_step, "gd_step", w2, net.w2.grad, _LR), "gd_step(w2, ...)")
    final = two_weight_network(w1=w1, w2=w2).J.data
    if not (math.isfinite(final) and final < losses[0]):
        raise BadAnswer(f"training with gd_step took J from {fmt(losses[0])} to {fmt(final)}.")
    return Verdict(
        True,
        f"gd_step(w, grad, lr) = w − lr·grad. With it, {_STEPS} steps at lr = {_LR} take the "
        f"two-weight network's J from {fmt(losses[0])} to {fmt(final)} "
        f"(w1 = {fmt(w1)}, w2 = {fmt(w2)}).",
    )
