"""draw_graph, chain_rule and backprop steps on the lecture's example: DOT and SVG facts."""

import math
import os
import pathlib
import re
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from chainrule.autograd import Value, topological_order
from chainrule.nn import MLP
from chainrule.viz import (
    GraphTooLarge,
    RendererNotFound,
    backprop_frames,
    backward_steps,
    chain_rule,
    draw_graph,
    find_renderer,
    two_weight_network,
)
from chainrule.viz import render as render_mod

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def net():
    n = two_weight_network()
    n.J.backward()
    return n


def svg_texts(svg: str) -> list[str]:
    """Every text of the drawing, with runs of (non-breaking) spaces as one space."""
    root = ET.fromstring(svg)
    return [" ".join(t.text.split()) for t in root.iter(SVG + "text") if t.text]


def node_texts(svg: str) -> dict[str, list[str]]:
    """The texts of each node, by node id (n0, n1, ...)."""
    out = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        if g.get("class") == "node":
            out[g.find(SVG + "title").text] = [
                " ".join(t.text.split()) for t in g.iter(SVG + "text") if t.text
            ]
    return out


def test_lecture_example_numbers(net):
    s = 1 / (1 + math.exp(-1.0))
    assert net.z1.data == 1.0 and net.a1.data == pytest.approx(s)
    assert net.yhat.data == pytest.approx(-1.5 * s)
    assert net.J.data == pytest.approx((1 + 1.5 * s) ** 2)
    dJ_dyhat = -2 * (1 + 1.5 * s)
    assert net.w2.grad == pytest.approx(dJ_dyhat * s)
    assert net.w1.grad == pytest.approx(dJ_dyhat * -1.5 * s * (1 - s) * 2.0)


def test_dot_source_has_data_grad_and_local_derivatives(net):
    src = draw_graph(net.J).source
    assert "<B>w1</B><BR/>data 0.5    grad 2.473" in src
    assert "<B>x</B><BR/>data 2    grad 0.6183" in src  # no roles given: x is a leaf like w1
    assert ">dz1/dw1 = 2<" in src  # dz1/dw1 = x = 2
    assert ">dz1/dx = 0.5<" in src  # dz1/dx = w1 = 0.5
    assert ">da1/dz1 = 0.1966<" in src
    assert "<B>z1 </B>= w1*x" in src and "<B>J </B>= err^2" in src
    assert "dz1/dw1" not in draw_graph(net.J, show_local_grads=False).source


def test_each_edge_ends_on_its_local_derivative(net):
    src = draw_graph(net.J, rankdir="TB").source
    ids = {v: f"n{i}" for i, v in enumerate(topological_order(net.J))}
    # z1 = w1 * x: w1 is input 0, x input 1; each edge ends on its cell's port
    assert f"{ids[net.w1]} -> {ids[net.z1]}:p0:n" in src
    assert f"{ids[net.x]} -> {ids[net.z1]}:p1:n" in src
    cell = re.search(r'<TD PORT="p0"[^>]*><FONT[^>]*>([^<]*)</FONT>', _node_line(src, ids[net.z1]))
    assert cell.group(1) == "dz1/dw1 = 2"
    lr = draw_graph(net.J, rankdir="LR").source
    assert "rankdir=LR" in lr and f"{ids[net.w1]} -> {ids[net.z1]}:p0:w" in lr


def _node_line(src: str, node_id: str) -> str:
    return next(line for line in src.splitlines() if line.startswith(f"  {node_id} ["))


def test_layout_is_stable(net):
    assert draw_graph(net.J).source == draw_graph(net.J).source
    other = two_weight_network()
    other.J.backward()
    assert draw_graph(other.J).source == draw_graph(net.J).source


def test_a_plus_a_has_two_edges():
    a = Value(3.0, "a")
    s = (a + a).named("s")
    s.backward()
    src = draw_graph(s).source
    assert src.count(">ds/da = 1<") == 2
    assert "n0 -> n1:p0:" in src and "n0 -> n1:p1:" in src


def test_highlight_marks_the_path_and_states_the_product(net):
    src = draw_graph(net.J, highlight=net.w1).source
    # highlighted edges: w1 -> z1, z1 -> a1, a1 -> yhat, yhat -> err, err -> J; not x, w2, y
    assert src.count("penwidth=2.5") == 5
    ids = {v: f"n{i}" for i, v in enumerate(topological_order(net.J))}
    assert re.search(rf"  {ids[net.x]} -> {ids[net.z1]}:p1:\w \[color=\"#333333\"\]", src)
    product = math.prod(local for *_, local in chain_rule(net.J, net.w1).paths[0].factors)
    assert product == pytest.approx(net.w1.grad, rel=1e-12)
    assert f"which matches w1.grad = {net.w1.grad:.4g}" in src


def test_rendered_svg_shows_the_numbers(net):
    svg = draw_graph(net.J, highlight=net.w1).pipe(format="svg", encoding="utf-8")
    texts = svg_texts(svg)
    assert "w1" in texts and "data 0.5 grad 2.473" in texts
    assert "dz1/dw1 = 2" in texts
    assert "dyhat/dw2 = 0.7311" in texts
    assert any("which matches w1.grad = 2.473" in t for t in texts)
    # the highlighted edges are drawn in the highlight colour
    root = ET.fromstring(svg)
    reds = [
        g
        for g in root.iter(SVG + "g")
        if g.get("class") == "edge"
        and any(p.get("stroke") == "#d62728" for p in g.iter(SVG + "path"))
    ]
    assert len(reds) == 5


def test_chain_rule_text_and_checks(net):
    cr = chain_rule(net.J, net.w1, recompute=lambda v: net.loss_at(w1=v))
    assert len(cr.paths) == 1
    assert cr.paths[0].symbols() == "dJ/derr · derr/dyhat · dyhat/da1 · da1/dz1 · dz1/dw1"
    assert cr.total == pytest.approx(net.w1.grad, rel=1e-12)
    assert cr.matches_grad and cr.matches_numeric
    text = str(cr)
    assert text.startswith("dJ/dw1 = dJ/derr · derr/dyhat")
    assert "(2)" in text and "✓" in text
    assert r"\frac{\partial\,\mathrm{J}}{\partial\,\mathrm{w1}}" in cr._repr_markdown_()


def test_chain_rule_sums_several_paths():
    w = Value(1.5, "w")
    a = (w * 2.0).named("a")
    b = w.tanh().named("b")
    L = (a * b + w).named("L")
    L.backward()
    cr = chain_rule(L, w)
    assert len(cr.paths) == 3
    assert cr.total == pytest.approx(w.grad, rel=1e-12)
    assert "sum over 3 paths" in str(cr)


def test_chain_rule_refuses_path_explosions():
    x = Value(1.0, "x")
    y = x
    for _ in range(30):  # 2^30 paths
        y = y + y
    with pytest.raises(ValueError, match="1073741824 paths"):
        chain_rule(y, x)


def test_backward_steps_end_where_backward_does(net):
    steps = backward_steps(net.J)
    assert len(steps) == sum(
        len(v.parents) for v in [net.z1, net.a1, net.yhat, net.J, net.J.parents[0]]
    )
    final = {}
    for s in steps:
        final[s.parent] = s.after
    for v in (net.x, net.w1, net.w2, net.z1, net.a1, net.yhat):
        assert final[v] == pytest.approx(v.grad, rel=1e-12)
    assert steps[0].node is net.J and steps[0].upstream == 1.0


def test_backprop_frames(net):
    frames = backprop_frames(net.J)
    assert len(frames) == len(backward_steps(net.J)) + 1
    assert "start: J.grad = 1" in frames[0].source
    last = frames[-1].source
    assert "#1f77b4" in last and "step 8/8" in last
    # with x and y marked as data, the two steps into them are not shown
    data_frames = backprop_frames(net.J, data=[net.x, net.y])
    assert len(data_frames) == len(frames) - 2
    assert "step 6/6: w1.grad += dz1/dw1 * z1.grad" in data_frames[-1].source


def test_big_graphs_get_a_message_or_a_focused_view():
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -0.5])
    with pytest.raises(GraphTooLarge, match="only_paths_to"):
        draw_graph(out)
    w = model.layers[0].neurons[3].weights[1]
    w.label = "w"
    out.backward()
    src = draw_graph(out, only_paths_to=w, highlight=w, max_nodes=400).source
    assert "<B>w</B><BR/>data" in src
    assert "which matches w.grad" in src
    # the other 16 inputs of each layer-2 neuron's dot product are left out of the focus view
    boxes = len(re.findall(r"^  n\d+ \[", src, flags=re.M))
    assert boxes < 120 and "local derivatives not shown" in src


def test_value_not_in_graph(net):
    with pytest.raises(ValueError, match="not in the graph"):
        draw_graph(net.J, highlight=Value(1.0, "stranger"))


# ---------------- choosing the renderer ----------------
def make_exe(folder: pathlib.Path, name: str) -> pathlib.Path:
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_system_dot_is_preferred(tmp_path, monkeypatch):
    fake = make_exe(tmp_path, "dot")
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    assert find_renderer() == fake


def test_graphviz_pure_from_the_scripts_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot, no graphviz-pure on PATH
    found = find_renderer()
    assert found is not None and found.name == "graphviz-pure"
    assert (
        found.parent == pathlib.Path(sys.executable).parent
        or found.parent in render_mod._scripts_dirs()
    )


def test_no_renderer_gives_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render_mod, "_scripts_dirs", lambda: [tmp_path])
    assert find_renderer() is None
    drawing = draw_graph(Value(1.0, "a"))  # DOT text needs no renderer
    assert "<B>a</B>" in drawing.source
    with pytest.raises(RendererNotFound, match="pip install graphviz-pure"):
        drawing.pipe("svg")


def test_main_job_writes_the_graph_and_prints_the_derivation(tmp_path):
    env = dict(os.environ, PATH=os.path.dirname(sys.executable))  # no system dot
    out = tmp_path / "example"
    result = subprocess.run(
        [sys.executable, "-m", "chainrule.viz", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "dJ/dw1 = dJ/derr" in result.stdout and "dJ/dw2 =" in result.stdout
    assert str(out) + ".svg" in result.stdout
    texts = svg_texts((tmp_path / "example.svg").read_text())
    assert "data 0.5 grad 2.473" in texts
    png = subprocess.run(
        [sys.executable, "-m", "chainrule.viz", "--out", str(out), "--format", "png"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
    )
    assert png.returncode == 0
    assert (tmp_path / "example.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
