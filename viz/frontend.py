"""Graphs drawn in the browser: DOT rendered by Graphviz compiled to WebAssembly.

The renderer is `@viz-js/viz` (MIT), vendored in ``chainrule/viz/static`` with
its licence and version (``static/VERSIONS.md``), so nothing is fetched from
the network and no Python-side Graphviz is needed (Pyodide, JupyterLite).

* `dot_html(dot)`: an HTML fragment that draws DOT text where it is shown;
* `export_html(root, path)`: one self-contained page with the interactive
  graph of `root` (works offline, no Python, no server);
* `graph_page(root)`: that page as a string.
"""

from __future__ import annotations

import functools
import html
import json
import os
import uuid
from importlib import resources
from typing import Any

from chainrule.autograd import Value

__all__ = ["dot_html", "export_html", "graph_page"]

VIZ_JS = "viz-global.js"
APP_JS = ("graph_app.js", "graph_panels.js")
APP_CSS = "graph_app.css"


@functools.cache
def _asset(name: str) -> str:
    text = resources.files("chainrule.viz").joinpath("static", name).read_text(encoding="utf-8")
    lowered = text.lower()
    if name.endswith(".js") and ("</script" in lowered or "<!--" in lowered):
        raise RuntimeError(f"static/{name} cannot be inlined in a <script> element")
    return text


@functools.cache
def viz_js() -> str:
    """viz-js as a script that defines ``chainruleVizJs`` (its exports) and no other global.

    The UMD build is given its own `exports`, `module` and an undefined
    `define`, so a page's AMD loader (classic Notebook, VS Code) is not involved.
    """
    return (
        "var chainruleVizJs = (function () {\n"
        "var exports = {}, module = { exports: exports }, define;\n"
        f"{_asset(VIZ_JS)}\n"
        "return module.exports;\n"
        "}).call(globalThis);\n"
    )


@functools.cache
def app_js() -> str:
    """The interactive graph's code (defines ``chainruleGraphApp`` and ``chainrulePanels``)."""
    return "\n".join(_asset(name) for name in APP_JS)


def app_css() -> str:
    """The interactive graph's style sheet."""
    return _asset(APP_CSS)


def script_json(value: Any) -> str:
    """JSON that is safe inside an HTML <script> element (no `<` that could close it)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")


def dot_html(dot_source: str) -> str:
    """An HTML fragment that draws `dot_source` as SVG in the browser, with no Python renderer.

    It inlines viz-js (about 1.3 MB) so it works offline and where outputs are
    saved; the WebAssembly module is started once per page and reused.
    """
    if not isinstance(dot_source, str):
        raise TypeError(f"dot_html needs DOT text (a str), got {type(dot_source).__name__}")
    div = f"cr-dot-{uuid.uuid4().hex}"
    return (
        f'<div class="cr-static" id="{div}"><span class="cr-wait" style="color:#666">'
        "Drawing the graph in the browser (Graphviz in WebAssembly). If nothing appears, this "
        "output needs JavaScript: trust the notebook or run the cell.</span></div>\n"
        "<script>(function () {\n"
        "if (!globalThis.__chainruleViz) {\n"
        f"{viz_js()}"
        "globalThis.__chainruleViz = chainruleVizJs.instance();\n"
        "}\n"
        f"var dot = {script_json(dot_source)}, el = document.getElementById({json.dumps(div)});\n"
        "globalThis.__chainruleViz.then(function (viz) {\n"
        "  var svg = viz.renderSVGElement(dot);\n"
        '  svg.style.maxWidth = "100%"; svg.style.height = "auto";\n'
        '  el.innerHTML = ""; el.appendChild(svg);\n'
        "}).catch(function (e) { el.textContent = 'chainrule could not draw the graph: ' + e; });\n"
        "})();</script>\n"
    )


def page_html(data: dict[str, Any], *, title: str | None = None, intro: str | None = None) -> str:
    """A whole standalone page for graph `data` (from `graph_data`): one file, no requests."""
    title = title or data.get("title") or "chainrule graph"
    intro = intro or (
        "Click a node to see its numbers and the chain rule for its gradient; click a weight to "
        "highlight every path from it to the output; use the step buttons to replay backward."
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chainrule.viz">
<title>{html.escape(title)}</title>
<style>
body {{ margin: 0; padding: 16px; background: #fafafa; font-family: system-ui, sans-serif; }}
main {{ max-width: 1100px; margin: 0 auto; }}
h1 {{ font-size: 20px; margin: 0 0 4px 0; }}
.cr-intro {{ color: #444; margin: 0 0 10px 0; font-size: 14px; }}
.cr-error {{ color: #b00020; font-weight: bold; }}
{app_css()}
</style>
</head>
<body>
<main>
<h1>{html.escape(title)}</h1>
<p class="cr-intro">{html.escape(intro)}</p>
<div id="chainrule-graph"><p class="cr-wait">Drawing the graph…</p></div>
<noscript><p class="cr-error">This page needs JavaScript to draw the graph.</p></noscript>
</main>
<script type="application/json" id="chainrule-graph-data">{script_json(data)}</script>
<script>
{viz_js()}
</script>
<script>
{app_js()}
</script>
<script>
(function () {{
  var el = document.getElementById("chainrule-graph");
  var data = JSON.parse(document.getElementById("chainrule-graph-data").textContent);
  function fail(e) {{
    el.innerHTML = "";
    var p = document.createElement("p"); p.className = "cr-error";
    p.textContent = "chainrule could not draw the graph: " + e; el.appendChild(p);
    document.body.setAttribute("data-chainrule-error", String(e));
    throw e;
  }}
  chainruleVizJs.instance().then(function (viz) {{
    window.chainruleGraph = chainruleGraphApp.mount(el, data, viz);
    document.body.setAttribute("data-chainrule-ready", "1");
  }}).catch(fail);
}})();
</script>
</body>
</html>
"""


def graph_page(root: Value, *, title: str | None = None, **options: Any) -> str:
    """The standalone interactive page for the graph of `root`, as a string.

    `options` go to `graph_data` (for example ``names=`` or ``max_nodes=``).
    """
    from .graph_json import graph_data, warn_notes

    data = graph_data(root, title=title, **options)
    warn_notes(data)
    return page_html(data)


def export_html(
    root: Value, path: str | os.PathLike, *, title: str | None = None, **options: Any
) -> str:
    """Write the interactive graph of `root` to `path` as one standalone HTML file.

    The file has the graph's numbers, the front-end code and viz-js inlined:
    it opens offline in any modern browser, with no Python and no server.
    Returns the path written.
    """
    page = graph_page(root, title=title, **options)
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(page)
    return path
