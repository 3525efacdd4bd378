"""Notebooks are committed without outputs, in order, and each is listed in README.md."""

import json
import pathlib

REPO = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    names = [p.name[:2] for p in NOTEBOOKS]
    assert names == [f"{i:02d}" for i in range(len(NOTEBOOKS))] and len(NOTEBOOKS) >= 9


def test_no_outputs_committed():
    dirty = []
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count")):
                dirty.append(path.name)
                break
    assert not dirty, f"clear outputs before committing: {dirty}"


def test_readme_lists_every_notebook():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in NOTEBOOKS if p.name not in readme]
    assert not missing, f"README.md does not list {missing}"


def test_each_notebook_installs_chainrule_first_when_missing():
    """Colab, JupyterLite: the first code cell installs chainrule only when it is not importable."""
    lacking = []
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        text = "".join(first["source"])
        if 'find_spec("chainrule") is None' not in text or "%pip install" not in text:
            lacking.append(path.name)
    assert not lacking, f"first code cell does not install chainrule when missing: {lacking}"
