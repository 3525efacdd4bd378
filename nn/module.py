"""Models: Module, Perceptron, Dense, Sequential, MLP, Dropout.

The names follow PyTorch's `nn.Module` and Keras's `Dense` / `Sequential`, the
code a learner meets next. Every model is built from `Value`s, so
``loss.backward()`` fills in every weight's gradient.
"""

from __future__ import annotations

import math
import numbers
import os
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from chainrule.autograd import Value, dot

from .activations import Activation, get_activation
from .checks import explain_inputs
from .persistence import read_state, write_state

__all__ = [
    "Module",
    "Perceptron",
    "Neuron",
    "Dense",
    "Sequential",
    "MLP",
    "Dropout",
    "manual_seed",
]

# One generator for every model built without `seed=`; `manual_seed` resets it.
_default_rng = random.Random(0)


def manual_seed(seed: int) -> None:
    """Seed the generator used by models and Dropout built without ``seed=``."""
    _default_rng.seed(seed)


def _rng(seed: int | random.Random | None) -> random.Random:
    if seed is None:
        return _default_rng
    if isinstance(seed, random.Random):
        return seed
    return random.Random(seed)


def _init_weights(nin: int, activation: str, rng: random.Random) -> list[Value]:
    """Random starting weights with a scale that keeps signals from exploding.

    He initialisation (std = sqrt(2 / nin)) before ReLU, Glorot-style
    (std = sqrt(1 / nin)) before sigmoid, tanh and linear units.
    """
    std = math.sqrt((2.0 if activation == "relu" else 1.0) / nin)
    return [Value(rng.gauss(0.0, std)) for _ in range(nin)]


_SCALARS = (Value, float, int)


def _check_inputs(x: Sequence, expected: int, who: str) -> None:
    try:
        n = len(x)
    except TypeError:
        raise TypeError(
            f"{who} expects a sequence of {expected} numbers, got {type(x).__name__}"
        ) from None
    if n != expected or not isinstance(x[0], _SCALARS):
        explain_inputs(x, expected, who)  # a batch, or the wrong number of inputs


class Module:
    """Base class: finds parameters, switches train/eval, saves and loads weights.

    Parameters are found by looking through the instance's attributes for
    `Value`s, sub-`Module`s and lists of either, in the order they were set.
    A Value or sub-module reached twice (a layer used twice) counts once,
    under the first name it was found by.
    """

    training: bool = True

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def forward(self, x: Any) -> Any:
        raise NotImplementedError

    # ---------------- parameters ----------------
    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(name, Value) for every parameter, each once, e.g. ``("layers.0.neurons.1.bias", b)``."""
        seen: set[int] = {id(self)}
        stack = [_attributes(self, prefix)]
        while stack:  # depth first in attribute order, without recursion
            for name, attr in stack[-1]:
                if isinstance(attr, Value):
                    if id(attr) not in seen:
                        seen.add(id(attr))
                        yield name, attr
                elif isinstance(attr, (Module, list, tuple)) and id(attr) not in seen:
                    seen.add(id(attr))
                    if isinstance(attr, Module):
                        stack.append(_attributes(attr, name + "."))
                    else:
                        stack.append(_items(attr, name))
                    break
            else:
                stack.pop()

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it, each once."""
        seen: set[int] = set()
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield module
            stack.extend(reversed(list(module.children())))

    def parameters(self) -> list[Value]:
        """Every trainable Value, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def children(self) -> Iterator[Module]:
        """The modules directly inside this one."""
        for attr in vars(self).values():
            if isinstance(attr, Module):
                yield attr
            elif isinstance(attr, (list, tuple)):
                yield from (a for a in attr if isinstance(a, Module))

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        return sum(1 for _ in self.named_parameters())

    # ---------------- modes ----------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout active); returns self."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout off, deterministic); returns self."""
        return self.train(False)

    # ---------------- weights in and out ----------------
    def state_dict(self) -> dict[str, float]:
        """Parameter name -> number."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Set every parameter from `state`; on any mismatch raise ValueError and change nothing."""
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict, got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        if missing or unexpected:
            raise ValueError(
                f"state does not match {type(self).__name__}: "
                f"missing {_few(missing)}, unexpected {_few(unexpected)}"
            )
        numbers_in = {name: _finite(name, number) for name, number in state.items()}
        for name, p in params.items():
            p.data = numbers_in[name]

    def save(self, path: str | os.PathLike) -> None:
        """Write the weights to `path` as standard JSON, atomically.

        The file is written beside its destination and then renamed over it,
        so an interrupted save leaves the previous file intact; an existing
        file keeps its permissions. Weights that are inf or NaN are refused
        with ValueError (nothing is written).
        """
        write_state(path, type(self).__name__, self.state_dict())

    def load(self, path: str | os.PathLike) -> Module:
        """Read weights saved by `save`; returns self.

        A wrong, truncated, corrupt or hostile file raises ValueError naming
        the file and the problem, and leaves the model unchanged.
        """
        state = read_state(path, type(self).__name__)
        try:
            self.load_state_dict(state)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{os.fspath(path)}: {e}") from None
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})  # {self.num_parameters()} parameters"

    def extra_repr(self) -> str:
        return ""


def _attributes(module: Module, prefix: str) -> Iterator[tuple[str, object]]:
    return ((prefix + name, attr) for name, attr in vars(module).items())


def _items(seq: list | tuple, name: str) -> Iterator[tuple[str, object]]:
    return ((f"{name}.{i}", item) for i, item in enumerate(seq))


def _finite(name: str, number: object) -> float:
    """A state entry as a float; ValueError naming the parameter otherwise."""
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise ValueError(f"parameter {name!r} is {number!r:.60}, not a number")
    try:
        value = float(number)
    except OverflowError:
        digits = int(abs(int(number)).bit_length() * math.log10(2)) + 1
        raise ValueError(
            f"parameter {name!r} is an integer of about {digits} digits, too large for a float"
        ) from None
    if not math.isfinite(value):
        raise ValueError(
            f"parameter {name!r} is {number!r:.60}, not a finite number (inf, NaN or too large)"
        )
    return value


def _few(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _unwrap(out: list[Value]) -> Value | list[Value]:
    """A model's single output as a Value; several outputs as a list."""
    return out[0] if len(out) == 1 else out


class Perceptron(Module):
    """One neuron: yhat = g(w · x + b), the lecture's three steps.

    ``Perceptron(2, weights=[3, -2], bias=1)`` is the lecture's example. Without
    `weights` the weights start random (seeded by `seed` or `manual_seed`)
    and the bias at 0. `activation` is a name (sigmoid, tanh, relu, linear)
    or a function of a Value.
    """

    def __init__(
        self,
        nin: int,
        activation: str | Activation = "sigmoid",
        *,
        weights: Sequence[float] | None = None,
        bias: float = 0.0,
        seed: int | random.Random | None = None,
    ) -> None:
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"nin must be a positive int, got {nin!r}")
        self.nin = nin
        self.activation_name, self.activation = get_activation(activation)
        if weights is None:
            self.weights = _init_weights(nin, self.activation_name, _rng(seed))
        else:
            if len(weights) != nin:
                raise ValueError(f"{nin} inputs need {nin} weights, got {len(weights)}")
            self.weights = [Value(w) for w in weights]
        self.bias = Value(bias)

    def forward(self, x: Sequence[Value | float]) -> Value:
        _check_inputs(x, self.nin, "Perceptron")
        z = dot(self.weights, x) + self.bias  # 1. dot product, 2. bias
        return self.activation(z)  # 3. non-linearity

    def extra_repr(self) -> str:
        return f"{self.nin}, activation={self.activation_name!r}"


Neuron = Perceptron


class Dense(Module):
    """A fully connected layer: `nout` perceptrons that all see the same `nin` inputs.

    Returns a list of `nout` Values (a list of one for ``nout=1``).
    ``activation=None`` means linear, as in Keras.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | Activation | None = None,
        *,
        seed: int | random.Random | None = None,
    ) -> None:
        if not isinstance(nout, int) or isinstance(nout, bool) or nout < 1:
            raise ValueError(f"nout must be a positive int, got {nout!r}")
        rng = _rng(seed)
        act = "linear" if activation is None else activation
        self.nin, self.nout = nin, nout
        self.neurons = [Perceptron(nin, act, seed=rng) for _ in range(nout)]

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        _check_inputs(x, self.nin, "Dense")
        return [n(x) for n in self.neurons]

    def extra_repr(self) -> str:
        return f"{self.nin}, {self.nout}, activation={self.neurons[0].activation_name!r}"


class Dropout(Module):
    """In training mode, zero each input with probability `p` and scale the rest by 1/(1-p).

    In evaluation mode it passes its inputs through unchanged.
    """

    def __init__(self, p: float = 0.5, *, seed: int | random.Random | None = None) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout p must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = _rng(seed)

    def forward(self, x: Sequence[Value | float]) -> list[Value | float]:
        if not self.training or self.p == 0.0:
            return list(x)
        keep = 1.0 / (1.0 - self.p)
        return [xi * keep if self.rng.random() >= self.p else xi * 0.0 for xi in x]

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Sequential(Module):
    """Layers applied one after another; a single final output is returned as a Value."""

    def __init__(self, *layers: Module | Callable) -> None:
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        self.layers = list(layers)

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = x
        for layer in self.layers:
            out = layer(out)
            if isinstance(out, Value):
                out = [out]
        return _unwrap(out)

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"{type(self).__name__}(\n{inner}\n)  # {self.num_parameters()} parameters"


class MLP(Sequential):
    """A multi-layer perceptron: Dense layers of widths `nouts` after `nin` inputs.

    Hidden layers use `activation`; the last layer is linear (apply sigmoid
    or softmax in the loss). ``MLP(2, [16, 16, 1])`` has 337 parameters.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Activation = "relu",
        *,
        seed: int | random.Random | None = None,
    ) -> None:
        if not nouts:
            raise ValueError("MLP needs at least one layer width in nouts")
        rng = _rng(seed)
        sizes = [nin, *nouts]
        layers = [
            Dense(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else None, seed=rng)
            for i in range(len(nouts))
        ]
        super().__init__(*layers)
        self.nin = nin
