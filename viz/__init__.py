"""chainrule.viz: computation graphs that show the chain rule, and plots.

    >>> from chainrule.viz import draw_graph, chain_rule, two_weight_network
    >>> net = two_weight_network(); net.J.backward()
    >>> print(chain_rule(net.J, net.w1))      # doctest: +SKIP
    >>> draw_graph(net.J, highlight=net.w1)   # doctest: +SKIP

The interactive graph: ``explore(root)`` is a notebook widget (needs
anywidget, from the ``[widget]`` extra) and ``export_html(root, "graph.html")``
writes it as one standalone page. ``TrainingView`` watches training live.

Plots live in `chainrule.viz.plots` (they need matplotlib, from the
``[notebooks]`` extra).
"""

from .chain import ChainRule, PathTerm, chain_rule
from .frontend import dot_html, export_html
from .graph import GraphTooLarge, draw_graph
from .lecture import TwoWeightNetwork, two_weight_network
from .live import TrainingView
from .render import GraphDrawing, RendererNotFound, find_renderer, use_renderer
from .steps import BackpropStep, BackpropStepper, backprop_frames, backward_steps, show_backprop

__all__ = [
    "BackpropStep",
    "BackpropStepper",
    "ChainRule",
    "GraphDrawing",
    "GraphTooLarge",
    "PathTerm",
    "RendererNotFound",
    "TrainingView",
    "TwoWeightNetwork",
    "backprop_frames",
    "backward_steps",
    "chain_rule",
    "dot_html",
    "draw_graph",
    "export_html",
    "find_renderer",
    "show_backprop",
    "two_weight_network",
    "use_renderer",
]


def __getattr__(name: str):  # explore, GraphWidget: they need anywidget, imported when asked for
    if name in ("GraphWidget", "explore"):
        from . import widget

        return getattr(widget, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
