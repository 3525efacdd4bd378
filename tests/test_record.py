"""Recording a graph into a Program: what is a parameter, input or constant; what is refused."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import pytest

from chainrule.autograd import (
    Program,
    ReplayError,
    Value,
    dot,
    no_grad,
    record,
    sum_values,
)
from chainrule.autograd.engine_hooks import Recording as _Recording
from chainrule.viz import draw_graph, two_weight_network


def test_slots_are_params_inputs_constants_then_results():
    w, b = Value(2.0, "w"), Value(0.5, "b")
    half = Value(0.5, "half")
    prog = record(lambda v: (w * v[0] + b) * half - v[1], [w, b], [3.0, 1.0], names=["x", "y"])
    assert (prog.n_params, prog.n_inputs, prog.constants, prog.n_outputs) == (2, 2, (0.5,), 1)
    assert prog.names[:5] == ("w", "b", "x", "y", "half")
    assert [i.op for i in prog.instrs] == ["*", "+", "*", "-"]
    assert prog.instrs[0].args == (0, 2)  # w * x
    assert prog.instrs[3].args == (prog.first_result + 2, 3)  # (...) - y
    assert [prog.kind(s) for s in (0, 2, 4, 5)] == ["param", "input", "constant", "result"]
    assert prog.outputs == (prog.n_slots - 1,)
    assert len(prog) == 4 and "4 instructions" in repr(prog)


def test_program_is_immutable_plain_data():
    prog = record(lambda v: v[0].exp(), [], [1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        prog.instrs = ()
    assert isinstance(prog.instrs, tuple) and prog == record(lambda v: v[0].exp(), [], [2.0])


def test_power_exponents_are_recorded_exactly():
    prog = record(lambda v: v[0] ** 0.1 + v[0] ** (1 / 3) + v[0] ** 2, [], [1.7])
    assert sorted(i.exponent for i in prog.instrs if i.op == "**const") == [0.1, 1 / 3, 2.0]


def test_viz_still_draws_a_square_as_caret_2():
    net = two_weight_network()
    assert net.J.op == "**2"
    assert "^2" in draw_graph(net.J).source


def test_plain_numbers_in_dot_and_sum_become_constants_only_while_recording():
    w = Value(1.0)
    assert len(dot([w, 2.0], [3.0, 4.0]).parents) == 1  # the engine as before
    assert len(sum_values([w, 2.0]).parents) == 1
    prog = record(lambda v: dot([w, 2.0], [v[0], 4.0]) + sum_values([v[0], 5.0]), [w], [1.0])
    assert sorted(prog.constants) == [2.0, 4.0, 5.0]
    assert _Recording.active == 0


def test_recording_flag_is_reset_when_the_function_raises():
    def broken(v):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        record(broken, [], [1.0])
    assert _Recording.active == 0


def test_check_passes_for_a_branch_free_function():
    w = Value(0.3)
    prog = record(lambda v: (w * v[0]).relu(), [w], [1.0], check=[-1.0])
    assert len(prog) == 2


def test_check_refuses_an_if_on_data_that_changes_the_node_count():
    def fn(v):
        z = v[0] * 2.0
        return z.exp() if z.data > 0 else (z * z).exp().log()

    with pytest.raises(ReplayError, match="has 4 operation nodes, the first example's had 2"):
        record(fn, [], [1.0], check=[-1.0])
    record(fn, [], [1.0], check=[3.0])  # the same branch: nothing to see


def test_check_refuses_an_if_on_data_that_changes_the_op():
    def softplus(v):  # the stable two-branch form, as in nn.losses
        z = v[0]
        return z + ((-z).exp() + 1.0).log() if z.data >= 0 else (z.exp() + 1.0).log()

    with pytest.raises(ReplayError, match=r"depends on the data .*Python `if` on \.data"):
        record(softplus, [], [1.0], check=[-1.0])


def test_check_refuses_a_constant_taken_from_data():
    def logsumexp(v):
        m = max(x.data for x in v)  # taken out for stability: a number, not a node
        return sum_values([(x - m).exp() for x in v]).log() + m

    with pytest.raises(ReplayError, match="constant 0 is 2.0 for the first example but 5.0"):
        record(logsumexp, [], [1.0, 2.0], check=[5.0, 3.0])


def test_check_refuses_different_wiring():
    def fn(v):
        a, b = (v[0], v[1]) if v[0].data < v[1].data else (v[1], v[0])
        return a - b

    with pytest.raises(ReplayError, match="operation 0 .* takes different operands"):
        record(fn, [], [1.0, 2.0], check=[2.0, 1.0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w: record(lambda v: 3.0, [w], [1.0]), "output 0 is a float"),
        (lambda w: record(lambda v: [], [w], [1.0]), "no outputs"),
        (lambda w: record(lambda v: w * v[0], [w, w], [1.0]), "given twice"),
        (lambda w: record(lambda v: w * v[0], [w * 2.0], [1.0]), "not a leaf"),
        (lambda w: record(lambda v: w * v[0], [1.0], [1.0]), "parameter must be a Value"),
        (lambda w: record(lambda v: w * v[0], [w], [1.0], names=["a", "b"]), "2 names"),
        (lambda w: record(lambda v: Value._result(1.0, "cube", (w,), (3.0,)), [w], []), "cube"),
    ],
)
def test_misuse_is_refused_with_a_message(call, message):
    with pytest.raises(ReplayError, match=message):
        call(Value(1.0, "w"))


def test_recording_under_no_grad_is_refused():
    with no_grad(), pytest.raises(ReplayError, match="no_grad"):
        record(lambda v: v[0] * 2.0, [], [1.0])


def test_example_must_hold_numbers():
    with pytest.raises(TypeError, match="record example"):
        record(lambda v: v[0], [], ["a"])


def test_a_deep_graph_records_without_recursion():
    def chain(v):
        y = v[0]
        for _ in range(20_000):
            y = y * 1.0 + 0.0
        return y

    prog = record(chain, [], [1.0])
    assert len(prog) == 40_000
    assert isinstance(prog, Program) and math.isfinite(prog.constants[0])


def test_record_and_codegen_work_without_numpy():
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "from chainrule.autograd import Value, record\n"
        "w = Value(2.0, 'w')\n"
        "prog = record(lambda v: (w * v[0]).tanh(), [w], [1.0], names=['x'])\n"
        "print(len(prog), 'g_w += ' in prog.to_python())\n"
        "try:\n"
        "    import chainrule.autograd.replay\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "2 True"
    assert "the batched path needs numpy" in lines[1]


def test_check_example_of_another_length_is_refused():
    with pytest.raises(ReplayError, match="check example has 3 numbers, the first had 2"):
        record(lambda v: v[0] * v[1], [], [1.0, 2.0], check=[1.0, 2.0, 3.0])
