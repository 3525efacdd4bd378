"""The batched rules against the engine's own operations: every op, random points and edge cases.

The engine (autograd/engine.py) and the batched table (autograd/batched_ops.py) write each
derivative rule once each; these tests keep the two from drifting apart.
"""

from __future__ import annotations

import ast
import inspect
import random

import numpy as np
import pytest

from chainrule.autograd import Value, dot, engine, sum_values
from chainrule.autograd.batched_ops import RULES
from chainrule.autograd.record import OPS

# op -> (how the engine builds it from Values, exponents to try for "**const")
BUILD = {
    "+": lambda x, c: x[0] + x[1],
    "-": lambda x, c: x[0] - x[1],
    "*": lambda x, c: x[0] * x[1],
    "/": lambda x, c: x[0] / x[1],
    "neg": lambda x, c: -x[0],
    "**": lambda x, c: x[0] ** x[1],
    "**const": lambda x, c: x[0] ** c,
    "exp": lambda x, c: x[0].exp(),
    "log": lambda x, c: x[0].log(),
    "tanh": lambda x, c: x[0].tanh(),
    "sigmoid": lambda x, c: x[0].sigmoid(),
    "relu": lambda x, c: x[0].relu(),
    "dot": lambda x, c: dot([x[0], x[2]], [x[1], x[3]]),
    "sum": lambda x, c: sum_values(x[:3]),
}
ARITY = {"dot": 4, "sum": 3}
EXPONENTS = [0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1 / 3, 2.5, 0.1]
EDGES = {  # operands the engine accepts that test a branch or a limit
    "relu": [[0.0], [-0.0], [1e-300], [-1e-300]],
    "sigmoid": [[800.0], [-800.0], [0.0], [36.0], [-36.0], [709.0], [-745.0]],
    "tanh": [[0.0], [1000.0], [-1000.0], [1e-300]],
    "exp": [[-800.0], [709.0], [0.0]],
    "log": [[1e-300], [1.0], [1e300]],
    "/": [[1.0, 1e-150], [0.0, 2.0], [-3.0, 7.0]],
    "**": [[1e-300, 0.5], [2.0, 0.0], [1.0, 5.0], [0.5, -3.0]],
}
POW_EDGES = [[0.0], [-2.0], [-0.5], [1.0], [1e-300]]


def _points(op, rng):
    n = ARITY.get(op, OPS[op] or 2)
    pts = [[rng.uniform(-3.0, 3.0) for _ in range(n)] for _ in range(40)]
    if op in ("log", "**"):  # positive base only
        pts = [[abs(p[0]) + 1e-3] + p[1:] for p in pts]
    if op == "/":
        pts = [[p[0], p[1] if abs(p[1]) > 1e-3 else 1.0] for p in pts]
    return pts + EDGES.get(op, [])


def _engine_refuses(op, point, c):
    try:
        BUILD[op]([Value(x) for x in point], c)
    except (ValueError, ArithmeticError):
        return True
    return False


def _cases():
    rng = random.Random(12)
    for op in RULES:
        for c in EXPONENTS if op == "**const" else [None]:
            pts = _points(op, rng) + (POW_EDGES if op == "**const" else [])
            yield op, c, [p for p in pts if not _engine_refuses(op, p, c)]


@pytest.mark.parametrize(("op", "c", "points"), list(_cases()))
def test_every_op_value_and_local_derivatives_match_the_engine(op, c, points):
    nodes = [BUILD[op]([Value(x) for x in p], c) for p in points]
    columns = [np.array(col) for col in zip(*points)]
    value, local = RULES[op]
    with np.errstate(under="ignore"):
        got = np.broadcast_to(value(columns, c), (len(points),))
        np.testing.assert_allclose(got, [v.data for v in nodes], rtol=1e-13, atol=0)
        for k in range(len(columns)):
            want = [v.local_grads[k] for v in nodes]
            got_k = np.broadcast_to(local(k, columns, got, c), (len(points),))
            np.testing.assert_allclose(got_k, want, rtol=1e-13, atol=0, err_msg=f"d/d{k}")
    assert len(points) >= 10


def test_relu_derivative_at_zero_is_zero_in_both():
    local = RULES["relu"][1](0, [np.array([0.0, -0.0])], None, None)
    assert list(local) == [0.0, 0.0] == [Value(0.0).relu().local_grads[0]] * 2


def test_the_table_covers_every_op_the_engine_can_produce():
    """Scan engine.py for the op names it passes to Value._result."""
    tree = ast.parse(inspect.getsource(engine))
    produced = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "_result":
            name = node.args[1]
            if isinstance(name, ast.Constant):
                produced.add(name.value)
            else:  # "**" + repr(c): a power by a number
                text = ast.unparse(name)
                assert text.startswith(("'**'", "f'**")), f"unknown op-name expression {text}"
                produced.add("**const")
    assert len(produced) >= 14
    assert produced - set(RULES) == set(), "engine ops without a batched rule"
    assert set(RULES) - produced == set(), "batched rules for ops the engine never makes"
    assert set(OPS) == set(RULES)


def test_every_public_value_operation_is_in_the_table():
    """The same check from the other side: call every method that makes a node."""
    a, b = Value(0.7), Value(1.3)
    made = {a + b, a - b, a * b, a / b, -a, a**b, a**2.5, 2.0**a, a.exp(), a.log(), a.tanh()}
    made |= {a.sigmoid(), a.relu(), dot([a], [b]), sum_values([a, b])}
    made |= {1.0 + a, 1.0 - a, 2.0 * a, 1.0 / a}
    ops = {"**const" if v.op.startswith("**") and len(v.op) > 2 else v.op for v in made}
    assert ops <= set(RULES)
    skip = {"backward", "named"}
    methods = {m for m in vars(Value) if not m.startswith("_") and callable(getattr(Value, m))}
    assert methods - skip <= set(RULES) | {"exp", "log", "tanh", "sigmoid", "relu"}


@pytest.mark.parametrize("c", [2.0, 0.1, 1 / 3, -2.5, 1e-7, 123456.789, 3.0, -0.0])
def test_power_op_names_keep_the_exponent_exactly(c):
    node = Value(1.0001) ** c
    assert float(node.op[2:]) == c
    if c == 2.0:
        assert node.op == "**2"  # short for whole numbers: the graph shows "^2"
