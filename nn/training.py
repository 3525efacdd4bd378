"""Training loops: `fit`, its `History`, `EarlyStopping`, and accuracy helpers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from chainrule.autograd import Value, gc_paused, no_grad

from . import batched as _batched
from . import checks
from . import losses as L
from .checks import TrainingDiverged
from .data import _check_pair, _shuffler, batches
from .module import Module
from .optim import Optimizer

__all__ = ["fit", "History", "EarlyStopping", "TrainingDiverged", "accuracy", "predict"]

LossFn = Callable[..., Value]

_LOSSES_BY_NAME: dict[str, LossFn] = {
    "mse": L.mse_loss,
    "binary_cross_entropy": L.binary_cross_entropy,
    "bce": L.binary_cross_entropy,
    "bce_with_logits": L.binary_cross_entropy_with_logits,
    "softmax_cross_entropy": L.softmax_cross_entropy,
    "hinge": L.hinge_loss,
}


def _correct_sign(pred: Value, y: float) -> bool:
    return (pred.data > 0.0) == (y > 0.0)


def _correct_prob(pred: Value, y: float) -> bool:
    return (pred.data > 0.5) == (y > 0.5)


def _correct_argmax(pred: Sequence[Value], y: object) -> bool:
    guess = max(range(len(pred)), key=lambda k: pred[k].data)
    target = max(range(len(y)), key=lambda k: y[k]) if hasattr(y, "__len__") else int(y)
    return guess == target


# which prediction counts as right, for each built-in classification loss
_CORRECT = {
    L.hinge_loss: _correct_sign,
    L.binary_cross_entropy_with_logits: _correct_sign,
    L.binary_cross_entropy: _correct_prob,
    L.softmax_cross_entropy: _correct_argmax,
}


def accuracy(preds: Sequence, targets: Sequence, loss: LossFn | str) -> float | None:
    """Fraction of predictions on the right side for `loss`'s kind of target; None for mse."""
    loss = _loss_fn(loss)
    correct = _CORRECT.get(loss)
    if correct is None:
        return None
    return float(sum(bool(correct(p, y)) for p, y in zip(preds, targets)) / len(preds))


def predict(model: Module, X: Sequence, *, engine: str = "auto") -> list:
    """The model's outputs for every row of X, in eval mode and without building a graph.

    `engine` as in `fit`: "auto" replays one recorded graph over all rows when it can.
    """
    out = _batched.predict_batched(model, X, engine)
    if out is not None:
        return out
    was_training = model.training
    model.eval()
    try:
        with no_grad(), gc_paused():
            return [model(x) for x in _rows(X)]
    finally:
        model.train(was_training)


def _rows(X: Sequence) -> list:
    """Inputs as lists of Python floats (numpy arrays are converted once, up front)."""
    if hasattr(X, "tolist"):  # a numpy array, found without importing numpy
        X = X.tolist()
    return [_row(x) for x in X]


def _row(x: object) -> list:
    """One example as a list: a row as it is, a lone number (numpy scalars too) as [x]."""
    if not hasattr(x, "__len__"):
        return [x]
    return x.tolist() if hasattr(x, "tolist") else list(x)


def _targets(y: Sequence) -> list:
    return y.tolist() if hasattr(y, "tolist") else list(y)


_TAKE_LOGITS = (L.binary_cross_entropy_with_logits, L.softmax_cross_entropy)


def _loss_name(loss: LossFn | str, fn: LossFn) -> str:
    return loss if isinstance(loss, str) else getattr(fn, "__name__", "this loss")


def _loss_fn(loss: LossFn | str) -> LossFn:
    if isinstance(loss, str):
        try:
            return _LOSSES_BY_NAME[loss.strip().lower()]
        except KeyError:
            choices = sorted(_LOSSES_BY_NAME)
            raise ValueError(f"unknown loss {loss!r}; choose one of {choices}") from None
    return loss


@dataclass
class EarlyStopping:
    """Stop when the monitored loss has not improved by `min_delta` for `patience` epochs.

    With `restore_best_weights`, the model ends with the weights of its best
    epoch. `monitor` is "val_loss" (the default, falling back to "loss" when
    there is no validation data) or "loss".
    """

    patience: int = 5
    min_delta: float = 0.0
    restore_best_weights: bool = True
    monitor: str = "val_loss"
    best: float = field(default=math.inf, init=False)
    best_epoch: int | None = field(default=None, init=False)
    best_state: dict[str, float] | None = field(default=None, init=False, repr=False)
    stopped_epoch: int | None = field(default=None, init=False)
    _wait: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.patience < 1:
            raise ValueError(f"patience must be at least 1, got {self.patience}")
        if self.monitor not in ("val_loss", "loss"):
            raise ValueError(f"monitor must be 'val_loss' or 'loss', got {self.monitor!r}")

    def step(self, epoch: int, value: float, model: Module) -> bool:
        """Record this epoch's loss; True when training should stop."""
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self._wait = value, epoch, 0
            self.best_state = model.state_dict()
            return False
        self._wait += 1
        if self._wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def restore(self, model: Module) -> None:
        if self.restore_best_weights and self.best_state is not None:
            model.load_state_dict(self.best_state)


@dataclass
class History:
    """Per-epoch numbers from `fit` (epoch i is index i); accuracies are None for mse."""

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_epoch: int | None = None
    engine: str = "scalar"  # the engine `fit` used: "scalar" or "batched"
    engine_reason: str = ""  # why that engine

    @property
    def epochs(self) -> int:
        return len(self.loss)


def fit(
    model: Module,
    data: tuple[Sequence, Sequence],
    loss: LossFn | str,
    optimizer: Optimizer,
    epochs: int,
    *,
    batch_size: int | None = None,
    validation: tuple[Sequence, Sequence] | None = None,
    early_stopping: EarlyStopping | None = None,
    regularization: Callable[[Module], Value] | None = None,
    progress: bool = True,
    seed: int = 0,
    engine: str = "auto",
    callback: Callable[[int, History, Module], object] | None = None,
) -> History:
    """Train `model` on ``data = (X, y)`` and return the History.

    Each epoch shuffles the data (seeded), and for each mini-batch of
    `batch_size` examples (all of them when None) computes the mean loss,
    adds ``regularization(model)`` if given, and takes one optimiser step.
    Validation loss and accuracy are computed in eval mode after each epoch.
    Shows a tqdm progress bar when tqdm is installed and `progress` is on.

    Raises `TrainingDiverged` (a ValueError) when a loss or weight becomes inf
    or NaN, with the model set back to its last finite weights; ValueError
    when the optimiser holds none of the model's parameters or a logits loss
    gets a sigmoid output.

    `engine`: "batched" replays one recorded graph over each mini-batch (same
    batches, steps and numbers as "scalar", much faster); "auto" (the default)
    uses it whenever model and loss can be replayed (see `chainrule.nn.batched`).
    `History.engine` and `History.engine_reason` say which ran and why.
    `callback(epoch, history, model)` runs after each epoch, e.g. a
    `chainrule.viz.TrainingView` that draws the curves as they grow.
    """
    loss_fn = _loss_fn(loss)
    X, y = _rows(data[0]), _targets(data[1])
    _check_pair(X, y, "fit")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    size = checks.check_batch_size(batch_size, len(X))
    params = model.parameters()
    checks.check_optimizer_matches(params, getattr(optimizer, "params", params))
    checks.check_output_activation(model, _loss_name(loss, loss_fn), loss_fn in _TAKE_LOGITS)
    val = (_rows(validation[0]), _targets(validation[1])) if validation is not None else None
    # EarlyStopping watches validation loss, or training loss when there is no validation data
    watch_val = (
        early_stopping is not None and early_stopping.monitor == "val_loss" and val is not None
    )
    rng = _shuffler(seed, "fit")
    history = History()
    runner, history.engine, history.engine_reason = _batched.plan(
        engine, model, loss_fn, regularization, data[0], y
    )
    bar = _progress_bar(epochs, progress)
    guard = checks.DivergenceGuard(params, optimizer, epochs, history, bar)

    for epoch in range(epochs):
        guard.start_epoch(epoch)
        model.train()  # as callbacks see it; the batched runner replays its train recording
        total, seen, preds_all, targets_all = 0.0, 0, [], []
        if runner is not None:  # one recorded graph replayed over each mini-batch
            try:
                total, seen, train_acc = runner.train_epoch(
                    optimizer, size, rng, regularization, guard.check
                )
            except ArithmeticError as e:  # overflow, or a math error in the batch
                guard.fail(f", then a number overflowed ({e})", cause=e)
        for xb, yb in batches(X, y, size, shuffle=True, seed=rng) if runner is None else ():
            try:
                with gc_paused():  # the graph has no cycles: the cyclic GC only scans it
                    preds = [model(x) for x in xb]
                    batch_loss = loss_fn(preds, yb)
                    guard.check(batch_loss.data)
                    objective = batch_loss + regularization(model) if regularization else batch_loss
                    optimizer.zero_grad()
                    objective.backward()
                    optimizer.step()
            except OverflowError as e:  # a number too large for a float: diverged
                guard.fail(f", then a number overflowed ({e})", cause=e)
            total += batch_loss.data * len(xb)
            seen += len(xb)
            preds_all += preds
            targets_all += yb
        history.loss.append(total / seen)
        if runner is None:
            train_acc = accuracy(preds_all, targets_all, loss_fn)
        history.accuracy.append(train_acc)
        if val is not None and runner is not None:
            try:
                val_loss, val_acc = runner.evaluate(validation[0], val[1])
            except ArithmeticError as e:  # overflow, or a math error in the batch
                guard.fail(f"; a number overflowed on the validation data ({e})", cause=e)
            history.val_loss.append(guard.checked(val_loss))
            history.val_accuracy.append(val_acc)
        elif val is not None:
            try:
                val_preds = predict(model, val[0], engine="scalar")
                with no_grad():
                    history.val_loss.append(guard.checked(loss_fn(val_preds, val[1]).data))
            except OverflowError as e:
                guard.fail(f"; a number overflowed on the validation data ({e})", cause=e)
            history.val_accuracy.append(accuracy(val_preds, val[1], loss_fn))
        _show(bar, history)
        if callback is not None:
            callback(epoch, history, model)
        if early_stopping is not None:
            watched = history.val_loss if watch_val else history.loss
            if early_stopping.step(epoch, watched[-1], model):
                break
    if bar is not None:
        bar.close()
    guard.end()
    if early_stopping is not None:
        early_stopping.restore(model)
        history.best_epoch = early_stopping.best_epoch
        history.stopped_epoch = early_stopping.stopped_epoch
    model.eval()
    return history


def _progress_bar(epochs: int, progress: bool):
    """A tqdm bar over the epochs when tqdm is installed and wanted, else None."""
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=epochs, desc="epochs", leave=False)


def _show(bar, history: History) -> None:
    if bar is None:
        return
    shown = {"loss": f"{history.loss[-1]:.4f}"}
    if history.val_loss:
        shown["val_loss"] = f"{history.val_loss[-1]:.4f}"
    bar.set_postfix(shown, refresh=False)
    bar.update(1)
