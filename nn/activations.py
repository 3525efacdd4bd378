"""Activation functions by name: sigmoid, tanh, relu, linear."""

from __future__ import annotations

from collections.abc import Callable

from chainrule.autograd import Value

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "sigmoid", "tanh", "relu", "linear"]

Activation = Callable[[Value], Value]


def sigmoid(z: Value) -> Value:
    """1 / (1 + e^-z): squashes to (0, 1), read as a probability."""
    return z.sigmoid()


def tanh(z: Value) -> Value:
    """(e^z - e^-z) / (e^z + e^-z): squashes to (-1, 1)."""
    return z.tanh()


def relu(z: Value) -> Value:
    """max(0, z): piecewise linear, cheap, the default for hidden layers."""
    return z.relu()


def linear(z: Value) -> Value:
    """z unchanged (no non-linearity)."""
    return z


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "linear": linear,
}


def get_activation(activation: str | Activation | None) -> tuple[str, Activation]:
    """(name, function) for a name (any case: "ReLU" is "relu"), a function, or None (linear)."""
    if activation is None:
        return "linear", linear
    if isinstance(activation, str):
        name = activation.strip().lower()  # "ReLU", as the lecture writes it, is "relu"
        try:
            return name, ACTIVATIONS[name]
        except KeyError:
            raise ValueError(
                f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}"
            ) from None
    if callable(activation):
        return getattr(activation, "__name__", "custom"), activation
    raise TypeError(f"activation must be a name or a function, got {type(activation).__name__}")
