"""The engine's checks and their messages: bad numbers and labels, and misuse of a Value.

Every message names what went wrong and what to do instead. `engine.py` calls these so
that it can stay about the operations and backward.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import NoReturn

__all__ = ["GradAccumulationWarning"]


class GradAccumulationWarning(UserWarning):
    """`backward()` added to gradients that an earlier `backward()` left on the inputs.

    Shown once per line of code. Silence it where you mean it with
    ``loss.backward(accumulate=True)``, or everywhere with
    ``warnings.simplefilter("ignore", GradAccumulationWarning)``.
    """


def as_float(x: object, where: str) -> float:
    """`x` as a Python float, or a TypeError that names its type.

    Accepted: int, float and any other real number (numpy scalars, Fraction).
    Refused: bool (almost always a bug in numeric code), complex, str, None,
    containers, arrays and Values (pass the Value itself instead).
    """
    if type(x) is float:
        return x
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        raise TypeError(f"{where}: got a bool ({x!r}); use 1.0 / 0.0 if you mean a number")
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"{where}: expected a real number, got {type(x).__name__} {x!r:.60}")


def refuse_label(label: object, where: str) -> NoReturn:
    """TypeError for a label that is not text (labels are printed and drawn)."""
    raise TypeError(f"{where}: a label must be a str, got {type(label).__name__} {label!r:.60}")


def describe(v) -> str:
    """How messages refer to a node: its label if it has one, else its number."""
    return f"{v.label}={v.data!r}" if v.label else repr(v.data)


def check_finite(out, op: str, parents: tuple, local_grads: tuple) -> None:
    """Inside detect_anomaly(): raise if an operation produced inf or NaN."""
    bad = not math.isfinite(out.data) or not all(math.isfinite(d) for d in local_grads)
    if bad:
        inputs = ", ".join(describe(p) for p in parents)
        raise FloatingPointError(
            f"operation {op!r} on ({inputs}) gave {out.data!r} with local derivatives "
            f"{local_grads!r}"
        )


def warn_accumulation(order: list) -> None:
    """The warning of `backward()`; its text is fixed so that it shows once per call site.

    `order` is the graph; the message names its first labelled input that holds a gradient.
    """
    named = [v.label for v in order if not v.parents and v.grad and v.label]
    who = f"input {named[0]!r}" if named else "an input (a Value you made, e.g. a weight)"
    warnings.warn(
        f"backward() adds to gradients left by an earlier backward(): {who} already held one."
        " Call zero_grad(params) (or opt.zero_grad(), model.zero_grad()) before each"
        " backward(); to add up the gradients of several losses on purpose, call"
        " backward(accumulate=True).",
        GradAccumulationWarning,
        stacklevel=3,  # the line that called backward()
    )


def refuse_float(v) -> NoReturn:
    raise TypeError(
        f"float() of a Value ({describe(v)}): math.exp(z), float(z) and the like would cut"
        " z out of the graph. Use z.exp(), z.log(), z.tanh(), z.sigmoid(), z.relu() or"
        " z ** c to stay in it; for the number itself use z.data"
    )


def refuse_bool(v) -> NoReturn:
    raise TypeError(
        f"truth value of a Value ({describe(v)}): `if z:`, `z and ...` and `not z` are not"
        " differentiable. Test the number instead, e.g. `if z.data > 0:`"
    )


def refuse_comparison(v, op: str, other: object) -> NoReturn:
    rhs = f"Value({describe(other)})" if hasattr(other, "local_grads") else repr(other)
    raise TypeError(
        f"Value({describe(v)}) {op} {rhs}: a comparison is not differentiable and would step"
        f" outside the graph. Compare the numbers (z.data {op} ...); for a differentiable"
        " max(0, z) use z.relu()"
    )
