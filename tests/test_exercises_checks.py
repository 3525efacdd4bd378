"""Each exercise check, both ways: right answers pass, each typical mistake fails with its message.

The right answers here are written independently of the checks (closed forms
with `math`), and every wrong answer is one a student plausibly writes.
"""

import math

import pytest

from chainrule.autograd import Value, topological_order
from chainrule.viz import exercises as ex


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def reason_of(result):
    assert isinstance(result, ex.CheckResult)
    return result.reason


# ---------------- 00.1 dL/db ----------------
def test_dL_db_right_as_number_and_as_value(capsys):
    a, f = 2.0, -2.0  # L = (a*b + c) * f, so dL/db = f * a
    assert ex.check_dL_db(f * a).passed
    assert ex.check_dL_db(Value(f * a)).passed
    assert "✓ Exercise 00.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, says",
    [
        (-2.0, "Your dL/db = -2 is dL/dd · dd/de: it lacks de/db = a = 2."),
        (2.0, "it lacks dL/dd = f = -2"),
        (
            6.0,
            "it has b = -3 (e = a·b, so de/db is the other input, a) where de/db = a = 2",
        ),
        (4.0, "is not a product of the chain's factors"),
    ],
)
def test_dL_db_wrong_names_the_factor(answer, says, capsys):
    result = ex.check_dL_db(answer)
    assert not result.passed and result.answered
    assert says in result.reason
    assert "✗ Exercise 00.1 (dL/db by the chain rule): wrong." in capsys.readouterr().out


def test_dL_db_placeholder_and_bad_types():
    r = ex.check_dL_db(...)
    assert not r.passed and not r.answered
    assert r.reason == "`dL_db` is still `...`: replace it with your code."
    assert "should be a number" in ex.check_dL_db("-4").reason
    assert "got bool" in ex.check_dL_db(True).reason
    assert "not a finite number" in ex.check_dL_db(float("nan")).reason


# ---------------- 00.2 backward written out ----------------
def _backward(root, *, reverse=True, overwrite=False, local=True, upstream=True, start=1.0):
    root.grad = start
    order = topological_order(root)
    for node in reversed(order) if reverse else order:
        for p, lg in zip(node.parents, node.local_grads):
            step = (lg if local else 1.0) * (node.grad if upstream else 1.0)
            p.grad = step if overwrite else p.grad + step


def test_backward_right():
    assert ex.check_backward(_backward).passed
    v = Value(3.0)
    (v * v).backward()  # the check put the engine's backward back
    assert v.grad == 6.0


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"overwrite": True}, "On y = x·x + x: x.grad = 3 but backward gives 7"),
        ({"overwrite": True}, "overwrites (=) a parent's grad; add (+=)"),
        ({"reverse": False}, "visits the nodes in topological order; go from the root back"),
        ({"local": False}, "without multiplying by the edge's local derivative"),
        ({"upstream": False}, "without multiplying by node.grad"),
        ({"start": 2.0}, "L.grad = 2 after my_backward; it must start at 1"),
    ],
)
def test_backward_wrong_says_why(kwargs, says):
    result = ex.check_backward(lambda root: _backward(root, **kwargs))
    assert not result.passed and says in result.reason


def test_backward_that_calls_backward_or_does_nothing():
    assert "must not call .backward()" in ex.check_backward(lambda r: r.backward()).reason
    r = ex.check_backward(lambda root: None)
    assert not r.passed and "left every grad at 0" in r.reason

    def unanswered(root):
        raise NotImplementedError

    r = ex.check_backward(unanswered)
    assert not r.answered and "still raises NotImplementedError" in r.reason
    assert ex.check_backward(...).reason == "`my_backward` is still `...`: define the function."


# ---------------- 01.1 the lecture's perceptron ----------------
Z = 1 + 3 * -1 + -2 * 2  # w0 + w1 x1 + w2 x2


def test_perceptron_right():
    assert ex.check_perceptron(Z, sig(Z)).passed
    assert ex.check_perceptron(Value(-6.0), Value(-6.0).sigmoid()).passed
    assert ex.check_perceptron(-6, 0.002473).passed  # typed with four significant digits


@pytest.mark.parametrize(
    "z, yhat, says",
    [
        (-7.0, sig(-7.0), "Your z = -7: it lacks the bias w0."),
        (-7.0, sig(-7.0), "fix z first"),
        (-2.0, sig(-2.0), "it lacks w2·x2 = (-2)(2)"),
        (0.0, 0.5, "it has the sign of w1·x1 = (3)(-1) flipped"),
        (9.0, sig(9.0), "pairs each weight with the other input"),
        (Z, Z, "the non-linearity g is missing"),
        (Z, sig(-Z), "that is 1 / (1 + e^z)"),
        (Z, math.tanh(Z), "that is tanh(z)"),
        (Z, 0.0, "that is relu(z)"),
        (Z, 0.0025, "sigmoid(z) = 0.002473"),
    ],
)
def test_perceptron_wrong(z, yhat, says):
    result = ex.check_perceptron(z, yhat)
    assert not result.passed and says in result.reason


def test_perceptron_unanswered():
    assert ex.check_perceptron(..., ...).reason == "`z` is still `...`: replace it with your code."
    assert ex.check_perceptron(-6.0, None).reason.startswith("`yhat` is still `None`")


# ---------------- 01.2 sigmoid's derivative ----------------
def test_sigmoid_derivative_right():
    assert ex.check_sigmoid_derivative(lambda z: math.exp(-z) / (1 + math.exp(-z)) ** 2).passed
    assert ex.check_sigmoid_derivative(lambda z: Value(z).sigmoid().local_grads[0]).passed


@pytest.mark.parametrize(
    "df, says",
    [
        (sig, "Your function is sigmoid(z) itself, not its derivative."),
        (lambda z: z * (1 - z), "needs s = sigmoid(z), not z"),
        (lambda z: -sig(z) * (1 - sig(z)), "the sign is wrong"),
        (lambda z: 1 - sig(z), "it lacks the factor sigmoid(z)"),
        (lambda z: 0.25, "At z = -4 your sigmoid_derivative(z) = 0.25 but central differences"),
        (
            lambda z: 0.0 if z == 0.5 else sig(z) * (1 - sig(z)),
            "At z = 0.5 your sigmoid_derivative(z) = 0 but central differences of sigmoid give "
            "0.235 (1 of 7 test points disagree).",
        ),
        (lambda z: 1 / z, "sigmoid_derivative(0.0) raised ZeroDivisionError"),
        (lambda z: "0.2", "should be a number"),
    ],
)
def test_sigmoid_derivative_wrong(df, says):
    result = ex.check_sigmoid_derivative(df)
    assert not result.passed and says in result.reason


# ---------------- 03.1 a dense layer ----------------
def dense(W, b, x, g=sig, bias=True, same_row=False):
    rows = [W[0]] * len(W) if same_row else W
    return [g(sum(w * xi for w, xi in zip(r, x)) + (bj if bias else 0.0)) for r, bj in zip(rows, b)]


def test_dense_forward_right():
    assert ex.check_dense_forward(dense).passed
    values = lambda W, b, x: [  # noqa: E731  (Values are accepted as outputs)
        (sum(Value(w) * xi for w, xi in zip(r, x)) + bj).sigmoid() for r, bj in zip(W, b)
    ]
    assert ex.check_dense_forward(values).passed


@pytest.mark.parametrize(
    "fn, says",
    [
        (
            lambda W, b, x: dense(W, b, x, g=lambda z: z),
            "Yours is z = w·x + b, without",
        ),
        (lambda W, b, x: dense(W, b, x, bias=False), "Yours is sigmoid(w·x), without the bias b"),
        (lambda W, b, x: dense(W, b, x, g=math.tanh), "Yours is tanh(z)"),
        (lambda W, b, x: dense(W, b, x, same_row=True), "Output 1 differs"),
        (
            lambda W, b, x: dense(W, b, x, same_row=True),
            "with row W[0]: output 1 must use its own row W[1]",
        ),
        (lambda W, b, x: dense(W, b, x, g=lambda z: sig(-z)), "1 / (1 + e^z)"),
        (lambda W, b, x: x, "dense_forward returned 3 outputs; Dense(3, 2)"),
        (lambda W, b, x: x, "one output per neuron, i.e. per row of W"),
        (lambda W, b, x: None, "should return a list of 2 outputs, got NoneType"),
        (lambda W, b, x: W[5], "raised IndexError"),
    ],
)
def test_dense_forward_wrong(fn, says):
    result = ex.check_dense_forward(fn)
    assert not result.passed and says in result.reason


def test_dense_forward_names_the_library_reference():
    result = ex.check_dense_forward(lambda W, b, x: dense(W, b, x, bias=False))
    assert "the library's Dense gives" in result.reason and "on the same weights" in result.reason


# ---------------- 03.2 counting parameters ----------------
def count(sizes, weights=True, bias="out"):
    total = 0
    for m, n in zip(sizes, sizes[1:]):
        total += m * n + {"out": n, "in": m, "layer": 1, "none": 0}[bias]
    return total


def test_count_parameters_right():
    assert ex.check_count_parameters(count).passed


@pytest.mark.parametrize(
    "fn, says",
    [
        (lambda s: count(s, bias="none"), "= 9, but the network has 13"),
        (lambda s: count(s, bias="none"), "you counted the weights but not the biases"),
        (lambda s: count(s, bias="in"), "you gave a bias to each input"),
        (lambda s: count(s, bias="layer"), "you counted one bias per layer"),
        (lambda s: count(s, bias="none") + sum(s), "you gave the input layer biases too"),
        (lambda s: 13, "count_parameters([3, 2]) = 13, but the network has 8"),
        (lambda s: 13.0, "should return an int, got float"),
    ],
)
def test_count_parameters_wrong(fn, says):
    result = ex.check_count_parameters(fn)
    assert not result.passed and says in result.reason


# ---------------- 06 the two-weight network ----------------
X, W1, W2, Y = 2.0, 0.5, -1.5, 1.0
A1 = sig(W1 * X)
YHAT = W2 * A1
DJ_DYHAT = -2 * (Y - YHAT)
DJ_DW2 = DJ_DYHAT * A1
DJ_DW1 = DJ_DYHAT * W2 * A1 * (1 - A1) * X


def test_dJ_dw_right():
    assert ex.check_dJ_dw2(DJ_DW2).passed
    assert ex.check_dJ_dw1(DJ_DW1).passed
    assert ex.check_dJ_dw1(round(DJ_DW1, 4)).passed  # 2.4733 typed by hand


def test_dJ_dw1_without_dz1_dw1_gives_the_documented_message(capsys):
    result = ex.check_dJ_dw1(DJ_DYHAT * W2 * A1 * (1 - A1))
    assert result.reason == "Your dJ/dw1 = 1.237 is dJ/dyhat · dyhat/dz1: it lacks dz1/dw1 = x = 2."
    out = capsys.readouterr().out
    assert out.startswith("✗ Exercise 06.2 (dJ/dw1 by the chain rule): wrong. Your dJ/dw1 = 1.237")


@pytest.mark.parametrize(
    "answer, says",
    [
        (-DJ_DW1, "it lacks derr/dyhat = d(y − yhat)/dyhat = -1"),
        (DJ_DYHAT * W2 * A1 * X, "it has a1 = sigmoid(z1) = 0.7311 (the activation, not its"),
        (DJ_DYHAT * A1 * (1 - A1) * X, "it lacks dyhat/da1 = w2 = -1.5"),
        (
            DJ_DYHAT * W2 * A1 * (1 - A1) * W1,
            "it has w1 = 0.5 (the weight, not what it",
        ),
        (2.47, "is close to the right value but not within 0.1%"),
        (3.3, "is not a product of the chain's factors"),
    ],
)
def test_dJ_dw1_wrong(answer, says):
    result = ex.check_dJ_dw1(answer)
    assert not result.passed and says in result.reason


@pytest.mark.parametrize(
    "answer, says",
    [
        (-DJ_DW2, "it lacks derr/dyhat"),
        (DJ_DYHAT * W2, "it has w2 = -1.5 (the weight, not what it multiplies) where dyhat/dw2"),
        (-(Y - YHAT) * A1, "it has err = y − yhat = 2.097 (the power rule gives 2·err)"),
        (DJ_DYHAT, "it lacks dyhat/dw2 = a1 = 0.7311"),
    ],
)
def test_dJ_dw2_wrong(answer, says):
    result = ex.check_dJ_dw2(answer)
    assert not result.passed and says in result.reason


def test_gd_step_right_trains_the_network():
    result = ex.check_gd_step(lambda w, g, lr: w - lr * g)
    assert result.passed and "take the two-weight network's J from 4.396 to" in result.reason


@pytest.mark.parametrize(
    "fn, says",
    [
        (lambda w, g, lr: w + lr * g, "that steps uphill"),
        (lambda w, g, lr: w - g, "the learning rate is missing"),
        (lambda w, g, lr: w - lr, "the gradient is missing"),
        (lambda w, g, lr: -lr * g, "that is the step, not the new weight"),
        (lambda w, g, lr: w - lr * g * w, "not scaled by w"),
        (lambda w, g, lr: w, "gd_step(w=0.5, grad=2.4733, lr=0.1) returned 0.5; the update"),
    ],
)
def test_gd_step_wrong(fn, says):
    result = ex.check_gd_step(fn)
    assert not result.passed and says in result.reason


# ---------------- results and register ----------------
def test_results_are_recorded_and_listed():
    ex.reset()
    assert ex.results() == []
    ex.check_dJ_dw1(DJ_DW1)
    ex.check_dJ_dw2(0.0)
    ids = [(r.exercise, r.passed) for r in ex.results()]
    assert ids == [("06.1", False), ("06.2", True)]
    assert ex.summary().endswith("1 of 2 checked exercises right")
    assert ex.results()[1].as_dict()["title"] == "dJ/dw1 by the chain rule"
    ex.reset()


def test_register_lists_every_exercise_by_notebook():
    ids = {e.notebook: [x.id for x in ex.exercises_for(e.notebook)] for e in ex.registered()}
    assert ids == {
        "00_tour_of_value": ["00.1", "00.2"],
        "01_perceptron": ["01.1", "01.2"],
        "02_activation_functions": ["02.1", "02.2"],
        "03_from_perceptrons_to_networks": ["03.1", "03.2"],
        "04_will_i_pass": ["04.1", "04.2"],
        "05_gradient_descent": ["05.1", "05.2"],
        "06_backpropagation": ["06.1", "06.2", "06.3"],
        "07_mini_batches": ["07.1"],
        "08_overfitting": ["08.1", "08.2"],
    }
    for e in ex.registered():
        assert getattr(ex, e.check).__name__ == e.check


def test_registering_an_id_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        ex.exercise("06.1", "06_backpropagation", "again")(lambda: None)
