"""The notebook widget's ES module and dot_html's fragment, run in a real browser.

No Jupyter here: the widget's module is imported the way anywidget does it
(from a Blob URL) and given a stand-in for anywidget's model.
"""

from __future__ import annotations

import pytest

from chainrule.viz import dot_html, draw_graph, two_weight_network
from chainrule.viz.names import fmt

RENDER = """async ([esm, json, css]) => {
  const style = document.createElement("style"); style.textContent = css;
  document.head.appendChild(style);
  const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
  const mod = await import(url);
  const handlers = {};
  const model = {
    get: (key) => (key === "graph_json" ? json : undefined),
    on: (event, f) => { handlers[event] = f; },
    off: (event) => { delete handlers[event]; },
  };
  window.cleanup = await mod.default.render({ model, el: document.getElementById("out") });
  return typeof window.cleanup;
}"""

# An AMD loader on the page (as in classic Notebook or VS Code) must not capture viz-js.
FAKE_AMD = """() => {
  window.define = function () { throw new Error("viz-js went to the page's AMD loader"); };
  window.define.amd = {};
}"""


@pytest.fixture
def blank(site):
    folder, base = site
    (folder / "blank.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="width:880px"><div id="out"></div></body></html>',
        encoding="utf-8",
    )
    return base + "blank.html"


def test_the_widget_module_renders_and_responds_to_clicks(page, blank, shots):
    from chainrule.viz import GraphWidget

    net = two_weight_network()
    net.J.backward()
    widget = GraphWidget(net.J)
    page.goto(blank)
    page.evaluate(FAKE_AMD)
    assert page.evaluate(RENDER, [widget._esm, widget.graph_json, widget._css]) == "function"
    page.wait_for_selector("#out .cr-graph svg g.node")
    page.locator("g.node#n1").click()
    assert page.inner_text("#out .cr-name") == "w1"
    assert page.inner_text("#out [data-field=grad]") == fmt(net.w1.grad)
    page.screenshot(path=shots / "widget_module.png", full_page=True)
    page.evaluate("() => window.cleanup()")
    assert page.locator("#out .cr-app").count() == 0


def test_dot_html_fragments_draw_in_the_browser(page, site):
    folder, base = site
    net = two_weight_network()
    net.J.backward()
    source = draw_graph(net.J, highlight=net.w1).source
    fragments = dot_html(source) + dot_html(source)  # two outputs on one page share viz-js
    (folder / "fragment.html").write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{fragments}</body></html>',
        encoding="utf-8",
    )
    page.goto(base + "fragment.html")
    page.wait_for_function("document.querySelectorAll('.cr-static svg').length == 2")
    svg_text = page.locator(".cr-static svg").first.text_content()
    assert "w1" in svg_text and f"grad {fmt(net.w1.grad)}" in svg_text
    assert page.locator(".cr-wait").count() == 0


def test_the_live_training_view_updates_in_the_browser(page, blank):
    from chainrule.nn import History
    from chainrule.viz import TrainingView

    view = TrainingView(([[0.0, 0.0], [1.0, 1.0]], [0, 1]), resolution=4)
    history = History(loss=[0.9], accuracy=[0.5])
    view(0, history, lambda p: p[0] - p[1])
    view.finish()  # the boundary too
    widget = view.widget
    page.goto(blank)
    page.evaluate(
        """([esm, svg]) => import(URL.createObjectURL(new Blob([esm], {type: "text/javascript"})))
        .then((mod) => { const el = document.getElementById("out"); el.innerHTML = "";
          mod.default.render({ model: { get: () => svg, on() {}, off() {} }, el }); })""",
        [widget._esm, widget.svg],
    )
    assert page.locator("#out svg circle").count() == 2
    assert "training loss 0.9" in page.text_content("#out svg")
