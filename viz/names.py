"""Small helpers that the graph, the chain rule and the backprop frames share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainrule.autograd import Value

__all__ = ["fmt", "node_names", "depends_on"]


def fmt(x: float) -> str:
    """A number as the graphs show it: four significant decimals, no noise."""
    return f"{x:.4g}" if abs(x) >= 1e-3 or x == 0.0 else f"{x:.3e}"


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """A name per node: its label, or v0, v1, ... in topological order."""
    return {v: v.label or f"v{i}" for i, v in enumerate(order)}


def depends_on(order: Sequence[Value], targets: Iterable[Value]) -> set[Value]:
    """The targets and every node in `order` computed from at least one of them."""
    found = set(targets)
    for node in order:  # parents come first, so one pass suffices
        if node not in found and any(p in found for p in node.parents):
            found.add(node)
    return found
