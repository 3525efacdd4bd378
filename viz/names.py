"""What the graph, the chain rule and the backprop frames call each node, and how
text is made safe to draw."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from chainrule.autograd import Value

__all__ = [
    "fmt",
    "node_names",
    "leaf_roles",
    "expression",
    "op_expressions",
    "d_name",
    "depends_on",
    "visible",
    "dot_text",
    "WEIGHT",
    "DATA",
    "CONSTANT",
]

WEIGHT, DATA, CONSTANT = "weight", "data", "constant"
MAX_DEFAULT_NAME = 14  # longer expressions are called t1, t2, ...

# Operator precedence of the expressions used as default names (atoms bind tightest).
_ATOM, _POW, _NEG, _MUL, _ADD = 9, 7, 6, 5, 4
_INFIX = {"+": ("+", _ADD), "-": ("-", _ADD), "*": ("*", _MUL), "/": ("/", _MUL)}
_ABBREVIATIONS = {"layers": "L", "neurons": "n", "weights": "w", "bias": "b"}


def fmt(x: float) -> str:
    """A number as the graphs show it: four significant decimals, no noise."""
    return f"{x:.4g}" if abs(x) >= 1e-3 or x == 0.0 else f"{x:.3e}"


def visible(text: str) -> str:
    """`text` with every character that cannot be drawn (control characters,
    lone surrogates, U+FFFE/U+FFFF) written as its Python escape, e.g. ``\\x01``."""
    if text.isprintable() and "\\" not in text:  # the common case, fast
        return text
    return "".join(_escape_char(ch) for ch in text)


def _escape_char(ch: str) -> str:
    if unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":
        return repr(ch)[1:-1]
    return ch


def dot_text(text: str) -> str:
    """`text` for a Graphviz HTML-like label, drawn verbatim: entities for ``& < > "``,
    and every backslash doubled, since Graphviz reads ``\\N``, ``\\G``, ``\\E``...
    as the node's, graph's or edge's name and ``\\\\`` as one backslash."""
    return html.escape(visible(text), quote=True).replace("\\", "\\\\")


def _check_label(v: Value) -> str:
    label = v.label
    if not isinstance(label, str):
        raise TypeError(
            f"a node's label must be text, got {type(label).__name__} {label!r:.40} "
            f"(on the node holding {v.data!r}); use Value(data, 'name') or .named('name')"
        )
    return label


def leaf_roles(
    order: Sequence[Value],
    weights: Iterable[Value] | object | None = None,
    data: Iterable[Value] | None = None,
) -> tuple[dict[Value, str], dict[Value, str]]:
    """The role of each leaf in `order` (WEIGHT, DATA or CONSTANT), and the
    names a Module gives its parameters.

    `weights` is a list of Values or a model (anything with
    ``named_parameters()``); `data` lists inputs and targets. Leaves in
    neither are weights when `weights` is None (every leaf gets a gradient,
    as in backward); otherwise they are data when labelled and constants
    when not.
    """
    given: dict[Value, str] = {}
    if weights is not None and hasattr(weights, "named_parameters"):
        given = {p: _short_param_name(n) for n, p in weights.named_parameters()}
        weight_set = set(given)
    elif weights is not None:
        weight_set = set(_values(weights, "weights"))
    else:
        weight_set = None
    data_set = set(_values(data, "data")) if data is not None else set()
    clash = next((v for v in data_set if weight_set is not None and v in weight_set), None)
    if clash is not None:
        raise ValueError(f"{clash!r} is listed both as a weight and as data")
    roles: dict[Value, str] = {}
    for v in order:
        if v.parents:
            continue
        if v in data_set:
            roles[v] = DATA
        elif weight_set is None or v in weight_set:
            roles[v] = WEIGHT
        else:
            roles[v] = DATA if _check_label(v) else CONSTANT
    return roles, given


def _values(items: Iterable[Value], what: str) -> list[Value]:
    out = list(items)
    for item in out:
        if not isinstance(item, Value):
            raise TypeError(f"{what} must list Values, got {type(item).__name__}")
    return out


def _short_param_name(name: str) -> str:
    """``layers.0.neurons.1.weights.0`` -> ``L0.n1.w0``; ``bias`` -> ``b``."""
    parts = name.split(".")
    out: list[str] = []
    k = 0
    while k < len(parts):
        part = parts[k]
        if part in _ABBREVIATIONS:
            short = _ABBREVIATIONS[part]
            if k + 1 < len(parts) and parts[k + 1].isdigit():
                short += parts[k + 1]
                k += 1
            out.append(short)
        else:
            out.append(part)
        k += 1
    return ".".join(out)


def expression(
    v: Value, names: Mapping[Value, str], prec: Mapping[Value, int], spaced: bool = False
) -> tuple[str, int]:
    """`v`'s operation written with its inputs' names, e.g. ``w1*x``, and its
    precedence; `spaced` puts spaces around + and - (``y - yhat``)."""
    args = [names[p] for p in v.parents]
    op = v.op
    gap = " " if spaced else ""

    def wrap(i: int, need: int) -> str:
        return f"({args[i]})" if prec.get(v.parents[i], _ATOM) < need else args[i]

    if op in _INFIX and len(args) == 2:
        symbol, level = _INFIX[op]
        symbol = f"{gap}{symbol}{gap}" if level == _ADD else symbol
        right_need = level + 1 if op in "-/" else level  # a - (b + c), a / (b * c)
        return f"{wrap(0, level)}{symbol}{wrap(1, right_need)}", level
    if op == "neg" and len(args) == 1:
        return f"-{wrap(0, _POW)}", _NEG
    if op.startswith("**") and len(args) == 1:
        return f"{wrap(0, _ATOM)}^{op[2:]}", _POW
    if op == "**" and len(args) == 2:
        return f"{wrap(0, _ATOM)}^{wrap(1, _ATOM)}", _POW
    if op == "sum":
        return f"{gap}+{gap}".join(args) if args else "0", _ADD
    return f"{op}({f',{gap}'.join(args)})", _ATOM


def node_names(
    order: Sequence[Value],
    given: Mapping[Value, str] | None = None,
    roles: Mapping[Value, str] | None = None,
) -> dict[Value, str]:
    """A name per node: its label; else a name `given` (a model's parameter
    name); else, for a computed node, its expression (``w1*x``,
    ``sigmoid(z1)``) when short; for a constant, its number; else t1, t2, ...
    in topological order. Raises TypeError for a label that is not text."""
    names: dict[Value, str] = {}
    prec: dict[Value, int] = {}
    unnamed = 0
    for v in order:
        label = _check_label(v)
        if label:
            names[v] = label
            continue
        if given and v in given:
            names[v] = given[v]
            continue
        if not v.parents and roles is not None and roles.get(v) == CONSTANT:
            names[v] = fmt(v.data)
            prec[v] = _NEG if v.data < 0 else _ATOM
            continue
        if v.parents:
            text, level = expression(v, names, prec)
            if len(text) <= MAX_DEFAULT_NAME:
                names[v], prec[v] = text, level
                continue
        unnamed += 1
        names[v] = f"t{unnamed}"
    return names


def op_expressions(
    order: Sequence[Value], names: Mapping[Value, str]
) -> dict[Value, tuple[str, bool]]:
    """Each computed node's operation written with its inputs' names, e.g.
    ``y - yhat``, and whether the node's name is that expression (unlabelled)."""
    prec: dict[Value, int] = {}
    spaced = dict(names)  # default names written with spaces, for the headers
    out: dict[Value, tuple[str, bool]] = {}
    for v in order:
        if not v.parents:
            if names[v] == fmt(v.data) and v.data < 0:
                prec[v] = _NEG
            continue
        text, level = expression(v, names, prec)
        wide = expression(v, spaced, prec, spaced=True)[0]
        if names[v] == text:
            prec[v] = level
            spaced[v] = wide
        out[v] = (wide, names[v] == text)
    return out


def d_name(name: str) -> str:
    """`name` as it follows a `d` in dz/dw: in brackets when it is an expression."""
    return name if name.replace("_", "").replace(".", "").isalnum() else f"({name})"


def depends_on(order: Sequence[Value], targets: Iterable[Value]) -> set[Value]:
    """The targets and every node in `order` computed from at least one of them."""
    found = set(targets)
    for node in order:  # parents come first, so one pass suffices
        if node not in found and any(p in found for p in node.parents):
            found.add(node)
    return found
