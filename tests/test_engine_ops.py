"""Every operation against central differences, over its safe domain (hypothesis)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule.autograd import Value, gradcheck


def reals(lo, hi):
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo, hi, gap):
    return reals(lo, hi).filter(lambda v: abs(v) >= gap)


def check(f, *xs, rtol=1e-5, atol=1e-6):
    result = gradcheck(f, xs, rtol=rtol, atol=atol)
    assert result, str(result)
    return result


@given(reals(-50, 50), reals(-50, 50))
def test_add(a, b):
    check(lambda x, y: x + y, a, b)
    assert (Value(a) + Value(b)).data == a + b


@given(reals(-50, 50), reals(-50, 50))
def test_sub(a, b):
    check(lambda x, y: x - y, a, b)
    assert (Value(a) - Value(b)).data == a - b


@given(reals(-50, 50), reals(-50, 50))
def test_mul(a, b):
    check(lambda x, y: x * y, a, b, atol=1e-5)
    assert (Value(a) * Value(b)).data == a * b


@given(reals(-50, 50), away_from_zero(-50, 50, 0.5))
def test_div(a, b):
    check(lambda x, y: x / y, a, b, atol=1e-5)
    assert (Value(a) / Value(b)).data == a / b


@given(reals(-10, 10))
def test_neg(a):
    check(lambda x: -x, a)


@given(reals(0.2, 5), reals(-3, 3))
def test_pow_number_exponent_positive_base(a, c):
    check(lambda x: x**c, a, rtol=1e-4, atol=1e-5)
    assert (Value(a) ** c).data == pytest.approx(a**c)


@given(reals(-5, -0.2), st.integers(-3, 4))
def test_pow_integer_exponent_negative_base(a, c):
    check(lambda x: x**c, a, rtol=1e-4, atol=1e-5)
    assert (Value(a) ** c).data == pytest.approx(a**c)


@given(reals(0.2, 5), reals(-2, 2))
def test_pow_value_exponent(a, b):
    check(lambda x, y: x**y, a, b, rtol=1e-4, atol=1e-5)


@given(reals(0.2, 5), reals(-2, 2))
def test_number_to_value_power(c, b):
    check(lambda y: c**y, b, rtol=1e-4, atol=1e-5)
    assert (c ** Value(b)).data == pytest.approx(c**b)


@given(reals(-10, 10))
def test_exp(a):
    check(lambda x: x.exp(), a, rtol=1e-4)
    assert Value(a).exp().data == math.exp(a)


@given(reals(0.05, 100))
def test_log(a):
    check(lambda x: x.log(), a, rtol=1e-4)
    assert Value(a).log().data == math.log(a)


@given(reals(-8, 8))
def test_tanh(a):
    check(lambda x: x.tanh(), a)
    assert Value(a).tanh().data == math.tanh(a)


@given(reals(-30, 30))
def test_sigmoid(a):
    check(lambda x: x.sigmoid(), a)
    assert Value(a).sigmoid().data == pytest.approx(1 / (1 + math.exp(-a)), rel=1e-12)


@given(away_from_zero(-10, 10, 1e-3))
def test_relu(a):
    check(lambda x: x.relu(), a)
    assert Value(a).relu().data == max(0.0, a)


@given(away_from_zero(-5, 5, 0.5), away_from_zero(-5, 5, 0.5))
def test_numbers_on_either_side(a, b):
    """2 + v, 2 * v, 1 - v, 3 / v, v / 3 give the same numbers and gradients as Values."""
    for f in (
        lambda x: a + x,
        lambda x: a * x,
        lambda x: a - x,
        lambda x: a / x,
        lambda x: x / a,
        lambda x: x - a,
    ):
        check(f, b, atol=1e-5)


def test_same_operand_twice_gives_two_edges():
    a = Value(3.0)
    s = a + a
    assert s.parents == (a, a)
    assert s.local_grads == (1.0, 1.0)
    s.backward()
    assert a.grad == 2.0
    a.grad = 0.0
    p = a * a
    p.backward()
    assert a.grad == 6.0


def test_local_grads_recorded_per_edge():
    w, x = Value(0.5, "w"), Value(2.0, "x")
    z = w * x
    assert z.op == "*"
    assert z.parents == (w, x)
    assert z.local_grads == (2.0, 0.5)  # dz/dw = x, dz/dx = w


def test_stable_extremes():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(1000.0).tanh().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0
    s = Value(-1000.0).sigmoid()
    assert s.local_grads == (0.0,)
    with pytest.raises(OverflowError, match="exp"):
        Value(1000.0).exp()
    assert Value(-1000.0).exp().data == 0.0
