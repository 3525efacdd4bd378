"""draw_graph: a computation graph with data, grads and local derivatives on it.

Every number on an edge is the local derivative the engine recorded when the
operation ran (``node.local_grads``); nothing here differentiates anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import graphviz

from chainrule.autograd import Value, topological_order

from .chain import chain_rule
from .names import depends_on, fmt, node_names
from .render import use_renderer

__all__ = ["draw_graph", "GraphTooLarge"]

HIGHLIGHT = "#d62728"
ACTIVE = "#1f77b4"
DIM = "#9a9a9a"
OP_SYMBOLS = {"neg": "-x", "dot": "dot", "sum": "sum"}


class GraphTooLarge(ValueError):
    """The graph has more nodes than can be drawn readably."""


def _as_list(x: Value | Sequence[Value] | None) -> list[Value]:
    if x is None:
        return []
    if isinstance(x, Value):
        return [x]
    items = list(x)
    for item in items:
        if not isinstance(item, Value):
            raise TypeError(f"expected Values, got {type(item).__name__}")
    return items


def draw_graph(
    root: Value,
    *,
    highlight: Value | Sequence[Value] | None = None,
    only_paths_to: Value | Sequence[Value] | None = None,
    show_local_grads: bool = True,
    max_nodes: int = 300,
    rankdir: str = "LR",
    grads: Mapping[Value, float] | None = None,
    active_edge: tuple[Value, int] | None = None,
    caption: str | None = None,
) -> graphviz.Digraph:
    """Draw the graph that computed `root`, inputs on the left, `root` on the right.

    Each Value is a box with its name, data and grad; each operation is an
    oval; each use of an operand is an edge labelled with its local
    derivative (``show_local_grads``). ``highlight=w`` marks every path from
    `w` to `root` and writes the chain-rule sum for ``w.grad`` underneath.
    ``only_paths_to=w`` draws just those paths (and the inputs of their
    operations), for graphs too big to show whole. A graph with more than
    `max_nodes` boxes raises GraphTooLarge instead of hanging.

    `grads` (node -> number) replaces the grads shown, and `active_edge`
    ``(node, i)`` marks edge i into `node`: both are for backprop frames.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}")
    use_renderer()
    order = topological_order(root)
    names = node_names(order)
    marked = _as_list(highlight)
    focus = _as_list(only_paths_to)
    for v in marked + focus:
        if v not in names:
            raise ValueError(f"{names.get(v, v.label or repr(v))} is not in the graph of root")

    on_path = depends_on(order, marked) if marked else set()
    shown = order
    if focus:
        keep = depends_on(order, focus)
        context = {p for v in keep for p in v.parents}
        shown = [v for v in order if v in keep or v in context]
    if len(shown) > max_nodes:
        raise GraphTooLarge(
            f"the graph has {len(shown)} values, more than max_nodes={max_nodes} can show"
            " readably; draw part of it with only_paths_to=<a weight>, or raise max_nodes"
        )
    visible = set(shown)
    ids = {v: f"n{i}" for i, v in enumerate(order)}

    dot = graphviz.Digraph(graph_attr={"rankdir": rankdir, "fontname": "Helvetica"})
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="10")
    for v in shown:
        grad = grads.get(v, 0.0) if grads is not None else v.grad
        color = HIGHLIGHT if v in on_path else "black"
        dot.node(
            ids[v],
            label=f"{{ {_escape(names[v])} | data {fmt(v.data)} | grad {fmt(grad)} }}",
            shape="record",
            color=color,
            penwidth="2" if v in on_path else "1",
        )
        if not v.parents:
            continue
        op_id = ids[v] + "_op"
        dot.node(
            op_id,
            label=_op_symbol(v.op),
            shape="ellipse",
            style="filled",
            fillcolor="#f2f2f2",
            color=color,
        )
        dot.edge(op_id, ids[v], color=color)
        for i, (parent, local) in enumerate(zip(v.parents, v.local_grads)):
            if parent not in visible:
                continue
            hot = parent in on_path
            active = active_edge is not None and active_edge[0] is v and active_edge[1] == i
            attrs = {"color": ACTIVE if active else HIGHLIGHT if hot else "black"}
            if hot or active:
                attrs["penwidth"] = "2.5"
            if show_local_grads:
                attrs["label"] = f"d{names[v]}/d{names[parent]} = {fmt(local)}"
                attrs["fontcolor"] = attrs["color"]
            dot.edge(ids[parent], op_id, **attrs)

    text = caption
    if marked and text is None:
        text = "\n".join(chain_rule(root, w, names=names).summary() for w in marked)
    if text:
        left_aligned = "\\l".join(text.split("\n")) + "\\l"  # \l ends a left-aligned line
        dot.attr(label=left_aligned, labelloc="b", labeljust="l", fontsize="12")
    return dot


def _op_symbol(op: str) -> str:
    if op.startswith("**") and len(op) > 2:  # a power by a number, e.g. "**2"
        return "^" + op[2:]
    return OP_SYMBOLS.get(op, op)


def _escape(text: str) -> str:
    """Text safe inside a Graphviz record label."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text
