"""A student's natural mistakes give a clear error or warning that says what to do instead."""

import math
import warnings

import numpy as np
import pytest

from chainrule.autograd import GradAccumulationWarning, Value, gradcheck, zero_grad


# ---------------- leaving the graph: float(), math functions, comparisons, truth ----------------
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda z: math.exp(z), id="math.exp"),
        pytest.param(lambda z: 1 / (1 + math.exp(-z)), id="sigmoid via math.exp"),
        pytest.param(lambda z: math.tanh(z), id="math.tanh"),
        pytest.param(lambda z: math.log(z), id="math.log"),
        pytest.param(lambda z: float(z), id="float"),
        pytest.param(lambda z: math.isfinite(z), id="math.isfinite"),
    ],
)
def test_float_of_a_value_says_how_to_stay_in_the_graph(call):
    z = Value(0.5, "z")
    with pytest.raises(TypeError, match=r"cut z out of the graph.*z\.exp\(\).*z\.data") as info:
        call(z)
    assert "0.5" in str(info.value)  # names the Value


@pytest.mark.parametrize(
    "compare",
    [
        lambda z: z > 0,
        lambda z: z >= 0.0,
        lambda z: z < 1,
        lambda z: z <= Value(1.0),
        lambda z: 0 < z,
        lambda z: np.float64(0.0) < z,
        lambda z: max(z, Value(0.0)),
        lambda z: sorted([z, Value(1.0)]),
    ],
)
def test_comparisons_point_to_data_and_relu(compare):
    with pytest.raises(TypeError, match=r"not differentiable.*z\.data.*relu\(\)"):
        compare(Value(0.5, "z"))


@pytest.mark.parametrize(
    "truth",
    [lambda z: bool(z), lambda z: 1 if z else 0, lambda z: not z, lambda z: z and 1.0],
)
def test_truth_tests_point_to_data(truth):
    # bool(Value(0.0)) used to be True: `if loss:` was always taken
    with pytest.raises(TypeError, match=r"truth value of a Value \(0\.0\).*z\.data"):
        truth(Value(0.0))


def test_equality_and_hashing_stay_identity_based():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and not (a == 1.0)
    assert len({a, b, a}) == 2 and {a: 1}[a] == 1
    assert a in [b, a] and b not in [a]


def test_the_number_itself_is_still_there():
    z = Value(0.5)
    assert math.exp(z.data) == pytest.approx(z.exp().data, rel=1e-15)
    assert (z.data > 0) is True


# ---------------- labels and zero_grad ----------------
@pytest.mark.parametrize("label, name", [(123, "int"), (None, "NoneType"), (b"w", "bytes")])
def test_labels_must_be_text(label, name):
    with pytest.raises(TypeError, match=f"label must be a str, got {name}"):
        Value(1.0, label)
    with pytest.raises(TypeError, match=f"label must be a str, got {name}"):
        Value(1.0).named(label)
    assert Value(1.0, "w").named("w1").label == "w1"


@pytest.mark.parametrize(
    "bad, name", [([1.0], "float"), ([Value(1.0), "w"], "str"), ([None], "NoneType")]
)
def test_zero_grad_needs_values(bad, name):
    for v in bad:
        if isinstance(v, Value):
            v.grad = 2.0
    with pytest.raises(
        TypeError, match=rf"zero_grad needs Values \(e\.g\. model\.parameters\(\)\), got {name}"
    ):
        zero_grad(bad)
    assert all(v.grad == 2.0 for v in bad if isinstance(v, Value))  # nothing half-done


@pytest.mark.parametrize("bad, name", [(Value(1.0), "Value"), (3.0, "float")])
def test_zero_grad_needs_an_iterable(bad, name):
    with pytest.raises(TypeError, match=rf"iterable of Values .*got {name}"):
        zero_grad(bad)


def test_zero_grad_takes_any_iterable_of_values():
    ws = [Value(1.0), Value(2.0)]
    for w in ws:
        w.grad = 3.0
    zero_grad(w for w in ws)
    assert [w.grad for w in ws] == [0.0, 0.0]


# ---------------- gradients that silently add up ----------------
def step(w: Value, x: float) -> Value:
    return (w * x - 1.0) ** 2


def test_second_backward_on_the_same_graph_warns_and_names_zero_grad():
    w = Value(0.9, "w")
    loss = step(w, 2.0)
    loss.backward()
    first = w.grad
    with pytest.warns(GradAccumulationWarning, match=r"input 'w'.*zero_grad.*accumulate=True"):
        loss.backward()
    assert w.grad == 2 * first  # the behaviour itself is unchanged: inputs accumulate


def test_forgotten_zero_grad_in_a_loop_warns_once_per_line():
    w = Value(0.9, "w")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # Python's default: once per line of code
        for _ in range(5):
            loss = step(w, 2.0)
            loss.backward()  # no zero_grad: gradients add up
            w.data -= 0.01 * w.grad
    ours = [c for c in caught if issubclass(c.category, GradAccumulationWarning)]
    assert len(ours) == 1
    assert ours[0].filename == __file__  # points at the caller's line, not into the engine
    assert issubclass(GradAccumulationWarning, UserWarning)


def test_hand_written_loop_that_zeroes_grads_does_not_warn():
    w = Value(0.9, "w")
    with warnings.catch_warnings():
        warnings.simplefilter("error", GradAccumulationWarning)
        for _ in range(20):
            loss = step(w, 2.0)
            zero_grad([w])
            loss.backward()
            w.data -= 0.05 * w.grad
    assert w.data == pytest.approx(0.5, abs=1e-3)  # w * 2 = 1 is the minimum


def test_summing_two_losses_on_purpose_with_accumulate_true():
    w = Value(1.5, "w")
    with warnings.catch_warnings():
        warnings.simplefilter("error", GradAccumulationWarning)
        (w * 2.0).backward()
        (w * w).backward(accumulate=True)
    combined = gradcheck(lambda v: v * 2.0 + v * v, [1.5])
    assert combined.rows[0].analytic == w.grad == pytest.approx(2.0 + 3.0)


def test_a_warning_can_be_silenced_with_the_warnings_module():
    w = Value(1.0)
    w.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", GradAccumulationWarning)
        w.backward()
    assert w.grad == 2.0


def test_a_fresh_graph_with_zeroed_inputs_never_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error", GradAccumulationWarning)
        w, x = Value(1.0, "w"), Value(2.0, "x")
        (w * x).tanh().backward()
        w.grad = x.grad = 0.0
        (w * x).backward()
        assert (w.grad, x.grad) == (2.0, 1.0)
