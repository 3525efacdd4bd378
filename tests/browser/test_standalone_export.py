"""The standalone HTML export in a real browser: draw, inspect, step backward, search, collapse.

Expected numbers come from the engine and from chainrule.viz's own text
(chain_rule, backward_steps), never from the page.
"""

from __future__ import annotations

import re

import pytest

from chainrule.autograd import Value, topological_order
from chainrule.nn import MLP
from chainrule.viz import backward_steps, chain_rule, export_html, two_weight_network
from chainrule.viz.graph_json import graph_data
from chainrule.viz.names import depends_on, fmt, node_names


@pytest.fixture
def lecture(site):
    folder, base = site
    net = two_weight_network()
    net.J.backward()
    export_html(net.J, folder / "lecture.html", title="The two-weight network")
    return net, base + "lecture.html"


def open_graph(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-chainrule-ready] .cr-graph svg g.node", timeout=30_000)


def node(page, name):
    """The drawn box whose name cell reads exactly `name`."""
    return page.locator("g.node").filter(has=page.locator("text", has_text=re.compile(f"^{name}$")))


def grad_shown(page, name):
    texts = node(page, name).locator("text").all_text_contents()
    return next(t for t in texts if t.startswith("grad "))[len("grad ") :]


def test_clicking_w1_shows_its_numbers_the_chain_rule_and_its_paths(page, lecture, shots):
    net, url = lecture
    open_graph(page, url)
    assert page.locator("g.node").count() == len(topological_order(net.J))
    node(page, "w1").click()
    inspector = page.locator(".cr-inspector")
    assert inspector.locator(".cr-name").inner_text() == "w1"
    assert inspector.locator("[data-field=data]").inner_text() == fmt(net.w1.data) == "0.5"
    assert inspector.locator("[data-field=grad]").inner_text() == fmt(net.w1.grad) == "2.473"
    assert float(inspector.locator("[data-field=grad]").get_attribute("title")) == net.w1.grad
    (path,) = chain_rule(net.J, net.w1).paths
    chain = inspector.locator(".cr-chain").inner_text()
    assert path.symbols() in chain
    assert f"{path.numbers()} = {fmt(path.product)}" in chain
    assert "(4.193)(-1)(-1.5)(0.1966)(2) = 2.473" in chain
    assert "✓ equals w1.grad = 2.473" in inspector.inner_text()
    # every edge out of a node that depends on w1 is on a path to J, and only those are red
    order = topological_order(net.J)
    on_path = depends_on(order, [net.w1])
    expected = sum(1 for v in order for p in v.parents if p in on_path)
    assert page.locator("g.edge.cr-hot").count() == expected == 5
    page.screenshot(path=shots / "lecture_w1_selected.png", full_page=True)


def test_an_operation_node_lists_the_local_derivative_on_each_incoming_edge(page, lecture):
    net, url = lecture
    open_graph(page, url)
    node(page, "z1").click()
    locals_ = page.locator(".cr-locals li").all_inner_texts()
    assert locals_[0].startswith(f"dz1/dw1 = {fmt(net.z1.local_grads[0])}")
    assert locals_[1].startswith(f"dz1/dx = {fmt(net.z1.local_grads[1])}")


def test_stepping_backward_shows_the_active_edge_and_the_running_grads(page, lecture, shots):
    net, url = lecture
    open_graph(page, url)
    names = node_names(topological_order(net.J))
    steps = backward_steps(net.J)
    page.click(".cr-first")
    assert "J.grad = 1" in page.inner_text(".cr-step-text")
    assert grad_shown(page, "J") == "1" and grad_shown(page, "w1") == "0"
    assert page.locator("g.edge.cr-active").count() == 0
    running = {}
    for k, s in enumerate(steps, 1):
        page.click(".cr-next")
        assert page.inner_text(".cr-step-count") == f"step {k} / {len(steps)}"
        text = page.inner_text(".cr-step-text")
        assert text == s.describe(names).replace(" * ", " · ")
        active = page.locator("g.edge.cr-active")
        assert active.count() == 1
        label = f"d{names[s.node]}/d{names[s.parent]} = {fmt(s.local)}"
        assert active.locator("title").text_content() == label
        running[names[s.parent]] = s.after
        assert grad_shown(page, names[s.parent]) == fmt(s.after)
        if k == 4:
            page.screenshot(path=shots / "lecture_step4.png", full_page=True)
    for v in topological_order(net.J):  # after the last step the graph shows backward's grads
        assert grad_shown(page, v.label) == fmt(v.grad)
    page.click(".cr-prev")
    assert grad_shown(page, names[steps[-1].parent]) == fmt(steps[-1].before)
    page.click(".cr-done")
    assert page.locator("g.edge.cr-active").count() == 0
    assert "After backward()" in page.inner_text(".cr-step-text")


def test_search_finds_a_node_by_name_and_inspects_it(page, lecture):
    net, url = lecture
    open_graph(page, url)
    page.fill(".cr-search", "w")
    assert page.inner_text(".cr-count").startswith("2 matches")
    assert page.locator("g.node.cr-match").count() == 2
    page.fill(".cr-search", "W2")
    assert page.inner_text(".cr-count").startswith("1 match")
    page.press(".cr-search", "Enter")
    assert page.inner_text(".cr-inspector .cr-name") == "w2"
    assert page.inner_text("[data-field=data]") == fmt(net.w2.data)
    assert page.inner_text("[data-field=grad]") == fmt(net.w2.grad)
    page.fill(".cr-search", "nothing-like-this")
    assert page.inner_text(".cr-count") == "0 matches"


def test_zoom_buttons_change_the_view_and_fit_restores_it(page, lecture):
    _, url = lecture
    open_graph(page, url)
    width = lambda: float(page.get_attribute(".cr-graph svg", "viewBox").split()[2])  # noqa: E731
    start = width()
    page.click("button[title='zoom in']")
    assert width() < start
    page.click("button[title='fit the graph to the width']")
    assert width() == pytest.approx(start)


def test_an_mlp_graph_starts_collapsed_and_neurons_expand_on_click(page, site, shots):
    folder, base = site
    mlp = MLP(2, [4, 4, 1], seed=1)
    x = [Value(0.5, "x1"), Value(-1.0, "x2")]
    loss = ((mlp(x) - Value(1.0, "y")) ** 2).named("loss")
    loss.backward()
    names = {p: n for n, p in mlp.named_parameters()}
    export_html(loss, folder / "mlp.html", names=names)
    open_graph(page, base + "mlp.html")
    order = topological_order(loss)
    groups = graph_data(loss)["groups"]
    assert len(groups) == 4 + 4 + 1  # one per neuron of the model
    members = sum(len(g["members"]) for g in groups)
    collapsed_boxes = len(order) - members + len(groups)
    assert page.locator("g.node").count() == collapsed_boxes
    page.screenshot(path=shots / "mlp_collapsed.png", full_page=True)
    first = groups[0]
    page.locator(f"g.node#{first['id']}").click()
    assert page.locator("g.cluster").count() == 1
    assert page.locator("g.node").count() == collapsed_boxes - 1 + len(first["members"])
    output = next(n for n in graph_data(loss)["nodes"] if n["id"] == first["output"])
    assert page.inner_text(".cr-inspector .cr-name") == output["name"]
    page.screenshot(path=shots / "mlp_one_expanded.png", full_page=True)
    page.locator("g.cluster").click(position={"x": 6, "y": 6})
    assert page.locator("g.cluster").count() == 0
    assert page.locator("g.node").count() == collapsed_boxes
    page.click("text=expand neurons")
    assert page.locator("g.cluster").count() == len(groups)
    assert page.locator("g.node").count() == len(order)


def test_play_runs_backward_and_pause_stops_it(page, lecture):
    _, url = lecture
    open_graph(page, url)
    page.click(".cr-play")
    assert page.inner_text(".cr-play") == "⏸ pause"
    page.wait_for_function(
        "document.querySelector('.cr-step-count').textContent.startsWith('step 2 /')",
        timeout=15_000,
    )
    page.click(".cr-play")
    assert page.inner_text(".cr-play") == "▶ play"
    shown = page.inner_text(".cr-step-count")
    page.wait_for_timeout(2500)  # longer than two play intervals
    assert page.inner_text(".cr-step-count") == shown
    page.focus(".cr-graph")
    page.keyboard.press("ArrowRight")
    assert page.inner_text(".cr-step-count") != shown
