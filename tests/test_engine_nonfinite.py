"""NaN and inf go through every operation without turning into a plausible finite number.

NaN in -> NaN out, for every operation, except where IEEE 754 makes the result
independent of the NaN on purpose (PyTorch and numpy agree):
    x ** 0 == 1 for any x (also NaN), and 1 ** y == 1 for any y (also NaN).
inf in -> a non-finite result, an error, or one of these limits (the result is the
mathematical limit, and the local derivative is 0 or the limit's own derivative):
    tanh(+-inf) = +-1, sigmoid(+inf) = 1, sigmoid(-inf) = 0, exp(-inf) = 0, relu(-inf) = 0,
    finite / +-inf = 0, +-inf ** c = 0 for c < 0, x ** 0 = 1,
    c ** -inf = 0 for c > 1 and c ** +inf = 0 for 0 < c < 1, 1 ** +-inf = 1.
Inside detect_anomaly() every NaN- or inf-producing operation raises FloatingPointError.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule.autograd import Value, detect_anomaly, dot, sum_values

NAN, INF = math.nan, math.inf


def reals(lo, hi):
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


ANY = reals(-5, 5)
POSITIVE = reals(0.1, 5)
NONZERO = ANY.filter(lambda v: abs(v) > 0.1)
EXPONENT = st.one_of(st.integers(-3, 3).map(float), reals(-3, 3))

# name -> (function of Values, strategies for the finite operands, loud errors it may raise)
OPS = {
    "+": (lambda a, b: a + b, (ANY, ANY)),
    "-": (lambda a, b: a - b, (ANY, ANY)),
    "*": (lambda a, b: a * b, (ANY, ANY)),
    "/": (lambda a, b: a / b, (ANY, NONZERO)),
    "neg": (lambda a: -a, (ANY,)),
    "exp": (lambda a: a.exp(), (ANY,)),
    "log": (lambda a: a.log(), (POSITIVE,)),
    "tanh": (lambda a: a.tanh(), (ANY,)),
    "sigmoid": (lambda a: a.sigmoid(), (ANY,)),
    "relu": (lambda a: a.relu(), (ANY,)),
    "** value": (lambda a, b: a**b, (POSITIVE, ANY)),
    "dot": (lambda a, b, c, d: dot([a, b], [c, d]), (ANY, ANY, ANY, ANY)),
    "sum": (lambda a, b, c: sum_values([a, b, c]), (ANY, ANY, ANY)),
}
LOUD = (ValueError, ZeroDivisionError, OverflowError)


@st.composite
def case(draw, special_values):
    """An operation, its operands (one of them special), and which one that is."""
    name = draw(st.sampled_from(sorted(OPS)))
    f, domains = OPS[name]
    args = [draw(d) for d in domains]
    k = draw(st.integers(0, len(args) - 1))
    args[k] = draw(st.sampled_from(special_values))
    return name, f, args, k


def nan_on_purpose(name, args):
    """IEEE pow: x ** 0 == 1 and 1 ** y == 1 even when the other operand is NaN."""
    return name == "** value" and (args[0] == 1.0 or args[1] == 0.0)


def finite_limit(name, args, k):
    """The documented finite limit for an inf operand, or None if the result must not be finite."""
    a = args[k]
    if name == "tanh":
        return math.copysign(1.0, a)
    if name == "sigmoid":
        return 1.0 if a > 0 else 0.0
    if name in ("exp", "relu"):
        return 0.0 if a < 0 else None
    if name == "/" and k == 1 and math.isfinite(args[0]):
        return 0.0
    if name == "** value":
        base, e = args
        if e == 0.0 or base == 1.0:
            return 1.0
        if k == 0:  # inf ** e
            return 0.0 if e < 0 else None
        # base ** +-inf with 0 < base != 1
        return 0.0 if (base > 1) == (e < 0) else None
    return None


@given(case([NAN]))
def test_nan_stays_nan_through_every_op(c):
    name, f, args, k = c
    try:
        out = f(*(Value(x) for x in args))
    except LOUD as e:  # loud is fine: it is not a silent number
        assert str(e)
        return
    if nan_on_purpose(name, args):
        assert out.data == 1.0
        return
    assert math.isnan(out.data), f"{name}{tuple(args)} = {out.data}"
    with detect_anomaly(), pytest.raises(FloatingPointError, match="nan"):
        f(*(Value(x) for x in args))


@given(case([INF, -INF]))
def test_inf_gives_inf_nan_an_error_or_a_documented_limit(c):
    name, f, args, k = c
    try:
        out = f(*(Value(x) for x in args))
    except LOUD as e:
        assert str(e)
        return
    limit = finite_limit(name, args, k)
    if limit is None:
        assert not math.isfinite(out.data), f"{name}{tuple(args)} = {out.data}"
        with detect_anomaly(), pytest.raises(FloatingPointError):
            f(*(Value(x) for x in args))
    else:
        assert out.data == limit, f"{name}{tuple(args)} = {out.data}, limit {limit}"


def test_relu_of_nan_is_nan_with_a_nan_derivative():
    x = Value(NAN, "x")
    y = x.relu()
    assert math.isnan(y.data) and math.isnan(y.local_grads[0])
    y.backward()
    assert math.isnan(x.grad)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="relu"):
        Value(NAN, "x").relu()
    # the ordinary cases are unchanged
    assert Value(-1.0).relu().local_grads == (0.0,) and Value(0.0).relu().data == 0.0
    assert Value(2.0).relu().local_grads == (1.0,)


def test_nan_in_a_model_is_not_hidden_by_relu():
    """A diverged pre-activation used to come out of relu as 0.0: the loss looked fine."""
    w = Value(NAN, "w")
    hidden = (w * 3.0 + 1.0).relu()
    loss = (hidden - 2.0) ** 2
    assert math.isnan(loss.data)
    loss.backward()
    assert math.isnan(w.grad)


def test_the_documented_ieee_exceptions_match_plain_floats():
    assert (Value(NAN) ** 0).data == NAN**0 == 1.0
    assert (Value(1.0) ** Value(NAN)).data == 1.0**NAN == 1.0
    assert (Value(NAN) ** 2).data != (Value(NAN) ** 2).data  # NaN otherwise


@pytest.mark.parametrize(
    "base, c",
    [(1e-2, -153.0), (1e-10, -30.0), (0.5, -1023.5)],
)
def test_pow_derivative_overflow_is_loud(base, c):
    expected = base**c
    assert math.isfinite(expected)  # the result itself fits in a float
    with pytest.raises(OverflowError, match=r"but its derivative .* overflows a float"):
        Value(base, "x") ** c
    with pytest.raises(OverflowError, match=r"but its derivative overflows a float"):
        Value(base, "x") ** Value(c)


def test_pow_overflow_of_the_result_keeps_its_message():
    with pytest.raises(OverflowError, match=r"\*\* 400.0 overflows a float"):
        Value(10.0) ** 400
    assert (Value(1e-2) ** -150).data == pytest.approx(1e300)  # derivative 1.5e304: fine
