"""Lecture graphs fit a notebook: sizes measured on the rendered SVG, roles and names."""

import re
import xml.etree.ElementTree as ET

import pytest

from chainrule.autograd import Value
from chainrule.nn import MLP, Perceptron
from chainrule.viz import draw_graph, two_weight_network

SVG = "{http://www.w3.org/2000/svg}"
NOTEBOOK_PX = 900  # JupyterLab scales a wider SVG down to the output's width


def font_px_at_notebook_width(svg: str) -> float:
    """The smallest text of `svg` in screen pixels, shown in a 900 px wide output.

    Graphviz writes width in points (1 pt = 4/3 px) and may scale the drawing
    (``transform="scale(s)"``); a notebook shrinks anything wider than 900 px.
    """
    root = ET.fromstring(svg)
    width_pt = float(root.get("width").removesuffix("pt"))
    view_w = float(root.get("viewBox").split()[2])
    scale = 1.0
    for g in root.iter(SVG + "g"):
        found = re.search(r"scale\(([\d.]+)", g.get("transform") or "")
        if found:
            scale = float(found.group(1))
            break
    sizes = [float(t.get("font-size")) for t in root.iter(SVG + "text")]
    shown_px = min(width_pt * 4 / 3, NOTEBOOK_PX)
    return min(sizes) * scale * shown_px / view_w


def size_pt(svg: str) -> tuple[float, float]:
    root = ET.fromstring(svg)
    return float(root.get("width")[:-2]), float(root.get("height")[:-2])


def lecture_graphs():
    net = two_weight_network()
    net.J.backward()
    yield "06 two-weight, w1 highlighted", draw_graph(net.J, highlight=net.w1)
    yield "two-weight, x and y as data", draw_graph(net.J, highlight=net.w1, data=[net.x, net.y])
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = (a * b).named("e")
    L = ((e + c).named("d") * f).named("L")
    L.backward()
    yield "00 tour", draw_graph(L, highlight=a)
    w0, w1, w2 = Value(1.0, "w0"), Value(3.0, "w1"), Value(-2.0, "w2")
    x1, x2 = Value(-1.0, "x1"), Value(2.0, "x2")
    yhat = (w0 + w1 * x1 + w2 * x2).named("z").sigmoid().named("yhat")
    yhat.backward()
    yield "01 perceptron by hand", draw_graph(yhat)
    p = Perceptron(2, weights=[3, -2], bias=1)
    out = p([-1, 2])
    out.backward()
    yield "Perceptron module", draw_graph(out, weights=p, highlight=p.weights[0])


@pytest.mark.parametrize("name,drawing", list(lecture_graphs()), ids=lambda x: str(x)[:30])
def test_lecture_graphs_are_readable_at_notebook_width(name, drawing):
    svg = drawing.pipe("svg", encoding="utf-8")
    width, height = size_pt(svg)
    px = font_px_at_notebook_width(svg)
    assert px >= 10, f"{name}: {width:.0f} x {height:.0f} pt, text {px:.1f} px at 900 px"
    assert height <= 3 * width + 200, f"{name}: {width:.0f} x {height:.0f} pt is a thin tower"


def test_the_size_check_catches_a_long_left_to_right_graph():
    net = two_weight_network()
    net.J.backward()
    svg = draw_graph(net.J, highlight=net.w1, rankdir="LR").pipe("svg", encoding="utf-8")
    assert font_px_at_notebook_width(svg) < 10  # what "auto" avoids by going top to bottom
    tiny = '<svg xmlns="http://www.w3.org/2000/svg" width="1800pt" height="90pt" '
    tiny += 'viewBox="0 0 1800 90"><text font-size="10">x</text></svg>'
    assert font_px_at_notebook_width(tiny) == pytest.approx(10 * 900 / 1800)


def test_auto_layout_is_left_to_right_only_when_short():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    short = (a * b).named("c")
    assert "rankdir=LR" in draw_graph(short).source
    net = two_weight_network()
    assert "rankdir=TB" in draw_graph(net.J).source


def test_no_text_is_drawn_on_an_edge():
    net = two_weight_network()
    net.J.backward()
    svg = draw_graph(net.J, highlight=net.w1).pipe("svg", encoding="utf-8")
    edges = [g for g in ET.fromstring(svg).iter(SVG + "g") if g.get("class") == "edge"]
    assert len(edges) == 8
    assert all(not list(g.iter(SVG + "text")) for g in edges)


def node_texts(svg: str) -> list[list[str]]:
    groups = [g for g in ET.fromstring(svg).iter(SVG + "g") if g.get("class") == "node"]
    return [[" ".join(t.text.split()) for t in g.iter(SVG + "text") if t.text] for g in groups]


def test_data_and_constants_are_drawn_apart_from_weights():
    net = two_weight_network()
    net.J.backward()
    svg = draw_graph(net.J, data=[net.x, net.y]).pipe("svg", encoding="utf-8")
    by_name = {texts[0]: texts for texts in node_texts(svg)}
    assert by_name["x"] == ["x", "= 2", "data, no grad"]
    assert by_name["y"] == ["y", "= 1", "data, no grad"]
    assert by_name["w1"] == ["w1", "data 0.5 grad 2.473"]
    assert "dz1/dx = 0.5" not in [t for texts in node_texts(svg) for t in texts]
    # with weights given, an unlabelled leaf (the 1 in 1 - yhat) is a constant
    w = Value(0.5, "w")
    loss = ((1.0 - w * 2.0) ** 2).named("L")
    loss.backward()
    texts = node_texts(draw_graph(loss, weights=[w]).pipe("svg", encoding="utf-8"))
    assert ["1"] in texts and ["2"] in texts  # just the numbers
    assert ["w", "data 0.5 grad 0"] in texts
    with pytest.raises(ValueError, match="highlight a weight"):
        draw_graph(net.J, data=[net.x], highlight=net.x)
    with pytest.raises(ValueError, match="both as a weight and as data"):
        draw_graph(net.J, data=[net.x], weights=[net.x])


def names_of(drawing) -> list[str]:
    return re.findall(r"<B>([^<]*?) ?</B>", drawing.source)


def test_default_names_come_from_the_operations():
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")
    cases = {
        (a + b) * c: "(a+b)*c",
        a - (b - c): "a-(b-c)",
        a - b - c: "a-b-c",
        -(a + b): "-(a+b)",
        (a + b) ** 2: "(a+b)^2",
        (a * b).sigmoid(): "sigmoid(a*b)",
        a / (b * c): "a/(b*c)",
    }
    for node, expected in cases.items():
        assert names_of(draw_graph(node))[-1].replace(" ", "") == expected
    long = ((a * b).tanh() + (b * c).sigmoid()).exp()
    names = names_of(draw_graph(long))
    assert names[-2:] == ["t1", "exp(t1)"]  # too long to be a name: t1 instead
    assert "d(a*b)/da = 2" in draw_graph((a * b).relu()).source


def test_a_model_names_its_weights():
    p = Perceptron(2, weights=[3, -2], bias=1)
    out = p([-1, 2])
    assert {"w0", "w1", "b"} <= set(names_of(draw_graph(out, weights=p)))
    mlp = MLP(2, [2, 1], seed=0)
    names = names_of(draw_graph(mlp([0.5, -0.5]), weights=mlp))
    assert "L0.n1.w0" in names and "L1.n0.b" in names
    assert "t1" in names_of(draw_graph(out))  # without the model: nothing better than t1


def test_a_node_with_many_inputs_shows_only_the_highlighted_derivative():
    from chainrule.autograd import sum_values

    xs = [Value(float(k), f"x{k}") for k in range(6)]
    total = sum_values(xs).named("s")
    total.backward()
    plain = draw_graph(total).source
    assert "6 local derivatives not shown" in plain and "ds/dx0" not in plain
    marked = draw_graph(total, highlight=xs[2]).source
    assert ">ds/dx2 = 1<" in marked and "5 local derivatives not shown" in marked
    few = sum_values(xs[:4]).named("f")
    assert ">df/dx3 = 1<" in draw_graph(few).source and "not shown" not in draw_graph(few).source
