"""BackpropStepper: the frames of backward, shown as a slider where widgets run and
as a static strip of pictures everywhere else (GitHub, nbviewer, HTML exports)."""

from __future__ import annotations

import base64
import html
import re

from .names import visible
from .render import GraphDrawing, find_renderer

__all__ = ["BackpropStepper", "WIDGET_MIME"]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
DISPLAY_WIDTH_PX = 900  # a notebook's output width


def _width_px(svg: str) -> int:
    """The width a browser gives `svg` (Graphviz writes it in points), at most 900 px."""
    found = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg)
    width = float(found.group(1)) * 4 / 3 if found else DISPLAY_WIDTH_PX
    return int(min(width, DISPLAY_WIDTH_PX))


class BackpropStepper:
    """The frames of backward with their captions (``frames[0]`` is the start)."""

    def __init__(self, frames: list[GraphDrawing], captions: list[str]) -> None:
        if len(frames) != len(captions) or not frames:
            raise ValueError("a stepper needs one caption per frame, and at least one frame")
        self.frames = frames
        self.captions = captions
        self._svgs: list[str] | None = None
        self._widget = None

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        lines = [f"Backprop in {len(self.frames) - 1} steps (a slider where widgets run):"]
        return "\n".join(lines + [f"  {visible(c)}" for c in self.captions])

    @property
    def svgs(self) -> list[str]:
        """Every frame as SVG text (needs a renderer: see `chainrule.viz.find_renderer`)."""
        if self._svgs is None:
            self._svgs = [f.pipe("svg", encoding="utf-8") for f in self.frames]
        return self._svgs

    def widget(self):
        """An ipywidgets slider over the frames (needs ipywidgets and a renderer).

        With ipywidgets 8 the slider is linked to the frames in the browser
        (``jslink``), so it keeps working in a saved notebook with its widget
        state (an HTML export, nbviewer) without a kernel."""
        if self._widget is None:
            import ipywidgets as widgets

            svgs = self.svgs
            slider = widgets.IntSlider(min=0, max=len(svgs) - 1, value=0, description="step")
            if hasattr(widgets, "Stack"):  # ipywidgets >= 8
                view = widgets.Stack([widgets.HTML(s) for s in svgs], selected_index=0)
                widgets.jslink((slider, "value"), (view, "selected_index"))

                def on_change(change: dict) -> None:  # the same, for the kernel's copy
                    view.selected_index = change["new"]
            else:  # ipywidgets 7 (Colab): the kernel swaps the picture
                view = widgets.HTML(svgs[0])

                def on_change(change: dict) -> None:
                    view.value = svgs[change["new"]]

            slider.observe(on_change, names="value")
            self._widget = widgets.VBox([slider, view])
        return self._widget

    def static_html(self) -> str:
        """The frames side by side with their captions, as HTML needing no kernel."""
        if find_renderer() is not None:
            pictures = [
                f'<img src="data:image/svg+xml;base64,{base64.b64encode(s.encode()).decode()}"'
                f' width="{_width_px(s)}" alt="frame {k}">'
                for k, s in enumerate(self.svgs)
            ]
        else:  # no program to draw with: the browser draws the DOT text
            from .frontend import dot_html

            pictures = [dot_html(f.source) for f in self.frames]
        figures = "".join(
            '<figure style="flex:0 0 auto;margin:0">'
            f"<figcaption><b>{html.escape(visible(c.split(':', 1)[0]))}</b></figcaption>"
            f"{p}</figure>"
            for c, p in zip(self.captions, pictures)
        )
        return (
            '<div class="chainrule-backprop" style="display:flex;gap:24px;overflow-x:auto;'
            f'align-items:flex-start">{figures}</div>'
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle: dict = {"text/plain": repr(self)}
        try:
            bundle["text/html"] = self.static_html()
        except ImportError:  # neither a renderer nor the browser-side one: text only
            return bundle
        if find_renderer() is not None:
            try:
                widget = self.widget()
            except ImportError:  # no ipywidgets: the static strip is the view
                return bundle
            bundle[WIDGET_MIME] = {
                "version_major": 2,
                "version_minor": 0,
                "model_id": widget.model_id,
            }
        return bundle
