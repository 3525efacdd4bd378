"""Each optimiser against a numpy reference of its update rule over several steps."""

import numpy as np
import pytest

from chainrule.autograd import Value
from chainrule.nn import SGD, Adagrad, Adam, RMSProp

START = np.array([1.0, -2.0, 0.5])


def quadratic_grad(w):
    """Gradient of f(w) = sum(c * w^2) + w0*w1 (an uneven bowl)."""
    c = np.array([1.0, 3.0, 0.5])
    return 2 * c * w + np.array([w[1], w[0], 0.0])


def run_ours(make_opt, steps=5):
    params = [Value(x) for x in START]
    opt = make_opt(params)
    for _ in range(steps):
        opt.zero_grad()
        c = [1.0, 3.0, 0.5]
        loss = sum((ci * p * p for ci, p in zip(c, params)), Value(0.0)) + params[0] * params[1]
        loss.backward()
        opt.step()
    return np.array([p.data for p in params])


def run_reference(update, steps=5):
    w, state = START.copy(), {}
    for t in range(1, steps + 1):
        w = w - update(quadratic_grad(w), w, state, t)
    return w


def test_sgd_plain():
    ref = run_reference(lambda g, w, s, t: 0.1 * g)
    assert run_ours(lambda p: SGD(p, lr=0.1)) == pytest.approx(ref, rel=1e-12)


def test_sgd_momentum_and_weight_decay():
    def update(g, w, s, t):
        g = g + 0.01 * w
        s["v"] = 0.9 * s.get("v", 0.0) + g
        return 0.05 * s["v"]

    ours = run_ours(lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01))
    assert ours == pytest.approx(run_reference(update), rel=1e-12)


def test_adagrad():
    def update(g, w, s, t):
        s["G"] = s.get("G", 0.0) + g * g
        return 0.1 * g / (np.sqrt(s["G"]) + 1e-10)

    assert run_ours(lambda p: Adagrad(p, lr=0.1)) == pytest.approx(run_reference(update), rel=1e-12)


def test_rmsprop():
    def update(g, w, s, t):
        s["E"] = 0.99 * s.get("E", 0.0) + 0.01 * g * g
        return 0.01 * g / (np.sqrt(s["E"]) + 1e-8)

    assert run_ours(lambda p: RMSProp(p, lr=0.01)) == pytest.approx(
        run_reference(update), rel=1e-12
    )


def test_adam():
    def update(g, w, s, t):
        s["m"] = 0.9 * s.get("m", 0.0) + 0.1 * g
        s["v"] = 0.999 * s.get("v", 0.0) + 0.001 * g * g
        m_hat, v_hat = s["m"] / (1 - 0.9**t), s["v"] / (1 - 0.999**t)
        return 0.001 * m_hat / (np.sqrt(v_hat) + 1e-8)

    assert run_ours(lambda p: Adam(p)) == pytest.approx(run_reference(update), rel=1e-12)
    # the first step moves each weight by about lr, whatever the gradient's size (w0's is 0)
    assert quadratic_grad(START)[0] == 0.0
    moved = START - run_ours(lambda p: Adam(p, lr=0.1), steps=1)
    assert np.abs(moved) == pytest.approx([0.0, 0.1, 0.1], rel=1e-6)


def test_optimiser_argument_errors():
    with pytest.raises(ValueError, match="learning rate"):
        SGD([Value(1.0)], lr=0)
    with pytest.raises(ValueError, match="no parameters"):
        Adam([])
    with pytest.raises(TypeError, match="float"):
        SGD([1.0], lr=0.1)


def test_default_learning_rates_are_the_documented_ones():
    import inspect

    from chainrule.nn import optim

    defaults = {
        cls.__name__: inspect.signature(cls).parameters["lr"].default
        for cls in (SGD, Adagrad, RMSProp, Adam)
    }
    assert defaults == {"SGD": 0.01, "Adagrad": 0.01, "RMSProp": 0.01, "Adam": 0.001}
    assert "SGD 0.01 (as Keras; PyTorch's is 0.001)" in optim.__doc__
