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

from chainrule.autograd import ReplayError, Value, is_grad_enabled
from chainrule.autograd.record import join

from . import losses as L
from .module import Module
from .recording import (
    _BUILTIN,
    _SEQUENCES,
    _TARGETS,
    ENGINES,
    PREDICT_MIN_ROWS,
    _checks,
    _modules,
    _params,
    _record,
    _record_penalty,
    _Shape,
    why_not_batched,
)

try:
    import numpy as np

    from chainrule.autograd import replay
except ImportError:  # pragma: no cover - the scalar engine works without numpy
    np = None

__all__ = ["BatchedRunner", "plan", "why_not_batched", "predict_batched", "ENGINES"]


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
        if not np.isfinite(rows).all():
            raise ReplayError(
                "the inputs or targets hold NaN or inf (the scalar engine reports the batch)"
            )
        checks = _checks(rows, self.d, self.T)
        if not why_not_batched(model, loss_fn):  # built-ins: their graphs never branch,
            checks = checks[:1]  # one check example is a cheap second line of defence
        self.rows = rows

        def program(kind: str):
            n_t = self.T.shape[1]
            return _record(model, loss_fn, kind, self.d, n_t, self.shape, rows[0], checks)

        train = program("train")
        # built-in layers other than Dropout do not look at the mode: one recording serves both
        same = not self.shape.n_masks and all(type(m) in _BUILTIN for m in _modules(model))
        self._programs = {"train": train, "eval": train if same else program("eval")}
        self.penalty = _record_penalty(model, regularization, self.params)
        # the recorded regulariser rides along with the loss: one replay per training step
        self._train = train if self.penalty is None else join(train, self.penalty)
        self._once = np.zeros(len(rows))  # its seed: counted once per batch, not per example
        self._once[0] = 1.0

    def train_epoch(
        self,
        optimizer,
        size: int,
        rng,
        regularization: Callable | None,
        check: Callable[[float], None] | None = None,
    ) -> tuple[float, int, float | None]:
        """One epoch over the same shuffled mini-batches as the scalar path: (sum of batch
        loss * batch size, examples seen, training accuracy).

        `check`, if given, is called with each batch's mean loss before its optimiser
        step (as `fit` checks the scalar path's losses for divergence).
        """
        from .data import batches

        n = len(self.rows)
        program, k = self._train, self.shape.k
        total, seen, right = 0.0, 0, []
        index = list(range(n))  # Python ints: cheap to shuffle and to turn into an array
        for ib, _ in batches(index, index, size, shuffle=True, seed=rng):
            idx = np.asarray(ib, dtype=np.intp)
            m = len(idx)
            batch = self.rows[idx]
            if self.shape.n_masks:
                batch = np.hstack([batch, self._masks(m)])
            seeds = [np.full(m, 1.0 / m)] + [0.0] * k  # d(mean loss)/d(loss_i); outputs
            if self.penalty is not None:
                seeds.append(self._once[:m])
            weights = np.fromiter([p.data for p in self.params], float, len(self.params))
            try:
                try:
                    outs, grads = replay.value_and_grad(program, weights, batch, seeds)
                except (ArithmeticError, ReplayError):
                    if self.penalty is not None and check is not None:  # the loss, or the
                        # regulariser? check the loss alone first, as the scalar path does
                        check(_mean(replay.forward(self._programs["train"], weights, batch)[0]))
                    raise
                batch_loss = _mean(outs[0])
                if check is not None:  # the loss before the regulariser, as the scalar path
                    check(batch_loss)
            except (ArithmeticError, ReplayError) as e:
                raise type(e)(
                    f"{e} (batched engine, during a training step: have the weights diverged?"
                    " try a lower learning rate)"
                ) from None
            optimizer.zero_grad()
            if self.penalty is None and regularization is not None:  # scalar, its small graph
                penalty = regularization(self.model)
                if isinstance(penalty, Value):
                    penalty.backward()
            for p, g in zip(self.params, grads.tolist()):
                p.grad += g
            optimizer.step()
            total += batch_loss * m
            seen += m
            c = _correct(self.loss_fn, outs[1 : 1 + k], self.T[idx])
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
        weights = [p.data for p in self.params]
        outs = replay.forward(self._programs["eval"], weights, np.hstack([Xm, T]))
        c = _correct(self.loss_fn, outs[1 : 1 + self.shape.k], T)
        return _mean(outs[0]), None if c is None else float(c.sum() / len(c))


def _as_matrix(X) -> np.ndarray:
    try:
        A = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            "inputs must be a table of numbers with one row per example, all rows of one length"
        ) from None
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
            program = _record(model, None, "predict", d, 0, shape, Xm[0], checks)
        finally:
            model.train(was)
        cached = (key, program, shape)
        _PREDICT_CACHE[model] = cached
    _, program, shape = cached
    outs = replay.forward(program, [p.data for p in _params(model)], Xm)
    columns = [o.tolist() for o in outs]
    if shape.single:
        return [Value(v) for v in columns[0]]
    return [[Value(v) for v in row] for row in zip(*columns)]
