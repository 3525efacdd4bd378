"""The checks of notebooks 02, 04, 05, 07 and 08, both ways: right answers pass, each typical
mistake fails with its own message.

Right answers are written here independently of the checks (closed forms with `math`, plain
loops); every wrong answer is one a student plausibly writes.
"""

import math

import pytest

from chainrule.autograd import Value
from chainrule.nn import mse_loss
from chainrule.viz import exercises as ex
from chainrule.viz.exercises.descent import descend
from chainrule.viz.plots_descent import descent_1d


def failed(result, says):
    assert isinstance(result, ex.CheckResult)
    assert not result.passed and result.answered, result
    assert says in result.reason, result.reason
    return result


# ---------------- 02.1 ReLU's derivative ----------------
def test_relu_derivative_right(capsys):
    assert ex.check_relu_derivative(lambda z: 1.0 if z > 0 else 0.0).passed
    assert ex.check_relu_derivative(lambda z: z > 0).passed  # a bool reads as 0 or 1
    assert "✓ Exercise 02.1 (ReLU's local derivative): right." in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, says",
    [
        (lambda z: max(0.0, z), "At z = 0.25 your relu_derivative(z) = 0.25 but central"),
        (lambda z: max(0.0, z), "Your function is relu(z) itself, max(0, z)"),
        (lambda z: float(z < 0), "the two sides are swapped"),
        (lambda z: 1.0, "1 everywhere: that is the derivative of the identity"),
        (lambda z: 0.0, "0 everywhere: ReLU passes the gradient through where z > 0"),
        (lambda z: float(z >= 0), "relu_derivative(0) = 1. ReLU has a kink at 0"),
        (lambda z: float(z >= 0), "Use z > 0, not z >= 0."),
        (lambda z: 1.0 if z > 0 else (0.5 if z == 0 else 0.0), "leaves z.grad = 0"),
    ],
)
def test_relu_derivative_wrong(fn, says):
    failed(ex.check_relu_derivative(fn), says)


def test_relu_derivative_convention_is_the_engines():
    z = Value(0.0)
    z.relu().backward()
    assert z.grad == 0.0  # what the check asks for at the kink


# ---------------- 02.2 three linear layers collapse ----------------
def test_linear_collapse_right():
    # f(x) = 3·(−1.5·(2x + 1) + 2) − 1 = −9x + 0.5
    f = lambda x: 3 * (-1.5 * (2 * x + 1) + 2) - 1  # noqa: E731
    assert ex.check_linear_collapse(f(1) - f(0), f(0)).passed
    assert ex.check_linear_collapse(Value(-9.0), 0.5).passed


@pytest.mark.parametrize(
    "W, B, says",
    [
        (3.5, 0.5, "Your W = 3.5 is the sum of the weights"),
        (9.0, 0.5, "Your W = 9 is −w1·w2·w3: the sign is wrong"),
        (3.0, 0.5, "Your W = 3 is w3 alone"),
        (6.0, 0.5, "Your W = 6 is w1·w3: it lacks w2"),
        (-9.0, 2.0, "Your B = 2 is the sum of the biases"),
        (-9.0, -1.0, "Your B = -1 is b3 alone"),
        (-9.0, -0.5, "b1 and b2 must also be multiplied by w3"),
        (-9.0, -4.0, "Σ wk·bk: a bias is multiplied by the weights after it"),
        (-9.0, 4.0, "Your B = 4; the stack gives f(0) = 0.5."),
        (
            3.5,
            2.0,
            "the sum of the weights; a layer multiplies, so the weights multiply; the "
            "engine's df/dx is -9. Your B = 2 is the sum of the biases",
        ),
    ],
)
def test_linear_collapse_wrong(W, B, says):
    failed(ex.check_linear_collapse(W, B), says)


# ---------------- 04.1 binary cross-entropy ----------------
def bce(p, y):
    return -math.log(p) if y == 1 else -math.log(1 - p)


def test_bce_right():
    assert ex.check_bce(bce).passed
    assert ex.check_bce(lambda p, y: -(y * math.log(p) + (1 - y) * math.log(1 - p))).passed


@pytest.mark.parametrize(
    "fn, says",
    [
        (lambda p, y: -bce(p, y), "returned -0.1054; chainrule.nn.binary_cross_entropy gives"),
        (lambda p, y: -bce(p, y), "without the minus sign"),
        (lambda p, y: bce(1 - p, y), "log p and log(1 − p) swapped"),
        (lambda p, y: bce(p, y) / math.log(10), "in log10; cross-entropy uses the natural log"),
        (lambda p, y: -y * math.log(p), "bce(p=0.3, y=0) returned 0;"),
        (lambda p, y: -y * math.log(p), "the (1 − y)·log(1 − p) term for y = 0 is missing"),
        (lambda p, y: (y - p) ** 2, "the squared error (y − p)²"),
    ],
)
def test_bce_wrong(fn, says):
    failed(ex.check_bce(fn), says)


def test_bce_on_values_raises_a_named_error():
    r = ex.check_bce(lambda p, y: -p.log())
    assert r.answered and "bce(0.9, 1) raised AttributeError" in r.reason


# ---------------- 04.2 MSE of (2, −5, 2) ----------------
def test_mse_right():
    assert ex.check_mse((2**2 + 5**2 + 2**2) / 3).passed
    assert ex.check_mse(mse_loss([Value(88.0), Value(85.0), Value(93.0)], [90, 80, 95])).passed


@pytest.mark.parametrize(
    "answer, says",
    [
        ((2**2 + -(5**2) + 2**2) / 3, "−5² is −(5²) in Python; square the error, (−5)² = 25"),
        (33.0, "the sum of the squared errors: divide by the number of examples"),
        (-1 / 3, "the mean error, not squared"),
        (3.0, "the mean absolute error"),
        (math.sqrt(11), "the root of the MSE (RMSE)"),
        (16.5, "divided by n − 1 = 2"),
        (12.0, "Your MSE = 12. The errors y − ŷ are (2, −5, 2); chainrule.nn.mse_loss gives 11."),
    ],
)
def test_mse_wrong(answer, says):
    failed(ex.check_mse(answer), says)


# ---------------- 05.1 one descent step on J(w0, w1) ----------------
XS = [0.1 * i for i in range(-10, 11)]
YS = [math.sin(x) + 0.3 for x in XS]


def J(w0, w1):
    return mse_loss([w0 + w1 * x for x in XS], YS)


def step(w0, w1, lr, *, sign=-1.0, rate=True, zero=True, in_place=True):
    loss = J(w0, w1)
    if zero:
        w0.grad = w1.grad = 0.0
    loss.backward(accumulate=not zero)
    new = [w.data + sign * (lr if rate else 1.0) * w.grad for w in (w0, w1)]
    if in_place:
        w0.data, w1.data = new


def test_descent_step_right():
    r = ex.check_descent_step(step, J)
    assert r.passed and "Fifty steps at lr = 0.1 take J from" in r.reason


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"sign": 1.0}, "it steps uphill, along the gradient"),
        ({"rate": False}, "that is w − grad: the learning rate is missing"),
        ({"in_place": False}, "the weights did not move: change w0.data and w1.data in place"),
        ({"zero": False}, "On the second call, from (w0, w1) ="),
        ({"zero": False}, "set w0.grad = w1.grad = 0.0 before backward()"),
    ],
)
def test_descent_step_wrong(kwargs, says):
    failed(ex.check_descent_step(lambda a, b, lr: step(a, b, lr, **kwargs), J), says)


def test_descent_step_needs_the_loss():
    assert "pass the notebook's loss function J" in ex.check_descent_step(step, None).reason
    r = ex.check_descent_step(..., J)
    assert not r.answered and r.reason == "`descent_step` is still `...`: define the function."


# ---------------- 05.2 a learning rate for the two valleys ----------------
def J1(w):
    return (w * w - 1) ** 2 + 0.5 * w + 1


def test_check_descends_as_descent_1d_does():
    for lr in (0.02, 0.1, 0.16, 0.2):
        assert descend(lr) == pytest.approx(descent_1d(J1, 2.0, lr, 60), rel=1e-12)


def test_learning_rate_right():
    r = ex.check_learning_rate(0.1)
    assert r.passed and "reached the global minimum at w = -1.06" in r.reason


@pytest.mark.parametrize(
    "lr, says",
    [
        (0.02, "stuck in the local minimum at w = 0.93"),
        (0.02, "Its steps are too short to jump over the hump: try a larger rate."),
        (0.16, "It did cross the hump (w reached -1.92) but its steps were too long"),
        (0.2, "With lr = 0.2 gradient descent diverged: after 4 steps"),
        (-0.1, "a learning rate must be positive"),
    ],
)
def test_learning_rate_wrong(lr, says):
    failed(ex.check_learning_rate(lr), says)


# ---------------- 07.1 the mini-batch gradient ----------------
def mean_columns(grads):
    return [math.fsum(g[k] for g in grads) / len(grads) for k in range(len(grads[0]))]


def test_batch_gradient_right():
    assert ex.check_batch_gradient(lambda g: (sum(c) / len(g) for c in zip(*g))).passed
    r = ex.check_batch_gradient(mean_columns)
    assert r.passed and "the gradient of a mean is the mean of the gradients" in r.reason


@pytest.mark.parametrize(
    "fn, says",
    [
        (lambda g: [sum(c) for c in zip(*g)], "the sum of the per-example gradients, 5 times"),
        (lambda g: [sum(row) / len(row) for row in g], "you averaged over the parameters"),
        (lambda g: g[0], "the first example's gradient alone"),
        (lambda g: g[-1], "the last example's gradient alone"),
        (lambda g: sum(map(sum, g)) / 5, "one number; the batch gradient has one number per"),
        (lambda g: None, "batch_gradient returned None: it needs a `return`."),
        (lambda g: [c[0] / 2 for c in zip(*g)], "For a batch of 5 examples, entry 0 of your"),
    ],
)
def test_batch_gradient_wrong(fn, says):
    failed(ex.check_batch_gradient(fn), says)


# ---------------- 08.1 dropout in training mode ----------------
def test_dropout_forward_right():
    r = ex.check_dropout_forward(lambda a, m, p: [x / (1 - p) if k else 0.0 for x, k in zip(a, m)])
    assert r.passed and "exactly as chainrule.nn.Dropout does" in r.reason


@pytest.mark.parametrize(
    "fn, says",
    [
        (lambda a, m, p: [x * k for x, k in zip(a, m)], "not rescaled: multiply them by 1/(1 − p)"),
        (lambda a, m, p: [x * k * (1 - p) for x, k in zip(a, m)], "times (1 − p); they are div"),
        (lambda a, m, p: [x * k / p for x, k in zip(a, m)], "With p = 0.2 and mask [1, 1, 0"),
        (lambda a, m, p: [x * k / p for x, k in zip(a, m)], "divided by p; divide by the keep"),
        (lambda a, m, p: [x * (1 - k) / (1 - p) for x, k in zip(a, m)], "the wrong way round"),
        (lambda a, m, p: [x / (1 - p) for x in a], "none switched off"),
        (lambda a, m, p: (x * k for x, k in zip(a, m)), "not rescaled"),  # a generator
        (lambda a, m, p: None, "dropout_forward returned None: it needs a `return`."),
        (lambda a, m, p: [x * k / (1 - p) for x, k in zip(a, m)][:3], "returned 3 numbers"),
    ],
)
def test_dropout_forward_wrong(fn, says):
    failed(ex.check_dropout_forward(fn), says)


# ---------------- 08.2 when early stopping stops ----------------
def stop_at(losses, patience):
    best, since = None, 0
    for epoch, v in enumerate(losses):
        if best is None or v < best:
            best, since = v, 0
        else:
            since += 1
            if since == patience:
                return epoch
    return None


def test_stop_epoch_right():
    r = ex.check_stop_epoch(stop_at)
    assert r.passed and "agrees with chainrule.nn.EarlyStopping on three" in r.reason


def best_epoch(losses, patience):
    return losses.index(min(losses))


def first_rise(losses, patience):
    return next(e for e in range(1, len(losses)) if losses[e] > losses[e - 1])


def ties_improve(losses, patience):
    return stop_at([v - 1e-9 * e for e, v in enumerate(losses)], patience)


@pytest.mark.parametrize(
    "fn, says",
    [
        (best_epoch, "says 6; EarlyStopping stops at epoch 9 (the best, 0.44, was at epoch 6"),
        (best_epoch, "Yours is the best epoch: that is whose weights are put back"),
        (first_rise, "Yours is the first epoch whose loss went up"),
        (ties_improve, "counting a loss equal to the best as an improvement"),
        (lambda L, p: stop_at(L, p) + 1, "one epoch late"),
        (lambda L, p: stop_at(L, p) - 1, "restarting the count at each new best"),
        (lambda L, p: None, "stop_epoch returned None for the validation losses"),
    ],
)
def test_stop_epoch_wrong(fn, says):
    failed(ex.check_stop_epoch(fn), says)


@pytest.mark.parametrize(
    "check, args, says",
    [
        (ex.check_relu_derivative, (...,), "`relu_derivative` is still `...`: define the"),
        (ex.check_linear_collapse, (..., ...), "`W` is still `...`: replace it with your code."),
        (ex.check_bce, (None,), "`bce` is still `None`: define the function."),
        (ex.check_mse, (...,), "`mse_by_hand` is still `...`: replace it with your code."),
        (ex.check_learning_rate, (...,), "`lr_global` is still `...`: replace it with your code."),
        (ex.check_batch_gradient, (...,), "`batch_gradient` is still `...`: define the function."),
        (ex.check_dropout_forward, (...,), "`dropout_forward` is still `...`: define the"),
        (ex.check_stop_epoch, (...,), "`stop_epoch` is still `...`: define the function."),
    ],
)
def test_placeholders_are_not_answered_yet(check, args, says):
    r = check(*args)
    assert not r.passed and not r.answered and r.reason.startswith(says)
