"""The engine's operations on numpy arrays: value and local derivatives, for a whole batch.

Why a second table instead of one source of truth: the scalar engine keeps every
operation written inline in `engine.py` (a learner reads ``d(a*b)/da = b`` right
where ``a*b`` is computed, and a table lookup would slow the hot path). numpy
needs different code anyway (``np.where`` instead of ``if``, a stable sigmoid
without a branch). So the rules are written twice, and drift is caught by tests:
`tests/test_replay_ops.py` runs EVERY operation both ways at random points and at
edge cases (relu at 0, sigmoid at +-800, powers of 0 and of negative numbers) and
compares values and local derivatives, and fails if the engine can produce an
op name that this table does not cover.

Each rule is ``(value, local)``: ``value(args, exponent)`` computes the result
from the operands (arrays of the batch, or scalars for numbers shared by every
example), and ``local(k, args, out, exponent)`` is d(result)/d(operand k), the
number the engine stores in ``local_grads[k]``. ``domain(args, exponent)``
returns, for the ops the engine refuses on some inputs, a mask of the examples
that are outside the domain and the engine's reason.
"""

from __future__ import annotations

try:
    import numpy as np
except ImportError as e:  # pragma: no cover - exercised where numpy is absent
    raise ImportError(
        "the batched path needs numpy (pip install numpy); the scalar engine works without it"
    ) from e

__all__ = ["RULES", "DOMAIN"]


def _sigmoid(a):
    # Same formulas as the engine: 1/(1+e^-a) for a >= 0, e^a/(1+e^a) below; e^-|a| never overflows.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _pow_const(a, c):
    return a**c


def _pow_const_local(a, c):
    # d(a^c)/da = c * a^(c-1); the engine takes 0 for c = 0 (no a^-1 at a = 0)
    return c * a ** (c - 1.0) if c != 0.0 else 0.0 * a


def _dot(args, _):
    total = 0.0
    for i in range(0, len(args), 2):
        total = total + args[i] * args[i + 1]
    return total


def _sum(args, _):
    total = 0.0
    for a in args:
        total = total + a
    return total


def _one(k, args, out, c):
    return 1.0


# op -> (value(args, exponent), local(k, args, out, exponent))
RULES = {
    "+": (lambda x, c: x[0] + x[1], _one),
    "-": (lambda x, c: x[0] - x[1], lambda k, x, out, c: 1.0 if k == 0 else -1.0),
    "*": (lambda x, c: x[0] * x[1], lambda k, x, out, c: x[1] if k == 0 else x[0]),
    # d(a/b)/da = 1/b, d(a/b)/db = -(a/b)/b
    "/": (lambda x, c: x[0] / x[1], lambda k, x, out, c: 1.0 / x[1] if k == 0 else -out / x[1]),
    "neg": (lambda x, c: -x[0], lambda k, x, out, c: -1.0),
    # d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log a
    "**": (
        lambda x, c: x[0] ** x[1],
        lambda k, x, out, c: x[1] * x[0] ** (x[1] - 1.0) if k == 0 else out * np.log(x[0]),
    ),
    "**const": (lambda x, c: _pow_const(x[0], c), lambda k, x, out, c: _pow_const_local(x[0], c)),
    "exp": (lambda x, c: np.exp(x[0]), lambda k, x, out, c: out),
    "log": (lambda x, c: np.log(x[0]), lambda k, x, out, c: 1.0 / x[0]),
    "tanh": (lambda x, c: np.tanh(x[0]), lambda k, x, out, c: 1.0 - out * out),
    "sigmoid": (lambda x, c: _sigmoid(x[0]), lambda k, x, out, c: out * (1.0 - out)),
    # relu'(0) = 0, as in the engine
    "relu": (
        lambda x, c: np.where(x[0] > 0.0, x[0], 0.0),
        lambda k, x, out, c: np.where(x[0] > 0.0, 1.0, 0.0),
    ),
    # dot(w1, x1, w2, x2, ...): d/dw_i = x_i, d/dx_i = w_i
    "dot": (_dot, lambda k, x, out, c: x[k + 1] if k % 2 == 0 else x[k - 1]),
    "sum": (_sum, _one),
}


def _pow_const_domain(x, c):
    a, found = x[0], []
    if not float(c).is_integer():
        found.append((a < 0.0, f"a negative base needs an integer exponent (** {c!r})"))
    if c < 1.0 and c != 0.0:
        found.append((a == 0.0, f"0 ** {c!r} or its derivative is infinite"))
    return found


# op -> domain(args, exponent) -> [(mask of the examples the engine refuses, the reason), ...]
DOMAIN = {
    "/": lambda x, c: [(x[1] == 0.0, "division by zero")],
    "log": lambda x, c: [(x[0] <= 0.0, "log needs a positive number")],
    "**": lambda x, c: [(x[0] <= 0.0, "a Value exponent needs a positive base")],
    "**const": _pow_const_domain,
}
