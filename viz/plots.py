"""Plots for the lecture's ideas (needs matplotlib, from the ``[notebooks]`` extra).

Every function returns ``(fig, ax)`` (or ``(fig, axes)``) so a notebook can
style or save it. Every number plotted is computed by the engine: the
derivative curves, for example, are the local derivatives the engine records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from chainrule.autograd import Value, no_grad
from chainrule.nn.activations import get_activation
from chainrule.nn.module import Module
from chainrule.nn.training import History, predict

from .plots_descent import (
    descent_1d,
    optimizer_paths,
    plot_descent_1d,
    plot_learning_rates,
    plot_loss_surface,
)
from .plots_network import plot_network

__all__ = [
    "activation_curve",
    "plot_activations",
    "plot_decision_boundary",
    "plot_history",
    "optimizer_paths",
    "plot_loss_surface",
    "plot_learning_rates",
    "descent_1d",
    "plot_descent_1d",
    "plot_network",
]


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
    colors: Sequence[str] | None = None,
    ax=None,
):
    """The model's decision over the input plane, with the data on top.

    One output: the region where it exceeds `threshold` (0 for logits and
    hinge scores, 0.5 for sigmoid probabilities). Several outputs: argmax.
    `colors` gives one colour per class (class 0 first), e.g. ``("tab:red",
    "tab:green")`` for the lecture's red and green points.
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
    labels = np.asarray(y).astype(int)
    classes = int(max(Z.max(), labels.max())) + 1
    if colors is not None and len(colors) < classes:
        raise ValueError(
            f"plot_decision_boundary: {len(colors)} colors for {classes} classes; give one each"
        )
    cmap = ListedColormap(list(colors)[:classes]) if colors else None
    cmap = cmap or ("coolwarm" if not multi else "viridis")
    ax.contourf(g1, g2, Z, alpha=0.3, cmap=cmap, levels=np.arange(classes + 1) - 0.5)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=labels,
        cmap=cmap,
        vmin=-0.5,
        vmax=classes - 0.5,
        edgecolors="k",
        s=25,
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    return fig, ax


def plot_history(history: History, *, ax=None, title: str = "loss", zones: bool = False):
    """Training and validation loss per epoch; the best epoch marked when early stopping ran.

    With `zones`, the epochs before the lowest validation loss are shaded as
    under-fitting and those after it as over-fitting (needs validation loss).
    """
    if zones and not history.val_loss:
        raise ValueError("plot_history(zones=True) needs a History with validation loss")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.8))
    else:
        fig = ax.figure
    epochs = np.arange(len(history.loss))
    ax.plot(epochs, history.loss, label="training loss", lw=2)
    if history.val_loss:
        ax.plot(epochs, history.val_loss, label="validation loss", lw=2)
    if zones:
        lowest = int(np.argmin(history.val_loss))
        ax.axvspan(0, lowest, color="tab:blue", alpha=0.08, lw=0)
        ax.axvspan(lowest, epochs[-1], color="tab:red", alpha=0.08, lw=0)
        for x, text in ((lowest / 2, "under-fitting"), ((lowest + epochs[-1]) / 2, "over-fitting")):
            ax.text(x, 0.96, text, transform=ax.get_xaxis_transform(), ha="center", va="top")
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
    ax.legend(loc="center right" if zones else "best")
    return fig, ax
