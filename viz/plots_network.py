"""A neural network drawn as circles and lines, with dropped-out units crossed out."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt

__all__ = ["plot_network"]


def _check(layer_sizes: Sequence[int], dropped: Sequence[Sequence[bool]] | None) -> None:
    if len(layer_sizes) < 2 or any(
        isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in layer_sizes
    ):
        raise ValueError(
            f"plot_network needs at least two layer sizes, each a positive int; got {layer_sizes}"
        )
    if dropped is None:
        return
    if len(dropped) != len(layer_sizes):
        raise ValueError(
            f"plot_network: `dropped` has {len(dropped)} masks for {len(layer_sizes)} layers"
            " (give one list per layer; [] or all False for a layer without dropout)"
        )
    for i, (mask, n) in enumerate(zip(dropped, layer_sizes)):
        if len(mask) not in (0, n):
            raise ValueError(f"plot_network: layer {i} has {n} units but a mask of {len(mask)}")


def plot_network(
    layer_sizes: Sequence[int],
    dropped: Sequence[Sequence[bool]] | None = None,
    *,
    ax=None,
    title: str | None = None,
    layer_gap: float = 1.0,
    labels: Sequence[str] | None = None,
):
    """A dense network, inputs on the left; units whose mask in `dropped` is True are crossed out.

    `dropped` has one mask per layer (``[]`` for a layer with no dropout). A
    dropped unit's connections are drawn faint: nothing flows through them on
    this training step. `layer_gap` is the distance between layers in unit
    spacings: raise it (e.g. to 4) to spread a network whose layers are tall.
    `labels`, one per layer, are written under the layers.
    """
    _check(layer_sizes, dropped)
    if (
        isinstance(layer_gap, bool)
        or not isinstance(layer_gap, (int, float))
        or not (0.5 <= layer_gap <= 100)
    ):
        raise ValueError(
            f"plot_network: layer_gap must be a number from 0.5 to 100, got {layer_gap!r}"
        )
    if labels is not None and (isinstance(labels, str) or len(labels) != len(layer_sizes)):
        raise ValueError(
            f"plot_network: give one label per layer ({len(layer_sizes)}), got {labels!r}"
        )
    given = dropped or [[]] * len(layer_sizes)
    masks = [list(m) if m else [False] * n for m, n in zip(given, layer_sizes)]
    if ax is None:
        # wide enough for the layers' spread at this height (the drawing keeps its aspect)
        spread = ((len(layer_sizes) - 1) * layer_gap + 1) / (max(layer_sizes) + 0.2)
        width = max(1.4 * len(layer_sizes) + 1, 3.4 * spread + 1)
        fig, ax = plt.subplots(figsize=(width, 3.8))
    else:
        fig = ax.figure
    tallest = max(layer_sizes)

    def position(layer: int, unit: int) -> tuple[float, float]:
        n = layer_sizes[layer]
        return layer * float(layer_gap), (tallest - 1) / 2 - unit + (n - 1) / 2

    for layer in range(len(layer_sizes) - 1):
        for i in range(layer_sizes[layer]):
            for j in range(layer_sizes[layer + 1]):
                off = masks[layer][i] or masks[layer + 1][j]
                (x0, y0), (x1, y1) = position(layer, i), position(layer + 1, j)
                ax.plot(
                    [x0, x1],
                    [y0, y1],
                    color="0.85" if off else "0.35",
                    lw=0.6 if off else 1.0,
                    ls=":" if off else "-",
                    zorder=1,
                )
    colours = ["tab:blue"] + ["tab:red"] * (len(layer_sizes) - 2) + ["tab:purple"]
    for layer, n in enumerate(layer_sizes):
        for unit in range(n):
            x, y = position(layer, unit)
            off = masks[layer][unit]
            ax.add_patch(
                plt.Circle(
                    (x, y),
                    0.22,
                    facecolor="white" if off else colours[layer],
                    edgecolor="0.6" if off else "k",
                    zorder=2,
                )
            )
            if off:
                ax.plot([x - 0.2, x + 0.2], [y - 0.2, y + 0.2], color="k", lw=2, zorder=3)
                ax.plot([x - 0.2, x + 0.2], [y + 0.2, y - 0.2], color="k", lw=2, zorder=3)
    ax.set_xlim(-0.5, (len(layer_sizes) - 1) * layer_gap + 0.5)
    ax.set_ylim(-0.6, tallest - 0.4)
    ax.set_aspect("equal")
    ax.axis("off")
    for layer, label in enumerate(labels or []):
        below = ax.get_xaxis_transform()  # x in data, y in axes fractions
        ax.text(layer * layer_gap, -0.02, label, transform=below, ha="center", va="top")
    if title:
        ax.set_title(title)
    return fig, ax
