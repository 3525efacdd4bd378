"""The scalar autograd engine: `Value`, its operations, and backward.

Read this file top to bottom and you have seen all of backpropagation:

* every operation computes its result **and** the local derivative of that
  result with respect to each input, and stores both on the new `Value`;
* `backward()` visits the nodes from the output back to the inputs and applies
  the chain rule: ``parent.grad += local_derivative * node.grad``.

Nothing else is needed. The local derivatives are plain numbers kept on each
node (``node.local_grads``), so the same numbers drive `backward()` and the
visualiser in `chainrule.viz`. The switches `no_grad()` and `detect_anomaly()`
live in `modes.py`; they hold per thread.

Numbers follow IEEE floats: a NaN or inf that enters stays NaN or inf (wrap
the code in `detect_anomaly()` to find the operation that made it). Misuse is
loud: `float(z)`, `math.exp(z)`, `z > 0` and `if z:` raise TypeError (they
would cut z out of the graph), and a `backward()` that adds to gradients an
earlier one left behind warns (`GradAccumulationWarning`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from . import checks as _checks
from . import engine_hooks as _hooks
from . import modes as _modes
from .checks import GradAccumulationWarning, refuse_label
from .checks import as_float as _as_float
from .checks import check_finite as _check_finite
from .checks import describe as _name
from .engine_hooks import Recording as _Recording
from .modes import detect_anomaly, is_anomaly_enabled, is_grad_enabled, no_grad

__all__ = [
    "Value",
    "GradAccumulationWarning",
    "no_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "zero_grad",
    "topological_order",
    "dot",
    "sum_values",
]


def _as_value(x: object, op: str) -> Value:
    """`x` if it is a Value, else a new constant Value; TypeError for non-numbers."""
    if isinstance(x, Value):
        return x
    return Value(_as_float(x, f"operand of {op}"))


class Value:
    """A scalar in a computation graph.

    Attributes:
        data: the number this node holds (a Python float).
        grad: d(root)/d(this node) after ``root.backward()``; 0.0 before.
        label: an optional name shown by ``repr`` and the visualiser.
        op: the operation that produced this node ("" for inputs).
        parents: the inputs of that operation, in operand order
            (``a + a`` has the parents ``(a, a)``: two edges).
        local_grads: d(this node)/d(parent) for each parent, recorded when the
            operation ran. Edge ``i`` of the graph goes from ``parents[i]`` to
            this node and carries the local derivative ``local_grads[i]``.

    Numbers: ints, floats and numpy real scalars are accepted and stored as a
    Python float; bools, strings, None, lists and arrays raise TypeError.
    Values are compared (``==``) and hashed by identity, so they can live in
    sets. ``<``, ``>``, ``if z:``, ``float(z)`` and ``math.exp(z)`` raise
    TypeError: they would step outside the graph (use ``z.data`` for the
    number, ``z.exp()`` etc. to stay in the graph).
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads")
    __array_ufunc__ = None  # numpy defers to our operators: np.float64(2) * v is a Value

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data, "Value(data)")
        self.grad = 0.0
        self.label = label if isinstance(label, str) else refuse_label(label, "Value(data, label)")
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()

    # ------------------------------------------------------------------
    # The one place where results are made. Every operation below calls it
    # with: the result's number, the operation's name, the inputs, and the
    # local derivative of the result with respect to each input.
    # ------------------------------------------------------------------
    @staticmethod
    def _result(data: float, op: str, parents: tuple, local_grads: tuple) -> Value:
        out = Value.__new__(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = op
        out.parents = parents
        out.local_grads = local_grads
        if _modes.active:  # a no_grad() or detect_anomaly() block is open in some thread
            if not _modes.grad_enabled.get():  # no_grad() here: a number with no history
                out.parents = out.local_grads = ()
            if _modes.anomaly_enabled.get():
                _check_finite(out, op, parents, local_grads)
        return out

    # ---------------- arithmetic ----------------
    def __add__(self, other: Value | float) -> Value:
        other = _as_value(other, "+")
        # d(a+b)/da = 1, d(a+b)/db = 1
        return Value._result(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __mul__(self, other: Value | float) -> Value:
        other = _as_value(other, "*")
        # d(a*b)/da = b, d(a*b)/db = a
        return Value._result(self.data * other.data, "*", (self, other), (other.data, self.data))

    def __sub__(self, other: Value | float) -> Value:
        other = _as_value(other, "-")
        # d(a-b)/da = 1, d(a-b)/db = -1
        return Value._result(self.data - other.data, "-", (self, other), (1.0, -1.0))

    def __truediv__(self, other: Value | float) -> Value:
        other = _as_value(other, "/")
        a, b = self.data, other.data
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: {_name(self)} / {_name(other)}")
        q = a / b
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 (computed as -(a/b)/b: b*b may underflow)
        return Value._result(q, "/", (self, other), (1.0 / b, -q / b))

    def __neg__(self) -> Value:
        # d(-a)/da = -1
        return Value._result(-self.data, "neg", (self,), (-1.0,))

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return _pow_values(self, other)
        c = _as_float(other, "exponent of **")
        a = self.data
        if a < 0.0 and not c.is_integer():
            raise ValueError(f"{_name(self)} ** {c}: a negative base needs an integer exponent")
        if a == 0.0 and c < 1.0 and c != 0.0:
            raise ZeroDivisionError(
                f"{_name(self)} ** {c}: the power or its derivative is infinite at 0"
            )
        try:
            result = a**c
        except OverflowError:
            raise OverflowError(f"{_name(self)} ** {c} overflows a float") from None
        try:
            # d(a^c)/da = c * a^(c-1)
            local = c * a ** (c - 1.0) if c != 0.0 else 0.0
        except OverflowError:
            local = math.inf
        if math.isinf(local) and math.isfinite(result) and math.isfinite(a):
            raise OverflowError(
                f"{_name(self)} ** {c} = {result!r}, but its derivative"
                f" {c:g} * {a!r} ** {c - 1:g} overflows a float"
            )
        # The op name keeps the exponent exactly ("**2", "**0.1"), so a recording can replay it.
        return Value._result(result, "**" + repr(c).removesuffix(".0"), (self,), (local,))

    # numbers on the left: 2 + v, 2 * v, 1 - v, 3 / v, 2 ** v
    def __radd__(self, other: float) -> Value:
        return _as_value(other, "+") + self

    def __rmul__(self, other: float) -> Value:
        return _as_value(other, "*") * self

    def __rsub__(self, other: float) -> Value:
        return _as_value(other, "-") - self

    def __rtruediv__(self, other: float) -> Value:
        return _as_value(other, "/") / self

    def __rpow__(self, other: float) -> Value:
        return _pow_values(_as_value(other, "**"), self)

    # ---------------- functions ----------------
    def exp(self) -> Value:
        """e ** self."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp({self.data!r}) overflows a float (inputs above ~709.78 do)"
            ) from None
        # d(e^a)/da = e^a
        return Value._result(e, "exp", (self,), (e,))

    def log(self) -> Value:
        """Natural logarithm; defined for positive numbers only."""
        a = self.data
        if a <= 0.0:
            raise ValueError(f"log({_name(self)}): log needs a positive number, got {a!r}")
        # d(log a)/da = 1/a
        return Value._result(math.log(a), "log", (self,), (1.0 / a,))

    def tanh(self) -> Value:
        """Hyperbolic tangent, in (-1, 1)."""
        t = math.tanh(self.data)  # never overflows: tanh(1000) is 1.0
        # d(tanh a)/da = 1 - tanh(a)^2
        return Value._result(t, "tanh", (self,), (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """The logistic function 1 / (1 + e^-a), in (0, 1)."""
        a = self.data
        if a >= 0.0:
            s = 1.0 / (1.0 + math.exp(-a))
        else:  # same value, written so that exp never overflows
            e = math.exp(a)
            s = e / (1.0 + e)
        # d(sigmoid a)/da = sigmoid(a) * (1 - sigmoid(a))
        return Value._result(s, "sigmoid", (self,), (s * (1.0 - s),))

    def relu(self) -> Value:
        """max(0, a); its derivative at exactly 0 is taken as 0; NaN stays NaN."""
        a = self.data
        # d(relu a)/da = 1 if a > 0 else 0
        if a > 0.0:
            return Value._result(a, "relu", (self,), (1.0,))
        if a <= 0.0:
            return Value._result(0.0, "relu", (self,), (0.0,))
        return Value._result(a, "relu", (self,), (a,))  # NaN: value and derivative stay NaN

    # ---------------- backward ----------------
    def backward(self, *, accumulate: bool = False) -> None:
        """Fill in ``grad`` on every node this one depends on: d(self)/d(node).

        Intermediate nodes (those made by an operation) get this pass's
        gradient, replacing what an earlier backward left there. Inputs
        (nodes with no parents, such as weights) *accumulate*: ``backward()``
        adds to their ``grad``, as in PyTorch. So call ``zero_grad`` (or
        ``opt.zero_grad()``) before each ``backward()``; if an input still
        holds a gradient, a `GradAccumulationWarning` says so (once per line
        of code). To add up the gradients of several losses on purpose, pass
        ``accumulate=True`` to the second and later calls.
        """
        order = topological_order(self)
        stale = False  # does an input still hold a gradient from an earlier backward()?
        for node in order:
            if node.parents:
                node.grad = 0.0
            elif node.grad:
                stale = True
        if stale and not accumulate:
            _checks.warn_accumulation(order)
        self.grad += 1.0  # d(self)/d(self)
        # Chain rule, from the output back to the inputs: each node passes
        # its gradient to its parents, scaled by the local derivative.
        for node in reversed(order):
            g = node.grad
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * g
        if _modes.active and is_anomaly_enabled():
            _hooks.check_grads(order)  # detect_anomaly(): FloatingPointError at the first NaN/inf

    # ---------------- conveniences ----------------
    def named(self, label: str) -> Value:
        """Set the label and return self, for ``z = (w * x).named("z")``."""
        self.label = label if isinstance(label, str) else refuse_label(label, "named(label)")
        return self

    # ---------------- misuse: what would silently step outside the graph ----------------
    def __float__(self) -> float:  # float(z), math.exp(z), ...: use z.data or z.exp()
        _checks.refuse_float(self)

    def __bool__(self) -> bool:  # if z: ...
        _checks.refuse_bool(self)

    def __lt__(self, other: object) -> bool:
        _checks.refuse_comparison(self, "<", other)

    def __le__(self, other: object) -> bool:
        _checks.refuse_comparison(self, "<=", other)

    def __gt__(self, other: object) -> bool:
        _checks.refuse_comparison(self, ">", other)

    def __ge__(self, other: object) -> bool:
        _checks.refuse_comparison(self, ">=", other)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f}{label})"


def dot(weights: Sequence[Value | float], inputs: Sequence[Value | float]) -> Value:
    """w1*x1 + w2*x2 + ... as one node: the perceptron's dot product.

    d(sum)/d(w_i) = x_i and d(sum)/d(x_i) = w_i. Plain numbers (such as data
    points) are allowed on either side; they take part in the sum but get no
    edge, since nothing upstream needs their gradient. (While `record` traces
    a function they become constant Values, so the node shows every operand.)
    """
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
    if _Recording.active:  # while `record` traces: plain numbers become constant Values
        weights = [_as_value(w, "dot") for w in weights]
        inputs = [_as_value(x, "dot") for x in inputs]
    total = 0.0
    parents: list[Value] = []
    local_grads: list[float] = []
    for w, x in zip(weights, inputs):
        w_is_value, x_is_value = isinstance(w, Value), isinstance(x, Value)
        wd = w.data if w_is_value else _as_float(w, "dot weight")
        xd = x.data if x_is_value else _as_float(x, "dot input")
        total += wd * xd
        if w_is_value:
            parents.append(w)
            local_grads.append(xd)
        if x_is_value:
            parents.append(x)
            local_grads.append(wd)
    return Value._result(total, "dot", tuple(parents), tuple(local_grads))


def sum_values(terms: Iterable[Value | float]) -> Value:
    """a + b + c + ... as one node; d(sum)/d(term) = 1 for each Value term."""
    if _Recording.active:  # plain numbers become constant Values, as in `dot`
        terms = [_as_value(t, "sum_values") for t in terms]
    total = 0.0
    parents: list[Value] = []
    for t in terms:
        if isinstance(t, Value):
            total += t.data
            parents.append(t)
        else:
            total += _as_float(t, "sum_values term")
    return Value._result(total, "sum", tuple(parents), (1.0,) * len(parents))


def _pow_values(base: Value, exponent: Value) -> Value:
    """base ** exponent where both may carry gradients; needs base > 0."""
    a, b = base.data, exponent.data
    if a <= 0.0:
        raise ValueError(
            f"{_name(base)} ** {_name(exponent)}: a Value exponent needs a positive base"
            f" (got {a!r}); use a plain number as exponent for other bases"
        )
    try:
        result = a**b
    except OverflowError:
        raise OverflowError(f"{_name(base)} ** {_name(exponent)} overflows a float") from None
    try:
        # d(a^b)/da = b * a^(b-1), d(a^b)/db = a^b * log(a)
        local = (b * a ** (b - 1.0), result * math.log(a))
    except OverflowError:
        local = (math.inf, math.inf)
    finite_in_and_out = math.isfinite(a) and math.isfinite(b) and math.isfinite(result)
    if finite_in_and_out and (math.isinf(local[0]) or math.isinf(local[1])):
        raise OverflowError(
            f"{_name(base)} ** {_name(exponent)} = {result!r}, but its derivative overflows a float"
        )
    return Value._result(result, "**", (base, exponent), local)


_PLACE_NEXT = object()  # stack marker: "the node below me has all its parents placed"


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on (itself included), each after all its parents.

    Depth-first search with an explicit stack, so any depth works: no
    recursion, no recursion limit. When a node is first reached it goes back
    on the stack under a marker, with its parents on top; by the time the
    marker comes off again, all its parents are placed, so the node is placed.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _PLACE_NEXT:
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(_PLACE_NEXT)
            for parent in node.parents:
                if parent not in visited:
                    stack.append(parent)
    return order


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad = 0.0`` on each of `values` (e.g. ``model.parameters()``)."""
    for v in _hooks.checked_values(values, "zero_grad"):
        v.grad = 0.0
