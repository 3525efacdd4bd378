"""The scalar autograd engine: `Value`, its operations, and backward.

Read this file top to bottom and you have seen all of backpropagation:

* every operation computes its result **and** the local derivative of that
  result with respect to each input, and stores both on the new `Value`;
* `backward()` visits the nodes from the output back to the inputs and applies
  the chain rule: ``parent.grad += local_derivative * node.grad``.

Nothing else is needed. The local derivatives are plain numbers kept on each
node (``node.local_grads``), so the same numbers drive `backward()` and the
visualiser in `chainrule.viz`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

__all__ = [
    "Value",
    "no_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "zero_grad",
    "topological_order",
    "dot",
    "sum_values",
]


class _Mode:
    """Switches that change how operations record the graph."""

    grad_enabled = True  # False inside `no_grad()`: results keep no parents
    anomaly_checks = 0  # > 0 inside `detect_anomaly()`: every result is checked


_mode = _Mode()


def _as_float(x: object, where: str) -> float:
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
    Values are compared and hashed by identity, so they can live in sets.
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads")
    __array_ufunc__ = None  # numpy defers to our operators: np.float64(2) * v is a Value

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data, "Value(data)")
        self.grad = 0.0
        self.label = label
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
        if _mode.grad_enabled:
            out.parents = parents
            out.local_grads = local_grads
        else:  # no_grad(): the result is a plain number with no history
            out.parents = ()
            out.local_grads = ()
        if _mode.anomaly_checks:
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
            # d(a^c)/da = c * a^(c-1)
            local = c * a ** (c - 1.0) if c != 0.0 else 0.0
        except OverflowError:
            raise OverflowError(f"{_name(self)} ** {c} overflows a float") from None
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
        """max(0, a); its derivative at exactly 0 is taken as 0."""
        a = self.data
        # d(relu a)/da = 1 if a > 0 else 0
        if a > 0.0:
            return Value._result(a, "relu", (self,), (1.0,))
        return Value._result(0.0, "relu", (self,), (0.0,))

    # ---------------- backward ----------------
    def backward(self) -> None:
        """Fill in ``grad`` on every node this one depends on: d(self)/d(node).

        Intermediate nodes (those made by an operation) get this pass's
        gradient, replacing what an earlier backward left there. Inputs
        (nodes with no parents, such as weights) *accumulate*: a second
        ``backward()`` adds to their ``grad``, as in PyTorch, so gradients of
        several losses can be summed. Call ``zero_grad`` between steps.
        """
        order = topological_order(self)
        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad += 1.0  # d(self)/d(self)
        # Chain rule, from the output back to the inputs: each node passes
        # its gradient to its parents, scaled by the local derivative.
        for node in reversed(order):
            g = node.grad
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * g
        if _mode.anomaly_checks:
            for node in order:
                if not math.isfinite(node.grad):
                    raise FloatingPointError(f"backward: grad of {_name(node)} is {node.grad}")

    # ---------------- conveniences ----------------
    def named(self, label: str) -> Value:
        """Set the label and return self, for ``z = (w * x).named("z")``."""
        self.label = label
        return self

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f}{label})"


class _Recording:  # active > 0 while chainrule.autograd.record traces a function (see dot)
    active = 0


def dot(weights: Sequence[Value | float], inputs: Sequence[Value | float]) -> Value:
    """w1*x1 + w2*x2 + ... as one node: the perceptron's dot product.

    d(sum)/d(w_i) = x_i and d(sum)/d(x_i) = w_i. Plain numbers (such as data
    points) are allowed on either side; they take part in the sum but get no
    edge, since nothing upstream needs their gradient. (While `record` traces
    a function they become constant Values, so the node shows every operand.)
    """
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
    if _Recording.active:
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
    # d(a^b)/da = b * a^(b-1), d(a^b)/db = a^b * log(a)
    return Value._result(result, "**", (base, exponent), (b * a ** (b - 1.0), result * math.log(a)))


def _name(v: Value) -> str:
    """How error messages refer to a node: its label if it has one, else its number."""
    return f"{v.label}={v.data!r}" if v.label else repr(v.data)


def _check_finite(out: Value, op: str, parents: tuple, local_grads: tuple) -> None:
    """Inside detect_anomaly(): raise if an operation produced inf or NaN."""
    bad = not math.isfinite(out.data) or not all(math.isfinite(d) for d in local_grads)
    if bad:
        inputs = ", ".join(_name(p) for p in parents)
        raise FloatingPointError(
            f"operation {op!r} on ({inputs}) gave {out.data!r} with local derivatives "
            f"{local_grads!r}"
        )


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


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations build no graph: results have no parents.

    Use it for evaluation and for updating weights. Nested blocks are fine;
    the previous setting is restored on exit, even after an exception.
    """
    previous = _mode.grad_enabled
    _mode.grad_enabled = False
    try:
        yield
    finally:
        _mode.grad_enabled = previous


def is_grad_enabled() -> bool:
    """False inside `no_grad()`."""
    return _mode.grad_enabled


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block an inf or NaN raises FloatingPointError at the op that made it.

    Every operation checks its result and local derivatives, and `backward`
    checks every gradient; the message names the operation and the labels
    of its inputs. It slows operations down, so it is off by default.
    """
    _mode.anomaly_checks += 1
    try:
        yield
    finally:
        _mode.anomaly_checks -= 1


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad = 0.0`` on each of `values` (e.g. a model's parameters)."""
    for v in values:
        v.grad = 0.0
