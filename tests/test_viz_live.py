"""The live training view: throttling under its time budget, the picture, the widget."""

from __future__ import annotations

import pytest

from chainrule.autograd import Value
from chainrule.nn import MLP, SGD, History, binary_cross_entropy_with_logits
from chainrule.viz.live import TrainingView, boundary_grid, training_svg


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def slow_model(clock, cost):
    def model(p):
        clock.t += cost  # each evaluation takes `cost` seconds of the fake clock
        return Value(p[0] - p[1])

    return model


POINTS = ([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0, 1, 0, 1])


def run(budget, epochs=200, epoch_time=0.2, draw_cost=0.001, resolution=10):
    clock = FakeClock()
    view = TrainingView(POINTS, budget=budget, resolution=resolution, clock=clock)
    history = History()
    model = slow_model(clock, draw_cost)
    for epoch in range(epochs):
        clock.t += epoch_time  # one epoch of training
        history.loss.append(1.0 / (epoch + 1))
        history.accuracy.append(0.5)
        view(epoch, history, model)
    return view, epochs * epoch_time


def test_boundary_redraws_stay_within_the_budget():
    view, training = run(budget=0.10)  # a boundary costs half an epoch (100 cells x 1 ms)
    assert view.spent <= 0.10 * training
    assert view.overhead <= 0.10
    assert view.frames == 200  # the curves every epoch
    assert 30 <= view.boundary_frames <= 40  # the boundary about every 5th epoch
    generous, _ = run(budget=0.9)
    assert generous.boundary_frames >= 195 and generous.overhead > 0.4  # the budget limits


def test_the_boundary_grid_is_the_models_output_at_cell_centres():
    grid = boundary_grid(lambda p: Value(p[0] - 2 * p[1]), POINTS[0], resolution=4)
    x0, x1, y0, y1 = grid["box"]
    for j, row in enumerate(grid["scores"]):
        for i, s in enumerate(row):
            x = x0 + (i + 0.5) * (x1 - x0) / 4
            y = y0 + (j + 0.5) * (y1 - y0) / 4
            assert s == pytest.approx(x - 2 * y)
    with pytest.raises(ValueError, match="2-D points"):
        boundary_grid(lambda p: 0.0, [[1.0, 2.0, 3.0]])


def test_the_picture_has_the_curves_the_cells_and_the_points():
    history = History(loss=[1.0, 0.5, 0.25], accuracy=[0.5, 0.75, 1.0])
    grid = boundary_grid(lambda p: Value(p[0] - p[1]), POINTS[0], resolution=5)
    svg = training_svg(history, grid, POINTS, caption="after epoch 2")
    assert svg.count("<polyline") == 2  # loss and accuracy
    assert svg.count("<circle") == 4
    assert svg.count('<rect x="') == 25 + 3  # the cells, plus the frames of the three panels
    assert "training loss 0.25" in svg and "after epoch 2" in svg
    assert "no data yet" in training_svg(History())


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="budget"):
        TrainingView(budget=1.5)
    with pytest.raises(ValueError, match="every"):
        TrainingView(every=0)
    with pytest.raises(ValueError, match="2-D points"):
        TrainingView(data=([[1.0]], [1]))


def test_a_real_training_loop_with_the_view_and_its_widget():
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    X = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    y = [0, 1, 1, 0]
    optimizer = SGD(model.parameters(), lr=0.5)
    view = TrainingView((X, y), resolution=8)
    history = History()
    for epoch in range(30):
        loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.loss.append(loss.data)
        history.accuracy.append(None)
        view(epoch, history, model)
    view.finish()
    assert "after epoch 29" in view.svg and f"training loss {history.loss[-1]:.4g}" in view.svg
    widget = view.widget
    assert widget.svg == view.svg
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["image/svg+xml"] == view.svg
    assert "application/vnd.jupyter.widget-view+json" in data
    assert model.training  # the boundary is drawn in eval mode, and the mode is restored
