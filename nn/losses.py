"""Loss functions: how far predictions are from targets, as one Value to call backward on.

Each takes predictions (a Value, or a list of them: one per example) and
targets (plain numbers), and returns the mean loss over the examples.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from chainrule.autograd import Value, sum_values

__all__ = [
    "mse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "softmax_cross_entropy",
    "hinge_loss",
    "l2_penalty",
]


def _pairs(preds: Value | Sequence[Value], targets: float | Sequence[float], who: str):
    """Predictions and targets as two equal-length lists."""
    if isinstance(preds, Value):
        preds = [preds]
    if isinstance(targets, (int, float)) or not isinstance(targets, Iterable):
        targets = [targets]
    preds, targets = list(preds), [_number(t, who) for t in targets]
    if len(preds) != len(targets):
        raise ValueError(f"{who}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{who}: no predictions")
    return preds, targets


def _number(t: object, who: str) -> float:
    if isinstance(t, bool) or not isinstance(t, (int, float)) and not hasattr(t, "__float__"):
        raise TypeError(f"{who}: targets must be numbers, got {type(t).__name__}")
    return float(t)


def _mean(terms: list[Value]) -> Value:
    return sum_values(terms) * (1.0 / len(terms))


def mse_loss(preds: Value | Sequence[Value], targets: float | Sequence[float]) -> Value:
    """Mean squared error: mean of (y - yhat)^2. For predicting numbers, e.g. a grade."""
    preds, targets = _pairs(preds, targets, "mse_loss")
    return _mean([(p - y) ** 2 for p, y in zip(preds, targets)])


def binary_cross_entropy(probs: Value | Sequence[Value], targets: float | Sequence[float]) -> Value:
    """-mean(y log p + (1 - y) log(1 - p)) for probabilities p in (0, 1), targets in [0, 1].

    A probability of exactly 0 or 1 on the wrong side gives an infinite loss
    and raises ValueError; `binary_cross_entropy_with_logits` never does.
    """
    probs, targets = _pairs(probs, targets, "binary_cross_entropy")
    terms = []
    for p, y in zip(probs, targets):
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"binary_cross_entropy: target {y} is not in [0, 1]")
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(f"binary_cross_entropy: prediction {p.data} is not a probability")
        if (y > 0.0 and p.data == 0.0) or (y < 1.0 and p.data == 1.0):
            raise ValueError(
                f"binary_cross_entropy: probability {p.data} for target {y} gives an infinite"
                " loss; use binary_cross_entropy_with_logits on the pre-sigmoid output"
            )
        term = 0.0
        if y > 0.0:  # terms with a zero weight are left out, so p = 1, y = 1 is fine
            term = y * p.log()
        if y < 1.0:
            term = term + (1.0 - y) * (1.0 - p).log()
        terms.append(-term)
    return _mean(terms)


def _softplus(z: Value) -> Value:
    """log(1 + e^z), written so that exp never overflows."""
    if z.data >= 0.0:
        return z + ((-z).exp() + 1.0).log()
    return (z.exp() + 1.0).log()


def binary_cross_entropy_with_logits(
    logits: Value | Sequence[Value], targets: float | Sequence[float]
) -> Value:
    """Binary cross-entropy of sigmoid(z), computed stably from z as softplus(z) - y z."""
    logits, targets = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    for y in targets:
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"binary_cross_entropy_with_logits: target {y} is not in [0, 1]")
    return _mean([_softplus(z) - y * z for z, y in zip(logits, targets)])


def softmax_cross_entropy(
    logits: Sequence[Value] | Sequence[Sequence[Value]],
    targets: int | Sequence[float] | Sequence[int] | Sequence[Sequence[float]],
) -> Value:
    """-log softmax(logits)[target], averaged over examples.

    One example: `logits` is a list of K Values and `target` a class index
    or a one-hot list of K numbers. Several: a list of such lists and a list
    of targets. Uses log-sum-exp with the largest logit taken out, so large
    logits never overflow.
    """
    if logits and isinstance(logits[0], Value):  # a single example
        logits, targets = [logits], [targets]
    if len(logits) != len(targets):
        raise ValueError(
            f"softmax_cross_entropy: {len(logits)} examples but {len(targets)} targets"
        )
    if not logits:
        raise ValueError("softmax_cross_entropy: no predictions")
    terms = []
    for row, target in zip(logits, targets):
        k = len(row)
        weights = _class_weights(target, k)
        m = max(z.data for z in row)  # a constant: shifting all logits leaves softmax unchanged
        log_sum_exp = sum_values([(z - m).exp() for z in row]).log() + m
        terms.append(sum_values([w * (log_sum_exp - z) for w, z in zip(weights, row) if w]))
    return _mean(terms)


def _class_weights(target: object, k: int) -> list[float]:
    """A class index or one-hot list as k weights."""
    if isinstance(target, bool):
        raise TypeError("softmax_cross_entropy: a target must be a class index or a list, not bool")
    if isinstance(target, int) or (hasattr(target, "__index__") and not hasattr(target, "__len__")):
        i = int(target)
        if not 0 <= i < k:
            raise ValueError(f"softmax_cross_entropy: class {i} is out of range for {k} logits")
        return [1.0 if j == i else 0.0 for j in range(k)]
    weights = [float(w) for w in target]
    if len(weights) != k:
        raise ValueError(
            f"softmax_cross_entropy: one-hot target of length {len(weights)} for {k} logits"
        )
    if not math.isclose(sum(weights), 1.0) or min(weights) < 0.0:
        raise ValueError("softmax_cross_entropy: a one-hot target must be >= 0 and sum to 1")
    return weights


def hinge_loss(scores: Value | Sequence[Value], targets: float | Sequence[float]) -> Value:
    """Mean of max(0, 1 - y s) for targets y in {-1, +1}: the max-margin (SVM) loss."""
    scores, targets = _pairs(scores, targets, "hinge_loss")
    for y in targets:
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss: targets must be -1 or +1, got {y}")
    return _mean([(1.0 - y * s).relu() for s, y in zip(scores, targets)])


def l2_penalty(parameters: Iterable[Value], alpha: float) -> Value:
    """alpha * sum of squared parameters: add it to a loss to keep weights small."""
    return alpha * sum_values([p * p for p in parameters])
