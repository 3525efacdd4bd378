"""Backward semantics, no_grad, anomaly detection, bad input, deep graphs, memory."""

import gc
import math
import sys
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest

from chainrule.autograd import Value, detect_anomaly, is_grad_enabled, no_grad, zero_grad


# ---------------- construction and repr ----------------
def test_repr_is_readable():
    a = Value(2.0, label="a")
    a.grad = -3.0
    assert repr(a) == "Value(data=2.0000, grad=-3.0000, label='a')"
    assert repr(Value(0.5)) == "Value(data=0.5000, grad=0.0000)"


@pytest.mark.parametrize("x", [3, 3.0, np.float64(3.0), np.float32(3.0), np.int64(3), Fraction(3)])
def test_real_numbers_become_python_floats(x):
    v = Value(x)
    assert type(v.data) is float and v.data == 3.0


@pytest.mark.parametrize(
    "bad, name",
    [
        ("2.0", "str"),
        (None, "NoneType"),
        ([1.0], "list"),
        (object(), "object"),
        (1 + 2j, "complex"),
        (np.array([1.0, 2.0]), "ndarray"),
    ],
)
def test_non_numbers_raise_type_error_naming_the_type(bad, name):
    with pytest.raises(TypeError, match=name):
        Value(bad)
    with pytest.raises(TypeError, match=name):
        Value(1.0) + bad
    with pytest.raises(TypeError, match=name):
        Value(1.0) * bad


@pytest.mark.parametrize("flag", [True, False, np.bool_(True)])
def test_booleans_are_refused(flag):
    with pytest.raises(TypeError, match="bool"):
        Value(flag)
    with pytest.raises(TypeError, match="bool"):
        Value(1.0) + flag


def test_value_of_value_is_refused():
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))


def test_numpy_scalar_on_the_left_gives_a_value():
    v = Value(2.0)
    out = np.float64(3.0) * v
    assert isinstance(out, Value) and out.data == 6.0
    out.backward()
    assert v.grad == 3.0


# ---------------- domain errors ----------------
def test_log_of_non_positive():
    with pytest.raises(ValueError, match="log"):
        Value(0.0).log()
    with pytest.raises(ValueError, match="positive"):
        Value(-2.0, "x").log()


def test_division_by_zero_names_the_operands():
    with pytest.raises(ZeroDivisionError, match="b=0.0"):
        Value(1.0, "a") / Value(0.0, "b")
    with pytest.raises(ZeroDivisionError):
        3 / Value(0.0)
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0


def test_negative_base_fractional_exponent():
    with pytest.raises(ValueError, match="integer exponent"):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(ValueError, match="positive base"):
        Value(-2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="positive base"):
        (-2.0) ** Value(2.0)
    assert (Value(-2.0) ** 3).data == -8.0


def test_zero_to_negative_power():
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** -1
    assert (Value(0.0) ** 2).data == 0.0


def test_overflow_is_loud():
    with pytest.raises(OverflowError, match="exp"):
        Value(710.0).exp()
    with pytest.raises(OverflowError, match="overflows"):
        Value(10.0) ** 400


# ---------------- backward semantics ----------------
def test_second_backward_accumulates_into_inputs_only():
    x, w = Value(2.0), Value(3.0)
    z = w * x
    y = z.tanh()
    y.backward()
    first_w, first_z = w.grad, z.grad
    y.backward(accumulate=True)  # on purpose: no GradAccumulationWarning
    assert w.grad == pytest.approx(2 * first_w)  # inputs accumulate, like PyTorch
    assert z.grad == pytest.approx(first_z)  # intermediates show this pass
    assert y.grad == 1.0
    zero_grad([x, w])
    assert (x.grad, w.grad) == (0.0, 0.0)
    y.backward()
    assert w.grad == pytest.approx(first_w)


def test_backward_from_a_leaf():
    x = Value(1.0)
    x.backward()
    assert x.grad == 1.0


def test_two_losses_sharing_a_weight_sum_their_gradients():
    w = Value(1.5)
    (w * 2.0).backward()
    (w * w).backward(accumulate=True)
    assert w.grad == pytest.approx(2.0 + 3.0)


# ---------------- no_grad ----------------
def test_no_grad_builds_no_graph_and_restores():
    a = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with no_grad():
            b = (a * 3.0).tanh()
        c = a + 1.0
    assert is_grad_enabled()
    assert b.parents == () and c.parents == ()
    assert b.data == pytest.approx(math.tanh(6.0))
    d = a * 2.0
    assert d.parents == (a, d.parents[1])


def test_no_grad_restores_after_exception():
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError
    assert is_grad_enabled()


# ---------------- anomaly detection ----------------
def test_nan_is_silent_by_default_and_traced_in_anomaly_mode():
    big = Value(1e200, "big")
    inf = big * big  # inf, silently, as in plain float arithmetic
    assert math.isinf(inf.data)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="big"):
        big * big
    # after the block the checks are off again
    assert math.isinf((big * big).data)


def test_anomaly_mode_checks_gradients():
    # every value and local derivative is finite, but the gradient overflows
    with detect_anomaly():
        a = Value(1e-200, "a")
        b = a * 1e200
        c = (b * 1e200).named("c")
        with pytest.raises(FloatingPointError, match="grad"):
            c.backward()


# ---------------- deep graphs and memory ----------------
def build_chain(n):
    c, d = Value(0.999999), Value(1e-6)
    y = x = Value(0.5, "x")
    for _ in range(n):
        y = y * c + d
    return x, c, y


def test_million_op_chain_backward_without_recursion():
    limit = sys.getrecursionlimit()
    x, c, y = build_chain(500_000)  # 1,000,000 operations
    y.backward()
    assert sys.getrecursionlimit() == limit
    # dy/dx = c ** n
    assert x.grad == pytest.approx(0.999999**500_000, rel=1e-9)
    del x, c, y


def test_memory_per_node_is_bounded():
    n = 100_000
    tracemalloc.start()
    x, c, y = build_chain(n // 2)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_node = current / n
    assert per_node < 400, f"{per_node:.0f} bytes per node"
    del x, c, y


def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = Value(1.0)
        y = x
        for _ in range(1000):
            y = (y * 1.0001 + x).tanh() * 2.0
        y.backward()
        del y
        found = gc.collect()
        ours = [o for o in gc.garbage if isinstance(o, Value)]
        assert not ours
        assert found == 0, f"{found} objects needed the cyclic collector"
    finally:
        if was_enabled:
            gc.enable()
