"""A neutral description of a chainrule model as PyTorch sees it, for torch_bridge.

A model is described as nested `Seq`s of `Linear` (a Dense or Perceptron: weights,
bias, activation) and `Drop` (Dropout) items. torch_bridge reads chainrule models and
torch modules into this form, checks them, and builds either side from it. No torch here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .activations import ACTIVATIONS
from .module import MLP, Dense, Dropout, Module, Perceptron, Sequential

ACTIVATION_NAMES = ("linear", "relu", "sigmoid", "tanh")
"""The activations with a PyTorch module (linear needs none)."""


@dataclass
class Linear:
    """A Dense or Perceptron layer, i.e. nn.Linear followed by its activation."""

    where: str
    nin: int
    nout: int
    activation: str
    weight: list[list[float]]  # weight[i][j]: output i, input j (torch's layout)
    bias: list[float]
    training: bool = True
    layer: Dense | Perceptron | None = None  # the chainrule layer it describes


@dataclass
class Drop:
    where: str
    p: float
    training: bool = True


@dataclass
class Seq:
    where: str
    items: list[Linear | Drop | Seq] = field(default_factory=list)
    training: bool = True


Spec = Linear | Drop | Seq


def label(path: str, obj: object, top: str) -> str:
    name = type(obj).__name__
    return f"layer {path} ({name})" if path else f"{top} ({name})"


def kinds(items: list[Spec]) -> str:
    names = {Linear: "Linear", Drop: "Dropout", Seq: "Sequential"}
    return ", ".join(names[type(s)] for s in items)


def check_shapes(seq: Seq) -> None:
    """Each Linear must take as many inputs as the Linear before it gives."""
    previous: Linear | None = None
    stack = [iter(seq.items)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif isinstance(item, Seq):
            stack.append(iter(item.items))
        elif isinstance(item, Linear):
            if previous is not None and item.nin != previous.nout:
                raise ValueError(
                    f"{item.where} takes {item.nin} inputs but {previous.where} "
                    f"gives {previous.nout} outputs"
                )
            previous = item


# ---------------- chainrule -> description ----------------
def activation_of(neuron: Perceptron, where: str) -> str:
    name = neuron.activation_name
    if ACTIVATIONS.get(name) is not neuron.activation or name not in ACTIVATION_NAMES:
        raise ValueError(
            f"{where} uses the activation {name!r}, which has no PyTorch equivalent here; "
            f"use one of {list(ACTIVATION_NAMES)}"
        )
    return name


def describe(model: object, path: str = "", attr: str = "data") -> Spec:
    """The description of a chainrule model, with each parameter's `attr` (data or grad)."""
    where = label(path, model, "the model")
    kind = type(model)
    if kind is Perceptron:
        act = activation_of(model, where)
        w = [[getattr(v, attr) for v in model.weights]]
        b = [getattr(model.bias, attr)]
        return Linear(where, model.nin, 1, act, w, b, model.training, model)
    if kind is Dense:
        neurons = model.neurons
        if not neurons or any(type(n) is not Perceptron for n in neurons):
            raise ValueError(f"{where} must hold Perceptrons only")
        acts = {activation_of(n, f"{where} neuron {k}") for k, n in enumerate(neurons)}
        if len(acts) != 1:
            raise ValueError(
                f"{where} mixes activations {sorted(acts)}; nn.Linear needs one per layer"
            )
        if any(len(n.weights) != model.nin for n in neurons) or len(neurons) != model.nout:
            raise ValueError(f"{where} does not hold {model.nout} neurons of {model.nin} weights")
        w = [[getattr(v, attr) for v in n.weights] for n in neurons]
        b = [getattr(n.bias, attr) for n in neurons]
        return Linear(where, model.nin, model.nout, acts.pop(), w, b, model.training, model)
    if kind is Dropout:
        return Drop(where, model.p, model.training)
    if kind in (Sequential, MLP):
        prefix = f"{path}." if path else ""
        items = [describe(layer, f"{prefix}{i}", attr) for i, layer in enumerate(model.layers)]
        return Seq(where, items, model.training)
    raise ValueError(
        f"{where} has no PyTorch equivalent; the bridge knows Perceptron, Dense, Dropout, "
        "Sequential and MLP (exactly these classes)"
    )


def check_unshared(model: Module) -> None:
    """PyTorch's copy would untie a Value used in two places, so refuse such a model.

    Walks the layers themselves (``named_parameters`` lists a shared Value only once).
    """
    seen: dict[int, str] = {}
    stack: list[tuple[str, object]] = [("", model)]
    while stack:
        path, item = stack.pop()
        prefix = f"{path}." if path else ""
        if isinstance(item, Perceptron):
            named = [(f"{prefix}weights.{j}", w) for j, w in enumerate(item.weights)]
            for name, p in [*named, (f"{prefix}bias", item.bias)]:
                if id(p) in seen:
                    raise ValueError(
                        f"parameter {name!r} is the same Value as {seen[id(p)]!r}; "
                        "the PyTorch bridge cannot share weights between layers"
                    )
                seen[id(p)] = name
        elif isinstance(item, Dense):
            children = [(f"{prefix}neurons.{i}", n) for i, n in enumerate(item.neurons)]
            stack.extend(reversed(children))
        elif isinstance(item, Sequential):
            children = [(f"{prefix}layers.{i}", m) for i, m in enumerate(item.layers)]
            stack.extend(reversed(children))


def as_seq(spec: Spec) -> Seq:
    return spec if isinstance(spec, Seq) else Seq(spec.where, [spec], spec.training)


def check_finite(spec: Spec) -> None:
    if isinstance(spec, Seq):
        for item in spec.items:
            check_finite(item)
    elif isinstance(spec, Linear):
        for i, row in enumerate(spec.weight):
            for j, w in enumerate(row):
                if not math.isfinite(w):
                    raise ValueError(f"{spec.where} neuron {i} weight {j} is {w}, not finite")
            if not math.isfinite(spec.bias[i]):
                raise ValueError(f"{spec.where} neuron {i} bias is {spec.bias[i]}, not finite")


# ---------------- description -> chainrule ----------------
def is_mlp(seq: Seq) -> bool:
    linears = [s for s in seq.items if isinstance(s, Linear)]
    if not linears or len(linears) != len(seq.items) or linears[-1].activation != "linear":
        return False
    return len({s.activation for s in linears[:-1]}) <= 1


def build(spec: Spec) -> Module:
    if isinstance(spec, Linear):
        model: Module = Dense(spec.nin, spec.nout, spec.activation, seed=0)
    elif isinstance(spec, Drop):
        model = Dropout(spec.p)
    elif is_mlp(spec):
        hidden = spec.items[0].activation if len(spec.items) > 1 else "relu"
        nouts = [s.nout for s in spec.items]
        model = MLP(spec.items[0].nin, nouts, hidden, seed=0)
    else:
        model = Sequential(*(build(s) for s in spec.items))
    copy_into(spec, model)
    return model


def copy_into(spec: Spec, model: Module) -> None:
    """Set `model`'s weights and modes from `spec` (shapes already checked)."""
    model.training = spec.training
    if isinstance(spec, Seq):
        for item, layer in zip(spec.items, model.layers):
            copy_into(item, layer)
    elif isinstance(spec, Linear):
        set_weights(model, spec)


def set_weights(layer: Dense | Perceptron, spec: Linear) -> None:
    neurons = layer.neurons if isinstance(layer, Dense) else [layer]
    for neuron, row, b in zip(neurons, spec.weight, spec.bias):
        for v, w in zip(neuron.weights, row):
            v.data = w
        neuron.bias.data = b


def match(mine: Spec, theirs: Spec) -> None:
    if type(mine) is not type(theirs):
        raise ValueError(f"{theirs.where} cannot load into {mine.where}")
    if isinstance(mine, Seq):
        if len(mine.items) != len(theirs.items):
            raise ValueError(
                f"{theirs.where} has {len(theirs.items)} layers ({kinds(theirs.items)}) "
                f"but {mine.where} has {len(mine.items)} ({kinds(mine.items)})"
            )
        for a, b in zip(mine.items, theirs.items):
            match(a, b)
    elif isinstance(mine, Linear):
        have = (mine.nin, mine.nout, mine.activation)
        got = (theirs.nin, theirs.nout, theirs.activation)
        if have != got:
            raise ValueError(
                f"{theirs.where} is {got[0]} -> {got[1]} with activation {got[2]!r} "
                f"but {mine.where} is {have[0]} -> {have[1]} with {have[2]!r}"
            )
    elif mine.p != theirs.p:
        raise ValueError(f"{theirs.where} has p={theirs.p} but {mine.where} has p={mine.p}")


def assign(mine: Spec, theirs: Spec) -> None:
    if isinstance(mine, Seq):
        for a, b in zip(mine.items, theirs.items):
            assign(a, b)
    elif isinstance(mine, Linear):
        set_weights(mine.layer, theirs)
