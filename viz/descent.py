"""Gradient descent on one weight, with the engine's gradients (no numpy, no matplotlib).

Used by the 1-D landscape plots (`chainrule.viz.plots`) and by exercise 05.2's check,
which must also run in a browser kernel without numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from chainrule.autograd import Value

__all__ = ["Curve", "descent_1d"]

Curve = Callable[[Value], Value]


def descent_1d(
    loss: Curve, start: float, lr: float, steps: int, *, limit: float = 1e6
) -> list[float]:
    """Plain gradient descent on one weight: the weights w_0 = start, w_1, ..., w_steps.

    The gradient of each step comes from ``loss(w).backward()``. A run that
    diverges stops early: its last weight is the first with |w| > `limit`
    (or the one whose loss overflowed a float).
    """
    if isinstance(lr, bool) or not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"descent_1d: the learning rate must be a positive number, got {lr!r}")
    path = [float(start)]
    for _ in range(steps):
        w = Value(path[-1], "w")
        try:
            loss(w).backward()
        except OverflowError:
            break
        path.append(w.data - lr * w.grad)
        if not abs(path[-1]) <= limit:  # also stops on NaN
            break
    return path
