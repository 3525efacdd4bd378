"""Watching training as it runs: loss and accuracy curves and a 2-D decision boundary.

    >>> view = TrainingView(data=(X, y))                       # doctest: +SKIP
    >>> view                                                   # doctest: +SKIP
    >>> for epoch in range(100):                               # doctest: +SKIP
    ...     ...  # one epoch of training, appending to history
    ...     view(epoch, history, model)

`view(epoch, history, model)` is the callback signature: the curves are
redrawn every epoch, the boundary only when its expected cost keeps the
view's time within `budget` (10 % of the training time by default), so a
slow boundary never slows training much. The picture is one
SVG made here in Python: the notebook widget (anywidget) shows it live, and
wherever widgets do not run the same SVG is the static summary.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Sequence
from typing import Any

from chainrule.autograd import Value, no_grad

__all__ = ["TrainingView", "training_svg", "boundary_grid"]

BLUE, RED = (31, 119, 180), (214, 39, 40)


def _score(out: Any) -> float:
    """The model's output for one point as a number (the first output of a list)."""
    if isinstance(out, (list, tuple)):
        out = out[0]
    return out.data if isinstance(out, Value) else float(out)


def boundary_grid(model: Any, X: Sequence[Sequence[float]], resolution: int = 30) -> dict[str, Any]:
    """The model's output on a resolution x resolution grid around the 2-D points `X`."""
    if not len(X) or any(len(p) != 2 for p in X):
        raise ValueError("a decision boundary needs 2-D points: data=(X, y) with X of shape (n, 2)")
    xs = [float(p[0]) for p in X]
    ys = [float(p[1]) for p in X]
    pad_x = (max(xs) - min(xs)) * 0.1 or 1.0
    pad_y = (max(ys) - min(ys)) * 0.1 or 1.0
    x0, x1, y0, y1 = min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            scores = [
                [
                    _score(model([x0 + (i + 0.5) * (x1 - x0) / resolution,
                                  y0 + (j + 0.5) * (y1 - y0) / resolution]))
                    for i in range(resolution)
                ]
                for j in range(resolution)
            ]  # fmt: skip
    finally:
        if was_training and hasattr(model, "train"):
            model.train()
    return {"box": (x0, x1, y0, y1), "scores": scores}


def _colour(score: float, threshold: float, scale: float) -> str:
    """Blue above the threshold, red below, paler near it."""
    t = min(1.0, abs(score - threshold) / scale) if scale > 0 else 1.0
    base = BLUE if score > threshold else RED
    r, g, b = (round(255 + (c - 255) * (0.15 + 0.45 * t)) for c in base)
    return f"rgb({r},{g},{b})"


def _curve_panel(
    x: float, w: float, h: float, title: str, series: list[tuple], span: tuple | None = None
) -> list[str]:
    out = [f'<g transform="translate({x:.0f},0)">',
           f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>',
           f'<rect x="34" y="24" width="{w - 40:.0f}" height="{h - 50:.0f}" fill="none" '
           'stroke="#bbb"/>']  # fmt: skip
    values = [v for _, vals, _ in series for v in vals if v is not None and math.isfinite(v)]
    if not values:
        return [*out, '<text x="40" y="60" fill="#888">no data yet</text>', "</g>"]
    lo, hi = span or (min(values), max(values))
    if hi == lo:
        hi = lo + 1.0
    n = max(len(vals) for _, vals, _ in series)
    for label_y, number in ((28, hi), (h - 28, lo)):
        out.append(f'<text x="30" y="{label_y:.0f}" text-anchor="end" font-size="10" '
                   f'fill="#555">{number:.3g}</text>')  # fmt: skip
    out.append(f'<text x="{w - 6:.0f}" y="{h - 12:.0f}" text-anchor="end" font-size="10" '
               f'fill="#555">epoch {n - 1}</text>')  # fmt: skip
    for k, (name, vals, colour) in enumerate(series):
        pts = [
            f"{34 + (w - 40) * (i / max(1, n - 1)):.1f},{24 + (h - 50) * (hi - v) / (hi - lo):.1f}"
            for i, v in enumerate(vals)
            if v is not None and math.isfinite(v)
        ]
        if pts:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                       f'points="{" ".join(pts)}"/>')  # fmt: skip
        last = next((v for v in reversed(vals) if v is not None), None)
        if last is not None:
            out.append(f'<text x="{40 + 120 * k}" y="{h - 12:.0f}" font-size="11" fill="{colour}">'
                       f"{html.escape(name)} {last:.4g}</text>")  # fmt: skip
    return [*out, "</g>"]


def training_svg(
    history: Any,
    grid: dict[str, Any] | None = None,
    points: tuple[Sequence, Sequence] | None = None,
    *,
    threshold: float = 0.0,
    caption: str = "",
) -> str:
    """One SVG (880 x 300): loss and accuracy per epoch, and the decision boundary when given."""
    w, h = 880, 300
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             f'viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>']  # fmt: skip
    loss = [("training loss", list(history.loss), "#1f77b4")]
    if getattr(history, "val_loss", None):
        loss.append(("validation", list(history.val_loss), "#ff7f0e"))
    parts += _curve_panel(0, 290, h, "loss", loss)
    acc = [("training", list(history.accuracy), "#1f77b4")]
    if getattr(history, "val_accuracy", None):
        acc.append(("validation", list(history.val_accuracy), "#ff7f0e"))
    parts += _curve_panel(300, 290, h, "accuracy", acc, span=(0.0, 1.0))
    if grid is not None:
        x0, x1, y0, y1 = grid["box"]
        scores = grid["scores"]
        res = len(scores)
        size, left, top = 250.0, 615.0, 24.0
        cell = size / res
        flat = [s for row in scores for s in row]
        scale = max(abs(s - threshold) for s in flat) or 1.0
        parts.append('<text x="615" y="14" font-weight="bold">decision boundary</text>')
        parts.append('<g shape-rendering="crispEdges">')
        for j, row in enumerate(scores):  # row j is y from y0 (bottom) upwards
            for i, s in enumerate(row):
                parts.append(
                    f'<rect x="{left + i * cell:.1f}" y="{top + size - (j + 1) * cell:.1f}" '
                    f'width="{cell + 0.3:.1f}" height="{cell + 0.3:.1f}" '
                    f'fill="{_colour(s, threshold, scale)}"/>'
                )
        parts.append("</g>")
        if points is not None:
            for (px, py), label in zip(points[0], points[1]):
                cx = left + (float(px) - x0) / (x1 - x0) * size
                cy = top + size - (float(py) - y0) / (y1 - y0) * size
                fill = "#1f77b4" if float(label) > 0 else "#d62728"  # classes 1 / 0 or -1
                parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{fill}" '
                             'stroke="black" stroke-width="0.7"/>')  # fmt: skip
        parts.append(f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" '
                     'stroke="#888"/>')  # fmt: skip
    if caption:
        parts.append(f'<text x="615" y="{h - 8}" font-size="10" fill="#555">'
                     f"{html.escape(caption)}</text>")  # fmt: skip
    parts.append("</svg>")
    return "\n".join(parts)


_ESM = """
export default {
  render({ model, el }) {
    const draw = () => { el.innerHTML = model.get("svg"); };
    draw();
    model.on("change:svg", draw);
    return () => model.off("change:svg", draw);
  },
};
"""


class TrainingView:
    """A live view of training: call it as ``view(epoch, history, model)`` after each epoch.

    `data` = (X, y) with 2-D points adds the decision boundary (`threshold`:
    0 for logits and hinge scores, 0.5 for sigmoid outputs). Redraws happen
    at most every `every` epochs; the boundary is recomputed only while the
    view's own time stays within `budget` (a fraction) of the time spent
    training; `finish()` draws the last state. Shown in a notebook it is a
    live widget (anywidget) that falls back to the static SVG, ``view.svg``.
    """

    def __init__(
        self,
        data: tuple[Sequence, Sequence] | None = None,
        *,
        threshold: float = 0.0,
        every: int = 1,
        budget: float = 0.10,
        resolution: int = 20,
        clock: Any = time.perf_counter,
    ) -> None:
        if not 0.0 < budget < 1.0:
            raise ValueError(f"budget is a fraction of training time in (0, 1), got {budget!r}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        if data is not None:
            boundary_grid(lambda p: 0.0, data[0], 1)  # checks that the points are 2-D
        self.data, self.threshold, self.every = data, threshold, every
        self.budget, self.resolution, self._clock = budget, resolution, clock
        self.svg = training_svg(_Empty())
        self.frames = 0  # pictures drawn
        self.boundary_frames = 0  # of which with a freshly computed boundary
        self.spent = 0.0  # seconds spent drawing
        self._start: float | None = None
        self._last_draw = -every
        self._state: tuple | None = None
        self._grid: dict[str, Any] | None = None
        self._grid_epoch = -1
        self._grid_cost: float | None = None  # seconds one boundary takes (estimated, measured)
        self._widget = None

    @property
    def overhead(self) -> float:
        """Time spent drawing as a fraction of the time spent training so far."""
        if self._start is None:
            return 0.0
        training = self._clock() - self._start - self.spent
        return self.spent / training if training > 0 else 0.0

    def __call__(self, epoch: int, history: Any, model: Any) -> None:
        """Record the state after `epoch`; redraw what the time budget allows.

        The curves (cheap) are redrawn every `every` epochs. The boundary (a
        forward pass per grid cell) is recomputed only when its expected cost
        keeps the view's total time within `budget` of the training time.
        """
        now = self._clock()
        if self._start is None:
            self._start = now
        self._state = (epoch, history, model)
        if epoch - self._last_draw >= self.every or self.frames == 0:
            training = now - self._start - self.spent
            if self.data is not None and self._grid_cost is None:
                t = self._clock()
                boundary_grid(model, self.data[0], 1)  # one cell: the cost of one forward pass
                self._grid_cost = (self._clock() - t) * self.resolution**2
            fresh = self.data is not None and (
                self.spent + 1.25 * (self._grid_cost or 0.0) <= self.budget * training
            )
            self._draw(boundary=fresh)
            self._last_draw = epoch
        self.spent += self._clock() - now

    def finish(self) -> None:
        """After training: draw the last state seen, boundary included (outside the budget)."""
        if self._state is not None:
            spent = self.spent
            self._draw(boundary=self.data is not None)
            self.spent = spent

    def _draw(self, boundary: bool) -> None:
        epoch, history, model = self._state
        if boundary:
            t = self._clock()
            self._grid = boundary_grid(model, self.data[0], self.resolution)
            self._grid_cost = max(self._grid_cost or 0.0, self._clock() - t)  # err on the safe side
            self._grid_epoch = epoch
            self.boundary_frames += 1
        caption = f"after epoch {epoch}"
        if self._grid is not None and self._grid_epoch != epoch:
            caption += f" (boundary from epoch {self._grid_epoch})"
        self.svg = training_svg(
            history, self._grid, self.data, threshold=self.threshold, caption=caption
        )
        self.frames += 1
        if self._widget is not None:
            self._widget.svg = self.svg

    @property
    def widget(self):
        """The anywidget that shows the view live (made on first use)."""
        if self._widget is None:
            import anywidget
            import traitlets

            class _View(anywidget.AnyWidget):
                _esm = traitlets.Unicode(_ESM).tag(sync=True)
                svg = traitlets.Unicode("").tag(sync=True)

                def _repr_mimebundle_(inner, **kwargs):  # noqa: N805
                    base = getattr(super(), "_repr_mimebundle_", None)
                    bundle = base(**kwargs) if base else None
                    data = bundle[0] if isinstance(bundle, tuple) else bundle
                    static = {"image/svg+xml": inner.svg, "text/html": inner.svg}
                    if data is None:
                        return static
                    data = {**static, **data}
                    return (data, bundle[1]) if isinstance(bundle, tuple) else data

            self._widget = _View(svg=self.svg)
        return self._widget

    def _ipython_display_(self) -> None:
        from IPython.display import display

        try:
            display(self.widget)
        except ImportError:  # no anywidget: the static picture
            display({"image/svg+xml": self.svg}, raw=True)

    def _repr_svg_(self) -> str:
        return self.svg


class _Empty:
    loss: list = []
    accuracy: list = []
    val_loss: list = []
    val_accuracy: list = []
