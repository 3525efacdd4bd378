"""The lecture's numbers, computed by the engine."""

import math

import pytest

from chainrule.autograd import Value


def test_lecture_perceptron():
    # w0 = 1, W = [3, -2], x = [-1, 2]
    w0, w1, w2 = Value(1.0), Value(3.0), Value(-2.0)
    x1, x2 = Value(-1.0), Value(2.0)
    z = w0 + w1 * x1 + w2 * x2
    yhat = z.sigmoid()
    assert z.data == -6.0
    assert yhat.data == pytest.approx(0.00247, abs=5e-6)
    yhat.backward()
    s = yhat.data
    assert w1.grad == pytest.approx(s * (1 - s) * -1.0)
    assert w2.grad == pytest.approx(s * (1 - s) * 2.0)
    assert w0.grad == pytest.approx(s * (1 - s))


def test_two_weight_chain_rule_by_hand():
    # x -(w1)-> z1 -(w2)-> yhat -> J = (y - yhat)^2
    x, w1, w2, y = Value(2.0), Value(0.5), Value(-1.5), 1.0
    z1 = w1 * x
    a1 = z1.tanh()
    yhat = w2 * a1
    J = (y - yhat) ** 2
    J.backward()
    dJ_dyhat = -2 * (y - yhat.data)
    dyhat_dw2 = a1.data
    dyhat_da1 = w2.data
    da1_dz1 = 1 - math.tanh(z1.data) ** 2
    dz1_dw1 = x.data
    assert w2.grad == pytest.approx(dJ_dyhat * dyhat_dw2)
    assert w1.grad == pytest.approx(dJ_dyhat * dyhat_da1 * da1_dz1 * dz1_dw1)
    # intermediate gradients are kept for inspection
    assert yhat.grad == pytest.approx(dJ_dyhat)
    assert z1.grad == pytest.approx(dJ_dyhat * dyhat_da1 * da1_dz1)
