"""Checks for notebook 08 (overfitting): dropout's training-mode forward, the early-stopping rule.

The references are the library's `chainrule.nn.Dropout` (driven with a given mask)
and `chainrule.nn.EarlyStopping`, imported when a check runs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from ..names import fmt
from .core import BadAnswer, Verdict, as_number, call_student, close, exercise
from .layers import _library

__all__ = ["check_dropout_forward", "check_stop_epoch"]

NOTEBOOK = "08_overfitting"

# ---------------- 08.1: dropout's forward in training mode ----------------
_CASES = (
    ([0.5, -1.2, 2.0, 0.3, 1.1, -0.4], [1, 0, 1, 1, 0, 1], 0.5),
    ([0.5, -1.2, 2.0, 0.3, 1.1, -0.4], [1, 1, 0, 1, 1, 1], 0.2),
)


class _Mask(random.Random):
    """A generator whose random() draws make Dropout keep exactly the units marked 1."""

    def __init__(self, keep: Sequence[int], p: float) -> None:
        super().__init__(0)
        self._draws = iter([(1.0 + p) / 2 if k else p / 2 for k in keep])

    def random(self) -> float:
        return next(self._draws)


def _library_dropout(a: Sequence[float], keep: Sequence[int], p: float) -> list[float]:
    Dropout = _library("Dropout", "check_dropout_forward")
    layer = Dropout(p, seed=_Mask(keep, p))
    layer.train()
    return [float(v) for v in layer(list(a))]


def _vector(out: object, n: int) -> list[float]:
    if out is None:
        raise BadAnswer("dropout_forward returned None: it needs a `return`.")
    if hasattr(out, "__iter__") and not hasattr(out, "__len__"):  # a generator, a map
        out = list(out)
    if not hasattr(out, "__len__") or isinstance(out, str):
        raise BadAnswer(f"dropout_forward should return a list of {n} numbers, got {out!r:.40}.")
    values = [as_number(v, "dropout_forward(...)[i]") for v in out]
    if len(values) != n:
        raise BadAnswer(f"dropout_forward returned {len(values)} numbers for {n} activations.")
    return values


def _same(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(close(x, y, rtol=1e-9, atol=1e-12) for x, y in zip(a, b))


def _dropout_mistakes(a: list[float], keep: list[int], p: float) -> list[tuple[list, str]]:
    return [
        (
            [x * k for x, k in zip(a, keep)],
            "the kept activations not rescaled: multiply them "
            "by 1/(1 − p) so the layer's average output is the same as without dropout",
        ),
        (
            [x * k * (1 - p) for x, k in zip(a, keep)],
            "the kept activations times (1 − p); they are divided by (1 − p)",
        ),
        (
            [x * k / p for x, k in zip(a, keep)],
            "the kept activations divided by p; divide by the keep probability 1 − p",
        ),
        (
            [x * (1 - k) / (1 - p) for x, k in zip(a, keep)],
            "the mask the wrong way round: "
            "mask 1 means the unit is kept, 0 that it is switched off",
        ),
        (
            [x / (1 - p) for x in a],
            "every activation rescaled, none switched off: multiply by the mask too",
        ),
    ]


@exercise("08.1", NOTEBOOK, "dropout's forward in training mode")
def check_dropout_forward(dropout_forward: object) -> Verdict:
    """Compare ``dropout_forward(a, mask, p)`` with chainrule.nn.Dropout given the same mask."""
    for a, keep, p in _CASES:
        out = call_student(dropout_forward, "dropout_forward", list(a), list(keep), p)
        got = _vector(out, len(a))
        want = _library_dropout(a, keep, p)
        if _same(got, want):
            continue
        i = next(j for j in range(len(a)) if not close(got[j], want[j], rtol=1e-9, atol=1e-12))
        reason = (
            f"With p = {p} and mask {keep}, output {i} is {fmt(got[i])}; Dropout({p}) in "
            f"training mode gives {fmt(want[i])} (activation {fmt(a[i])}, mask {keep[i]})."
        )
        why = next((t for w, t in _dropout_mistakes(list(a), list(keep), p) if _same(got, w)), "")
        return Verdict(False, reason + (f" Yours are {why}." if why else ""))
    return Verdict(
        True,
        "Switched-off units give 0 and the kept ones are scaled by 1/(1 − p) (2 for p = 0.5, "
        "1.25 for p = 0.2), exactly as chainrule.nn.Dropout does in training mode.",
    )


# ---------------- 08.2: when does early stopping stop? ----------------
CURVES = (
    ([1.0, 0.8, 0.6, 0.5, 0.45, 0.47, 0.44, 0.46, 0.48, 0.5, 0.55, 0.6], 3),
    ([0.9, 0.7, 0.72, 0.69, 0.75, 0.8, 0.85, 0.9, 0.95], 2),
    ([0.5, 0.4, 0.4, 0.4, 0.3, 0.35, 0.36, 0.4], 2),
)


class _NoWeights:
    def state_dict(self) -> dict:
        return {}


def _library_stop(curve: Sequence[float], patience: int) -> tuple[int, int]:
    """(stopped epoch, best epoch) of chainrule.nn.EarlyStopping on a validation curve."""
    EarlyStopping = _library("EarlyStopping", "check_stop_epoch")
    watch = EarlyStopping(patience=patience)
    for epoch, value in enumerate(curve):
        if watch.step(epoch, value, _NoWeights()):
            return epoch, watch.best_epoch
    raise AssertionError("every curve of this check makes EarlyStopping stop")


def _stop_rule(curve: Sequence[float], patience: int, *, ties: bool, reset: bool) -> int | None:
    best, wait = float("inf"), 0
    for epoch, value in enumerate(curve):
        if value < best or (ties and value == best):
            best, wait = value, 0 if reset else wait
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return None


def _first_rise(curve: Sequence[float]) -> int | None:
    return next((e for e in range(1, len(curve)) if curve[e] > curve[e - 1]), None)


def _stop_mistakes(curve: list[float], patience: int) -> list[tuple[Callable, str]]:
    stop, best = _library_stop(curve, patience)
    return [
        (
            lambda: best,
            "the best epoch: that is whose weights are put back, but training "
            "stops only after `patience` epochs without improvement",
        ),
        (
            lambda: _first_rise(curve),
            "the first epoch whose loss went up: patience lets the "
            "loss rise for a while, it may still fall to a new best",
        ),
        (
            lambda: _stop_rule(curve, patience, ties=True, reset=True),
            "counting a loss equal "
            "to the best as an improvement; only a strictly lower loss is one",
        ),
        (
            lambda: stop + 1,
            "one epoch late: stop at the epoch that makes `patience` epochs without improvement",
        ),
        (
            lambda: _stop_rule(curve, patience, ties=False, reset=False),
            "counting epochs without improvement without restarting the count at each new best",
        ),
        (
            lambda: stop - 1,
            "one epoch early: stop at the epoch that makes `patience` epochs "
            "without improvement, counting it",
        ),
    ]


@exercise("08.2", NOTEBOOK, "when early stopping stops")
def check_stop_epoch(stop_epoch: object) -> Verdict:
    """Compare ``stop_epoch(val_loss, patience)`` with chainrule.nn.EarlyStopping on 3 curves."""
    for curve, patience in CURVES:
        out = call_student(stop_epoch, "stop_epoch", list(curve), patience)
        if out is None:
            raise BadAnswer(
                f"stop_epoch returned None for the validation losses {list(curve)} with "
                f"patience {patience}; training does stop on them: return that epoch's index."
            )
        got = as_number(out, f"stop_epoch(..., {patience})")
        stop, best = _library_stop(curve, patience)
        if got == stop:
            continue
        shown = ", ".join(f"{v:g}" for v in curve)
        reason = (
            f"On the validation losses [{shown}] with patience {patience}, your stop_epoch "
            f"says {fmt(got)}; EarlyStopping stops at epoch {stop} (the best, {curve[best]:g}, "
            f"was at epoch {best}; epochs count from 0)."
        )
        why = next((t for f, t in _stop_mistakes(list(curve), patience) if f() == got), "")
        return Verdict(False, reason + (f" Yours is {why}." if why else ""))
    return Verdict(
        True,
        "stop_epoch agrees with chainrule.nn.EarlyStopping on three validation curves: stop "
        "once `patience` epochs in a row have not beaten the best loss, then keep the best "
        "epoch's weights.",
    )
