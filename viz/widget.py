"""The backprop graph as an interactive notebook widget (anywidget).

    >>> from chainrule.viz import explore, two_weight_network
    >>> net = two_weight_network(); net.J.backward()
    >>> explore(net.J)        # doctest: +SKIP

Works wherever anywidget does (JupyterLab 4, Notebook 7, VS Code, Colab,
JupyterLite). The graph is drawn in the browser by the vendored viz-js, so
no Graphviz is needed. Where widgets do not run (a saved notebook on GitHub,
nbconvert), the output falls back to the static SVG of `draw_graph`.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Mapping
from typing import Any

try:
    import anywidget
    import traitlets
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the graph widget needs anywidget: pip install 'chainrule[widget]' "
        "(or write a standalone page with chainrule.viz.export_html(root, 'graph.html'))"
    ) from e

from chainrule.autograd import Value

from .frontend import app_css, app_js, dot_html, script_json, viz_js
from .graph_json import graph_data, warn_notes
from .render import find_renderer

__all__ = ["GraphWidget", "explore", "static_bundle"]

_RENDER = """
let vizPromise = globalThis.__chainruleViz;
if (!vizPromise) { vizPromise = globalThis.__chainruleViz = chainruleVizJs.instance(); }

export default {
  async render({ model, el }) {
    const viz = await vizPromise;
    let handle = chainruleGraphApp.mount(el, JSON.parse(model.get("graph_json")), viz);
    const update = () => {
      handle.destroy();
      handle = chainruleGraphApp.mount(el, JSON.parse(model.get("graph_json")), viz);
    };
    model.on("change:graph_json", update);
    return () => { model.off("change:graph_json", update); handle.destroy(); };
  },
};
"""


@functools.cache
def widget_esm() -> str:
    """The widget's ES module: viz-js, the graph app, and anywidget's render hook."""
    return viz_js() + "\n" + app_js() + "\n" + _RENDER


def static_bundle(root: Value, **draw_options: Any) -> dict[str, str]:
    """The static picture of `root`'s graph as mime types: image/svg+xml and text/html.

    The SVG comes from Python's renderer when there is one; otherwise (for
    example in Pyodide) text/html draws the same DOT in the browser.
    """
    from .graph import GraphTooLarge, draw_graph

    try:
        graph = draw_graph(root, **draw_options)
    except GraphTooLarge as e:
        return {"text/html": f"<p>{html.escape(str(e))}</p>"}
    if find_renderer() is None:  # no program can run here (Pyodide): the browser draws it
        return {"text/html": dot_html(graph.source)}
    svg = graph.pipe(format="svg", encoding="utf-8")
    return {"image/svg+xml": svg, "text/html": f'<div class="cr-static">{svg}</div>'}


class GraphWidget(anywidget.AnyWidget):
    """The interactive graph of `root`: zoom, pan, inspect, backward step by step, search.

    ``GraphWidget(loss)`` after ``loss.backward()``. `names` maps Values to the
    names to show (for example ``{p: n for n, p in model.named_parameters()}``);
    other options go to `graph_data` (``max_nodes``, ``max_paths``, ``title``).
    """

    _esm = traitlets.Unicode(widget_esm()).tag(sync=True)
    _css = traitlets.Unicode(app_css()).tag(sync=True)
    graph_json = traitlets.Unicode("{}").tag(sync=True)

    def __init__(
        self, root: Value, *, names: Mapping[Value, str] | None = None, **options: Any
    ) -> None:
        data = graph_data(root, names=names, **options)
        warn_notes(data)
        super().__init__(graph_json=script_json(data))
        self._root = root
        self._names = names

    @property
    def data(self) -> dict[str, Any]:
        """The graph data the front end shows (nodes, edges, chains, steps, groups, notes)."""
        return json.loads(self.graph_json)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        widget_bundle = getattr(super(), "_repr_mimebundle_", None)
        if widget_bundle is None:  # ipywidgets 7 (Colab) displays through _ipython_display_
            return static_bundle(self._root)
        bundle = widget_bundle(**kwargs)
        if isinstance(bundle, tuple):  # (data, metadata)
            data, meta = bundle
        else:
            data, meta = bundle, None
        if data is None:
            return bundle
        data = {**static_bundle(self._root), **data}
        return (data, meta) if meta is not None else data


def explore(root: Value, *, model: Any = None, **options: Any) -> GraphWidget:
    """An interactive widget of the graph that computed `root` (call ``root.backward()`` first).

    ``model=`` (a chainrule.nn Module) names its parameters in the graph, e.g.
    ``layers.0.neurons.1.weights.0``. See `GraphWidget` for the options.
    """
    names = dict(options.pop("names", None) or {})
    if model is not None:
        for name, p in model.named_parameters():
            names.setdefault(p, name)
    return GraphWidget(root, names=names or None, **options)
