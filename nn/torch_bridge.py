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

from typing import TYPE_CHECKING, Any

from . import _bridge_spec as plan
from .module import Module, Sequential

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


# ---------------- description -> torch ----------------
def _torch_modules(spec: plan.Spec, torch: Any, dtype: Any) -> list[Any]:
    nn = torch.nn
    if isinstance(spec, plan.Linear):
        linear = nn.utils.skip_init(nn.Linear, spec.nin, spec.nout, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(spec.weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(spec.bias, dtype=torch.float64))
        mods = [linear]
        if spec.activation != "linear":
            mods.append(_TORCH_ACTIVATIONS[spec.activation](nn)())
    elif isinstance(spec, plan.Drop):
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


def _dtype(torch: Any, dtype: Any) -> Any:
    if dtype is None:
        return torch.float64
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(
            f"dtype must be a floating torch dtype such as torch.float64, got {dtype!r}"
        )
    return dtype


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
    spec = plan.as_seq(plan.describe(model))
    plan.check_unshared(model)
    plan.check_shapes(spec)
    plan.check_finite(spec)
    (module,) = _torch_modules(spec, torch, dtype)
    return module


def grads_to_torch(model: Module, dtype: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """chainrule's ``.grad`` of every parameter, as tensors named like ``to_torch(model)``'s
    ``named_parameters()`` (e.g. ``"0.weight"``), to compare with PyTorch's ``.grad``."""
    torch = _torch("grads_to_torch")
    dtype = _dtype(torch, dtype)
    spec = plan.as_seq(plan.describe(model, attr="grad"))
    plan.check_unshared(model)
    (module,) = _torch_modules(spec, torch, dtype)
    return {name: p.detach() for name, p in module.named_parameters()}


# ---------------- torch -> description ----------------
def _read_torch(module: Any, torch: Any, path: str = "") -> plan.Spec:
    nn = torch.nn
    where = plan.label(path, module, "the module")
    if not isinstance(module, nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(module).__name__}")
    _check_no_hooks(module, where)
    kind = type(module)
    if kind is nn.Linear:
        return _read_linear(module, where, "linear", torch)
    if kind is nn.Dropout:
        if not 0.0 <= module.p < 1.0:
            raise ValueError(f"{where} has p={module.p}; chainrule's Dropout needs 0 <= p < 1")
        return plan.Drop(where, float(module.p), module.training)
    if kind is not nn.Sequential:
        raise ValueError(f"{where} has no chainrule equivalent; {_TORCH_READS}")
    activations = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.Identity: "linear"}
    prefix = f"{path}." if path else ""
    children = list(module.named_children())
    items: list[plan.Spec] = []
    i = 0
    while i < len(children):
        name, child = children[i]
        child_where = plan.label(prefix + name, child, "")
        if type(child) in activations:
            raise ValueError(
                f"{child_where} does not follow an nn.Linear; chainrule applies activations "
                "inside its Dense layers, so put it right after a Linear"
            )
        item = _read_torch(child, torch, prefix + name)
        following = children[i + 1][1] if i + 1 < len(children) else None
        if isinstance(item, plan.Linear) and type(following) in activations:
            _check_no_hooks(following, plan.label(prefix + children[i + 1][0], following, ""))
            item.activation = activations[type(following)]
            i += 1
        items.append(item)
        i += 1
    if not items:
        raise ValueError(f"{where} is empty; chainrule's Sequential needs at least one layer")
    return plan.Seq(where, items, module.training)


def _check_unshared(module: Any) -> None:
    seen: dict[int, str] = {}
    for name, p in module.named_parameters(remove_duplicate=False):
        if id(p) in seen:
            raise ValueError(
                f"parameter {name!r} is the same tensor as {seen[id(p)]!r}; "
                "chainrule cannot share weights between layers"
            )
        seen[id(p)] = name


def _check_no_hooks(module: Any, where: str) -> None:
    if module._forward_hooks or module._forward_pre_hooks:
        raise ValueError(
            f"{where} has forward hooks, which chainrule cannot copy; remove them first"
        )


def _read_linear(module: Any, where: str, activation: str, torch: Any) -> plan.Linear:
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
    return plan.Linear(
        where,
        module.in_features,
        module.out_features,
        activation,
        weight.tolist(),
        bias.tolist(),
        module.training,
    )


def from_torch(module: torch.nn.Module) -> Sequential:
    """The chainrule model equivalent to a ``torch.nn.Sequential`` (or a single nn.Linear).

    Gives an MLP when the layers are all Linear with one hidden activation and a linear
    last layer, otherwise a Sequential of Dense and Dropout layers (nested Sequentials
    stay nested); train/eval modes are carried over. A module chainrule cannot express
    (another layer kind, bias=False, mismatched shapes, hooks) raises ValueError naming
    the layer by its index and type.
    """
    torch = _torch("from_torch")
    spec = plan.as_seq(_read_torch(module, torch))
    _check_unshared(module)
    plan.check_shapes(spec)
    return plan.build(spec)


def load_torch_weights(model: Module, module: torch.nn.Module) -> Module:
    """Copy `module`'s weights into `model`, which must have the same layers; returns `model`.

    Layer kinds, sizes, activations and dropout p must match (as ``to_torch(model)`` would
    build them); on any mismatch raise ValueError naming both layers and change nothing.
    Train/eval modes are left as they are.
    """
    torch = _torch("load_torch_weights")
    theirs = plan.as_seq(_read_torch(module, torch))
    _check_unshared(module)
    mine = plan.as_seq(plan.describe(model))
    plan.check_unshared(model)
    plan.match(mine, theirs)
    plan.assign(mine, theirs)
    return model
