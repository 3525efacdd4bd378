"""Plots for the lecture's ideas (needs matplotlib, from the ``[notebooks]`` extra).

Every function returns ``(fig, ax)`` (or ``(fig, axes)``) so a notebook can
style or save it. Every number plotted is computed by the engine: the
derivative curves, for example, are the local derivatives the engine records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from chainrule.autograd import Value, no_grad
from chainrule.nn.activations import get_activation
from chainrule.nn.module import Module
from chainrule.nn.optim import Optimizer
from chainrule.nn.training import History, predict

__all__ = [
    "plot_activations",
    "plot_decision_boundary",
    "plot_history",
    "optimizer_paths",
    "plot_loss_surface",
    "plot_learning_rates",
]

Surface = Callable[[Value, Value], Value]


def activation_curve(name: str, xs: Sequence[float]) -> tuple[list[float], list[float]]:
    """g(x) and g'(x) at each x, both from the engine (g' is the recorded local derivative)."""
    _, g = get_activation(name)
    values, slopes = [], []
    for x in xs:
        v = Value(float(x))
        out = g(v)
        out.backward()
        values.append(out.data)
        slopes.append(v.grad)
    return values, slopes


def plot_activations(
    names: Sequence[str] = ("sigmoid", "tanh", "relu"), x_range: tuple[float, float] = (-5, 5)
):
    """One panel per activation: the function and its derivative."""
    xs = np.linspace(*x_range, 401)
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        values, slopes = activation_curve(name, xs)
        ax.plot(xs, values, label=f"{name}(z)", lw=2)
        ax.plot(xs, slopes, "--", label=f"{name}'(z)", lw=2)
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.set_title(name)
        ax.set_xlabel("z")
        ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig, axes[0]


def _score(out) -> float | int:
    if isinstance(out, Value):
        return out.data
    return int(np.argmax([o.data for o in out]))


def plot_decision_boundary(
    model: Module | Callable,
    X: np.ndarray,
    y: Sequence,
    *,
    threshold: float = 0.0,
    resolution: int = 120,
    margin: float = 0.5,
    ax=None,
):
    """The model's decision over the input plane, with the data on top.

    One output: the region where it exceeds `threshold` (0 for logits and
    hinge scores, 0.5 for sigmoid probabilities). Several outputs: argmax.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D inputs of shape (n, 2), got {X.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 4.5))
    else:
        fig = ax.figure
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    g1, g2 = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    if isinstance(model, Module):
        outputs = predict(model, grid)  # eval mode, no graph, mode restored afterwards
    else:
        with no_grad():
            outputs = [model(row) for row in grid.tolist()]
    scores = np.array([_score(out) for out in outputs])
    multi = scores.dtype.kind in "iu"
    Z = (scores if multi else (scores > threshold).astype(int)).reshape(g1.shape)
    ax.contourf(
        g1,
        g2,
        Z,
        alpha=0.3,
        cmap="coolwarm" if not multi else "viridis",
        levels=np.arange(Z.max() + 2) - 0.5,
    )
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=np.asarray(y),
        cmap="coolwarm" if not multi else "viridis",
        edgecolors="k",
        s=25,
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    return fig, ax


def plot_history(history: History, *, ax=None, title: str = "loss"):
    """Training and validation loss per epoch; the best epoch marked when early stopping ran."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.5))
    else:
        fig = ax.figure
    epochs = np.arange(len(history.loss))
    ax.plot(epochs, history.loss, label="training loss", lw=2)
    if history.val_loss:
        ax.plot(epochs, history.val_loss, label="validation loss", lw=2)
    if history.best_epoch is not None:
        best = history.val_loss or history.loss
        ax.axvline(history.best_epoch, color="k", ls=":", lw=1)
        ax.plot(
            [history.best_epoch],
            [best[history.best_epoch]],
            "k*",
            ms=12,
            label=f"best epoch ({history.best_epoch})",
        )
    if history.stopped_epoch is not None:
        ax.axvline(
            history.stopped_epoch,
            color="r",
            ls="--",
            lw=1,
            label=f"stopped ({history.stopped_epoch})",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel(title)
    ax.legend()
    return fig, ax


def optimizer_paths(
    surface: Surface,
    start: tuple[float, float],
    optimizers: Mapping[str, Callable[[list[Value]], Optimizer]],
    steps: int = 50,
) -> dict[str, np.ndarray]:
    """Run each optimiser from `start` on J(w1, w2) = surface(w1, w2); return its path.

    `optimizers` maps a name to a function that builds the optimiser from the
    two parameters, e.g. ``{"Adam": lambda p: Adam(p, lr=0.1)}``. Each path is
    an array of shape (steps + 1, 2).
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
    """Contours of J(w1, w2), with optimiser paths (from `optimizer_paths`) drawn on it.

    The view stays on `xlim` x `ylim` even when a path runs off it (a diverging run).
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5))
    else:
        fig = ax.figure
    a, b, J = _surface_grid(surface, xlim, ylim, resolution)
    levels = np.geomspace(max(J.min(), 1e-3), J.max(), 25) if log_levels and J.min() >= 0 else 25
    ax.contour(a, b, J, levels=levels, cmap="viridis", linewidths=0.8)
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
    from chainrule.nn.optim import SGD

    paths = optimizer_paths(
        surface,
        start,
        {f"{k} (lr={v:g})": (lambda p, lr=v: SGD(p, lr=lr)) for k, v in rates.items()},
        steps,
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    plot_loss_surface(surface, paths=paths, xlim=xlim, ylim=ylim, names=names, ax=left)
    with no_grad():
        for name, path in paths.items():
            losses = [_safe_loss(surface, p, q) for p, q in path]
            right.plot(losses, label=name, lw=2)
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("J")
    right.legend(fontsize=9)
    fig.tight_layout()
    return fig, (left, right)
