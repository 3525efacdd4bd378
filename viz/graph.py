"""draw_graph: a computation graph with data, grads and local derivatives on it.

Every number on an edge is the local derivative the engine recorded when the
operation ran (``node.local_grads``); nothing here differentiates anything.
The drawing is DOT text made in pure Python; `GraphDrawing` turns it into SVG
or PNG on request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from chainrule.autograd import Value, topological_order

from .chain import chain_rule
from .dot import MAX_CELLS, Style, caption_label, choose_rankdir, edge_statement, node_statement
from .names import (
    CONSTANT,
    DATA,
    depends_on,
    leaf_roles,
    node_names,
    op_expressions,
    visible,
)
from .render import GraphDrawing

__all__ = ["draw_graph", "GraphTooLarge"]

RANKDIRS = ("auto", "TB", "LR")


class GraphTooLarge(ValueError):
    """The graph has more nodes than can be drawn readably."""


def _as_list(x: Value | Sequence[Value] | None, what: str) -> list[Value]:
    if x is None:
        return []
    if isinstance(x, Value):
        return [x]
    items = list(x)
    for item in items:
        if not isinstance(item, Value):
            raise TypeError(f"{what}: expected Values, got {type(item).__name__}")
    return items


def draw_graph(
    root: Value,
    *,
    highlight: Value | Sequence[Value] | None = None,
    only_paths_to: Value | Sequence[Value] | None = None,
    weights: Iterable[Value] | object | None = None,
    data: Iterable[Value] | None = None,
    show_local_grads: bool = True,
    max_nodes: int = 300,
    rankdir: str = "auto",
    grads: Mapping[Value, float] | None = None,
    active_edge: tuple[Value, int] | None = None,
    caption: str | None = None,
) -> GraphDrawing:
    """Draw the graph that computed `root`; returns a `GraphDrawing` (DOT text in
    ``.source``; shows itself in a notebook; ``.pipe("svg")``, ``.render(...)``).

    Each Value is a box with its name, data and grad; a computed Value also
    shows the operation that made it and, on top, the local derivative for
    each input: the edge from that input ends on it (``show_local_grads``).
    ``highlight=w`` marks every path from `w` to `root` and writes the
    chain-rule product for ``w.grad`` underneath. ``only_paths_to=w`` draws
    just those paths (and the inputs of their operations), for graphs too big
    to show whole. A graph with more than `max_nodes` boxes raises
    GraphTooLarge instead of hanging.

    `data` lists inputs and targets (e.g. the lecture's x and y): they are
    drawn grey, without a gradient. `weights` lists the trainable Values, or
    is a model (its parameter names are used); the other leaves are then data
    when labelled and constants when not. By default every leaf is drawn as a
    weight, with its grad. ``rankdir`` is "TB" (top to bottom), "LR" or
    "auto": left to right when that fits a notebook's width, else top to bottom.

    `grads` (node -> number) replaces the grads shown, and `active_edge`
    ``(node, i)`` marks edge i into `node`: both are for backprop frames.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    order = topological_order(root)
    roles, given = leaf_roles(order, weights, data)
    names = node_names(order, given, roles)
    marked = _as_list(highlight, "highlight")
    focus = _as_list(only_paths_to, "only_paths_to")
    for v in marked + focus:
        if v not in names:
            raise ValueError(f"{v.label or repr(v)} is not in the graph of root")
    for v in marked:
        if roles.get(v) in (DATA, CONSTANT):
            raise ValueError(
                f"{names[v]} is drawn as {roles[v]} (no gradient): highlight a weight instead"
            )

    on_path = depends_on(order, marked) if marked else set()
    shown = order
    if focus:
        keep = depends_on(order, focus)
        # the other inputs of the kept operations, except for wide ones (a neuron's sum)
        context = {p for v in keep if len(v.parents) <= MAX_CELLS for p in v.parents}
        shown = [v for v in order if v in keep or v in context]
    if len(shown) > max_nodes:
        raise GraphTooLarge(
            f"the graph has {len(shown)} values, more than max_nodes={max_nodes} can show"
            " readably; draw part of it with only_paths_to=<a weight>, or raise max_nodes"
        )
    drawn = set(shown)
    ids = {v: f"n{i}" for i, v in enumerate(order)}
    style = Style(
        rankdir=rankdir,
        names=names,
        roles=roles,
        on_path=on_path,
        show_local_grads=show_local_grads,
        active_edge=active_edge,
        exprs=op_expressions(order, names),
    )
    if rankdir == "auto":
        style.rankdir = choose_rankdir(shown, style)

    lines = [
        "digraph chainrule {",
        f'  graph [rankdir={style.rankdir} fontname="Helvetica" fontsize=12'
        f" nodesep=0.3 ranksep={style.ranksep} bgcolor=white]",
        '  node [shape=plain fontname="Helvetica" fontsize=12]',
        '  edge [fontname="Helvetica" arrowsize=0.8]',
    ]
    for v in shown:
        grad = grads.get(v, 0.0) if grads is not None else v.grad
        lines.append(node_statement(ids[v], v, grad, [p in drawn for p in v.parents], style))
        for i, parent in enumerate(v.parents):
            if parent in drawn:
                lines.append(edge_statement(ids[parent], ids[v], v, i, style))

    text = caption
    if marked and text is None:
        shown_names = {v: visible(n) for v, n in names.items()}  # one line per name
        text = "\n".join(chain_rule(root, w, names=shown_names).summary() for w in marked)
    if text:
        lines.append(caption_label(text, style))
    lines.append("}")
    return GraphDrawing("\n".join(lines) + "\n")
