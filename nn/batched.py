"""The batched engine behind ``fit(engine=...)``, ``predict`` and accuracy.

The scalar engine builds one graph per example. Here the graph of ONE example
(the model and the per-example loss) is recorded once with
`chainrule.autograd.record` and replayed over a whole mini-batch with numpy
(`chainrule.autograd.replay`): same operations, same derivative rules, arrays
in place of numbers. The parameters' gradients, summed and averaged over the
batch, are written into ``p.grad`` and the unchanged optimisers step.

What can be replayed ("auto" picks the batched engine only for these): models
built from `Perceptron`, `Dense`, `Sequential`, `MLP` and `Dropout` with the
built-in activations, and the losses mse, hinge, bce_with_logits and
softmax_cross_entropy. Their graphs have the same shape for every example.
Anything else (a custom module, activation or loss) may branch on the data,
so "auto" uses the scalar engine and says why; ``engine="batched"`` records
it anyway with a check example, which refuses graphs that visibly depend on
the data (see `chainrule.autograd.record`). `binary_cross_entropy` is never
replayed: it leaves out terms per example so that a probability of exactly 0
or 1 is fine, which one recorded graph cannot do.

Dropout in training mode draws its masks from the layer's own generator in
the same order as the scalar path (example by example, layer by layer), and
feeds them to the recording as extra per-example inputs: the masks, and so
the losses and weights, are identical on both engines.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

from chainrule.autograd import ReplayError, Value, is_grad_enabled, no_grad, record

from . import losses as L
from .activations import ACTIVATIONS
from .module import MLP, Dense, Dropout, Module, Perceptron, Sequential

try:
    import numpy as np

    from .fused import compile_program
except ImportError:  # pragma: no cover - the scalar engine works without numpy
    np = None

__all__ = ["BatchedRunner", "plan", "why_not_batched", "predict_batched", "ENGINES"]

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


# ---------------------------------------------------------------- targets
def _target_matrix(loss_fn, y: Sequence, k: int) -> np.ndarray:
    """Targets as an (n, columns) array, checked as the scalar loss checks them."""
    kind = _TARGETS.get(loss_fn, "number")
    if kind == "classes":
        return np.array([[float(w) for w in L.class_weights(t, k)] for t in y], dtype=float)
    who = getattr(loss_fn, "__name__", "loss")
    ys = [L._number(t, who) for t in y]
    if kind == "sign":
        L.check_sign_targets(ys)
    elif kind == "binary":
        L.check_binary_targets(ys, who)
    return np.array(ys, dtype=float)[:, None]


def _correct(loss_fn, outs: list, T: np.ndarray) -> np.ndarray | None:
    """Per example: is the prediction on the right side? None for losses without accuracy."""
    kind = _TARGETS.get(loss_fn)
    if kind in ("sign", "binary"):
        return (outs[0] > 0.0) == (T[:, 0] > 0.0)
    if kind == "classes":
        return np.argmax(np.column_stack(outs), axis=1) == np.argmax(T, axis=1)
    return None


def _mean(losses: np.ndarray) -> float:
    """sum * (1/n), summed left to right as `sum_values` does."""
    total = 0.0
    for v in losses.tolist():
        total += v
    return total * (1.0 / len(losses))


# ---------------------------------------------------------------- training
class BatchedRunner:
    """Records `model` + `loss_fn` once and trains / evaluates it over whole batches."""

    def __init__(self, model: Module, loss_fn: Callable, X, y, regularization=None) -> None:
        self.model, self.loss_fn = model, loss_fn
        self.X = _as_matrix(X)
        self.d = self.X.shape[1]
        self.shape = _Shape(model, self.X[0].tolist())
        self.T = _target_matrix(loss_fn, y, self.shape.k)
        self.params = _params(model)
        rows = np.hstack([self.X, self.T])
        checks = _checks(rows, self.d, self.T)
        self.rows = rows

        def program(kind: str):
            n_t = self.T.shape[1]
            return compile_program(
                _record(model, loss_fn, kind, self.d, n_t, self.shape, rows[0], checks)
            )

        train = program("train")
        # built-in layers other than Dropout do not look at the mode: one recording serves both
        same = not self.shape.n_masks and all(type(m) in _BUILTIN for m in _modules(model))
        self._programs = {"train": train, "eval": train if same else program("eval")}
        self.penalty = _record_penalty(model, regularization, self.params)

    def train_epoch(
        self, optimizer, size: int, rng, regularization: Callable | None
    ) -> tuple[float, int, float | None]:
        """One epoch over the same shuffled mini-batches as the scalar path: (sum of batch
        loss * batch size, examples seen, training accuracy)."""
        from .data import batches

        n = len(self.rows)
        program = self._programs["train"]
        total, seen, right = 0.0, 0, []
        index = np.arange(n)
        for ib, _ in batches(index, index, size, shuffle=True, seed=rng):
            idx = np.asarray(ib, dtype=np.intp)
            m = len(idx)
            batch = self.rows[idx]
            if self.shape.n_masks:
                batch = np.hstack([batch, self._masks(m)])
            seeds = [np.full(m, 1.0 / m)] + [0.0] * self.shape.k
            outs, grads = program.value_and_grad([p.data for p in self.params], batch, seeds)
            optimizer.zero_grad()
            if self.penalty is not None:  # the recorded regulariser: one replay, no graph
                grads = (
                    grads
                    + self.penalty.value_and_grad([p.data for p in self.params], _NO_INPUTS, [1.0])[
                        1
                    ]
                )
            elif regularization is not None:  # the scalar engine on its small graph
                penalty = regularization(self.model)
                if isinstance(penalty, Value):
                    penalty.backward()
            for p, g in zip(self.params, grads.tolist()):
                p.grad += g
            optimizer.step()
            total += _mean(outs[0]) * m
            seen += m
            c = _correct(self.loss_fn, outs[1:], self.T[idx])
            if c is not None:
                right.append(c)
        acc = float(np.concatenate(right).sum() / seen) if right else None
        return total, seen, acc

    def _masks(self, m: int) -> np.ndarray:
        """Dropout masks drawn exactly as the scalar path draws them: example by example."""
        draws = []
        for _ in range(m):
            for layer, width in self.shape.dropouts:
                keep, p, r = 1.0 / (1.0 - layer.p), layer.p, layer.rng.random
                draws += [keep if r() >= p else 0.0 for _ in range(width)]
        return np.array(draws, dtype=float).reshape(m, self.shape.n_masks)

    def evaluate(self, X, y) -> tuple[float, float | None]:
        """(mean loss, accuracy) of the model in eval mode on (X, y)."""
        Xm = _as_matrix(X)
        T = _target_matrix(self.loss_fn, y, self.shape.k)
        outs = self._programs["eval"].forward([p.data for p in self.params], np.hstack([Xm, T]))
        c = _correct(self.loss_fn, outs[1:], T)
        return _mean(outs[0]), None if c is None else float(c.sum() / len(c))


_NO_INPUTS = None if np is None else np.empty((1, 0))


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
    return compile_program(program) if same else None


def _as_matrix(X) -> np.ndarray:
    A = np.asarray(X, dtype=float)
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2:
        raise ValueError(f"inputs must be a table of shape (n, d), got shape {A.shape}")
    return A


def plan(
    engine: str, model: Module, loss_fn: Callable, regularization, X, y
) -> tuple[BatchedRunner | None, str, str]:
    """(runner or None for scalar, engine name, reason) for ``fit(engine=...)``."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "scalar":
        return None, "scalar", "asked for engine='scalar'"
    reason = why_not_batched(model, loss_fn, strict=engine == "auto")
    if reason:
        if engine == "batched":
            raise ValueError(f"engine='batched' is not possible here: {reason}")
        return None, "scalar", reason
    try:
        runner = BatchedRunner(model, loss_fn, X, y, regularization)
    except (ReplayError, ArithmeticError) as e:
        if engine == "batched":
            raise ValueError(f"engine='batched' is not possible here: {e}") from None
        return None, "scalar", f"the graph could not be recorded: {e}"
    why = "built-in model and loss" if engine == "auto" else "asked for engine='batched'"
    return runner, "batched", f"{why}: one recorded graph replayed over each batch"


# ---------------------------------------------------------------- predict
_PREDICT_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _signature(model: Module, d: int) -> tuple:
    parts = [d]
    for m in _modules(model):
        parts.append((id(m), type(m), getattr(m, "activation", None), getattr(m, "p", None)))
        if isinstance(m, _SEQUENCES):
            parts.append(tuple(id(layer) for layer in m.layers))
    parts.append(tuple(id(p) for p in model.parameters()))
    return tuple(parts)


def predict_batched(model: Module, X, engine: str = "auto") -> list | None:
    """The model's outputs for every row of X (as `predict`), or None when "auto" says scalar."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "scalar":
        return None
    reason = why_not_batched(model, None, strict=engine == "auto")
    Xm = None if reason else _as_matrix(X)
    if engine == "auto" and (reason or len(Xm) < PREDICT_MIN_ROWS):
        return None
    if reason:
        raise ValueError(f"engine='batched' is not possible here: {reason}")
    d = Xm.shape[1]
    key = _signature(model, d)
    cached = _PREDICT_CACHE.get(model)
    if cached is None or cached[0] != key:
        if not is_grad_enabled():
            if engine == "auto":
                return None
            raise ValueError("engine='batched' cannot record inside no_grad(); call it outside")
        was = model.training
        model.eval()
        try:
            shape = _Shape(model, Xm[0].tolist())
            checks = _checks(Xm, d)
            program = compile_program(_record(model, None, "predict", d, 0, shape, Xm[0], checks))
        finally:
            model.train(was)
        cached = (key, program, shape)
        _PREDICT_CACHE[model] = cached
    _, program, shape = cached
    outs = program.forward([p.data for p in _params(model)], Xm)
    columns = [o.tolist() for o in outs]
    if shape.single:
        return [Value(v) for v in columns[0]]
    return [[Value(v) for v in row] for row in zip(*columns)]
