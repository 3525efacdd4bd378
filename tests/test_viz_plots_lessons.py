"""The plots the lecture notebooks use: 1-D descent, colour bars, fit zones, dropped units."""

import matplotlib

matplotlib.use("Agg")  # tests only; notebooks keep the inline backend

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from chainrule.nn import MLP, Adam, EarlyStopping, History, datasets, fit  # noqa: E402
from chainrule.viz import plots  # noqa: E402


def parabola(w):
    return (w - 1.0) ** 2


def tilted_double_well(w):
    return (w * w - 1) ** 2 + 0.5 * w + 1


def test_descent_1d_steps_along_the_numerical_slope():
    path = plots.descent_1d(tilted_double_well, 2.0, 0.01, 3)
    assert len(path) == 4
    for w, nxt in zip(path, path[1:]):
        h = 1e-6
        slope = (tilted_double_well(w + h) - tilted_double_well(w - h)) / (2 * h)
        assert nxt == pytest.approx(w - 0.01 * slope, abs=1e-8)


def test_descent_1d_converges_and_diverges():
    assert plots.descent_1d(parabola, -3.0, 0.1, 200)[-1] == pytest.approx(1.0, abs=1e-9)
    path = plots.descent_1d(parabola, -3.0, 1.5, 200)  # |1 - 2 lr| = 2: each step doubles
    assert len(path) < 201 and abs(path[-1]) > 1e6
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        plots.descent_1d(parabola, 0.0, -0.1, 5)


def test_plot_descent_1d_says_which_runs_diverged():
    rates = {"small": 0.02, "medium": 0.1, "large": 0.2}
    fig, axes, paths = plots.plot_descent_1d(tilted_double_well, 2.0, rates, steps=60)
    assert len(axes) == 3 and set(paths) == set(rates)
    titles = [ax.get_title() for ax in axes]
    assert "diverged" in titles[2] and "diverged" not in titles[0] + titles[1]
    assert titles[0].endswith("after 60 steps: w = 0.93")
    assert paths["small"][-1] == pytest.approx(0.9304, abs=1e-3)  # the local minimum
    assert paths["medium"][-1] == pytest.approx(-1.0575, abs=1e-3)  # the global one
    fig.canvas.draw()
    plt.close(fig)


def test_loss_surface_has_a_colour_bar():
    fig, ax = plots.plot_loss_surface(lambda a, b: a * a + b * b + 1.0, resolution=20)
    bars = [a for a in fig.axes if a is not ax]
    assert len(bars) == 1 and bars[0].get_ylabel() == "J(w1, w2)"
    plt.close(fig)


def history_with_validation():
    X, y = datasets.regression_1d(30, noise=0.3, seed=0)
    model = MLP(1, [16, 16, 1], activation="tanh", seed=0)
    return fit(
        model,
        (X[:20], y[:20]),
        "mse",
        Adam(model.parameters(), lr=0.05),
        epochs=120,
        validation=(X[20:], y[20:]),
        early_stopping=EarlyStopping(patience=40),
        progress=False,
    )


def test_history_zones_split_at_the_lowest_validation_loss():
    h = history_with_validation()
    fig, ax = plots.plot_history(h, zones=True)
    spans = [p for p in ax.patches if p.get_alpha() == 0.08]
    assert len(spans) == 2
    lowest = int(np.argmin(h.val_loss))
    left, right = (s.get_x() + s.get_width() for s in spans)
    assert left == pytest.approx(lowest) and right == pytest.approx(len(h.loss) - 1)
    assert {t.get_text() for t in ax.texts} == {"under-fitting", "over-fitting"}
    fig.canvas.draw()
    plt.close(fig)
    with pytest.raises(ValueError, match="needs a History with validation loss"):
        plots.plot_history(History(loss=[1.0, 0.5]), zones=True)


def test_decision_boundary_uses_the_class_colours():
    X, y = datasets.circles(40, seed=0)
    fig, ax = plots.plot_decision_boundary(
        MLP(2, [4, 1], seed=0), X, y, resolution=20, colors=("tab:red", "tab:green")
    )
    points = ax.collections[-1]
    colours = {tuple(float(v) for v in c) for c in points.to_rgba(points.get_array())}
    assert colours == {to_rgba("tab:red"), to_rgba("tab:green")}
    plt.close(fig)
    with pytest.raises(ValueError, match="1 colors for 2 classes"):
        plots.plot_decision_boundary(MLP(2, [1], seed=0), X, y, resolution=5, colors=("red",))


def test_network_drawing_crosses_out_dropped_units():
    dropped = [[], [True, False, False, True], [False, True, False, False], []]
    fig, ax = plots.plot_network([3, 4, 4, 2], dropped)
    circles = [p for p in ax.patches if isinstance(p, plt.Circle)]
    assert len(circles) == 3 + 4 + 4 + 2
    white = [c for c in circles if c.get_facecolor() == to_rgba("white")]
    assert len(white) == 3  # the three dropped units
    edges = 3 * 4 + 4 * 4 + 4 * 2
    assert len(ax.lines) == edges + 2 * 3  # every connection, and two strokes per cross
    faint = [ln for ln in ax.lines[:edges] if ln.get_linestyle() == ":"]
    assert len(faint) == 2 * 3 + (2 * 4 + 4 * 1 - 2) + 1 * 2  # edges touching a dropped unit
    fig.canvas.draw()
    plt.close(fig)


def test_network_drawing_rejects_bad_masks():
    with pytest.raises(ValueError, match="2 masks for 3 layers"):
        plots.plot_network([2, 3, 1], [[], []])
    with pytest.raises(ValueError, match="layer 1 has 3 units but a mask of 2"):
        plots.plot_network([2, 3, 1], [[], [True, False], []])
    with pytest.raises(ValueError, match="at least two layer sizes"):
        plots.plot_network([4])
