"""Names are drawn verbatim (control characters escaped), SVG is always well-formed,
and no name can break out of its label."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule.autograd import Value
from chainrule.viz import chain_rule, draw_graph, show_backprop
from chainrule.viz.names import visible

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # raises if the SVG is not well-formed XML
    return [t.text.replace("\xa0", " ") for t in root.iter(SVG + "text") if t.text]


def graph_of(label: str):
    w = Value(2.0, label)
    out = (w * 3.0).named("out")
    out.backward()
    return w, out


def test_a_backslash_is_drawn_as_it_is_everywhere():
    w, out = graph_of("end\\")
    drawing = draw_graph(out, highlight=w)
    found = texts(drawing.pipe("svg", encoding="utf-8"))
    assert "end\\" in found  # the node
    assert "dout/d(end\\) = 3" in found  # the local derivative where the edge ends
    caption = [t.strip() for t in found if "which matches" in t]
    assert caption == ["= (3) = 3, which matches end\\.grad = 3"]
    assert found[0] == "dout/d(end\\) = dout/d(end\\)"  # the caption's first line
    assert r"\mathrm{end\backslash }" in chain_rule(out, w)._repr_markdown_()


def test_control_characters_are_shown_escaped_and_the_svg_stays_xml():
    label = "a\x01b\nc\td\x7f\x00\ud800\ufffe"
    assert visible(label) == "a\\x01b\\nc\\td\\x7f\\x00\\ud800\\ufffe"
    w, out = graph_of(label)
    found = texts(draw_graph(out, highlight=w).pipe("svg", encoding="utf-8"))
    assert visible(label) in found
    assert f"which matches {visible(label)}.grad = 3" in found[1]  # the caption, one line
    captioned = draw_graph(out, caption="line one\x01\tend\nline two")
    found = texts(captioned.pipe("svg", encoding="utf-8"))
    assert found[:2] == ["line one\\x01\\tend", "line two"]  # "\n" breaks a caption's lines
    assert r"\x01" in chain_rule(out, w)._repr_markdown_()


@pytest.mark.parametrize(
    "label",
    ['"]; x -> y [', '<script>alert("x")</script>', "a>b<c", "}|{", "&amp;", "<B>bold</B>"],
)
def test_hostile_names_stay_inside_their_label(label):
    w, out = graph_of(label)
    svg = draw_graph(out, highlight=w).pipe("svg", encoding="utf-8")
    root = ET.fromstring(svg)
    assert not list(root.iter(SVG + "script"))
    nodes = [g for g in root.iter(SVG + "g") if g.get("class") == "node"]
    edges = [g for g in root.iter(SVG + "g") if g.get("class") == "edge"]
    assert len(nodes) == 3 and len(edges) == 2  # w, 3.0 and out, two edges: nothing injected
    assert label in texts(svg)
    assert f"dout/d{label} = 3" in texts(svg) or f"dout/d({label}) = 3" in texts(svg)


def test_a_label_that_is_not_text_is_a_clear_error():
    v = Value(1.0)
    v.label = 123
    with pytest.raises(TypeError, match="label must be text, got int 123"):
        draw_graph((v * 2.0).named("y"))


@given(st.text(min_size=1, max_size=12))
def test_any_name_gives_well_formed_svg_that_shows_it(label):
    w, out = graph_of(label)
    found = texts(draw_graph(out).pipe("svg", encoding="utf-8"))
    squeezed = ["".join(t.split()) for t in found]
    expected = "".join(visible(label).split())
    assert expected in squeezed or not expected  # a name of only spaces shows as blank


def test_the_static_stepper_escapes_its_captions():
    w, out = graph_of("<i>w</i>")
    html = show_backprop(out)._repr_mimebundle_()["text/html"]
    assert "<i>" not in html.replace('<img src="data:image/svg+xml;base64,', "")
