"""Checks for notebook 03 (from perceptrons to networks): a Dense forward, parameter counts.

The reference is the library's own `chainrule.nn.Dense` / `MLP`, imported when a
check runs.
"""

from __future__ import annotations

import math
import random

from ..names import fmt
from .core import BadAnswer, Verdict, as_number, call_student, close, exercise, is_placeholder
from .perceptron import sigmoid

__all__ = ["check_dense_forward", "check_count_parameters"]

NOTEBOOK = "03_from_perceptrons_to_networks"

# (inputs, outputs, seed, x): a layer of the notebook's shape and two others
_LAYERS = ((3, 2, 0, [1.0, -2.0, 0.5]), (2, 3, 1, [0.5, -1.5]), (4, 1, 2, [0.3, 0.1, -0.7, 2.0]))


def _library(name: str, check: str) -> type:
    """`chainrule.nn.<name>`, or an ImportError that says which check needs it."""
    try:
        import chainrule.nn as nn
    except ImportError as e:
        raise ImportError(
            f"{check} compares your code with chainrule.nn.{name}, which could not be "
            f"imported here ({e})"
        ) from e
    return getattr(nn, name)


def _weights(layer: object) -> tuple[list[list[float]], list[float]]:
    W = [[w.data for w in n.weights] for n in layer.neurons]
    b = [n.bias.data for n in layer.neurons]
    return W, b


def _output_mistakes(w: list[float], b: float, x: list[float]) -> list[tuple[float, str]]:
    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    return [
        (z, "z = w·x + b, without the sigmoid"),
        (sigmoid(z - b), "sigmoid(w·x), without the bias b"),
        (sigmoid(-z), "1 / (1 + e^z); the sigmoid is 1 / (1 + e^-z)"),
        (math.tanh(z), "tanh(z); this layer's activation is the sigmoid"),
        (max(0.0, z), "relu(z); this layer's activation is the sigmoid"),
    ]


def _other_rows(W: list[list[float]], b: list[float], x: list[float], j: int) -> list:
    """Output j computed with another neuron's row of weights (and its bias, or j's)."""
    out = []
    for k in range(len(W)):
        if k != j:
            z = sum(wi * xi for wi, xi in zip(W[k], x))
            says = f"computed with row W[{k}]: output {j} must use its own row W[{j}]"
            out += [(sigmoid(z + b[k]), says), (sigmoid(z + b[j]), says)]
    return out


@exercise("03.1", NOTEBOOK, "a Dense layer's forward pass")
def check_dense_forward(dense_forward: object) -> Verdict:
    """Compare ``dense_forward(W, b, x)`` with ``Dense(nin, nout, "sigmoid")`` on its weights."""
    Dense = _library("Dense", "check_dense_forward")  # the library's layer is the reference

    for nin, nout, seed, x in _LAYERS:
        layer = Dense(nin, nout, "sigmoid", seed=seed)
        rng = random.Random(seed)
        for neuron in layer.neurons:  # biases start at 0; give them values a check can see
            neuron.bias.data = round(rng.uniform(-1.0, 1.0), 3)
        W, b = _weights(layer)
        want = [o.data for o in layer(x)]
        out = call_student(dense_forward, "dense_forward", W, b, list(x))
        where = f"Dense({nin}, {nout}) with W = {_rows(W)}, b = {_rows(b)}, x = {x}"
        if isinstance(out, (str, bytes)) or not hasattr(out, "__len__"):
            raise BadAnswer(
                f"dense_forward should return a list of {nout} outputs, got "
                f"{type(out).__name__}. ({where})"
            )
        if len(out) != nout:
            hint = " (one per input: there is one output per neuron, i.e. per row of W)"
            raise BadAnswer(
                f"dense_forward returned {len(out)} outputs; {where} has {nout}"
                + (hint if len(out) == nin else "")
                + "."
            )
        got = [as_number(o, f"output {j} of dense_forward") for j, o in enumerate(out)]
        for j, (g, w) in enumerate(zip(got, want)):
            if close(g, w, rtol=1e-9):
                continue
            reason = (
                f"Output {j} differs: yours is {fmt(g)}, the library's Dense gives {fmt(w)} "
                f"on the same weights ({where})."
            )
            mistakes = _output_mistakes(W[j], b[j], x) + _other_rows(W, b, x, j)
            why = next((t for v, t in mistakes if close(g, v)), "")
            return Verdict(False, reason + (f" Yours is {why}." if why else ""))
    return Verdict(
        True,
        "dense_forward matches the library's Dense on "
        + ", ".join(f"Dense({i}, {o})" for i, o, _, _ in _LAYERS)
        + ": each output is sigmoid(W[j]·x + b[j]).",
    )


def _rows(v: list) -> str:
    if v and isinstance(v[0], list):
        return "[" + ", ".join(_rows(r) for r in v) + "]"
    return "[" + ", ".join(f"{x:.3g}" for x in v) + "]"


# ---------------- 03.2: counting parameters ----------------
_SIZES = ([2, 3, 1], [3, 2], [2, 16, 16, 1], [4, 8, 3])


def _count_mistakes(sizes: list[int]) -> list[tuple[int, str]]:
    pairs = list(zip(sizes, sizes[1:]))
    weights = sum(m * n for m, n in pairs)
    return [
        (weights, "you counted the weights but not the biases (one per unit of each layer)"),
        (
            weights + sum(m for m, _ in pairs),
            "you gave a bias to each input; each *output* unit of a layer has one",
        ),
        (weights + len(pairs), "you counted one bias per layer; each unit has its own"),
        (weights + sum(sizes), "you gave the input layer biases too; inputs have none"),
    ]


@exercise("03.2", NOTEBOOK, "counting a network's parameters")
def check_count_parameters(count_parameters: object) -> Verdict:
    """Compare ``count_parameters(sizes)`` with the library's MLP for a few layer sizes."""
    MLP = _library("MLP", "check_count_parameters")

    for sizes in _SIZES:
        got = call_student(count_parameters, "count_parameters", list(sizes))
        if is_placeholder(got) or isinstance(got, bool) or not isinstance(got, int):
            raise BadAnswer(
                f"count_parameters({sizes}) should return an int, got {type(got).__name__} "
                f"{got!r:.40}."
            )
        want = MLP(sizes[0], sizes[1:], seed=0).num_parameters()
        if got != want:
            why = next((t for v, t in _count_mistakes(sizes) if v == got), "")
            return Verdict(
                False,
                f"count_parameters({sizes}) = {got}, but the network has {want} "
                f"(MLP({sizes[0]}, {sizes[1:]}).num_parameters())" + (f": {why}." if why else "."),
            )
    return Verdict(
        True,
        "count_parameters agrees with the library on "
        + ", ".join(str(s) for s in _SIZES)
        + ": a layer from m to n units has m·n weights and n biases.",
    )
