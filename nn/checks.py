"""Misuse detectors for models, optimisers and `fit`: clear errors instead of silent mistakes.

Each check names what is wrong and what to do instead. They run once per
call (or once per batch, for the divergence guard), never per operation.
"""

from __future__ import annotations

import math
import numbers
import operator
import warnings
from collections.abc import Iterable, Sequence

from chainrule.autograd import Value

__all__ = [
    "TrainingDiverged",
    "DivergenceGuard",
    "real_setting",
    "check_batch_size",
    "check_optimizer_matches",
    "check_output_activation",
    "explain_inputs",
]


# ---------------- numbers given as settings ----------------
def real_setting(value: object, name: str, who: str) -> float:
    """`value` as a finite float: ints, floats, numpy scalars and Fractions alike; never bools."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise TypeError(f"{who}: {name} must be a number, got the bool {value!r}")
    if not isinstance(value, numbers.Real):
        kind = type(value).__name__
        raise TypeError(f"{who}: {name} must be a real number, got {kind} {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{who}: {name} must be a finite number, got {value!r}")
    return number


def check_batch_size(batch_size: object, n: int) -> int:
    """`batch_size` for `fit`: None means all `n` examples; else a positive int."""
    if batch_size is None:
        return n
    if isinstance(batch_size, bool) or type(batch_size).__name__ == "bool_":
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    try:
        size = operator.index(batch_size)  # ints and numpy ints; not 32.0 or "32"
    except TypeError:
        raise ValueError(
            f"batch_size must be a positive int or None (all examples), got {batch_size!r}"
        ) from None
    if size < 1:
        raise ValueError(
            f"batch_size must be a positive int or None (all examples), got {batch_size!r}"
        )
    return size


# ---------------- model and optimiser that belong together ----------------
def check_optimizer_matches(model_params: Sequence[Value], optimizer_params: Iterable[Value]):
    """Refuse an optimiser holding none of the model's parameters; warn when it holds some.

    Holding only some of them is how layers are frozen, so that is a warning
    (the others stay fixed), not an error. Extra parameters are allowed.
    """
    held = {id(p) for p in optimizer_params}
    missing = sum(1 for p in model_params if id(p) not in held)
    if not missing:
        return
    total = len(model_params)
    if missing == total:
        raise ValueError(
            f"the optimiser holds none of the model's {total} parameters (all {total} missing),"
            " so training would change nothing (was it built on another model's parameters?)."
            " Build it from this model: SGD(model.parameters(), lr=...)"
        )
    warnings.warn(
        f"the optimiser does not hold {missing} of the model's {total} parameters; those stay"
        " fixed (frozen) during fit. If that is not intended, build the optimiser from"
        " model.parameters()",
        UserWarning,
        stacklevel=3,
    )


def output_activations(model: object) -> set[str]:
    """Names of the activations on the model's output units (empty when unknown)."""
    from .module import Dense, Perceptron, Sequential  # here to avoid an import cycle

    layer = model
    while isinstance(layer, Sequential) and layer.layers:
        layer = layer.layers[-1]
    if isinstance(layer, Dense):
        return {n.activation_name for n in layer.neurons}
    if isinstance(layer, Perceptron):
        return {layer.activation_name}
    return set()


def check_output_activation(model: object, loss_name: str, takes_logits: bool) -> None:
    """A loss that applies sigmoid/softmax itself must not get sigmoid outputs."""
    if takes_logits and "sigmoid" in output_activations(model):
        raise ValueError(
            f"{loss_name} expects logits (the output before any sigmoid), but the model's"
            " output layer already applies sigmoid, so sigmoid would be applied twice and"
            f" training goes wrong. Use a linear output layer (activation=None) with"
            f" {loss_name!r}, or keep the sigmoid output and use the loss 'bce'"
        )


# ---------------- a batch where one example was expected ----------------
def explain_inputs(x: Sequence, expected: int, who: str) -> None:
    """Raise a clear error if `x` is not one example of `expected` numbers."""
    n = len(x)
    first = x[0] if n else None
    if n and hasattr(first, "__len__") and not isinstance(first, str):
        width = len(first)
        raise ValueError(
            f"{who} expects one example at a time ({expected} input{'s' * (expected != 1)}),"
            f" got {n} rows of {width}; use predict(model, X) for many examples"
        )
    if n != expected:
        raise ValueError(f"{who} expects {expected} inputs, got {n}")


# ---------------- divergence ----------------
GROWTH_LIMIT = 1e6
"""`fit` calls training diverged once a batch's loss exceeds this many times the first one."""


class TrainingDiverged(ValueError):
    """`fit` stopped because the loss exploded or became inf/NaN, or the weights did.

    Attributes: `epoch` (index, as in History), `history` (the epochs that
    finished), `first_loss` and `last_loss`. The model holds the weights it
    had at the start of the failing epoch, the last ones known to be good.
    """

    def __init__(self, message: str, epoch: int, history: object, first: float, last: float):
        super().__init__(message)
        self.epoch, self.history = epoch, history
        self.first_loss, self.last_loss = first, last


class DivergenceGuard:
    """Watches each batch's loss in `fit`; on divergence restores the weights and raises.

    Divergence: a loss that is inf or NaN, or above GROWTH_LIMIT times the
    first batch's loss (times 1 when that was below 1), or weights that are
    inf or NaN at the end of an epoch, or a number overflowing. Cost: one
    comparison per batch and one copy of the weights per epoch.
    """

    def __init__(
        self,
        params: Sequence[Value],
        optimizer: object,
        epochs: int,
        history: object,
        bar: object = None,
    ):
        self.params, self.optimizer, self.epochs, self.history = params, optimizer, epochs, history
        self.bar = bar  # a progress bar to close before raising
        self.first: float | None = None
        self.limit = math.inf
        self.worst = -math.inf
        self.epoch = 0
        self.saved: list[float] = []

    def start_epoch(self, epoch: int) -> None:
        """Call before each epoch: checks the weights and keeps a copy of them."""
        weights = [p.data for p in self.params]
        if not all(map(math.isfinite, weights)):
            self.fail(", then the weights became inf or NaN")  # in the epoch before this one
        self.epoch, self.saved = epoch, weights

    def check(self, loss: float) -> None:
        """Call with each batch's loss before its optimiser step."""
        if not loss <= self.limit:  # also true for NaN
            if loss - loss != 0.0:  # inf or NaN
                self.fail(f", then {loss!r}")
            self.fail(f", over {GROWTH_LIMIT:,.0f} times its first value", loss)
        if self.first is None:
            self.first, self.limit = loss, GROWTH_LIMIT * max(loss, 1.0)
        if loss > self.worst:
            self.worst = loss

    def checked(self, validation_loss: float) -> float:
        """The validation loss, after checking it is finite."""
        if validation_loss - validation_loss != 0.0:
            self.fail(f"; the validation loss became {validation_loss!r}")
        return validation_loss

    def end(self) -> None:
        """Call after the last epoch: the weights must be finite."""
        if not all(math.isfinite(p.data) for p in self.params):
            self.fail(", then the weights became inf or NaN")

    def fail(self, what: str, last: float | None = None, cause: BaseException | None = None):
        """Restore the weights saved at the start of the epoch and raise TrainingDiverged."""
        if self.bar is not None:
            self.bar.close()
        if self.first is None:  # before any step: the data, not the learning rate
            problem = what.lstrip(",; ").removeprefix("then ")
            raise ValueError(
                f"the loss of the first batch, before any training step, is not a finite number"
                f" ({problem}): check the inputs and targets for inf/NaN and the model's"
                " starting weights"
            ) from cause
        if self.saved:
            for p, w in zip(self.params, self.saved):
                p.data = w
        last = self.worst if last is None else last
        lr = getattr(self.optimizer, "lr", None)
        advice = "lower the learning rate" + (f" (now {lr:g})" if lr is not None else "")
        raise TrainingDiverged(
            f"training diverged at epoch {self.epoch + 1} of {self.epochs} (loss went from"
            f" {self.first:.4g} to {last:.4g}{what}); {advice}. The model keeps the weights"
            f" it had at the start of epoch {self.epoch + 1}",
            self.epoch,
            self.history,
            self.first,
            last,
        ) from cause
