"""The grouped replay (one numpy call per layer) against the scalar engine and generated code."""

import numpy as np
import pytest

import chainrule.nn as nn
from chainrule.autograd import Value, dot, record, sum_values, zero_grad
from chainrule.autograd.codegen import compile_program
from chainrule.autograd.record import ReplayError, join
from chainrule.autograd.replay import BatchMathError, forward, value_and_grad
from chainrule.autograd.replay_plan import plan_of


def _op(op, a, b, c, d):
    """One of 15 operations (every op of the engine) on the nodes a, b, c, d."""
    if op == 0:
        return a + b
    if op == 1:
        return a - b
    if op == 2:
        return (a * b).tanh()  # keep numbers moderate
    if op == 3:
        return a / (b * b + 1.0)
    if op == 4:
        return -a
    if op == 5:
        return (a**2).tanh()
    if op == 6:
        return (a * a + 0.5) ** 0.5
    if op == 7:
        return (a * a + 1.0) ** b.tanh()
    if op == 8:
        return (a * 0.1).exp().tanh()
    if op == 9:
        return (a * a + 1.0).log()
    if op == 10:
        return a.tanh()
    if op == 11:
        return (a * 40.0).sigmoid()
    if op == 12:
        return (a - b).relu()
    if op == 13:
        return dot([a, b, a], [c, d, c])
    return sum_values([a, b, a, c, d])


def _random_fn(seed, depth=6, width=5):
    """A function of (params, inputs) mixing every op, reusing nodes and repeating operands."""
    rng = np.random.default_rng(seed)
    plan = [
        [(int(rng.integers(0, 15)), rng.integers(0, 10**6, size=4)) for _ in range(width)]
        for _ in range(depth)
    ]

    def build(params, inputs):
        pool = list(params) + list(inputs)
        for level in plan:
            pool += [_op(op, *(pool[int(k) % len(pool)] for k in picks)) for op, picks in level]
        return [pool[-1], pool[-2] * pool[-3]]

    return build


def _scalar(build, params, X, seeds):
    """One scalar graph per row; the gradients of the rows summed here (not by accumulation)."""
    outs, grads = [], np.zeros(len(params))
    for i, row in enumerate(X):
        zero_grad(params)
        o = build(params, [Value(float(v)) for v in row])
        outs.append([v.data for v in o])
        sum_values([s[i] * v for s, v in zip(seeds, o)]).backward()
        grads += [p.grad for p in params]
    zero_grad(params)
    return np.array(outs).T, grads


def _unrolled(program, params, X, seeds):
    """The same program run by the generated straight-line Python, one example at a time."""
    run = compile_program(program)
    outs, grads = [], np.zeros(len(params))
    for i, row in enumerate(X):
        o, g = run([p.data for p in params], list(row), [float(s[i]) for s in seeds])
        outs.append(o)
        grads += g
    return np.array(outs).T, grads


@pytest.mark.parametrize("seed", range(12))
def test_random_graphs_match_the_scalar_engine_and_generated_code(seed):
    build = _random_fn(seed)
    rng = np.random.default_rng(100 + seed)
    params = [Value(float(v)) for v in rng.normal(size=3)]
    X = rng.normal(size=(25, 3))
    X[0, :] = 0.0  # relu at exactly 0 for a - b with a = b
    program = record(lambda v: build(params, v), params, X[1], check=X[2])
    seeds = [rng.normal(size=25), rng.normal(size=25)]
    outs, grads = value_and_grad(program, params, X, seeds)
    s_outs, s_grads = _scalar(build, params, X, seeds)
    c_outs, c_grads = _unrolled(program, params, X, seeds)
    for k in range(2):
        np.testing.assert_allclose(outs[k], s_outs[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(outs[k], c_outs[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(forward(program, params, X)[k], outs[k], rtol=0, atol=0)
    np.testing.assert_allclose(grads, s_grads, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads, c_grads, rtol=1e-10, atol=1e-12)


def test_mlp_layers_run_as_matrix_products_and_match():
    model = nn.MLP(3, [7, 5, 2], seed=3)
    params = model.parameters()

    def fn(v):
        return nn.softmax_cross_entropy(model(v[:3]), v[3:])

    rng = np.random.default_rng(0)
    X = np.hstack([rng.normal(size=(30, 3)), np.eye(2)[rng.integers(0, 2, 30)]])
    program = record(fn, params, X[0], check=X[1])
    groups = plan_of(program).groups
    assert sum(g.matmul for g in groups) == 3  # one per Dense layer
    assert sum(g.bias is not None for g in groups) == 3  # its "+ b" runs in the same call
    assert len(groups) < len(program.instrs) / 2
    seeds = [np.full(30, 1 / 30)]
    _, grads = value_and_grad(program, params, X, seeds)
    _, want = _unrolled(program, params, X, seeds)
    np.testing.assert_allclose(grads, want, rtol=1e-12, atol=1e-15)


def test_domain_errors_in_a_group_name_the_culprit():
    w = Value(1.0)
    program = record(
        lambda v: [(v[0] * w).log(), (v[1] * w).log(), (v[2] * w).log()],
        [w],
        [1.0, 1.0, 1.0],
    )
    assert len(plan_of(program).groups) == 2  # the three products, the three logs
    X = np.array([[1.0, 2.0, 3.0], [1.0, -2.0, 3.0], [1.0, -1.0, 3.0]])
    with pytest.raises(
        BatchMathError,
        match=r"\('log'\): log needs a positive number, for 2 of 3 examples \(first: example 1\)",
    ):
        forward(program, [1.0], X)
    program = record(lambda v: (v[0] * w).exp(), [w], [1.0], check=[2.0])
    with pytest.raises(BatchMathError, match="'exp'.*overflows or is not a number, for 1 of 2"):
        forward(program, [1.0], np.array([[1.0], [800.0]]))
    with pytest.raises(ValueError, match="NaN or inf"):
        forward(program, [1.0], np.array([[np.nan]]))
    assert forward(program, [1.0], np.array([[1.0], [2.0]]))[0][1] == np.exp(2.0)


def test_a_bias_is_folded_only_when_nothing_else_reads_the_dot():
    w1, w2, b = Value(0.5), Value(-1.5), Value(0.25)

    def fn(v):
        z = [dot([w1, w2], v[:2]), dot([w2, w1], v[:2])]
        return [z[0] + b, z[1] + b, z[1] * 2.0]  # z[1] is read twice: no folding

    X = np.random.default_rng(1).normal(size=(9, 2))
    program = record(fn, [w1, w2, b], X[0], check=X[1])
    assert not any(g.bias is not None for g in plan_of(program).groups)
    seeds = [np.full(9, 0.3), np.linspace(-1, 1, 9), 2.0]
    outs, grads = value_and_grad(program, [w1, w2, b], X, seeds)
    c_outs, c_grads = _unrolled(program, [w1, w2, b], X, [np.broadcast_to(s, 9) for s in seeds])
    np.testing.assert_allclose(np.array(outs), c_outs, rtol=1e-13, atol=0)
    np.testing.assert_allclose(grads, c_grads, rtol=1e-12, atol=0)


def test_a_folded_layer_that_overflows_names_its_operation():
    model = nn.MLP(2, [3], seed=0)  # one layer: 3 x (w1 x1 + w2 x2 + b)
    program = record(lambda v: model(v), model.parameters(), [0.5, 0.5])
    assert sum(g.bias is not None for g in plan_of(program).groups) == 1
    weights = [1e308] * len(model.parameters())
    assert np.isfinite(forward(program, weights, [[1e-300, 0.0]])[0]).all()
    with pytest.raises(BatchMathError, match=r"\('(dot|\+)'\): overflows .*for 1 of 2 examples"):
        forward(program, weights, [[1e-300, 0.0], [1.0, 1.0]])


def test_join_replays_a_loss_and_a_regulariser_in_one_pass():
    model = nn.MLP(2, [4, 1], seed=2)
    params = model.parameters()
    X = np.random.default_rng(3).normal(size=(11, 3))
    loss = record(lambda v: (1.0 - v[2] * model(v[:2])).relu(), params, X[0], check=X[1])
    penalty = record(lambda _: nn.l2_penalty(params, 0.01) + 0.5, params, [])
    both = join(loss, penalty)
    assert both.n_outputs == 2 and len(both) == len(loss) + len(penalty)
    once = np.zeros(11)
    once[0] = 1.0  # the regulariser counts once, not once per example
    outs, grads = value_and_grad(both, params, X, [np.full(11, 1 / 11), once])
    l_outs, l_grads = value_and_grad(loss, params, X, [np.full(11, 1 / 11)])
    p_outs, p_grads = value_and_grad(penalty, params, np.empty((1, 0)))
    np.testing.assert_array_equal(outs[0], l_outs[0])
    np.testing.assert_array_equal(outs[1], np.full(11, p_outs[0][0]))
    np.testing.assert_allclose(grads, l_grads + p_grads, rtol=1e-14, atol=1e-17)
    c_outs, c_grads = _unrolled(both, params, X, [np.full(11, 1 / 11), once])
    np.testing.assert_allclose(grads, c_grads, rtol=1e-12, atol=1e-17)
    with pytest.raises(ReplayError, match="join: the second program has 5 parameters and 1"):
        join(loss, record(lambda v: v[0] * params[0], params[:5], [1.0]))
