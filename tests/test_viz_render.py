"""GraphDrawing: bytes from a program chainrule runs itself; a notebook shows an SVG,
or HTML drawn in the browser where no program can run (Pyodide)."""

import json
import os
import pathlib
import stat
import subprocess
import sys
import textwrap
import types
import xml.etree.ElementTree as ET

import pytest

from chainrule.autograd import Value
from chainrule.viz import GraphDrawing, RendererNotFound, draw_graph, find_renderer
from chainrule.viz import render as render_mod

REPO = pathlib.Path(__file__).resolve().parent.parent


def fake_program(folder: pathlib.Path, name: str, script: str) -> pathlib.Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
def drawing():
    a = Value(2.0, "a")
    out = (a * 3.0).named("out")
    out.backward()
    return draw_graph(out)


def test_pipe_and_render_make_svg_and_png(drawing, tmp_path):
    svg = drawing.pipe("svg", encoding="utf-8")
    assert ET.fromstring(svg).tag.endswith("svg")
    assert drawing.pipe("png")[:8] == b"\x89PNG\r\n\x1a\n"
    written = drawing.render("g", directory=tmp_path, format="png")
    assert written == str(tmp_path / "g.png") and (tmp_path / "g.png").stat().st_size > 100
    assert not (tmp_path / "g").exists()  # the DOT text is kept only with cleanup=False
    drawing.render("kept", directory=tmp_path, cleanup=False)
    assert (tmp_path / "kept").read_text() == drawing.source
    with pytest.raises(ValueError, match="unknown format 'svgz'"):
        drawing.pipe("svgz")


def test_the_program_found_is_run_with_the_dot_text_on_stdin(drawing, tmp_path, monkeypatch):
    log = tmp_path / "args"
    fake_program(tmp_path, "dot", f'echo "$@" > {log}\ncat > {tmp_path}/stdin\necho "<svg/>"\n')
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    assert drawing.pipe("svg") == b"<svg/>\n"
    assert log.read_text().split() == ["-Tsvg"]
    assert (tmp_path / "stdin").read_text() == drawing.source


def test_a_failing_renderer_says_what_it_printed(drawing, tmp_path, monkeypatch):
    fake_program(tmp_path, "dot", "echo 'Error: syntax error in line 3' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    with pytest.raises(RuntimeError, match="exit code 1.*syntax error in line 3"):
        drawing.pipe("svg")


def test_a_notebook_gets_an_svg_when_a_renderer_runs(drawing):
    assert find_renderer() is not None
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert ET.fromstring(bundle["image/svg+xml"]).tag.endswith("svg")


def stand_in_frontend(monkeypatch) -> list[str]:
    """chainrule.viz.frontend as the widget branch provides it: dot_html(source) -> HTML."""
    seen: list[str] = []
    module = types.ModuleType("chainrule.viz.frontend")

    def dot_html(source: str) -> str:
        seen.append(source)
        return f"<div class='stand-in'>{len(source)}</div>"

    module.dot_html = dot_html
    monkeypatch.setitem(sys.modules, "chainrule.viz.frontend", module)
    return seen


def no_subprocess(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a subprocess was started")

    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)


def test_in_a_browser_kernel_nothing_is_run_and_the_browser_draws(drawing, monkeypatch):
    seen = stand_in_frontend(monkeypatch)
    monkeypatch.setattr(sys, "platform", "emscripten")
    no_subprocess(monkeypatch)
    assert find_renderer() is None  # not even looked for
    bundle = drawing._repr_mimebundle_()
    assert bundle["text/html"] == f"<div class='stand-in'>{len(drawing.source)}</div>"
    assert seen == [drawing.source] and "image/svg+xml" not in bundle
    with pytest.raises(RendererNotFound, match="browser kernel"):
        drawing.pipe("svg")


def test_without_any_renderer_the_notebook_shows_text_that_says_why(drawing, monkeypatch):
    monkeypatch.setattr(render_mod, "find_renderer", lambda: None)
    monkeypatch.setitem(sys.modules, "chainrule.viz.frontend", None)  # import fails
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "pip install graphviz-pure" in bundle["text/plain"]


def test_graphdrawing_is_plain_text_underneath():
    g = GraphDrawing("digraph { a -> b }\n")
    assert str(g) == g.source and "DOT text" in repr(g)


ISOLATED = textwrap.dedent(
    """
    import json, os, subprocess, sys, types

    class Block:  # as in Pyodide without numpy: importing it fails
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("numpy", "graphviz"):
                raise ImportError(f"{name} is not installed here")
            return None

    sys.meta_path.insert(0, Block())
    started = []

    def refuse(*args, **kwargs):
        started.append(args[:1])
        raise OSError("no subprocesses in a browser")

    subprocess.Popen = refuse
    for name in ("fork", "posix_spawn", "posix_spawnp", "system", "execv", "execve"):
        if hasattr(os, name):
            setattr(os, name, refuse)
    sys.platform = "emscripten"
    frontend = types.ModuleType("chainrule.viz.frontend")
    frontend.dot_html = lambda source: "<div>drawn in the browser</div>"
    sys.modules["chainrule.viz.frontend"] = frontend

    from chainrule.viz import draw_graph, show_backprop, two_weight_network, RendererNotFound

    net = two_weight_network()
    net.J.backward()
    drawing = draw_graph(net.J, highlight=net.w1, data=[net.x, net.y])
    try:
        drawing.pipe("svg")
        piped = "made bytes"
    except RendererNotFound as e:
        piped = str(e)
    stepper = show_backprop(net.J, data=[net.x, net.y])
    print(json.dumps({
        "source": drawing.source,
        "bundle": drawing._repr_mimebundle_(),
        "stepper": sorted(stepper._repr_mimebundle_()),
        "piped": piped,
        "numpy": "numpy" in sys.modules,
        "started": started,
    }))
    """
)


def test_graphs_are_drawn_without_numpy_or_subprocesses_or_a_renderer():
    result = subprocess.run(
        [sys.executable, "-c", ISOLATED],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=dict(os.environ, PATH=""),
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["numpy"] is False and out["started"] == []
    assert ">dz1/dw1 = 2<" in out["source"] and "which matches w1.grad = 2.473" in out["source"]
    assert out["bundle"]["text/html"] == "<div>drawn in the browser</div>"
    assert out["stepper"] == ["text/html", "text/plain"]
    assert "browser kernel" in out["piped"]
