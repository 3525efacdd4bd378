"""The reusable diagnoses behind the checks, on made-up factors and functions."""

import math

import pytest

from chainrule.autograd import Value
from chainrule.viz.exercises.diagnose import (
    Factor,
    chain_verdict,
    derivative_verdict,
    explain_product,
    factors_of,
)

A, B, C = Factor("dA", 3.0, "a"), Factor("dB", 5.0), Factor("dC", 7.0, "c", "a note")
WRONG = Factor("w", 11.0, note="a common mix-up")


def test_a_missing_factor_is_named():
    assert explain_product(15.0, [A, B, C]) == "is dA · dB: it lacks dC = c = 7 (a note)"
    assert explain_product(7.0, [A, B, C]) == "is dC: it lacks dA = a = 3 and dB = 5"


def test_an_extra_factor_and_a_replacement():
    assert explain_product(105.0 * 11, [A, B, C], [WRONG]) == (
        "is dA · dB · dC · w: it has an extra factor w = 11 (a common mix-up)"
    )
    assert explain_product(15.0 * 11, [A, B, C], [WRONG]).endswith(
        "it has w = 11 (a common mix-up) where dC = c = 7 (a note) belongs"
    )


def test_no_match_and_the_right_answer_give_none():
    assert explain_product(2.0, [A, B, C], [WRONG]) is None
    assert explain_product(105.0, [A, B, C]) is None  # not a mistake at all
    assert explain_product(1.0, [A, B, C], max_edits=2) is None  # would need three edits


def test_folds_rewrite_adjacent_factors_and_ties_are_mentioned():
    folds = {("dA", "dB"): "dAB"}
    assert explain_product(15.0, [A, B, C], folds=folds).startswith("is dAB: it lacks dC")
    twin = Factor("dD", 7.0)  # leaving out dC or dD gives the same number
    text = explain_product(105.0, [A, B, C, twin])
    assert "it lacks dC" in text and "(or, giving the same number, it lacks dD = 7)" in text


def test_factors_of_reads_the_engine_and_refuses_two_paths():
    x, w = Value(2.0, "x"), Value(0.5, "w")
    z = (w * x).named("z")
    out = z.tanh().named("out")
    out.backward()
    factors, grad = factors_of(out, w, {"dz/dw": "x"})
    assert [(f.symbol, f.meaning) for f in factors] == [("dout/dz", ""), ("dz/dw", "x")]
    assert math.isclose(factors[0].value, 1 - math.tanh(1.0) ** 2) and factors[1].value == 2.0
    assert math.isclose(grad, (1 - math.tanh(1.0) ** 2) * 2.0)
    y = (w * w).named("y")
    w.grad = x.grad = 0.0
    y.backward()
    with pytest.raises(ValueError, match="dy/dw has 2 paths; factors_of needs exactly one"):
        factors_of(y, w)


def test_chain_verdict_both_ways():
    assert chain_verdict(105.0, "dL_dx", [A, B, C], 105.0).passed
    wrong = chain_verdict(35.0, "dL_dx", [A, B, C], 105.0)
    assert not wrong.passed and wrong.reason == "Your dL/dx = 35 is dB · dC: it lacks dA = a = 3."


def test_derivative_verdict_names_the_point_and_the_known_mistake():
    def f(z):
        return z**3

    right = derivative_verdict(lambda z: 3 * z * z, "df", f, "z^3", [-1.0, 0.0, 2.0])
    assert right.passed
    wrong = derivative_verdict(
        lambda z: 3 * z, "df", f, "z^3", [-1.0, 0.0, 2.0], [("3z, not 3z²", lambda z: 3 * z)]
    )
    assert not wrong.passed
    assert wrong.reason == (
        "At z = -1 your df(z) = -3 but central differences of z^3 give 3 (2 of 3 test points "
        "disagree). Your function is 3z, not 3z²."
    )
