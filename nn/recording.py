"""What the batched engine can replay, and how one example's graph is recorded.

`why_not_batched` decides; `_trace` runs a model on one example the way
`Sequential.forward` does, except that each active Dropout multiplies by mask
inputs (so the masks are per-example inputs of the recording, drawn by the
caller from the layer's own generator); `_record` records the model and the
per-example loss with check examples; `_record_penalty` records the
regulariser, a function of the parameters only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chainrule.autograd import ReplayError, Value, no_grad, record

from . import losses as L
from .activations import ACTIVATIONS
from .module import MLP, Dense, Dropout, Module, Perceptron, Sequential

try:
    import numpy as np
except ImportError:  # pragma: no cover - the scalar engine works without numpy
    np = None

ENGINES = ("auto", "scalar", "batched")
_SEQUENCES = (Sequential, MLP)
_BUILTIN = (Perceptron, Dense, Sequential, MLP, Dropout)
# how each replayable loss takes its targets
_TARGETS: dict = {
    L.mse_loss: "number",
    L.hinge_loss: "sign",
    L.binary_cross_entropy_with_logits: "binary",
    L.softmax_cross_entropy: "classes",
}
_NEVER = {
    L.binary_cross_entropy: (
        "binary_cross_entropy is not replayed (it leaves out zero-weight terms per example so"
        " that probabilities of exactly 0 or 1 work); use 'bce_with_logits' on a linear output"
        " for the batched engine"
    )
}
PREDICT_MIN_ROWS = 8  # below this, "auto" predict runs scalar: recording costs a few examples


# ---------------------------------------------------------------- what can be replayed
def _modules(model: Module) -> list[Module]:
    """The model and every module inside it (iterative walk)."""
    found, stack, seen = [], [model], set()
    while stack:
        m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        found.append(m)
        stack.extend(reversed(list(m.children())))
    return found


def why_not_batched(model: Module, loss_fn: Callable | None, *, strict: bool = True) -> str:
    """Why the batched engine cannot (strict: cannot be trusted to) replay this; "" if it can."""
    if np is None:
        return "numpy is not installed"
    if not isinstance(model, Module):
        return f"the model is a {type(model).__name__}, not a chainrule Module"
    if loss_fn in _NEVER:
        return _NEVER[loss_fn]
    if loss_fn is not None and loss_fn not in _TARGETS and strict:
        name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
        return f"the loss {name!r} is not a built-in one (it might branch on the data)"
    for m in _modules(model):
        if type(m) not in _BUILTIN:
            if strict:
                return f"{type(m).__name__} is not a built-in layer (it might branch on the data)"
            if any(type(c) is Dropout and c.training and c.p for c in _modules(m)[1:]):
                return f"{type(m).__name__} holds a Dropout whose masks the recording cannot see"
        if isinstance(m, _SEQUENCES):
            for layer in m.layers:
                if not isinstance(layer, Module) and strict:
                    return f"Sequential holds {layer!r:.40}, not a built-in layer"
        if type(m) is Perceptron and m.activation not in ACTIVATIONS.values() and strict:
            return f"activation {m.activation_name!r} is not a built-in one"
    return ""


# ---------------------------------------------------------------- tracing one example
def _unwrap(out: list) -> Value | list:
    return out[0] if len(out) == 1 else out


def _trace(module, x: list, masks: Callable[[], Value] | None, dropouts: list):
    """`module(x)`, except that each active Dropout multiplies by mask inputs from `masks`.

    Follows `Sequential.forward`; `dropouts` collects (layer, width) in the order used.
    """
    if type(module) is Dropout:
        if not module.training or module.p == 0.0:
            return list(x)
        dropouts.append((module, len(x)))
        return [xi * masks() for xi in x]
    if type(module) in _SEQUENCES:
        out = x
        for layer in module.layers:
            out = _trace(layer, out, masks, dropouts) if isinstance(layer, Module) else layer(out)
            if isinstance(out, Value):
                out = [out]
        return _unwrap(out)
    return module(x)


class _Shape:
    """What one traced example looks like: output count and form, Dropout widths."""

    def __init__(self, model: Module, x: Sequence[float]) -> None:
        dropouts: list = []
        with no_grad():
            out = _trace(model, [Value(v) for v in x], lambda: 1.0, dropouts)
        self.single = isinstance(out, Value)
        outs = [out] if self.single else list(out)
        if not outs or not all(isinstance(o, Value) for o in outs):
            raise ReplayError(f"the model returned {out!r:.60}, not a Value or a list of Values")
        self.k = len(outs)
        self.dropouts = [(layer, w) for layer, w in dropouts]
        self.n_masks = sum(w for _, w in dropouts)


def _params(model: Module) -> list[Value]:
    return list(dict.fromkeys(model.parameters()))  # a shared layer's weights once


def _record(model, loss_fn, kind: str, d: int, n_t: int, shape: _Shape, example, checks):
    """A program with inputs x (d) [+ targets (n_t)] [+ masks]; outputs [loss] + model outputs.

    Recorded on `example` and compared with a recording of each of `checks`
    (ReplayError if any differs: the graph depends on the data).
    """
    n_masks = shape.n_masks if kind == "train" else 0

    def fn(inputs: list[Value]) -> list[Value]:
        x, t = inputs[:d], inputs[d : d + n_t]
        masks = iter(inputs[d + n_t :])
        out = _trace(model, x, masks.__next__, [])
        outs = [out] if isinstance(out, Value) else list(out)
        if kind == "predict":
            return outs
        if _TARGETS.get(loss_fn) == "classes":
            loss = loss_fn([outs], [t])
        else:
            loss = loss_fn([outs[0]] if len(outs) == 1 else [outs], [t[0]])
        return [loss, *outs]

    was = model.training
    model.train(kind == "train")
    try:
        params = _params(model)
        ex = list(example) + [2.0] * n_masks
        checks = [list(c) + [0.0] * n_masks for c in checks]
        program = record(fn, params, ex, checks[0] if checks else None)
        for check in checks[1:]:
            other = record(fn, params, check)
            if (other.instrs, other.constants, other.outputs) != (
                program.instrs,
                program.constants,
                program.outputs,
            ):
                record(fn, params, ex, check)  # raises ReplayError saying how they differ
                raise ReplayError("the graph depends on the data")  # pragma: no cover
        return program
    finally:
        model.train(was)


def _checks(rows: np.ndarray, d: int, T: np.ndarray | None = None) -> list:
    """Second examples for the check recordings: a row with another target, the row farthest
    from the first, and the first row's inputs negated and stretched (same target)."""
    if len(rows) < 2:
        found = []
    else:
        far = int(np.argmax(np.sum((rows[:, :d] - rows[0, :d]) ** 2, axis=1)))
        found = [far]
        if T is not None:
            other = np.flatnonzero(np.any(T != T[0], axis=1))
            found += [int(other[0])] if len(other) else []
    flipped = rows[0].copy()
    flipped[:d] = -1.7 * flipped[:d] - 0.3
    return [rows[j] for j in dict.fromkeys(found)] + [flipped]


def _record_penalty(model: Module, regularization, params: list[Value]):
    """The regulariser (a function of the parameters) recorded once, or None to run it scalar.

    It is recorded twice, the second time with every parameter moved (signs
    flipped, sizes changed); if the two graphs differ (a branch on a weight's
    value), or it cannot be recorded, it runs on the scalar engine every step.
    """
    if regularization is None:
        return None

    def fn(_: list) -> Value:
        return regularization(model)

    saved = [p.data for p in params]
    try:
        program = record(fn, params, [])
        for p in params:
            p.data = -1.37 * p.data - 0.11
        moved = record(fn, params, [])
    except (ReplayError, TypeError, ValueError, ArithmeticError):
        return None
    finally:
        for p, v in zip(params, saved):
            p.data = v
    same = (program.instrs, program.constants, program.outputs) == (
        moved.instrs,
        moved.constants,
        moved.outputs,
    )
    return program if same else None
