"""plot_network's spacing and labels: layers `layer_gap` apart, a label under each layer."""

import matplotlib

matplotlib.use("Agg")  # tests only; notebooks keep the inline backend

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from chainrule.viz.plots import plot_network  # noqa: E402


def _centres(ax):
    return sorted({round(p.center[0], 9) for p in ax.patches if isinstance(p, plt.Circle)})


def test_layers_are_layer_gap_apart_and_every_connection_still_drawn():
    fig, ax = plot_network([2, 5, 1], layer_gap=3.5)
    assert _centres(ax) == [0.0, 3.5, 7.0]
    assert len(ax.lines) == 2 * 5 + 5 * 1
    assert ax.get_xlim() == (-0.5, 7.5)
    fig.canvas.draw()
    plt.close(fig)


def test_default_spacing_and_size_are_unchanged():
    fig, ax = plot_network([3, 4, 4, 2])
    assert _centres(ax) == [0.0, 1.0, 2.0, 3.0]
    assert tuple(fig.get_size_inches()) == pytest.approx((1.4 * 4 + 1, 3.8))
    plt.close(fig)


def test_a_spread_out_network_gets_a_wider_figure():
    narrow, _ = plot_network([2, 16, 16, 1])
    wide, _ = plot_network([2, 16, 16, 1], layer_gap=12)
    assert wide.get_size_inches()[0] > narrow.get_size_inches()[0]
    plt.close(narrow)
    plt.close(wide)


def test_labels_are_written_under_their_layers():
    fig, ax = plot_network([2, 3, 1], layer_gap=2, labels=["in", "hidden", "out"])
    texts = {t.get_text(): t.get_position()[0] for t in ax.texts}
    assert texts == {"in": 0.0, "hidden": 2.0, "out": 4.0}
    fig.canvas.draw()
    below = [t.get_window_extent().y1 for t in ax.texts]
    assert max(below) <= ax.get_window_extent().y0 + 1  # under the drawing, not on it
    plt.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"labels": ["in", "out"]}, "one label per layer \\(3\\)"),
        ({"labels": "abc"}, "one label per layer"),
        ({"layer_gap": 0}, "layer_gap must be a number from 0.5 to 100, got 0"),
        ({"layer_gap": float("nan")}, "layer_gap must be a number"),
        ({"layer_gap": True}, "layer_gap must be a number"),
    ],
)
def test_bad_spacing_or_labels_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_network([2, 3, 1], **kwargs)
