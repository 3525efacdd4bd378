"""Turning DOT text into SVG or PNG, and showing a graph in a notebook.

Graphs are drawn as DOT text in pure Python. Bytes are made only when Python
needs them (``.pipe()``, ``.render()``, a notebook showing an SVG), by a
program chainrule runs itself, looked for in this order:

1. the system's `dot`, when it is on PATH (Graphviz from apt, brew, conda...);
2. `graphviz-pure`, a self-contained renderer installed from PyPI with
   chainrule, found in this Python's scripts folder even when the virtual
   environment is not activated.

In a browser kernel (Pyodide, ``sys.platform == "emscripten"``) no program can
run, so none is looked for: a notebook then shows the graph as HTML that draws
the DOT text in the browser (Graphviz compiled to WebAssembly).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

__all__ = ["GraphDrawing", "RendererNotFound", "find_renderer", "use_renderer", "in_browser"]

PURE = "graphviz-pure"
FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "json", "dot", "xdot", "plain")


class RendererNotFound(RuntimeError):
    """Neither a system `dot` nor `graphviz-pure` could be found (or none can run here)."""


def in_browser() -> bool:
    """True in a browser kernel (Pyodide, JupyterLite), where no program can be run."""
    return sys.platform == "emscripten"


def _scripts_dirs() -> list[pathlib.Path]:
    dirs = [pathlib.Path(sysconfig.get_path("scripts")), pathlib.Path(sys.executable).parent]
    return list(dict.fromkeys(dirs))


def find_renderer() -> pathlib.Path | None:
    """The program chainrule would use to draw graphs, or None if there is none."""
    if in_browser():
        return None
    system_dot = shutil.which("dot")
    if system_dot:
        return pathlib.Path(system_dot)
    exe = PURE + (".exe" if os.name == "nt" else "")
    for folder in _scripts_dirs():
        candidate = folder / exe
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which(PURE)
    return pathlib.Path(on_path) if on_path else None


def use_renderer() -> pathlib.Path:
    """The renderer found by `find_renderer`; RendererNotFound (saying how to fix it) if none."""
    program = find_renderer()
    if program is not None:
        return program
    if in_browser():
        raise RendererNotFound(
            "chainrule.viz cannot make SVG or PNG bytes in a browser kernel (no program can "
            "run here). Show the graph in the notebook instead (it is drawn in the browser), "
            "or use its DOT text, `.source`."
        )
    raise RendererNotFound(
        "chainrule.viz cannot draw graphs: no 'dot' program on PATH and no "
        f"'{PURE}' in {_scripts_dirs()[0]}. Fix it with `pip install {PURE}` in this "
        "environment (it comes with `pip install chainrule`), or install Graphviz "
        "(e.g. `apt-get install graphviz`)."
    )


def run_renderer(source: str, format: str = "svg") -> bytes:
    """`source` (DOT text) drawn as `format` by the renderer found."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    program = use_renderer()
    try:
        done = subprocess.run(
            [os.fspath(program), f"-T{format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{program.name} took more than 120 s to draw the graph") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(
            f"{program} could not draw the graph as {format} (exit code {done.returncode}): "
            f"{message or 'no output'}"
        )
    return done.stdout


class GraphDrawing:
    """A drawn graph: its DOT text (`source`), and SVG/PNG made from it on request.

    In a notebook it shows itself as an SVG when a renderer can run, and as
    HTML that draws the DOT text in the browser otherwise (e.g. in Pyodide).
    """

    def __init__(self, source: str) -> None:
        self.source = source

    def __repr__(self) -> str:
        lines = self.source.count("\n")
        return f"<GraphDrawing: {lines} lines of DOT text in .source; .pipe('svg') draws it>"

    def __str__(self) -> str:
        return self.source

    def pipe(self, format: str = "svg", encoding: str | None = None) -> bytes | str:
        """The graph drawn as `format` (bytes, or text when `encoding` is given)."""
        data = run_renderer(self.source, format)
        return data.decode(encoding) if encoding is not None else data

    def render(
        self,
        filename: str | os.PathLike = "graph",
        directory: str | os.PathLike | None = None,
        format: str = "svg",
        cleanup: bool = True,
    ) -> str:
        """Write the drawing to ``directory/filename.format`` and return that path.

        With ``cleanup=False`` the DOT text is also kept, in ``directory/filename``.
        """
        base = pathlib.Path(directory or ".") / filename
        data = run_renderer(self.source, format)
        base.parent.mkdir(parents=True, exist_ok=True)
        if not cleanup:
            base.write_text(self.source, encoding="utf-8")
        out = base.with_name(f"{base.name}.{format}")
        out.write_bytes(data)
        return os.fspath(out)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        if find_renderer() is not None:
            return {"image/svg+xml": self.pipe("svg", encoding="utf-8")}
        try:
            from .frontend import dot_html  # the browser-side renderer (static assets)
        except ImportError:
            return {"text/plain": f"{self!r}\n(no renderer here: {_why_none()})"}
        return {"text/html": dot_html(self.source), "text/plain": repr(self)}


def _why_none() -> str:
    try:
        use_renderer()
    except RendererNotFound as e:
        return str(e)
    return "a renderer was found after all"
