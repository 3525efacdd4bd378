"""Random graphs (hypothesis): batched replay and generated code against the scalar engine."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from chainrule.autograd import Value, dot, record, sum_values, zero_grad
from chainrule.autograd.codegen import compile_program
from chainrule.autograd.replay import value_and_grad

# Each step applies one op to earlier nodes; the operands are shaped so that every op stays
# in its domain for any inputs in [-2, 2] (e.g. log of 1 + a*a), so the graph never raises.
STEPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / (b * b + 0.5),
    "neg": lambda a, b: -a,
    "**": lambda a, b: (a.sigmoid() + 0.5) ** b.tanh(),
    "**2": lambda a, b: a**2,
    "**3": lambda a, b: a**3.0,
    "**-1": lambda a, b: (a * a + 1.0) ** -1.0,
    "**0.5": lambda a, b: (a * a + 0.25) ** 0.5,
    "rpow": lambda a, b: 2.0 ** b.tanh(),
    "exp": lambda a, b: a.tanh().exp(),
    "log": lambda a, b: (a * a + 1.0).log(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "relu": lambda a, b: a.relu(),
    "dot": lambda a, b: dot([a, b, 0.5], [b, a, a]),
    "sum": lambda a, b: sum_values([a, b, 1.5, a]),
    "const": lambda a, b: a * 0.3 - 1.0,
}

graphs = st.lists(
    st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=25,
)


def _builder(steps, params):
    def fn(v):
        nodes = list(params) + list(v)
        for op, i, j in steps:
            nodes.append(STEPS[op](nodes[i % len(nodes)], nodes[j % len(nodes)]))
        tail = nodes[len(params) + len(v) :]
        return [tail[-1], sum_values(tail[::3])]

    return fn


def _scalar(fn, params, X, seeds):
    scale, grads = np.zeros(len(params)), np.zeros(len(params))
    outs = []
    for i, row in enumerate(X):
        zero_grad(params)  # one backward per row; the sum over rows is taken here
        out = fn([Value(float(x)) for x in row])
        outs.append([o.data for o in out])
        sum_values([float(seeds[k][i]) * o for k, o in enumerate(out)]).backward()
        row_grads = np.array([p.grad for p in params])
        grads, scale = grads + row_grads, scale + np.abs(row_grads)
    zero_grad(params)
    return np.array(outs).T, grads, scale


def _close(got, want, scale, rel=1e-12):
    err = np.abs(np.asarray(got) - want)
    assert np.all(err <= rel * np.maximum(scale, np.abs(want)) + 1e-300), (got, want)


@given(
    steps=graphs,
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 12),
)
def test_random_graphs_replay_and_codegen_equal_the_scalar_engine(steps, seed, n):
    rng = np.random.default_rng(seed)
    params = [Value(x) for x in rng.uniform(-2, 2, size=3)]
    X = rng.uniform(-2, 2, size=(n, 2))
    seeds = [rng.uniform(-1, 1, size=n), rng.uniform(-1, 1, size=n)]
    fn = _builder(steps, params)
    prog = record(fn, params, X[0], check=X[-1])

    outs, grads = value_and_grad(prog, params, X, seeds)
    want_outs, want_grads, scale = _scalar(fn, params, X, seeds)
    for k in range(2):
        _close(outs[k], want_outs[k], np.abs(want_outs[k]))
    _close(grads, want_grads, scale)

    generated = compile_program(prog)
    total = np.zeros(len(params))
    for i, row in enumerate(X):
        g_outs, g_grads = generated([p.data for p in params], list(row), [s[i] for s in seeds])
        _close(g_outs, want_outs[:, i], np.abs(want_outs[:, i]))
        total += g_grads
    _close(total, want_grads, scale)
