"""Loss functions: how far predictions are from targets, as one Value to call backward on.

Each takes predictions (a Value, or a list of them: one per example) and
targets (numbers, or Values), and returns the mean loss over the examples.

Every loss builds the same graph shape whatever the numbers are: no Python
`if` on the data and no constant computed from it. So the graph of one
example can be recorded once and replayed over a whole batch
(`chainrule.nn.batched`); targets given as Values (as the recorder feeds
them) take part in the graph like any other input. The one exception is
`binary_cross_entropy` with plain-number targets, which leaves out the terms
with zero weight so that a probability of exactly 0 or 1 on the right side is
fine; the batched engine therefore does not replay it.
"""

from __future__ import annotations

import math
import numbers
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

Target = float | Value


def _pairs(preds: object, targets: object, who: str) -> tuple[list[Value], list[Target]]:
    """Predictions and targets as two equal-length lists (Values, and numbers or Values)."""
    if isinstance(preds, Value):
        preds = [preds]
    if isinstance(targets, (Value, numbers.Number)) or not isinstance(targets, Iterable):
        targets = [targets]
    if not isinstance(preds, Iterable):
        raise _not_a_value(preds, who)
    preds, targets = list(preds), [_number(t, who) for t in targets]
    if len(preds) != len(targets):
        raise ValueError(f"{who}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{who}: no predictions")
    for p in preds:
        if not isinstance(p, Value):
            raise _not_a_value(p, who)
    return preds, targets


def _not_a_value(p: object, who: str) -> TypeError:
    if isinstance(p, (list, tuple)):
        return TypeError(
            f"{who}: each prediction must be one Value, got a {type(p).__name__} of {len(p)}"
            " (a model with several outputs? give it one output, or use softmax_cross_entropy)"
        )
    return TypeError(
        f"{who}: predictions must be Values computed from the model, got"
        f" {type(p).__name__} {p!r:.40}; a plain number has no graph, so backward() would"
        " train nothing (call the model on the inputs and pass its outputs)"
    )


def _number(t: object, who: str) -> Target:
    """A target as a float, or the Value itself (targets may take part in the graph)."""
    if isinstance(t, Value):
        return t
    if isinstance(t, bool) or type(t).__name__ == "bool_" or not isinstance(t, numbers.Real):
        raise TypeError(f"{who}: targets must be numbers, got {type(t).__name__}")
    return float(t)


def _data(t: Target) -> float:
    return t.data if isinstance(t, Value) else t


def _mean(terms: list[Value]) -> Value:
    return sum_values(terms) * (1.0 / len(terms))


def check_binary_targets(targets: Iterable[Target], who: str) -> None:
    """ValueError unless every target is in [0, 1]."""
    for y in targets:
        if not 0.0 <= _data(y) <= 1.0:
            raise ValueError(f"{who}: target {_data(y)} is not in [0, 1]")


def check_sign_targets(targets: Iterable[Target], who: str = "hinge_loss") -> None:
    """ValueError unless every target is -1 or +1."""
    for y in targets:
        if _data(y) not in (-1.0, 1.0):
            raise ValueError(f"{who}: targets must be -1 or +1, got {_data(y)}")


def mse_loss(preds: Value | Sequence[Value], targets: Target | Sequence[Target]) -> Value:
    """Mean squared error: mean of (y - yhat)^2. For predicting numbers, e.g. a grade."""
    preds, targets = _pairs(preds, targets, "mse_loss")
    return _mean([(p - y) ** 2 for p, y in zip(preds, targets)])


def binary_cross_entropy(
    probs: Value | Sequence[Value], targets: Target | Sequence[Target]
) -> Value:
    """-mean(y log p + (1 - y) log(1 - p)) for probabilities p in (0, 1), targets in [0, 1].

    A probability of exactly 0 or 1 on the wrong side gives an infinite loss
    and raises ValueError; `binary_cross_entropy_with_logits` never does.
    Number targets of exactly 0 or 1 leave out the term they multiply by 0;
    Value targets always build both terms.
    """
    who = "binary_cross_entropy"
    probs, targets = _pairs(probs, targets, who)
    check_binary_targets(targets, who)
    terms = []
    for p, y in zip(probs, targets):
        yd = _data(y)
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(f"{who}: prediction {p.data} is not a probability")
        if (yd > 0.0 and p.data == 0.0) or (yd < 1.0 and p.data == 1.0):
            raise ValueError(
                f"{who}: probability {p.data} for target {yd} gives an infinite"
                " loss; use binary_cross_entropy_with_logits on the pre-sigmoid output"
            )
        if isinstance(y, Value):
            terms.append(-(y * p.log() + (1.0 - y) * (1.0 - p).log()))
            continue
        term = 0.0
        if y > 0.0:  # terms with a zero weight are left out, so p = 1, y = 1 is fine
            term = y * p.log()
        if y < 1.0:
            term = term + (1.0 - y) * (1.0 - p).log()
        terms.append(-term)
    return _mean(terms)


def softplus(z: Value) -> Value:
    """log(1 + e^z) without a branch, so exp never overflows: relu(z) + log(1 + e^(-|z|)).

    ``z - 2 relu(z)`` is -|z|; for z >= 0 the result is z + log(1 + e^-z).
    """
    r = z.relu()
    return r + ((z - r - r).exp() + 1.0).log()


def binary_cross_entropy_with_logits(
    logits: Value | Sequence[Value], targets: Target | Sequence[Target]
) -> Value:
    """Binary cross-entropy of sigmoid(z), computed stably from z as softplus(z) - y z."""
    who = "binary_cross_entropy_with_logits"
    logits, targets = _pairs(logits, targets, who)
    check_binary_targets(targets, who)
    return _mean([softplus(z) - y * z for z, y in zip(logits, targets)])


def soft_max(row: Sequence[Value]) -> Value:
    """The largest of `row` as a graph node, built from relu: max(m, z) = m + relu(z - m)."""
    m = row[0]
    for z in row[1:]:
        m = m + (z - m).relu()
    return m


def softmax_cross_entropy(
    logits: Sequence[Value] | Sequence[Sequence[Value]],
    targets: int | Sequence[Target] | Sequence[int] | Sequence[Sequence[Target]],
) -> Value:
    """-log softmax(logits)[target], averaged over examples.

    One example: `logits` is a list of K Values and `target` a class index
    (an int) or a one-hot list of K numbers (or Values). Several: a list of
    such lists and a list of targets. Log-sum-exp takes out the largest logit
    m (a node of the graph; its gradient cancels), so large logits never overflow.
    """
    who = "softmax_cross_entropy"
    if isinstance(logits, Value):
        raise TypeError(f"{who}: logits must be a list of K Values (one per class), got one Value")
    logits = list(logits)
    if logits and not isinstance(logits[0], (Value, Iterable)):
        raise _not_a_value(logits[0], who)
    if logits and isinstance(logits[0], Value):  # a single example
        logits, targets = [logits], [targets]
    elif isinstance(targets, (int, numbers.Number)) or not isinstance(targets, Iterable):
        raise TypeError(f"{who}: several examples need a list of targets, got {targets!r:.40}")
    targets = list(targets)
    if len(logits) != len(targets):
        raise ValueError(f"{who}: {len(logits)} examples but {len(targets)} targets")
    if not logits:
        raise ValueError(f"{who}: no predictions")
    terms = []
    for row, target in zip(logits, targets):
        if isinstance(row, Value) or not isinstance(row, Iterable):
            raise _not_a_value(row, who)
        row = list(row)
        for z in row:
            if not isinstance(z, Value):
                raise _not_a_value(z, who)
        weights = class_weights(target, len(row))
        m = soft_max(row)  # any m gives the same loss; the largest keeps exp from overflowing
        log_sum_exp = sum_values([(z - m).exp() for z in row]).log() + m
        kept = [(w, z) for w, z in zip(weights, row) if isinstance(w, Value) or w]
        terms.append(sum_values([w * (log_sum_exp - z) for w, z in kept]))
    return _mean(terms)


def class_weights(target: object, k: int) -> list[Target]:
    """A class index (an int) or a one-hot list of k numbers or Values, as k weights.

    Value weights are all kept (even zeros), so the graph shape never depends on them.
    """
    who = "softmax_cross_entropy"
    if isinstance(target, bool) or type(target).__name__ == "bool_":
        raise TypeError(f"{who}: a target must be a class index or a list, not bool")
    if isinstance(target, numbers.Integral):
        i = int(target)
        if not 0 <= i < k:
            raise ValueError(f"{who}: class {i} is out of range for {k} logits")
        return [1.0 if j == i else 0.0 for j in range(k)]
    if isinstance(target, (numbers.Number, Value)):
        shown = target.data if isinstance(target, Value) else target
        raise TypeError(
            f"{who}: a class index must be an int, got {type(target).__name__} {shown!r}"
            " (use int(y) for labels stored as floats, or a one-hot list of k weights)"
        )
    if not isinstance(target, Iterable):
        raise TypeError(f"{who}: a target must be a class index or a list, got {target!r:.40}")
    weights = [_number(w, who) for w in target]
    if len(weights) != k:
        raise ValueError(f"{who}: one-hot target of length {len(weights)} for {k} logits")
    numbers_ = [_data(w) for w in weights]
    if not math.isclose(sum(numbers_), 1.0) or min(numbers_) < 0.0:
        raise ValueError(f"{who}: a one-hot target must be >= 0 and sum to 1")
    if any(isinstance(w, Value) for w in weights):
        return [w if isinstance(w, Value) else Value(w) for w in weights]
    return weights


def hinge_loss(scores: Value | Sequence[Value], targets: Target | Sequence[Target]) -> Value:
    """Mean of max(0, 1 - y s) for targets y in {-1, +1}: the max-margin (SVM) loss."""
    scores, targets = _pairs(scores, targets, "hinge_loss")
    check_sign_targets(targets)
    return _mean([(1.0 - y * s).relu() for s, y in zip(scores, targets)])


def l2_penalty(parameters: Iterable[Value], alpha: float) -> Value:
    """alpha * sum of squared parameters: add it to a loss to keep weights small."""
    return alpha * sum_values([p * p for p in parameters])
