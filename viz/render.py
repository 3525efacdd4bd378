"""Finding a program that turns DOT source into SVG or PNG.

`pip install graphviz` installs only the Python wrapper: it runs a `dot`
program that pip does not install. chainrule uses, in this order:

1. the system's `dot`, when it is on PATH (Graphviz from apt, brew, conda...);
2. `graphviz-pure`, a self-contained renderer installed from PyPI with
   chainrule, found in this Python's scripts folder even when the virtual
   environment is not activated.

The `graphviz` package is then pointed at that program (its module-level
``DOT_BINARY`` setting), so ``Digraph.render()``, ``.pipe()`` and Jupyter's
inline display all use it.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys
import sysconfig

import graphviz.backend.dot_command as _dot_command

__all__ = ["RendererNotFound", "find_renderer", "use_renderer"]

PURE = "graphviz-pure"


class RendererNotFound(RuntimeError):
    """Neither a system `dot` nor `graphviz-pure` could be found."""


def _scripts_dirs() -> list[pathlib.Path]:
    dirs = [pathlib.Path(sysconfig.get_path("scripts")), pathlib.Path(sys.executable).parent]
    return list(dict.fromkeys(dirs))


def find_renderer() -> pathlib.Path | None:
    """The program chainrule would use to draw graphs, or None if there is none."""
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
    """Point the `graphviz` package at the renderer found; raise RendererNotFound if none."""
    program = find_renderer()
    if program is None:
        raise RendererNotFound(
            "chainrule.viz cannot draw graphs: no 'dot' program on PATH and no "
            f"'{PURE}' in {_scripts_dirs()[0]}. Fix it with `pip install {PURE}` in this "
            "environment (it comes with `pip install chainrule`), or install Graphviz "
            "(e.g. `apt-get install graphviz`)."
        )
    _dot_command.DOT_BINARY = program
    return program
