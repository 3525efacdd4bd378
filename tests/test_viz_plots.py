"""Every plot renders headless, and plots what the engine computes."""

import math

import matplotlib

matplotlib.use("Agg")  # tests only; notebooks keep the inline backend

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from chainrule.nn import MLP, SGD, Adam, EarlyStopping, datasets, fit  # noqa: E402
from chainrule.viz import plots  # noqa: E402


def bowl(w1, w2):
    return (w1 - 1.0) ** 2 + 3.0 * (w2 + 0.5) ** 2


def rendered(fig) -> np.ndarray:
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    plt.close(fig)
    return pixels


def test_activations_and_their_derivatives():
    fig, axes = plots.plot_activations()
    assert len(axes) == 3
    sig_x, sig_line = axes[0].lines[0].get_xdata(), axes[0].lines[0].get_ydata()
    slope = axes[0].lines[1].get_ydata()
    assert sig_line[np.argmin(abs(sig_x))] == pytest.approx(0.5)
    assert max(slope) == pytest.approx(0.25, abs=1e-4)  # sigmoid'(0) = 1/4
    relu_slope = axes[2].lines[1].get_ydata()
    assert set(np.unique(relu_slope)) == {0.0, 1.0}
    assert rendered(fig).std() > 0


def test_decision_boundary_binary_and_multiclass():
    X, y = datasets.moons(40, seed=0)
    fig, ax = plots.plot_decision_boundary(MLP(2, [8, 1], seed=0), X, y)
    assert ax.collections
    rendered(fig)
    X3, y3 = datasets.spirals(30, seed=0)
    fig, ax = plots.plot_decision_boundary(MLP(2, [8, 3], seed=0), X3, y3, resolution=30)
    rendered(fig)
    with pytest.raises(ValueError, match="shape"):
        plots.plot_decision_boundary(MLP(3, [1]), np.zeros((4, 3)), [0, 1, 0, 1])


def test_history_marks_early_stopping():
    X, y = datasets.regression_1d(30, noise=0.3, seed=0)
    model = MLP(1, [16, 16, 1], activation="tanh", seed=0)
    h = fit(
        model,
        (X[:20], y[:20]),
        "mse",
        Adam(model.parameters(), lr=0.05),
        epochs=200,
        validation=(X[20:], y[20:]),
        early_stopping=EarlyStopping(patience=3),
        progress=False,
    )
    fig, ax = plots.plot_history(h)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"best epoch ({h.best_epoch})" in labels and f"stopped ({h.stopped_epoch})" in labels
    rendered(fig)


def test_optimizer_paths_and_surface():
    paths = plots.optimizer_paths(
        bowl,
        (-2.0, 2.0),
        {"SGD": lambda p: SGD(p, lr=0.05), "Adam": lambda p: Adam(p, lr=0.2)},
        steps=100,
    )
    assert paths["SGD"].shape == (101, 2)
    for path in paths.values():
        assert bowl(*path[-1]) < bowl(*path[0]) / 50
        assert path[-1] == pytest.approx([1.0, -0.5], abs=0.1)
    fig, ax = plots.plot_loss_surface(bowl, paths=paths)
    assert len(ax.lines) == 3  # two paths and the start
    rendered(fig)


def test_learning_rates_small_good_large():
    fig, (left, right) = plots.plot_learning_rates(
        bowl, (-2.0, 2.0), {"too small": 0.001, "good": 0.1, "too large": 0.4}, steps=20
    )
    curves = {line.get_label(): line.get_ydata() for line in right.lines}
    small, good, large = (
        curves[k] for k in sorted(curves, key=lambda k: float(k.split("=")[1][:-1]))
    )
    assert good[-1] < 1e-2 < small[-1]
    assert large[-1] > large[0] or not math.isfinite(large[-1])  # diverges
    rendered(fig)
