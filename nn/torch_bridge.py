"""The way out to PyTorch, and back.

``to_torch(model)`` turns a chainrule model into an equivalent ``torch.nn.Sequential``:

==========================  ===========================================================
chainrule                   PyTorch
==========================  ===========================================================
Dense / Perceptron          ``nn.Linear`` then ``nn.Sigmoid`` / ``nn.Tanh`` / ``nn.ReLU``
                            (nothing for a linear layer)
Dropout(p)                  ``nn.Dropout(p)``
Sequential / MLP            ``nn.Sequential``
==========================  ===========================================================

The weights are chainrule's, in float64 unless another dtype is asked for, and each
module keeps the train/eval mode of the layer it came from. ``from_torch(module)``
builds the chainrule model back; ``load_torch_weights(model, module)`` copies a
module's weights into an existing model of the same shape; ``grads_to_torch(model)``
gives chainrule's gradients under the exported module's parameter names.

torch is optional: it is imported only when one of these functions is called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .activations import ACTIVATIONS
from .module import MLP, Dense, Dropout, Module, Perceptron, Sequential

if TYPE_CHECKING:
    import torch

__all__ = ["to_torch", "from_torch", "load_torch_weights", "grads_to_torch"]

INSTALL_HINT = (
    "pip install torch --index-url https://download.pytorch.org/whl/cpu "
    "(the CPU build; plain `pip install torch` also works but may download CUDA libraries)"
)

_TORCH_READS = (
    "chainrule reads an nn.Sequential of nn.Linear (with bias), each optionally followed by "
    "nn.Sigmoid, nn.Tanh, nn.ReLU or nn.Identity, and nn.Dropout (exactly these classes)"
)


def _torch(who: str) -> Any:
    try:
        import torch
    except ImportError as e:
        raise ImportError(f"{who} needs PyTorch, which is not installed: {INSTALL_HINT}") from e
    return torch


# ---------------- a neutral description of a model ----------------
@dataclass
class _Linear:
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
class _Drop:
    where: str
    p: float
    training: bool = True
    layer: Dropout | None = None


@dataclass
class _Seq:
    where: str
    items: list[_Linear | _Drop | _Seq] = field(default_factory=list)
    training: bool = True


_Spec = _Linear | _Drop | _Seq


def _where(path: str, obj: object, top: str) -> str:
    name = type(obj).__name__
    return f"layer {path} ({name})" if path else f"{top} ({name})"


def _kinds(items: list[_Spec]) -> str:
    names = {_Linear: "Linear", _Drop: "Dropout", _Seq: "Sequential"}
    return ", ".join(names[type(s)] for s in items)


def _check_shapes(seq: _Seq) -> None:
    """Each Linear must take as many inputs as the Linear before it gives."""
    previous: _Linear | None = None
    stack = [iter(seq.items)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif isinstance(item, _Seq):
            stack.append(iter(item.items))
        elif isinstance(item, _Linear):
            if previous is not None and item.nin != previous.nout:
                raise ValueError(
                    f"{item.where} takes {item.nin} inputs but {previous.where} "
                    f"gives {previous.nout} outputs"
                )
            previous = item


# ---------------- chainrule -> description ----------------
def _activation_of(neuron: Perceptron, where: str) -> str:
    name = neuron.activation_name
    if ACTIVATIONS.get(name) is not neuron.activation or name not in _TORCH_ACTIVATION_NAMES:
        raise ValueError(
            f"{where} uses the activation {name!r}, which has no PyTorch equivalent here; "
            f"use one of {sorted(_TORCH_ACTIVATION_NAMES)}"
        )
    return name


def _describe(model: object, path: str = "", attr: str = "data") -> _Spec:
    """The description of a chainrule model, with each parameter's `attr` (data or grad)."""
    where = _where(path, model, "the model")
    kind = type(model)
    if kind is Perceptron:
        act = _activation_of(model, where)
        w = [[getattr(v, attr) for v in model.weights]]
        b = [getattr(model.bias, attr)]
        return _Linear(where, model.nin, 1, act, w, b, model.training, model)
    if kind is Dense:
        neurons = model.neurons
        if not neurons or any(type(n) is not Perceptron for n in neurons):
            raise ValueError(f"{where} must hold Perceptrons only")
        acts = {_activation_of(n, f"{where} neuron {k}") for k, n in enumerate(neurons)}
        if len(acts) != 1:
            raise ValueError(
                f"{where} mixes activations {sorted(acts)}; nn.Linear needs one per layer"
            )
        if any(len(n.weights) != model.nin for n in neurons) or len(neurons) != model.nout:
            raise ValueError(f"{where} does not hold {model.nout} neurons of {model.nin} weights")
        w = [[getattr(v, attr) for v in n.weights] for n in neurons]
        b = [getattr(n.bias, attr) for n in neurons]
        return _Linear(where, model.nin, model.nout, acts.pop(), w, b, model.training, model)
    if kind is Dropout:
        return _Drop(where, model.p, model.training, model)
    if kind in (Sequential, MLP):
        prefix = f"{path}." if path else ""
        items = [_describe(layer, f"{prefix}{i}", attr) for i, layer in enumerate(model.layers)]
        return _Seq(where, items, model.training)
    raise ValueError(
        f"{where} has no PyTorch equivalent; to_torch knows Perceptron, Dense, Dropout, "
        "Sequential and MLP (exactly these classes)"
    )


def _as_seq(spec: _Spec) -> _Seq:
    return spec if isinstance(spec, _Seq) else _Seq(spec.where, [spec], spec.training)


# ---------------- description -> torch ----------------
def _torch_modules(spec: _Spec, torch: Any, dtype: Any) -> list[Any]:
    nn = torch.nn
    if isinstance(spec, _Linear):
        linear = nn.utils.skip_init(nn.Linear, spec.nin, spec.nout, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(spec.weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(spec.bias, dtype=torch.float64))
        mods = [linear]
        if spec.activation != "linear":
            mods.append(_TORCH_ACTIVATIONS[spec.activation](nn)())
    elif isinstance(spec, _Drop):
        mods = [nn.Dropout(spec.p)]
    else:
        mods = [nn.Sequential(*(m for s in spec.items for m in _torch_modules(s, torch, dtype)))]
    for m in mods:
        m.training = spec.training
    return mods


_TORCH_ACTIVATIONS = {
    "sigmoid": lambda nn: nn.Sigmoid,
    "tanh": lambda nn: nn.Tanh,
    "relu": lambda nn: nn.ReLU,
}
_TORCH_ACTIVATION_NAMES = {*_TORCH_ACTIVATIONS, "linear"}


def _dtype(torch: Any, dtype: Any) -> Any:
    if dtype is None:
        return torch.float64
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(
            f"dtype must be a floating torch dtype such as torch.float64, got {dtype!r}"
        )
    return dtype


def _check_finite(spec: _Spec) -> None:
    if isinstance(spec, _Seq):
        for item in spec.items:
            _check_finite(item)
    elif isinstance(spec, _Linear):
        for i, row in enumerate(spec.weight):
            for j, w in enumerate(row):
                if not math.isfinite(w):
                    raise ValueError(f"{spec.where} neuron {i} weight {j} is {w}, not finite")
            if not math.isfinite(spec.bias[i]):
                raise ValueError(f"{spec.where} neuron {i} bias is {spec.bias[i]}, not finite")


def to_torch(model: Module, dtype: torch.dtype | None = None) -> torch.nn.Sequential:
    """An equivalent ``torch.nn.Sequential`` holding `model`'s weights (float64 unless `dtype`).

    Perceptron and Dense become nn.Linear plus their activation, Dropout nn.Dropout with
    the same p, Sequential and MLP nn.Sequential; every module keeps its layer's
    train/eval mode. A layer with no PyTorch equivalent raises ValueError naming it.
    The module takes a tensor of shape (nin,) or (batch, nin) and returns (nout,) or
    (batch, nout), where chainrule returns a Value for a single output.
    """
    torch = _torch("to_torch")
    dtype = _dtype(torch, dtype)
    spec = _as_seq(_describe(model))
    _check_shapes(spec)
    _check_finite(spec)
    (module,) = _torch_modules(spec, torch, dtype)
    return module


def grads_to_torch(model: Module, dtype: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """chainrule's ``.grad`` of every parameter, as tensors named like ``to_torch(model)``'s
    ``named_parameters()`` (e.g. ``"0.weight"``), to compare with PyTorch's ``.grad``."""
    torch = _torch("grads_to_torch")
    dtype = _dtype(torch, dtype)
    spec = _as_seq(_describe(model, attr="grad"))
    (module,) = _torch_modules(spec, torch, dtype)
    return {name: p.detach() for name, p in module.named_parameters()}


# ---------------- torch -> description ----------------
def _read_torch(module: Any, torch: Any, path: str = "") -> _Spec:
    nn = torch.nn
    where = _where(path, module, "the module")
    if not isinstance(module, nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(module).__name__}")
    _check_no_hooks(module, where)
    kind = type(module)
    if kind is nn.Linear:
        return _read_linear(module, where, "linear", torch)
    if kind is nn.Dropout:
        if not 0.0 <= module.p < 1.0:
            raise ValueError(f"{where} has p={module.p}; chainrule's Dropout needs 0 <= p < 1")
        return _Drop(where, float(module.p), module.training)
    if kind is not nn.Sequential:
        raise ValueError(f"{where} has no chainrule equivalent; {_TORCH_READS}")
    activations = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.Identity: "linear"}
    prefix = f"{path}." if path else ""
    children = list(module.named_children())
    items: list[_Spec] = []
    i = 0
    while i < len(children):
        name, child = children[i]
        child_where = _where(prefix + name, child, "")
        if type(child) in activations:
            raise ValueError(
                f"{child_where} does not follow an nn.Linear; chainrule applies activations "
                "inside its Dense layers, so put it right after a Linear"
            )
        item = _read_torch(child, torch, prefix + name)
        following = children[i + 1][1] if i + 1 < len(children) else None
        if isinstance(item, _Linear) and type(following) in activations:
            _check_no_hooks(following, _where(prefix + children[i + 1][0], following, ""))
            item.activation = activations[type(following)]
            i += 1
        items.append(item)
        i += 1
    return _Seq(where, items, module.training)


def _check_no_hooks(module: Any, where: str) -> None:
    if module._forward_hooks or module._forward_pre_hooks:
        raise ValueError(
            f"{where} has forward hooks, which chainrule cannot copy; remove them first"
        )


def _read_linear(module: Any, where: str, activation: str, torch: Any) -> _Linear:
    if module.bias is None:
        raise ValueError(
            f"{where} has no bias (bias=False); chainrule's Dense always has one: "
            "build the layer with bias=True (a zero bias gives the same outputs)"
        )
    if module.in_features < 1 or module.out_features < 1:
        raise ValueError(f"{where} has shape {tuple(module.weight.shape)}; both sizes must be >= 1")
    tensors = {"weight": module.weight, "bias": module.bias}
    for name, t in tensors.items():
        if t.is_meta or not t.dtype.is_floating_point:
            raise ValueError(f"{where} {name} holds no real numbers (dtype {t.dtype}, {t.device})")
    weight = module.weight.detach().to("cpu", torch.float64)
    bias = module.bias.detach().to("cpu", torch.float64)
    if not (torch.isfinite(weight).all() and torch.isfinite(bias).all()):
        raise ValueError(f"{where} holds NaN or infinite weights; chainrule needs finite numbers")
    return _Linear(
        where,
        module.in_features,
        module.out_features,
        activation,
        weight.tolist(),
        bias.tolist(),
        module.training,
    )


# ---------------- description -> chainrule ----------------
def _is_mlp(seq: _Seq) -> bool:
    linears = [s for s in seq.items if isinstance(s, _Linear)]
    if not linears or len(linears) != len(seq.items) or linears[-1].activation != "linear":
        return False
    return len({s.activation for s in linears[:-1]}) <= 1


def _build(spec: _Spec) -> Module:
    if isinstance(spec, _Linear):
        model: Module = Dense(spec.nin, spec.nout, spec.activation, seed=0)
    elif isinstance(spec, _Drop):
        model = Dropout(spec.p)
    elif _is_mlp(spec):
        hidden = spec.items[0].activation if len(spec.items) > 1 else "relu"
        nouts = [s.nout for s in spec.items]
        model = MLP(spec.items[0].nin, nouts, hidden, seed=0)
    else:
        model = Sequential(*(_build(s) for s in spec.items))
    _copy_into(spec, model)
    return model


def _copy_into(spec: _Spec, model: Module) -> None:
    """Set `model`'s weights and modes from `spec` (shapes already checked)."""
    model.training = spec.training
    if isinstance(spec, _Seq):
        for item, layer in zip(spec.items, model.layers):
            _copy_into(item, layer)
    elif isinstance(spec, _Linear):
        _set_weights(model, spec)


def _set_weights(layer: Dense | Perceptron, spec: _Linear) -> None:
    neurons = layer.neurons if isinstance(layer, Dense) else [layer]
    for neuron, row, b in zip(neurons, spec.weight, spec.bias):
        for v, w in zip(neuron.weights, row):
            v.data = w
        neuron.bias.data = b


def from_torch(module: torch.nn.Module) -> Sequential:
    """The chainrule model equivalent to a ``torch.nn.Sequential`` (or a single nn.Linear).

    Gives an MLP when the layers are all Linear with one hidden activation and a linear
    last layer, otherwise a Sequential of Dense and Dropout layers (nested Sequentials
    stay nested); train/eval modes are carried over. A module chainrule cannot express
    (another layer kind, bias=False, mismatched shapes, hooks) raises ValueError naming
    the layer by its index and type.
    """
    torch = _torch("from_torch")
    spec = _as_seq(_read_torch(module, torch))
    _check_shapes(spec)
    return _build(spec)


def load_torch_weights(model: Module, module: torch.nn.Module) -> Module:
    """Copy `module`'s weights into `model`, which must have the same layers; returns `model`.

    Layer kinds, sizes, activations and dropout p must match (as ``to_torch(model)`` would
    build them); on any mismatch raise ValueError naming both layers and change nothing.
    Train/eval modes are left as they are.
    """
    torch = _torch("load_torch_weights")
    theirs = _as_seq(_read_torch(module, torch))
    mine = _as_seq(_describe(model))
    _match(mine, theirs)
    _assign(mine, theirs)
    return model


def _match(mine: _Spec, theirs: _Spec) -> None:
    if type(mine) is not type(theirs):
        raise ValueError(f"{theirs.where} cannot load into {mine.where}")
    if isinstance(mine, _Seq):
        if len(mine.items) != len(theirs.items):
            raise ValueError(
                f"{theirs.where} has {len(theirs.items)} layers ({_kinds(theirs.items)}) "
                f"but {mine.where} has {len(mine.items)} ({_kinds(mine.items)})"
            )
        for a, b in zip(mine.items, theirs.items):
            _match(a, b)
    elif isinstance(mine, _Linear):
        have = (mine.nin, mine.nout, mine.activation)
        got = (theirs.nin, theirs.nout, theirs.activation)
        if have != got:
            raise ValueError(
                f"{theirs.where} is {got[0]} -> {got[1]} with activation {got[2]!r} "
                f"but {mine.where} is {have[0]} -> {have[1]} with {have[2]!r}"
            )
    elif mine.p != theirs.p:
        raise ValueError(f"{theirs.where} has p={theirs.p} but {mine.where} has p={mine.p}")


def _assign(mine: _Spec, theirs: _Spec) -> None:
    if isinstance(mine, _Seq):
        for a, b in zip(mine.items, theirs.items):
            _assign(a, b)
    elif isinstance(mine, _Linear):
        _set_weights(mine.layer, theirs)
