"""Generated straight-line Python: readable, runnable, and the same gradients as backward()."""

from __future__ import annotations

import ast

import pytest

import chainrule.nn as nn
from chainrule.autograd import Value, record, record_graph, zero_grad
from chainrule.autograd.codegen import compile_program, to_python
from chainrule.viz import two_weight_network


def _lecture_program():
    net = two_weight_network()
    return net, record_graph(net.J, [net.w1, net.w2], [net.x, net.y])


def test_lecture_network_code_reads_like_the_lecture():
    _, prog = _lecture_program()
    code = to_python(prog)
    for line in [
        "w1, w2 = params",
        "x, y = inputs",
        "z1 = w1 * x",
        "a1 = sigmoid(z1)",
        "yhat = w2 * a1",
        "err = y - yhat",
        "J = err ** 2",
        "g_J += seeds[0]",
        "g_err += g_J * 2.0 * err",
        "g_yhat -= g_err",
        "g_w2 += g_yhat * a1",
        "g_z1 += g_a1 * a1 * (1.0 - a1)",
        "g_w1 += g_z1 * x",
        "return [J], [g_w1, g_w2]",
    ]:
        assert f"    {line}\n" in code, line
    assert "g_x " not in code and "g_y " not in code  # no edges into inputs
    ast.parse(code)
    assert prog.to_python() == code


def test_lecture_network_code_gives_backwards_gradients():
    net, prog = _lecture_program()
    net.J.backward()
    outs, grads = compile_program(prog)([net.w1.data, net.w2.data], [net.x.data, net.y.data])
    assert outs == [net.J.data]
    assert grads == [pytest.approx(net.w1.grad, rel=1e-15), pytest.approx(net.w2.grad, rel=1e-15)]


def test_mlp_code_runs_and_matches_backward():
    model = nn.MLP(2, [4, 3, 1], seed=3)
    params = model.parameters()

    def loss(v):
        return (model(v[:2]) - v[2]) ** 2

    example = [0.3, -1.2, 0.5]
    prog = record(loss, params, example, names=["x1", "x2", "y"])
    zero_grad(params)
    loss([Value(x) for x in example]).backward()
    outs, grads = compile_program(prog)([p.data for p in params], example)
    assert grads == pytest.approx([p.grad for p in params], rel=1e-13, abs=1e-300)
    assert len(grads) == len(params) == model.num_parameters()
    code = to_python(prog)
    assert code.count("if ") >= 7  # one relu per hidden unit, forward and backward
    assert max(len(line) for line in code.splitlines()) <= 100


def test_names_that_are_not_identifiers_or_collide_are_replaced():
    a = Value(1.0, "w")
    b = Value(2.0, "w")  # the same label twice
    c = Value(3.0, "class")  # a keyword
    d = Value(4.0, "g_w")  # would collide with the gradient of w
    e = Value(5.0, "my weight")
    out = (a * b + c * d - e).named("exp")  # a name the generated module uses
    prog = record_graph(out, [a, b, c, d, e], [])
    code = to_python(prog)
    ast.parse(code)
    assert "w, p1, p2, p3, p4 = params" in code
    outs, grads = compile_program(prog)([1.0, 2.0, 3.0, 4.0, 5.0], [])
    assert outs == [out.data]
    assert grads == [2.0, 1.0, 4.0, 3.0, -1.0]


def test_constants_appear_as_literals_or_named_lines():
    w = Value(2.0, "w")
    half = Value(0.5, "half")
    prog = record(lambda v: (w * v[0] - 1.5) * half + (-3.0), [w], [1.0], names=["x"])
    code = to_python(prog)
    assert "half = 0.5" in code and "- 1.5" in code and "+ (-3.0)" in code
    outs, grads = compile_program(prog)([2.0], [4.0])
    assert outs == [(2.0 * 4.0 - 1.5) * 0.5 - 3.0] and grads == [4.0 * 0.5]
