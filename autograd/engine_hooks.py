"""Plumbing that `engine.py` calls but a learner need not read to understand backprop.

* `Recording`: the switch `chainrule.autograd.record` turns on while it traces a
  function; `dot` and `sum_values` then keep plain numbers as constant Values,
  so that the recorded program sees every operand.
* `checked_values`: the argument check of `zero_grad`.
* `check_grads`: `detect_anomaly()`'s check of the gradients after `backward`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .checks import describe


class Recording:
    """``Recording.active`` > 0 while `chainrule.autograd.record` traces a function."""

    active = 0


def checked_values(values: object, who: str) -> list:
    """`values` as a list of Values; TypeError naming `who` for anything else."""
    from .engine import Value  # engine imports this module: import on use

    if isinstance(values, Value) or not isinstance(values, Iterable):
        raise TypeError(
            f"{who} needs an iterable of Values (e.g. model.parameters()), got"
            f" {type(values).__name__}"
        )
    values = list(values)
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(
                f"{who} needs Values (e.g. model.parameters()), got {type(v).__name__} {v!r:.60}"
            )
    return values


def check_grads(order: list) -> None:
    """FloatingPointError for the first node of `order` whose grad is NaN or inf."""
    for node in order:
        if not math.isfinite(node.grad):
            raise FloatingPointError(f"backward: grad of {describe(node)} is {node.grad}")
