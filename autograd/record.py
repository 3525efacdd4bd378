"""Record the graph one example builds into a `Program`, a small plain data structure.

A `Program` is what the scalar engine did for ONE example, written down once:
a numbered list of slots and a list of instructions that fill them.

    slots:  [ parameters | inputs | constants | one result per instruction ]

* parameters are shared by every example (a model's weights); their
  gradients are summed over a batch;
* inputs are the per-example numbers (features and targets);
* constants are the same for every example (``1.0`` in ``1.0 - y * yhat``);
* an instruction is an engine operation (``"*"``, ``"dot"``, ``"relu"``, ...),
  the slots of its operands, and for ``x ** c`` the exponent ``c``.

Every use of a program is a short interpreter over this structure:
`chainrule.autograd.replay` evaluates it over whole batches with numpy, and
`chainrule.autograd.codegen` prints it as straight-line Python. This module
needs no numpy.

The rule for what can be recorded: the function must build the SAME graph for
every example, only the numbers differ. Python that looks at ``.data`` (an
``if`` on a value, a maximum taken with ``.data`` and subtracted, ``float(v)``)
bakes one example's numbers into the graph; `record(..., check=other_example)`
records a second example and refuses the program if its structure or
constants differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .engine import Value, _as_float, is_grad_enabled
from .engine_hooks import Recording as _Recording

__all__ = ["Instr", "Program", "ReplayError", "record", "record_graph", "join", "OPS"]

# Every operation a Program can hold, with its number of operands (None: any).
# "**const" is the engine's "**2", "**0.5", ...: a power by a plain number.
OPS: dict[str, int | None] = {
    "+": 2,
    "-": 2,
    "*": 2,
    "/": 2,
    "neg": 1,
    "**": 2,
    "**const": 1,
    "exp": 1,
    "log": 1,
    "tanh": 1,
    "sigmoid": 1,
    "relu": 1,
    "dot": None,  # operands w1, x1, w2, x2, ...: the sum of the pairs' products
    "sum": None,
}


class ReplayError(ValueError):
    """A graph that cannot be recorded or replayed; the message says which node and why."""


class Instr(NamedTuple):
    """One operation: its name, the slots of its operands, and the exponent of ``**const``."""

    op: str
    args: tuple[int, ...]
    exponent: float | None = None


@dataclass(frozen=True)
class Program:
    """A recorded graph: slots ``[params | inputs | constants | instructions]`` and outputs.

    Attributes:
        n_params, n_inputs: how many parameter and per-example input slots.
        constants: the numbers in the constant slots.
        instrs: the instructions; instruction ``i`` fills slot ``first_result + i``.
        outputs: the slots the function returned.
        names: one name per slot: the Value's label, or "".
    """

    n_params: int
    n_inputs: int
    constants: tuple[float, ...]
    instrs: tuple[Instr, ...]
    outputs: tuple[int, ...]
    names: tuple[str, ...]

    @property
    def n_outputs(self) -> int:
        return len(self.outputs)

    @property
    def first_input(self) -> int:
        return self.n_params

    @property
    def first_constant(self) -> int:
        return self.n_params + self.n_inputs

    @property
    def first_result(self) -> int:
        return self.n_params + self.n_inputs + len(self.constants)

    @property
    def n_slots(self) -> int:
        return self.first_result + len(self.instrs)

    def __len__(self) -> int:
        """The number of instructions (operation nodes)."""
        return len(self.instrs)

    def kind(self, slot: int) -> str:
        """ "param", "input", "constant" or "result"."""
        if slot < self.first_input:
            return "param"
        if slot < self.first_constant:
            return "input"
        return "constant" if slot < self.first_result else "result"

    def to_python(self) -> str:
        """This program as straight-line Python source (see `chainrule.autograd.codegen`)."""
        from .codegen import to_python

        return to_python(self)

    def __repr__(self) -> str:
        return (
            f"Program({len(self)} instructions, {self.n_params} params, {self.n_inputs} inputs,"
            f" {len(self.constants)} constants, {self.n_outputs} outputs)"
        )


def record(
    fn: Callable[[list[Value]], Value | Sequence[Value]],
    params: Sequence[Value],
    example: Sequence[float],
    check: Sequence[float] | None = None,
    *,
    names: Sequence[str] | None = None,
) -> Program:
    """Run ``fn`` on one example and record the graph it builds as a `Program`.

    Args:
        fn: takes a list of input Values (one per number of `example`) and builds
            the graph for that example; returns a Value or a list of Values (outputs).
        params: the Values shared by every example (e.g. ``model.parameters()``).
        example: the per-example numbers (model inputs and targets, flattened);
            `fn` gets them as fresh Value leaves, labelled from `names` if given.
        check: optionally a second example: it is recorded too, and ReplayError
            is raised if its program differs (node count, operations, wiring,
            constants), since then the graph depends on the data.
        names: optional labels for the inputs (e.g. ``["x", "y"]``).

    Any other leaf Value the graph reaches is a constant, the same for every
    example. The rule: `fn` must build the same graph for every example. A Python
    ``if`` on ``.data``, or a number computed from ``.data`` (a maximum
    subtracted for stability, ``float(v)``), gives a program that is only right
    for examples like this one; `check` catches it when the second example
    differs. The same goes for a number read from a parameter's ``.data``: it
    is frozen into the program as a constant and does not follow later
    updates of the parameter (no check can see this one). Raises ReplayError
    for anything that cannot be replayed.
    """
    program = _record_once(fn, params, example, names)
    if check is not None:
        other = _record_once(fn, params, check, names)
        reason = _difference(program, other)
        if reason:
            raise ReplayError(
                f"record: {reason}. The function depends on the data (a Python `if` on .data,"
                " or a number taken from .data): it cannot be replayed over a batch."
            )
    return program


def _record_once(fn, params, example, names) -> Program:
    if not is_grad_enabled():
        raise ReplayError("record: called inside no_grad(), so no graph is built")
    example = list(example)
    if names is not None and len(names) != len(example):
        raise ReplayError(f"record: {len(names)} names for {len(example)} inputs")
    inputs = [
        Value(_as_float(x, "record example"), names[i] if names else "")
        for i, x in enumerate(example)
    ]
    _Recording.active += 1
    try:
        out = fn(inputs)
    finally:
        _Recording.active -= 1
    return record_graph(out, params, inputs)


def record_graph(
    outputs: Value | Sequence[Value], params: Sequence[Value], inputs: Sequence[Value]
) -> Program:
    """The `Program` of a graph that is already built (e.g. ``viz.two_weight_network()``).

    `params` and `inputs` are leaf Values of the graph; every other leaf is a
    constant. Prefer `record`: a graph built outside it may hold `dot` or
    `sum_values` nodes with plain-number operands, which the graph does not
    show; such nodes are refused when they can be detected (see `_dot_args`).
    """
    if not isinstance(outputs, (Value, list, tuple)):
        raise ReplayError(
            f"record: output 0 is a {type(outputs).__name__}, not a Value or a list of Values"
        )
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    for i, o in enumerate(outs):
        if not isinstance(o, Value):
            raise ReplayError(f"record: output {i} is a {type(o).__name__}, not a Value")
    if not outs:
        raise ReplayError("record: the function returned no outputs")
    params, inputs = list(params), list(inputs)
    slot_of: dict[Value, int] = {}
    for kind, leaves in (("parameter", params), ("input", inputs)):
        for v in leaves:
            if not isinstance(v, Value):
                raise ReplayError(f"record: a {kind} must be a Value, got {type(v).__name__}")
            if v.parents:
                raise ReplayError(f"record: {kind} {_describe(v)} is not a leaf (it has an op)")
            if v in slot_of:
                raise ReplayError(f"record: {_describe(v)} is given twice as parameter/input")
            slot_of[v] = len(slot_of)

    order = _order(outs)
    constants = [v for v in order if not v.parents and v not in slot_of]
    for v in constants:
        slot_of[v] = len(slot_of)
    instrs = []
    for v in order:
        if v.parents:
            instrs.append(_instr(v, slot_of))
            slot_of[v] = len(slot_of)
    names = [""] * len(slot_of)
    for v, s in slot_of.items():
        names[s] = v.label
    return Program(
        n_params=len(params),
        n_inputs=len(inputs),
        constants=tuple(v.data for v in constants),
        instrs=tuple(instrs),
        outputs=tuple(slot_of[o] for o in outs),
        names=tuple(names),
    )


def join(a: Program, b: Program) -> Program:
    """One program with the outputs of `a` and then those of `b`, for `b` a function of the
    same parameters only (e.g. a loss per example and a regulariser: one replay runs both)."""
    if b.n_params != a.n_params or b.n_inputs:
        msg = f"{b.n_params} parameters and {b.n_inputs} inputs, not {a.n_params} and 0"
        raise ReplayError(f"join: the second program has {msg}")
    grown = len(b.constants)  # a's results move up to make room for b's constants

    def of_a(s: int) -> int:
        return s + grown if s >= a.first_result else s

    def of_b(s: int) -> int:
        if s < b.n_params:
            return s
        if s < b.first_result:  # a constant: after a's constants
            return a.first_result + s - b.first_constant
        return a.n_slots + grown + s - b.first_result

    instrs = [Instr(i.op, tuple(map(of_a, i.args)), i.exponent) for i in a.instrs]
    instrs += [Instr(i.op, tuple(map(of_b, i.args)), i.exponent) for i in b.instrs]
    names = a.names[: a.first_result] + b.names[b.first_constant : b.first_result]
    return Program(
        n_params=a.n_params,
        n_inputs=a.n_inputs,
        constants=a.constants + b.constants,
        instrs=tuple(instrs),
        outputs=tuple(map(of_a, a.outputs)) + tuple(map(of_b, b.outputs)),
        names=names + a.names[a.first_result :] + b.names[b.first_result :],
    )


_PLACE = object()  # stack marker: the node below it has all its parents placed


def _order(outs: list[Value]) -> list[Value]:
    """Every node the outputs depend on, each after its parents, first operands first.

    Depth-first with an explicit stack (no recursion limit), like
    `topological_order`, but visiting operands left to right so that a program
    reads in the order the function built it (neuron 0 before neuron 1).
    """
    seen: set[Value] = set()
    order: list[Value] = []
    stack: list = list(reversed(outs))
    while stack:
        node = stack.pop()
        if node is _PLACE:
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            stack += (node, _PLACE)
            stack += [p for p in reversed(node.parents) if p not in seen]
    return order


def _instr(v: Value, slot_of: dict[Value, int]) -> Instr:
    op, args = v.op, tuple(slot_of[p] for p in v.parents)
    if op.startswith("**") and len(op) > 2:
        try:
            exponent = float(op[2:])
        except ValueError:
            raise ReplayError(f"record: cannot read the exponent of op {op!r}") from None
        return Instr("**const", args, exponent)
    if op not in OPS:
        raise ReplayError(f"record: node {_describe(v)} has op {op!r}, which replay does not know")
    if op == "dot":
        _check_dot(v)
    elif op == "sum":
        _check_sum(v)
    elif len(args) != OPS[op]:
        raise ReplayError(f"record: node {_describe(v)} ({op}) has {len(args)} operands")
    return Instr(op, args)


def _check_dot(v: Value) -> None:
    """Refuse a dot node whose operands are not all in the graph (plain numbers had no edge).

    With every operand a Value, the engine stores parents w1, x1, w2, x2, ... and
    local derivatives x1.data, w1.data, ... (the very same float objects), and
    the node's number is exactly the sum of the pairs' products in order.
    """
    ps, ls = v.parents, v.local_grads
    paired = len(ps) % 2 == 0 and all(
        ls[i] is ps[i + 1].data and ls[i + 1] is ps[i].data for i in range(0, len(ps), 2)
    )
    if paired:
        total = 0.0
        for i in range(0, len(ps), 2):
            total += ps[i].data * ps[i + 1].data
        paired = total == v.data or total != total
    if not paired:
        raise ReplayError(
            f"record: dot node {_describe(v)} has plain-number operands, which its graph does not"
            " show; build the graph inside record() (it keeps them) or pass Values to dot"
        )


def _check_sum(v: Value) -> None:
    """Refuse a sum node whose plain-number terms left no trace in the graph."""
    total = 0.0
    for p in v.parents:
        total += p.data
    if not (total == v.data or total != total):
        raise ReplayError(
            f"record: sum node {_describe(v)} has plain-number terms, which its graph does not"
            " show; build the graph inside record() (it keeps them) or pass Values to sum_values"
        )


def _describe(v: Value) -> str:
    if v.label:
        return f"{v.label!r} (op {v.op!r}, value {v.data!r})"
    return f"{v.op or 'leaf'}={v.data!r}"


def _difference(a: Program, b: Program) -> str:
    """Why two recordings of the same function differ, or "" if they are the same program."""
    if a.n_inputs != b.n_inputs:
        return f"the check example has {b.n_inputs} numbers, the first had {a.n_inputs}"
    if len(a.instrs) != len(b.instrs):
        return (
            f"the graph for the check example has {len(b.instrs)} operation nodes,"
            f" the first example's had {len(a.instrs)}"
        )
    if len(a.constants) != len(b.constants):
        return (
            f"the graph for the check example has {len(b.constants)} constants,"
            f" the first example's had {len(a.constants)}"
        )
    for i, (x, y) in enumerate(zip(a.instrs, b.instrs)):
        if x.op != y.op or x.exponent != y.exponent:
            return (
                f"operation {i} is {_op_text(y)} for the check example"
                f" but {_op_text(x)} for the first"
            )
        if x.args != y.args:
            return f"operation {i} ({_op_text(x)}) takes different operands for the two examples"
    for i, (x, y) in enumerate(zip(a.constants, b.constants)):
        if x != y and not (x != x and y != y):
            name = a.names[a.first_constant + i]
            label = f" {name!r}" if name else ""
            return (
                f"constant {i}{label} is {x!r} for the first example"
                f" but {y!r} for the check example"
            )
    if a.outputs != b.outputs:
        return "the outputs are different nodes for the two examples"
    return ""


def _op_text(instr: Instr) -> str:
    return f"'**{instr.exponent!r}'" if instr.op == "**const" else repr(instr.op)
