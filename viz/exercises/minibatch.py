"""Checks for notebook 07 (mini-batches): the batch gradient as the mean of per-example gradients.

The reference is the engine's gradient of the library's batch loss
(`chainrule.nn.binary_cross_entropy_with_logits`, a mean), imported when the check runs.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from ..names import fmt
from .core import BadAnswer, Verdict, as_number, call_student, close, exercise
from .layers import _library

__all__ = ["check_batch_gradient"]

NOTEBOOK = "07_mini_batches"

_ROWS = ([0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [0.0, -1.2], [2.0, 1.0])
_TARGETS = (1.0, 0.0, 1.0, 0.0, 1.0)
_BATCHES = ((0, 1, 2, 3, 4), (1, 3, 4))


def _gradients(idx: Sequence[int]) -> tuple[list[list[float]], list[float]]:
    """Per-example gradients and the batch-loss gradient of a small MLP, from the engine."""
    MLP = _library("MLP", "check_batch_gradient")
    loss_fn = _library("binary_cross_entropy_with_logits", "check_batch_gradient")
    model = MLP(2, [3, 1], seed=0)
    params = model.parameters()

    def grad(rows: Sequence[int]) -> list[float]:
        model.zero_grad()
        loss_fn([model(_ROWS[i]) for i in rows], [_TARGETS[i] for i in rows]).backward()
        return [p.grad for p in params]

    return [grad([i]) for i in idx], grad(idx)


def _as_vector(out: object, n_params: int, n_examples: int) -> list[float]:
    if out is None:
        raise BadAnswer("batch_gradient returned None: it needs a `return`.")
    if hasattr(out, "__iter__") and not hasattr(out, "__len__"):  # a generator, a map
        out = list(out)
    if isinstance(out, numbers.Real) or not hasattr(out, "__len__"):
        shown = fmt(float(out)) if isinstance(out, numbers.Real) else type(out).__name__
        raise BadAnswer(
            f"batch_gradient returned {shown}, one number; the batch gradient has one "
            f"number per parameter ({n_params}): average the examples' gradients entry by entry."
        )
    values = [as_number(v, "batch_gradient(...)[k]") for v in out]
    if len(values) == n_examples and n_examples != n_params:
        raise BadAnswer(
            f"batch_gradient returned {n_examples} numbers, one per example: you averaged over "
            f"the parameters. Average over the examples instead, giving one number per "
            f"parameter ({n_params})."
        )
    if len(values) != n_params:
        raise BadAnswer(
            f"batch_gradient returned {len(values)} numbers; the model has {n_params} "
            "parameters, so the batch gradient has that many."
        )
    return values


def _same(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(close(x, y, rtol=1e-9, atol=1e-12) for x, y in zip(a, b))


@exercise("07.1", NOTEBOOK, "the mini-batch gradient")
def check_batch_gradient(batch_gradient: object) -> Verdict:
    """Compare ``batch_gradient(grads)`` with the engine's gradient of the mean batch loss."""
    for idx in _BATCHES:
        per_example, truth = _gradients(idx)
        n, m = len(idx), len(truth)
        out = call_student(batch_gradient, "batch_gradient", [list(g) for g in per_example])
        got = _as_vector(out, m, n)
        if _same(got, truth):
            continue
        k = next(i for i in range(m) if not close(got[i], truth[i], rtol=1e-9, atol=1e-12))
        reason = (
            f"For a batch of {n} examples, entry {k} of your gradient is {fmt(got[k])}; the "
            f"engine's gradient of the batch's mean loss has {fmt(truth[k])}."
        )
        sums = [sum(col) for col in zip(*per_example)]
        mistakes = [
            (
                sums,
                f"the sum of the per-example gradients, {n} times too large: the batch "
                "loss is a mean, so divide by the number of examples",
            ),
            (
                [s / m for s in sums],
                "the sum divided by the number of parameters; divide by the number of examples",
            ),
            (per_example[0], "the first example's gradient alone: average all of them"),
            (per_example[-1], "the last example's gradient alone: average all of them"),
        ]
        why = next((text for want, text in mistakes if _same(got, want)), "")
        return Verdict(False, reason + (f" Yours is {why}." if why else ""))
    return Verdict(
        True,
        "The mean of the per-example gradients is the gradient of the batch's mean loss "
        f"(checked entry by entry on batches of {len(_BATCHES[0])} and {len(_BATCHES[1])} "
        "examples): the gradient of a mean is the mean of the gradients.",
    )
