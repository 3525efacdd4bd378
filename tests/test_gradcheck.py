"""gradcheck reports agreement, and catches a wrong derivative."""

import pytest

from chainrule.autograd import Value, gradcheck


def test_table_for_a_correct_function():
    r = gradcheck(lambda a, b: (a * b).tanh() + a.exp(), [0.3, Value(-0.7, "b")])
    assert r.ok and bool(r)
    assert [row.name for row in r.rows] == ["x0", "b"]
    assert r.max_abs_error < 1e-7
    text = str(r)
    assert "analytic" in text and "numeric" in text and "agree" in text
    assert "| input |" in r._repr_markdown_()


def test_catches_a_wrong_local_derivative():
    def broken(a):
        out = a * a
        out.local_grads = (1.0, 1.0)  # wrong on purpose: should be (a, a)
        return out

    r = gradcheck(broken, [3.0])
    assert not r.ok
    assert r.rows[0].analytic == 2.0
    assert r.rows[0].numeric == pytest.approx(6.0, rel=1e-6)
    assert "DISAGREE" in str(r)


def test_inputs_are_left_untouched():
    x = Value(2.0, "x")
    gradcheck(lambda a: a * a, [x])
    assert x.grad == 0.0


def test_bad_arguments():
    with pytest.raises(ValueError):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="float"):
        gradcheck(lambda a: 2.0, [1.0])
