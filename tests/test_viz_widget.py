"""The interactive graph's Python side: its JSON matches the engine, fallbacks, standalone export.

The browser side (clicks, steps, search) is tested in tests/browser/.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest

from chainrule.autograd import GradAccumulationWarning, Value
from chainrule.nn import MLP, Perceptron
from chainrule.viz import GraphTooLarge, dot_html, export_html, two_weight_network
from chainrule.viz.graph_json import graph_data
from chainrule.viz.names import fmt


def lecture():
    net = two_weight_network()
    net.J.backward()
    return net


def by_name(data):
    return {n["name"]: n for n in data["nodes"]}


def strict_json(text):
    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_nodes_and_edges_carry_the_engines_numbers():
    net = lecture()
    data = graph_data(net.J)
    nodes = by_name(data)
    edges = {e["id"]: e for e in data["edges"]}
    for v in (net.x, net.w1, net.z1, net.a1, net.w2, net.yhat, net.y, net.J):
        n = nodes[v.label]
        assert (n["data"], n["grad"], n["op"]) == (v.data, v.grad, v.op)
        assert n["grad_text"] == fmt(v.grad)
        got = [(nodes_id_name(data, edges[e]["from"]), edges[e]["local"]) for e in n["inputs"]]
        assert got == [(p.label, local) for p, local in zip(v.parents, v.local_grads)]
    z1_edges = [edges[e] for e in nodes["z1"]["inputs"]]
    assert [e["symbol"] for e in z1_edges] == ["dz1/dw1", "dz1/dx"]
    assert [e["local"] for e in z1_edges] == [net.x.data, net.w1.data]  # d(w1*x)/dw1 = x


def nodes_id_name(data, node_id):
    return next(n["name"] for n in data["nodes"] if n["id"] == node_id)


def test_chain_rule_product_for_w1_is_the_gradient_and_the_central_difference():
    net = lecture()
    data = graph_data(net.J)
    w1 = by_name(data)["w1"]
    chain = data["chains"][w1["id"]]
    (path,) = chain["paths"]
    names = [(nodes_id_name(data, c), nodes_id_name(data, p)) for c, p, _, _ in path["factors"]]
    assert names == [("J", "err"), ("err", "yhat"), ("yhat", "a1"), ("a1", "z1"), ("z1", "w1")]
    product = math.prod(f[2] for f in path["factors"])
    h = 1e-6
    central = (net.loss_at(w1=0.5 + h) - net.loss_at(w1=0.5 - h)) / (2 * h)
    assert product == pytest.approx(central, rel=1e-6)
    assert chain["total"] == pytest.approx(net.w1.grad, rel=1e-12)
    assert chain["total_text"] == "2.473" and chain["matches_grad"] is True
    assert [f[3] for f in path["factors"]] == ["4.193", "-1", "-1.5", "0.1966", "2"]


def test_a_value_used_twice_has_two_paths_that_sum_to_its_grad():
    a = Value(3.0, "a")
    b = (a * a).named("b")
    c = (b + a).named("c")
    c.backward()
    data = graph_data(c)
    chain = data["chains"][by_name(data)["a"]["id"]]
    assert len(chain["paths"]) == 3  # a*a gives two edges, plus a -> c
    assert chain["total"] == pytest.approx(2 * 3.0 + 1.0)
    assert chain["matches_grad"]


def test_backward_steps_end_at_the_engines_grads():
    net = lecture()
    data = graph_data(net.J)
    final = {}
    for s in data["steps"]:
        final[s["parent"]] = s["after"]
        assert s["edge"] in {e["id"] for e in data["edges"]}
    for n in data["nodes"]:
        if n["id"] != data["root"]:
            assert final[n["id"]] == pytest.approx(n["grad"], rel=1e-12)
    first = data["steps"][0]
    pair = (nodes_id_name(data, first["node"]), nodes_id_name(data, first["parent"]))
    assert pair == ("J", "err")
    assert data["notes"] == []


def test_notes_warn_when_backward_was_not_run_or_ran_twice():
    net = two_weight_network()
    with pytest.warns(UserWarning, match="call J.backward"):
        from chainrule.viz.frontend import graph_page

        graph_page(net.J)
    assert any("backward() first" in n for n in graph_data(net.J)["notes"])
    net.J.backward()
    with pytest.warns(GradAccumulationWarning):  # the engine warns too
        net.J.backward()  # leaves accumulate: w1.grad is now twice dJ/dw1
    notes = graph_data(net.J)["notes"]
    assert len(notes) == 1 and "w1" in notes[0] and "zero_grad" in notes[0]


def test_non_finite_numbers_become_strings_and_the_json_stays_strict():
    x = Value(float("inf"), "x")
    y = (x * 2.0).named("y")
    y.backward()
    data = graph_data(y)
    assert by_name(data)["x"]["data"] == "Infinity"
    assert any("not finite" in n for n in data["notes"])
    from chainrule.viz.frontend import script_json

    strict_json(script_json(data))
    with pytest.raises(ValueError):
        script_json({"x": float("nan")})


def test_neurons_are_found_for_collapsing():
    p = Perceptron(2, weights=[3.0, -2.0], bias=1.0)
    out = p([1.0, 2.0])
    out.backward()
    data = graph_data(out)
    (group,) = data["groups"]
    members = [nodes_id_name(data, m) for m in group["members"]]
    ops = [by_name(data)[m]["op"] for m in members]
    assert ops == ["", "", "", "dot", "+", "sigmoid"]  # 2 weights, bias, w.x, + b, g
    assert group["output"] == data["root"] and group["activation"] == "sigmoid"

    mlp = MLP(2, [3, 1], seed=0)
    loss = (mlp([Value(0.5, "x1"), Value(-1.0, "x2")]) - 1.0) ** 2
    loss.backward()
    groups = graph_data(loss)["groups"]
    assert len(groups) == 4
    assert [g["activation"] for g in groups] == ["relu"] * 3 + ["linear"]
    inputs = {n["id"] for n in graph_data(loss)["nodes"] if n["name"] in ("x1", "x2")}
    assert not inputs & {m for g in groups for m in g["members"]}  # shared inputs stay out

    assert graph_data(lecture().J)["groups"] == []  # w1 * x is not a neuron's dot product


def test_too_large_a_graph_is_refused_with_advice():
    x = Value(1.0, "x")
    y = x
    for _ in range(30):
        y = y * 1.01
    with pytest.raises(GraphTooLarge, match="max_nodes=20"):
        graph_data(y, max_nodes=20)
    with pytest.raises(TypeError, match="needs a Value"):
        graph_data(1.0)


def test_names_override_the_labels():
    mlp = MLP(1, [1], seed=0)
    out = mlp([Value(2.0, "x")])
    out.backward()
    from chainrule.viz import explore

    widget = explore(out, model=mlp)
    names = {n["name"] for n in widget.data["nodes"]}
    assert {"layers.0.neurons.0.weights.0", "layers.0.neurons.0.bias", "x"} <= names
    assert [g["name"] for g in widget.data["groups"]] == ["layers.0.neurons.0"]


def test_widget_bundle_has_the_widget_and_static_fallbacks():
    from chainrule.viz import GraphWidget

    net = lecture()
    widget = GraphWidget(net.J)
    assert widget.data == graph_data(net.J)
    assert "export default" in widget._esm and "chainruleVizJs" in widget._esm
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "text/plain" in data
    assert data["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))
    assert "<svg" in data["text/html"] and "w1" in data["image/svg+xml"]


def test_without_a_python_renderer_the_fallback_draws_in_the_browser(monkeypatch):
    from chainrule.viz import widget

    monkeypatch.setattr(widget, "find_renderer", lambda: None)
    bundle = widget.static_bundle(lecture().J)
    assert "image/svg+xml" not in bundle
    assert "chainruleVizJs.instance()" in bundle["text/html"]


def test_dot_html_embeds_the_dot_safely():
    fragment = dot_html('digraph { a [label="</script><b>"] }')
    assert fragment.lower().count("</script") == 1  # only the fragment's own closing tag
    assert "\\u003c/script>\\u003cb>" in fragment
    with pytest.raises(TypeError, match="DOT text"):
        dot_html(b"digraph {}")


# Every http(s) address in an export is an XML namespace or a credit in viz-js's licence header,
# none of which a browser fetches; the browser tests check that no request leaves the page.
NOT_FETCHED = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/2000/xmlns/",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
    "https://www.graphviz.org",
    "https://libexpat.github.io",
}


def test_export_html_writes_one_self_contained_file(tmp_path):
    net = lecture()
    path = tmp_path / "graph.html"
    assert export_html(net.J, path) == str(path)
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]
    page = path.read_text(encoding="utf-8")
    head = page[: page.index("<script")]
    assert '<meta charset="utf-8">' in head  # viz-js's WebAssembly needs it
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", page))
    assert urls - NOT_FETCHED == set()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page, re.I)
    assert not re.search(r"@import|<link\b|import\s*\(", page)
    embedded = re.search(r'id="chainrule-graph-data">(.*?)</script>', page, re.S).group(1)
    assert strict_json(embedded) == graph_data(net.J)


def test_export_html_rejects_a_non_value(tmp_path):
    with pytest.raises(TypeError, match="needs a Value"):
        export_html([1.0], tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_the_command_line_writes_the_lecture_graph_as_html(tmp_path):
    out = tmp_path / "lecture.html"
    result = subprocess.run(
        [sys.executable, "-m", "chainrule.viz", "--format", "html", "-o", str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert "dJ/dw1" in result.stdout and str(out) in result.stdout
    page = out.read_text(encoding="utf-8")
    data = strict_json(re.search(r'graph-data">(.*?)</script>', page, re.S).group(1))
    w1 = next(n for n in data["nodes"] if n["name"] == "w1")
    assert data["chains"][w1["id"]]["total_text"] == "2.473"


def test_deep_graphs_are_laid_out_top_to_bottom_and_short_ones_left_to_right():
    net = two_weight_network()
    net.J.backward()
    assert graph_data(net.J)["rankdir"] == "TB"  # x -> z1 -> a1 -> yhat -> err -> J
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = (a * b).named("c")
    c.backward()
    assert graph_data(c)["rankdir"] == "LR"
