"""Batched replay of recorded programs against the scalar engine, one graph per example."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule.nn as nn
from chainrule.autograd import Value, dot, record, record_graph, sum_values, zero_grad
from chainrule.autograd.replay import BatchMathError, forward, value_and_grad
from chainrule.viz import two_weight_network


def scalar_reference(fn, params, X, seeds):
    """Outputs per example and the summed parameter gradients, from one scalar graph per row.

    The objective of row i is sum_k seeds[k][i] * output_k(row i); one backward per
    row, and the rows' gradients summed, plus, per parameter, sum_i |its gradient
    on row i| (the scale for relative comparisons).
    """
    n = len(X)
    outs, scale, grads = [], np.zeros(len(params)), np.zeros(len(params))
    for i, row in enumerate(X):
        zero_grad(params)  # one backward per row; the sum over rows is taken here
        out = fn([Value(float(x)) for x in row])
        out = [out] if isinstance(out, Value) else list(out)
        outs.append([o.data for o in out])
        objective = Value(0.0)
        for k, o in enumerate(out):
            s = seeds[k] if np.ndim(seeds[k]) == 0 else seeds[k][i]
            objective = objective + float(s) * o
        objective.backward()
        row_grads = np.array([p.grad for p in params])
        grads, scale = grads + row_grads, scale + np.abs(row_grads)
    zero_grad(params)
    return np.array(outs).T.reshape(-1, n), grads, scale


def assert_close(got, want, scale, rel=1e-12, what="gradient"):
    """|got - want| <= rel * scale elementwise (scale: the sum of the terms' magnitudes)."""
    got, want, scale = np.asarray(got), np.asarray(want), np.asarray(scale)
    err = np.abs(got - want)
    tol = rel * np.maximum(scale, np.abs(want)) + 1e-300
    bad = np.flatnonzero(err > tol)
    assert not len(bad), (
        f"{what} differs at {bad[:5]}: got {got.flat[bad[0]]!r}, want {want.flat[bad[0]]!r}"
    )


def _mlp_loss(model):
    def fn(v):
        out = model(v[:2])
        out = out[0] if isinstance(out, list) else out
        return (1.0 - v[2] * out).relu()  # hinge loss of one example, target +-1

    return fn


def _moons_like(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    X[:, 2] = np.where(X[:, 2] > 0, 1.0, -1.0)
    return X


@pytest.mark.parametrize("sizes", [[16, 16, 1], [8, 1]])
def test_mlp_hinge_loss_matches_scalar_engine(sizes):
    model = nn.MLP(2, sizes, seed=1)
    params = model.parameters()
    X = _moons_like(40)
    fn = _mlp_loss(model)
    prog = record(fn, params, X[0], check=X[1])
    seeds = [np.linspace(0.1, 1.0, len(X))]
    outs, grads = value_and_grad(prog, params, X, seeds)
    want_outs, want_grads, scale = scalar_reference(fn, params, X, seeds)
    assert_close(outs[0], want_outs[0], np.abs(want_outs[0]), what="output")
    assert_close(grads, want_grads, scale)
    assert np.any(grads != 0.0)


def test_two_weight_network_gradients_equal_backward():
    net = two_weight_network()
    prog = record_graph(net.J, [net.w1, net.w2], [net.x, net.y])
    assert (prog.n_params, prog.n_inputs, prog.n_outputs, len(prog)) == (2, 2, 1, 5)
    assert prog.names[prog.first_result :] == ("z1", "a1", "yhat", "err", "J")
    net.J.backward()
    X = [[net.x.data, net.y.data], [-1.0, 0.5], [3.0, -2.0]]
    outs, grads = value_and_grad(prog, [net.w1, net.w2], X, [np.array([1.0, 0.0, 0.0])])
    assert outs[0][0] == net.J.data
    assert grads[0] == pytest.approx(net.w1.grad, rel=1e-15)
    assert grads[1] == pytest.approx(net.w2.grad, rel=1e-15)
    # rows 2 and 3 against graphs built by the lecture function itself
    for row, out in zip(X[1:], outs[0][1:]):
        other = two_weight_network(x=row[0], y=row[1])
        assert out == pytest.approx(other.J.data, rel=1e-15)


def test_several_outputs_and_float_seeds_and_shared_outputs():
    w, b = Value(0.7, "w"), Value(-0.2, "b")
    c = Value(3.0)  # a constant leaf

    def fn(v):
        c.grad = 0.0  # the reference calls backward once per row: c is a leaf, not a param
        z = w * v[0] + b
        return [z.tanh(), (w * c).exp(), z * v[1]]  # the second output is the same for all

    X = np.array([[0.5, 2.0], [-1.0, 1.0], [2.0, -0.5]])
    prog = record(fn, [w, b], X[0], check=X[1])
    seeds = [0.5, np.array([1.0, 2.0, 3.0]), 2.0]
    outs, grads = value_and_grad(prog, [w, b], X, seeds)
    want_outs, want_grads, scale = scalar_reference(fn, [w, b], X, seeds)
    for k in range(3):
        assert outs[k].shape == (3,)
        assert_close(outs[k], want_outs[k], np.abs(want_outs[k]), what=f"output {k}")
    assert_close(grads, want_grads, scale)
    fwd = forward(prog, [w.data, b.data], X)
    assert all(np.array_equal(a, b) for a, b in zip(fwd, outs))


def test_dot_and_sum_with_plain_numbers_inside_record():
    w = [Value(0.3), Value(-0.4), Value(0.9)]

    def fn(v):
        z = dot(w, [v[0], 2.0, v[1]])  # 2.0: a plain-number feature
        return sum_values([z, 1.5, dot([0.5, v[0]], [4.0, w[0]])])  # constant pair 0.5 * 4.0

    X = np.array([[1.0, 2.0], [-0.5, 0.25]])
    prog = record(fn, w, X[0], check=X[1])
    outs, grads = value_and_grad(prog, w, X)
    want_outs, want_grads, scale = scalar_reference(fn, w, X, [1.0])
    assert_close(outs[0], want_outs[0], np.abs(want_outs[0]), what="output")
    assert_close(grads, want_grads, scale)


def test_dot_with_plain_numbers_built_outside_record_is_refused():
    w1, w2 = Value(2.0), Value(1.0)
    node = dot([w1, w2], [1.0, 2.0])  # graph: parents (w1, w2), local grads (1.0, 2.0)
    with pytest.raises(ValueError, match="dot node .* plain-number operands"):
        record_graph(node, [w1, w2], [])
    total = sum_values([w1, 1.5])
    with pytest.raises(ValueError, match="sum node .* plain-number terms"):
        record_graph(total, [w1], [])
    # the same nodes with every operand a Value are accepted
    assert len(record_graph(dot([w1, w2], [w2, w1]), [w1, w2], [])) == 1


@pytest.mark.parametrize(
    ("fn", "row", "message"),
    [
        (lambda v: v[0].log(), 0.0, "log needs a positive number, for 1 of 3"),
        (lambda v: 1.0 / v[0], 0.0, "division by zero, for 1 of 3"),
        (lambda v: (v[0] * 800.0).exp(), 1.0, "'exp'.*overflows.*for 1 of 3"),
        (lambda v: v[0] ** 0.5, -1.0, "negative base needs an integer exponent .*, for 1 of 3"),
        (lambda v: v[0] ** 0.5, 0.0, r"0 \*\* 0.5 or its derivative is infinite, for 1 of 3"),
        (lambda v: v[0] ** -1.0, 0.0, r"infinite, for 1 of 3"),
        (lambda v: v[0] ** v[0], -1.0, "positive base, for 1 of 3"),
        (lambda v: v[0] * 1e300 * 10.0, 1e10, r"'\*'.*overflows.*for 1 of 3"),
    ],
)
def test_domain_errors_name_the_op_and_count_the_examples(fn, row, message):
    prog = record(fn, [], [0.5])
    X = np.array([[0.5], [row], [0.25]])
    with pytest.raises(BatchMathError, match=message):
        value_and_grad(prog, [], X)
    good = forward(prog, [], X[[0, 2]])[0]  # the other rows alone are fine
    assert good[0] == fn([Value(0.5)]).data


def test_gradient_overflow_is_reported():
    w = Value(1e-200)
    prog = record(lambda v: v[0] / w, [w], [1.0])  # value 1e200, d/dw = -1e200 / 1e-200
    assert forward(prog, [w], [[1.0]])[0][0] == 1e200
    with pytest.raises(BatchMathError, match="derivative.* overflows"):
        value_and_grad(prog, [w], [[1.0]])


def test_bad_arguments_are_refused_with_a_message():
    w = Value(1.0)
    prog = record(lambda v: w * v[0], [w], [1.0])
    with pytest.raises(ValueError, match=r"shape \(n, 1\)"):
        forward(prog, [1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN or inf in 1 of 2 rows"):
        forward(prog, [1.0], [[1.0], [math.nan]])
    with pytest.raises(ValueError, match="2 parameter values for a program with 1"):
        forward(prog, [1.0, 2.0], [[1.0]])
    with pytest.raises(ValueError, match="2 seeds for 1 outputs"):
        value_and_grad(prog, [1.0], [[1.0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="seed 0 has shape"):
        value_and_grad(prog, [1.0], [[1.0]], [np.ones(3)])


def test_a_layer_of_dots_with_tied_weights_and_hidden_inputs():
    """Dots reading the same activations run as one matrix product; tied weights add up."""
    w1, w2, u = Value(0.5), Value(-1.5), Value(0.25)

    def fn(v):
        h = [(u * v[0]).tanh(), (u * v[1]).sigmoid()]  # hidden units: gradients flow through
        a = dot([w1, w2], h)
        b = dot([w2, w1], h)  # the same weights, swapped
        c = dot([w1, 0.5], h)  # a constant weight
        return (a * b + c).exp()

    X = _moons_like(7)[:, :2]
    prog = record(fn, [w1, w2, u], X[0], check=X[1])
    from chainrule.autograd.replay_plan import plan_of

    assert sum(g.matmul for g in plan_of(prog).groups) == 1  # the three dots: one layer
    outs, grads = value_and_grad(prog, [w1, w2, u], X)
    want_outs, want_grads, scale = scalar_reference(fn, [w1, w2, u], X, [1.0])
    assert_close(outs[0], want_outs[0], np.abs(want_outs[0]), what="output")
    assert_close(grads, want_grads, scale)


def test_a_layer_that_overflows_is_reported():
    w1, w2 = Value(1e200), Value(1e200)
    prog = record(lambda v: dot([w1, w2], v) * dot([w2, w1], v), [w1, w2], [1.0, 1.0])
    assert forward(prog, [1.0, 1.0], [[1.0, 2.0]])[0][0] == 9.0
    with pytest.raises(BatchMathError, match="overflows or is not a number, for 1 of 2 examples"):
        forward(prog, [w1, w2], [[1e-300, 0.0], [1e200, 1.0]])


def test_outputs_that_are_leaves_and_new_parameter_values():
    w = Value(2.0, "w")
    prog = record(lambda v: [v[0], w, w * v[0]], [w], [1.0])
    X = np.array([[1.0], [3.0]])
    outs, grads = value_and_grad(prog, [w], X, [1.0, 1.0, np.array([1.0, 0.5])])
    assert [list(o) for o in outs] == [[1.0, 3.0], [2.0, 2.0], [2.0, 6.0]]
    assert grads[0] == 2.0 + 1.0 * 1.0 + 0.5 * 3.0  # w counted once per example, plus w * x
    outs, grads = value_and_grad(prog, np.array([5.0]), X)  # the same program, new weights
    assert list(outs[2]) == [5.0, 15.0] and grads[0] == 2.0 + 4.0


def test_saturated_sigmoid_tanh_and_relu_at_zero_in_a_batch():
    w = Value(1.0)
    prog = record(
        lambda v: [(w * v[0]).sigmoid(), (w * v[0]).tanh(), (w * v[0]).relu()], [w], [0.0]
    )
    X = np.array([[800.0], [-800.0], [0.0], [-0.0]])
    outs, grads = value_and_grad(prog, [w], X)
    assert list(outs[0]) == [1.0, 0.0, 0.5, 0.5] and list(outs[2]) == [800.0, 0.0, 0.0, 0.0]
    want_outs, want_grads, scale = scalar_reference(
        lambda v: [(w * v[0]).sigmoid(), (w * v[0]).tanh(), (w * v[0]).relu()], [w], X, [1.0] * 3
    )
    assert_close(grads, want_grads, scale)
    assert grads[0] == 0.25 * 0.0 + 1.0 * 0.0 + 800.0  # only relu at 800 has a slope times x
