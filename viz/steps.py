"""Backprop one step at a time: which node passes how much gradient to which input."""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.autograd import Value, topological_order

from .graph import draw_graph
from .names import fmt, node_names

__all__ = ["BackpropStep", "backward_steps", "backprop_frames", "show_backprop"]


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
        p, n = names[self.parent], names[self.node]
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


def backprop_frames(root: Value, *, max_steps: int = 200, **draw_options) -> list:
    """One graph per step of backward (plus the start), each showing the grads so far.

    The edge being used is drawn in blue and the caption says what it adds.
    Returns graphviz Digraphs; `draw_options` go to `draw_graph`.
    """
    steps = backward_steps(root)
    if len(steps) > max_steps:
        raise ValueError(f"backward takes {len(steps)} steps here, more than max_steps={max_steps}")
    names = node_names(topological_order(root))
    grads = {v: 0.0 for v in names}
    grads[root] = 1.0
    frames = [
        draw_graph(
            root, grads=dict(grads), caption=f"start: {names[root]}.grad = 1", **draw_options
        )
    ]
    for k, s in enumerate(steps, 1):
        grads[s.parent] = s.after
        caption = f"step {k}/{len(steps)}: {s.describe(names)}"
        frames.append(
            draw_graph(
                root,
                grads=dict(grads),
                active_edge=(s.node, s.index),
                caption=caption,
                **draw_options,
            )
        )
    return frames


def show_backprop(root: Value, **options):
    """Step through backward in a notebook: an ipywidgets slider when ipywidgets is
    installed, otherwise a plain list of SVG strings (one per frame)."""
    svgs = [
        frame.pipe(format="svg", encoding="utf-8") for frame in backprop_frames(root, **options)
    ]
    try:
        import ipywidgets as widgets
    except ImportError:
        return svgs
    slider = widgets.IntSlider(min=0, max=len(svgs) - 1, value=0, description="step")
    view = widgets.HTML(svgs[0])

    def on_change(change: dict) -> None:
        view.value = svgs[change["new"]]

    slider.observe(on_change, names="value")
    return widgets.VBox([slider, view])
