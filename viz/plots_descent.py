"""Plots of gradient descent: loss surfaces, optimiser paths, learning rates (needs matplotlib).

Every point on a path is a step the engine took: the gradient comes from
``backward()``, never from a formula typed in here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np

from chainrule.autograd import Value, no_grad
from chainrule.nn.optim import SGD, Optimizer

from .descent import Curve, descent_1d

__all__ = [
    "optimizer_paths",
    "plot_loss_surface",
    "plot_learning_rates",
    "descent_1d",
    "plot_descent_1d",
]

Surface = Callable[[Value, Value], Value]


def optimizer_paths(
    surface: Surface,
    start: tuple[float, float],
    optimizers: Mapping[str, Callable[[list[Value]], Optimizer]],
    steps: int = 50,
) -> dict[str, np.ndarray]:
    """Run each optimiser from `start` on J(w1, w2) = surface(w1, w2); return its path.

    `optimizers` maps a name to a function that builds the optimiser from the
    two parameters, e.g. ``{"Adam": lambda p: Adam(p, lr=0.1)}``. Each path is
    an array of shape (steps + 1, 2), shorter when a run diverges (|w| > 1e6).
    """
    paths = {}
    for name, make in optimizers.items():
        w = [Value(start[0], "w1"), Value(start[1], "w2")]
        opt = make(w)
        path = [(w[0].data, w[1].data)]
        for _ in range(steps):
            opt.zero_grad()
            try:
                surface(*w).backward()
            except OverflowError:  # a learning rate too large: the path has left the map
                break
            opt.step()
            path.append((w[0].data, w[1].data))
            if max(abs(w[0].data), abs(w[1].data)) > 1e6:
                break
        paths[name] = np.array(path)
    return paths


def _surface_grid(surface: Surface, xlim, ylim, resolution: int):
    a, b = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    with no_grad():
        J = np.array(
            [[surface(Value(p), Value(q)).data for p, q in zip(ra, rb)] for ra, rb in zip(a, b)]
        )
    return a, b, J


def plot_loss_surface(
    surface: Surface,
    *,
    paths: Mapping[str, np.ndarray] | None = None,
    xlim: tuple[float, float] = (-3, 3),
    ylim: tuple[float, float] = (-3, 3),
    resolution: int = 80,
    log_levels: bool = True,
    names: tuple[str, str] = ("w1", "w2"),
    ax=None,
):
    """Contours of J(w1, w2) with a colour bar, and optimiser paths (from `optimizer_paths`).

    The view stays on `xlim` x `ylim` even when a path runs off it (a diverging run).
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 5))
    else:
        fig = ax.figure
    a, b, J = _surface_grid(surface, xlim, ylim, resolution)
    log = log_levels and J.min() > 0
    levels = np.geomspace(max(J.min(), 1e-3), J.max(), 25) if log else 25
    contours = ax.contour(a, b, J, levels=levels, cmap="viridis", linewidths=0.9)
    bar = fig.colorbar(contours, ax=ax, label=f"J({names[0]}, {names[1]})")
    if log:
        bar.ax.set_yscale("log")
        bar.set_ticks(levels[::4], labels=[f"{v:.3g}" for v in levels[::4]])
        bar.ax.minorticks_off()
    for name, path in (paths or {}).items():
        ax.plot(path[:, 0], path[:, 1], "-o", ms=2.5, lw=1.5, label=name)
    if paths:
        first = next(iter(paths.values()))[0]
        ax.plot(*first, "k*", ms=12, label="start")
        ax.legend(fontsize=9)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(f"J({names[0]}, {names[1]})")
    return fig, ax


def _safe_loss(surface: Surface, p: float, q: float) -> float:
    try:
        return surface(Value(p), Value(q)).data
    except OverflowError:
        return float("inf")


def plot_learning_rates(
    surface: Surface,
    start: tuple[float, float],
    rates: Mapping[str, float],
    *,
    steps: int = 30,
    xlim: tuple[float, float] = (-3, 3),
    ylim: tuple[float, float] = (-3, 3),
    names: tuple[str, str] = ("w1", "w2"),
):
    """Gradient descent from one start with several learning rates: paths and loss curves."""
    paths = optimizer_paths(
        surface,
        start,
        {f"{k} (lr={v:g})": (lambda p, lr=v: SGD(p, lr=lr)) for k, v in rates.items()},
        steps,
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.2))
    plot_loss_surface(surface, paths=paths, xlim=xlim, ylim=ylim, names=names, ax=left)
    with no_grad():
        for name, path in paths.items():
            losses = [_safe_loss(surface, p, q) for p, q in path]
            right.plot(losses, label=name, lw=2)
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel(f"J({names[0]}, {names[1]})")
    right.legend(fontsize=9)
    fig.tight_layout()
    return fig, (left, right)


def plot_descent_1d(
    loss: Curve,
    start: float,
    rates: Mapping[str, float],
    *,
    steps: int = 40,
    xlim: tuple[float, float] = (-2, 2),
    name: str = "w",
):
    """One panel per learning rate: the loss curve J(w) and the steps gradient descent takes.

    Returns ``(fig, axes, paths)``, `paths` mapping each name to its `descent_1d` path.
    Each panel's title says where its run ended, or that it diverged.
    """
    xs = np.linspace(*xlim, 400)
    with no_grad():
        curve = np.array([loss(Value(float(x))).data for x in xs])
    lo, hi = curve.min(), curve.max()
    pad = 0.08 * (hi - lo)
    fig, axes = plt.subplots(1, len(rates), figsize=(3.4 * len(rates), 3.4), squeeze=False)
    paths = {}
    for ax, (label, lr) in zip(axes[0], rates.items()):
        path = descent_1d(loss, start, lr, steps)
        paths[label] = path
        inside = [w for w in path if xlim[0] <= w <= xlim[1]]
        with no_grad():
            heights = [loss(Value(w)).data for w in inside]
        ax.plot(xs, curve, color="0.35", lw=2)
        ax.plot(inside, heights, "-o", color="tab:orange", ms=4, lw=0.8, alpha=0.9)
        ax.plot(path[0], heights[0], "k*", ms=13, label="start")
        if len(inside) == len(path):
            ax.plot(path[-1], heights[-1], "o", color="tab:red", ms=9, label="end")
            outcome = f"after {len(path) - 1} steps: {name} = {path[-1]:.2f}"
        else:
            outcome = f"left the plot at step {len(inside)}: diverged"
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlim(*xlim)
        ax.set_title(f"{label} (lr = {lr:g})\n{outcome}", fontsize=11)
        ax.set_xlabel(name)
        ax.legend(loc="upper center", fontsize=10)
    axes[0][0].set_ylabel(f"J({name})")
    fig.tight_layout()
    return fig, axes[0], paths
