"""show_backprop: a slider where widgets run, the frames as static HTML everywhere else."""

import base64
import re
import sys
import types
import xml.etree.ElementTree as ET

import pytest

from chainrule.viz import BackpropStepper, backward_steps, show_backprop, two_weight_network
from chainrule.viz import render as render_mod
from chainrule.viz.stepper import WIDGET_MIME


@pytest.fixture
def net():
    n = two_weight_network()
    n.J.backward()
    return n


def frames_in(html: str) -> list[str]:
    """The SVG of every <img> in the static view."""
    found = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    return [base64.b64decode(b).decode("utf-8") for b in found]


def test_the_bundle_has_a_widget_a_static_view_and_text(net):
    stepper = show_backprop(net.J)
    assert isinstance(stepper, BackpropStepper) and len(stepper) == 9
    bundle = stepper._repr_mimebundle_()
    assert set(bundle) == {WIDGET_MIME, "text/html", "text/plain"}
    assert bundle[WIDGET_MIME]["model_id"] == stepper.widget().model_id
    # where widgets don't run (GitHub, nbviewer, an HTML export): every frame, readable
    svgs = frames_in(bundle["text/html"])
    assert len(svgs) == 9
    for svg in svgs:
        ET.fromstring(svg)
    assert "step 8/8" in svgs[-1] and "start: J.grad = 1" in svgs[0]
    text = bundle["text/plain"]
    assert not text.startswith("VBox") and "step 8/8: x.grad += dz1/dx * z1.grad" in text
    assert text.count("\n") == 9  # a title and one line per frame


def test_the_slider_shows_each_frame(net):
    stepper = show_backprop(net.J)
    slider, view = stepper.widget().children
    assert [frame.value for frame in view.children] == stepper.svgs
    assert view.selected_index == 0
    slider.value = 5
    assert view.selected_index == 5 and "step 5/8" in stepper.svgs[5]


def test_without_ipywidgets_the_static_view_is_all(net, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    bundle = show_backprop(net.J)._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert len(frames_in(bundle["text/html"])) == 9


def test_without_a_renderer_the_browser_draws_each_frame(net, monkeypatch):
    module = types.ModuleType("chainrule.viz.frontend")
    module.dot_html = lambda source: f"<div class='dot'>{source.count('->')}</div>"
    monkeypatch.setitem(sys.modules, "chainrule.viz.frontend", module)
    monkeypatch.setattr(render_mod, "find_renderer", lambda: None)
    import chainrule.viz.stepper as stepper_mod

    monkeypatch.setattr(stepper_mod, "find_renderer", lambda: None)
    bundle = show_backprop(net.J, data=[net.x, net.y])._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}  # no slider: it would need SVG bytes
    assert bundle["text/html"].count("<div class='dot'>8</div>") == 7  # start + 6 steps
    assert "step 6/6" in bundle["text/plain"]


def test_frames_follow_backward(net):
    stepper = show_backprop(net.J)
    steps = backward_steps(net.J)
    for k, s in enumerate(steps, 1):
        assert stepper.captions[k].startswith(f"step {k}/{len(steps)}: ")
        assert f"goes from {s.before:.4g} to {s.after:.4g}" in stepper.captions[k]
    with pytest.raises(ValueError, match="more than max_steps=3"):
        show_backprop(net.J, max_steps=3)


def test_with_ipywidgets_7_the_kernel_swaps_the_picture(net, monkeypatch):
    import ipywidgets

    monkeypatch.delattr(ipywidgets, "Stack")  # as in Colab's ipywidgets 7.7.1
    stepper = show_backprop(net.J)
    slider, view = stepper.widget().children
    assert view.value == stepper.svgs[0]
    slider.value = 3
    assert view.value == stepper.svgs[3]
