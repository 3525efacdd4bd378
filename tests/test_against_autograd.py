"""Random expression graphs: our gradients against HIPS autograd, an independent engine.

HIPS autograd is importable as `autograd` precisely because chainrule never installs
a top-level module of that name.
"""

import math

import autograd.numpy as anp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import grad
from chainrule.autograd import Value

# name -> (arity, chainrule version, autograd version). Every op is safe on any real input,
# and none can make a value more than double, so 40 steps stay far from overflow.
OPS = {
    "add": (2, lambda a, b: a + b, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b, lambda a, b: a - b),
    "mul": (2, lambda a, b: a.tanh() * b, lambda a, b: anp.tanh(a) * b),
    "div": (2, lambda a, b: a / (b * b + 1.0), lambda a, b: a / (b * b + 1.0)),
    "tanh": (1, lambda a: a.tanh(), anp.tanh),
    "sigmoid": (1, lambda a: a.sigmoid(), lambda a: 1.0 / (1.0 + anp.exp(-a))),
    "exp": (1, lambda a: a.tanh().exp(), lambda a: anp.exp(anp.tanh(a))),
    "log": (1, lambda a: (a * a + 0.5).log(), lambda a: anp.log(a * a + 0.5)),
    "relu": (1, lambda a: a.relu(), lambda a: anp.where(a > 0.0, a, 0.0)),  # both: 0 at the kink
    "square": (1, lambda a: (a.tanh() + 1.5) ** 2, lambda a: (anp.tanh(a) + 1.5) ** 2),
    "cube": (1, lambda a: a.tanh() ** 3, lambda a: anp.tanh(a) ** 3),
    "vpow": (
        2,
        lambda a, b: (a.sigmoid() + 0.5) ** b.tanh(),
        lambda a, b: (1.0 / (1.0 + anp.exp(-a)) + 0.5) ** anp.tanh(b),
    ),
    "rsub": (1, lambda a: 1.0 - a, lambda a: 1.0 - a),
    "scale": (1, lambda a: 0.5 * a, lambda a: 0.5 * a),
    "neg": (1, lambda a: -a, lambda a: -a),
}


@st.composite
def programs(draw):
    """A list of (op, operand indices) steps over a growing pool of variables."""
    n_inputs = draw(st.integers(1, 4))
    steps = []
    for i in range(draw(st.integers(1, 40))):
        name = draw(st.sampled_from(sorted(OPS)))
        pool = n_inputs + i
        # favour recent nodes (deep graphs) but allow any earlier one (sharing, reuse)
        idx = st.one_of(st.integers(max(0, pool - 3), pool - 1), st.integers(0, pool - 1))
        steps.append((name, [draw(idx) for _ in range(OPS[name][0])]))
    xs = draw(
        st.lists(
            st.floats(-2, 2).filter(lambda v: abs(v) > 1e-3), min_size=n_inputs, max_size=n_inputs
        )
    )
    return xs, steps


def run(steps, pool, which):
    pool = list(pool)
    for name, idx in steps:
        pool.append(OPS[name][which](*(pool[i] for i in idx)))
    # the output mixes the last node with a few others so wide fan-in is covered
    out = pool[-1]
    for v in pool[:: max(1, len(pool) // 4)]:
        out = out + v * 0.25
    return out


@settings(max_examples=150, deadline=None)
@given(programs())
def test_random_graphs_match_hips_autograd(program):
    xs, steps = program
    leaves = [Value(x) for x in xs]
    out = run(steps, leaves, 1)
    assert math.isfinite(out.data)
    out.backward()

    def f(vec):
        return run(steps, [vec[i] for i in range(len(xs))], 2)

    expected_out = f(anp.array(xs))
    expected = grad(f)(anp.array(xs))
    assert out.data == pytest.approx(float(expected_out), rel=1e-9, abs=1e-12)
    for leaf, g in zip(leaves, expected):
        assert leaf.grad == pytest.approx(float(g), rel=1e-7, abs=1e-9)


def test_shared_subexpression_and_reuse():
    a, b = Value(0.3), Value(-1.2)
    c = a * b
    d = c.tanh() + c * c + a
    e = d * d + c
    e.backward()

    def f(v):
        c = v[0] * v[1]
        d = anp.tanh(c) + c * c + v[0]
        return d * d + c

    g = grad(f)(anp.array([0.3, -1.2]))
    assert (a.grad, b.grad) == pytest.approx((g[0], g[1]), rel=1e-12)


def test_wide_sum_matches():
    xs = [Value(0.01 * i) for i in range(500)]
    out = sum((x * x.tanh() for x in xs), Value(0.0))
    out.backward()
    g = grad(lambda v: anp.sum(v * anp.tanh(v)))(anp.array([0.01 * i for i in range(500)]))
    assert [x.grad for x in xs] == pytest.approx(list(g), rel=1e-12)
