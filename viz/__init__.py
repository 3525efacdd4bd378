"""chainrule.viz: computation graphs that show the chain rule, and plots.

    >>> from chainrule.viz import draw_graph, chain_rule, two_weight_network
    >>> net = two_weight_network(); net.J.backward()
    >>> print(chain_rule(net.J, net.w1))      # doctest: +SKIP
    >>> draw_graph(net.J, highlight=net.w1)   # doctest: +SKIP

Plots live in `chainrule.viz.plots` (they need matplotlib, from the
``[notebooks]`` extra).
"""

from .chain import ChainRule, PathTerm, chain_rule
from .graph import GraphTooLarge, draw_graph
from .lecture import TwoWeightNetwork, two_weight_network
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
    "TwoWeightNetwork",
    "backprop_frames",
    "backward_steps",
    "chain_rule",
    "draw_graph",
    "find_renderer",
    "show_backprop",
    "two_weight_network",
    "use_renderer",
]
