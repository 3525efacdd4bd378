"""Backprop one step at a time: which node passes how much gradient to which input."""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.autograd import Value, topological_order

from .graph import draw_graph
from .names import CONSTANT, DATA, d_name, fmt, leaf_roles, node_names
from .render import GraphDrawing
from .stepper import BackpropStepper

__all__ = ["BackpropStep", "BackpropStepper", "backward_steps", "backprop_frames", "show_backprop"]


@dataclass(frozen=True)
class BackpropStep:
    """One use of the chain rule: ``parent.grad += local * node.grad``."""

    node: Value
    index: int  # which of node.parents (edge number)
    parent: Value
    local: float  # d(node)/d(parent), as recorded by the engine
    upstream: float  # node's gradient when it passes it on
    before: float  # parent's gradient before this step
    after: float  # and after

    @property
    def contribution(self) -> float:
        return self.local * self.upstream

    def describe(self, names: dict[Value, str]) -> str:
        p, n = d_name(names[self.parent]), d_name(names[self.node])
        return (
            f"{p}.grad += d{n}/d{p} * {n}.grad = ({fmt(self.local)})({fmt(self.upstream)})"
            f" = {fmt(self.contribution)}, so {p}.grad goes from {fmt(self.before)}"
            f" to {fmt(self.after)}"
        )


def backward_steps(root: Value) -> list[BackpropStep]:
    """The steps `root.backward()` takes, in order, starting from all grads 0 and root 1.

    Nothing is changed on the graph: the grads are tracked on the side.
    """
    order = topological_order(root)
    grads = {v: 0.0 for v in order}
    grads[root] = 1.0
    steps = []
    for node in reversed(order):
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            before = grads[parent]
            grads[parent] = before + local * grads[node]
            steps.append(BackpropStep(node, i, parent, local, grads[node], before, grads[parent]))
    return steps


def backprop_frames(root: Value, *, max_steps: int = 200, **draw_options) -> list[GraphDrawing]:
    """One graph per step of backward (plus the start), each showing the grads so far.

    The edge being used is drawn in blue and the caption says what it adds.
    `draw_options` go to `draw_graph`; with ``data=[...]`` (or ``weights=``)
    the steps into data and constants are left out, as they show no grad.
    """
    return [frame for frame, _ in _frames(root, max_steps, draw_options)]


def _frames(root: Value, max_steps: int, draw_options: dict) -> list[tuple[GraphDrawing, str]]:
    order = topological_order(root)
    roles, given = leaf_roles(order, draw_options.get("weights"), draw_options.get("data"))
    names = node_names(order, given, roles)
    steps = [s for s in backward_steps(root) if roles.get(s.parent) not in (DATA, CONSTANT)]
    if len(steps) > max_steps:
        raise ValueError(f"backward takes {len(steps)} steps here, more than max_steps={max_steps}")
    grads = {v: 0.0 for v in order}
    grads[root] = 1.0
    caption = f"start: {d_name(names[root])}.grad = 1"
    frames = [(draw_graph(root, grads=dict(grads), caption=caption, **draw_options), caption)]
    for k, s in enumerate(steps, 1):
        grads[s.parent] = s.after
        caption = f"step {k}/{len(steps)}: {s.describe(names)}"
        drawing = draw_graph(
            root, grads=dict(grads), active_edge=(s.node, s.index), caption=caption, **draw_options
        )
        frames.append((drawing, caption))
    return frames


def show_backprop(root: Value, **options) -> BackpropStepper:
    """Step through backward in a notebook: a slider over the frames where widgets
    run, and the frames side by side (static HTML) where they do not (GitHub,
    nbviewer, an HTML export). `options` go to `backprop_frames`."""
    pairs = _frames(root, options.pop("max_steps", 200), options)
    return BackpropStepper([f for f, _ in pairs], [c for _, c in pairs])
