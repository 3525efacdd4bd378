"""The course site's and the HTML rendering's parts that need no browser and no network."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
CDN = "https://cdn.example.org/pyodide/v1/full/"


def _load(name: str):
    sys.path.insert(0, str(REPO / "course"))  # build_site imports site_pyodide by name
    try:
        spec = importlib.util.spec_from_file_location(name, REPO / "course" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # one SiteBuildError class for both modules
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(REPO / "course"))


pyo = _load("site_pyodide")
site = _load("build_site")
render = _load("render_notebooks")


def _lock() -> dict:
    def entry(name, version, depends=()):
        return {"name": name, "version": version, "depends": list(depends),
                "file_name": f"{name}-{version}-py3-none-any.whl", "sha256": "0" * 64}  # fmt: skip

    return {"info": {}, "packages": {
        "ipython": entry("ipython", "9.0", ["traitlets", "pygments"]),
        "traitlets": entry("traitlets", "5.0"),
        "pygments": entry("pygments", "2.0", ["traitlets"]),
        "numpy": entry("numpy", "2.4"),
    }}  # fmt: skip


def test_closure_follows_dependencies_once():
    assert pyo.closure(_lock(), ("IPython",)) == ["ipython", "traitlets", "pygments"]
    assert pyo.closure(_lock(), ("numpy",)) == ["numpy"]
    with pytest.raises(pyo.SiteBuildError, match="no package 'jedi'"):
        pyo.closure(_lock(), ("ipython", "jedi"))


def test_localise_lock_serves_local_wheels_and_sends_the_rest_to_the_cdn(tmp_path):
    wheel = tmp_path / "traitlets-5.0-py3-none-any.whl"
    wheel.write_bytes(b"not the bytes Pyodide built")
    lock = _lock()
    lock["packages"]["pygments"]["file_name"] = "https://elsewhere.example/p.whl"
    new = pyo.localise_lock(lock, {"traitlets": wheel}, CDN)
    t = new["packages"]["traitlets"]
    assert t["file_name"] == wheel.name
    assert t["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest() != "0" * 64
    assert new["packages"]["numpy"]["file_name"] == CDN + "numpy-2.4-py3-none-any.whl"
    assert new["packages"]["numpy"]["sha256"] == "0" * 64  # the CDN's file is Pyodide's own
    assert new["packages"]["pygments"]["file_name"] == "https://elsewhere.example/p.whl"
    assert lock["packages"]["traitlets"]["sha256"] == "0" * 64  # the input is not changed


def test_localise_lock_refuses_unknown_packages_and_a_relative_cdn(tmp_path):
    wheel = tmp_path / "jedi-1-py3-none-any.whl"
    wheel.write_bytes(b"x")
    with pytest.raises(pyo.SiteBuildError, match=r"does not list: \['jedi'\]"):
        pyo.localise_lock(_lock(), {"jedi": wheel}, CDN)
    with pytest.raises(ValueError, match="must be an https:// URL"):
        pyo.localise_lock(_lock(), {}, "static/pyodide")


def test_pure_wheel_uses_the_cache_and_refuses_compiled_wheels(tmp_path):
    pure = tmp_path / "jupyterlab_widgets-3.0.15-py3-none-any.whl"
    pure.write_bytes(b"x")
    assert pyo.pure_wheel("jupyterlab-widgets", "3.0.15", tmp_path) == pure
    (tmp_path / "psygnal-0.15.1-cp314-cp314-manylinux_2_28_x86_64.whl").write_bytes(b"x")
    with pytest.raises(pyo.SiteBuildError, match="a compiled package must come from Pyodide"):
        pyo.pure_wheel("psygnal", "0.15.1", tmp_path)


def _nb(*sources: str, kind: str = "code") -> dict:
    cells = [{"cell_type": kind if i else "markdown", "metadata": {}, "source": s,
              "outputs": [], "execution_count": None} for i, s in enumerate(sources)]  # fmt: skip
    for c in cells:
        if c["cell_type"] == "markdown":
            del c["outputs"], c["execution_count"]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_install_cell_goes_first_among_code_cells_once():
    nb = _nb("# Title", "import chainrule")
    out = site.with_install_cell(nb)
    assert [c["cell_type"] for c in out["cells"]] == ["markdown", "code", "code"]
    assert '%pip install "chainrule[widget]"' in "".join(out["cells"][1]["source"])
    assert len(nb["cells"]) == 2  # the source notebook is left alone
    assert site.with_install_cell(out) == out
    own = _nb("# Title", "%pip install -q chainrule\nimport chainrule")
    assert site.with_install_cell(own) == own


def test_copy_notebooks_covers_every_notebook(tmp_path):
    names = site.copy_notebooks(REPO / "notebooks", tmp_path)
    assert names == sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    for name in names:
        assert site.installs_chainrule(json.loads((tmp_path / name).read_text("utf-8")))
    with pytest.raises(pyo.SiteBuildError, match="no notebooks"):
        site.copy_notebooks(tmp_path / "empty", tmp_path / "out")


def test_absolute_urls_are_found_anywhere_in_the_config():
    config = {"a": "./static/pyodide/pyodide.mjs", "b": [{"c": "https://x.org/y"}],
              "d": "//cdn.org/z", "e": "lab/index.html", "f": 3}  # fmt: skip
    assert sorted(site.absolute_urls(config)) == ["//cdn.org/z", "https://x.org/y"]
    assert site.absolute_urls({"a": ["./x", {"b": "../y"}]}) == []


def test_static_outputs_keep_a_widgets_fallback():
    import nbformat

    widget = {"model_id": "m", "version_major": 2, "version_minor": 0}
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("w")]
    nb.cells[0].outputs = [
        nbformat.v4.new_output(
            "display_data", {"text/html": "<b>frames</b>", render.WIDGET: widget}
        ),  # fmt: skip
    ]
    nb.metadata["widgets"] = {"state": {}}
    assert render.static_outputs(nb) == 1
    assert list(nb.cells[0].outputs[0]["data"]) == ["text/html"] and "widgets" not in nb.metadata
    nb.cells[0].outputs[0]["data"] = {"text/plain": "VBox()", render.WIDGET: widget}
    nb.metadata["widgets"] = {"state": {}}
    assert render.static_outputs(nb) == 0 and "widgets" in nb.metadata  # nothing to fall back to


def test_render_writes_every_page_and_names_the_failure(tmp_path, capsys):
    import nbformat

    src = tmp_path / "nbs"
    src.mkdir()
    good = nbformat.v4.new_notebook()
    good.cells = [nbformat.v4.new_code_cell(
        "from IPython.display import SVG\n"
        "print(6 * 7)\n"
        "SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\">"
        "<circle id=\"dot\" r=\"4\"/></svg>')"
    )]  # fmt: skip
    bad = nbformat.v4.new_notebook()
    bad.cells = [nbformat.v4.new_code_cell("print('before')"),
                 nbformat.v4.new_code_cell("raise ValueError('broken on purpose')")]  # fmt: skip
    nbformat.write(good, src / "a_good.ipynb")
    nbformat.write(bad, src / "b_bad.ipynb")
    out = tmp_path / "html"
    assert render.main([str(out), "--source", str(src), "--timeout", "60"]) == 1
    assert "1 notebook(s) failed: b_bad.ipynb" in capsys.readouterr().err
    page = (out / "a_good.html").read_text("utf-8")
    assert "42" in page and 'id="dot"' in page
    broken = (out / "b_bad.html").read_text("utf-8")
    assert "before" in broken and "broken on purpose" in broken
    index = (out / "index.html").read_text("utf-8")
    assert 'href="a_good.html"' in index and "failed: ValueError: broken on purpose" in index
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["a_good.ipynb"]["error"] is None
    assert "broken on purpose" in summary["b_bad.ipynb"]["error"]
