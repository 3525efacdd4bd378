"""Execute every lecture notebook and write a static HTML copy of each, to read without a kernel.

    python course/render_notebooks.py build/notebooks-html   # then open index.html there

Notebooks are committed without outputs; these pages show them run, figures included (images
are embedded, so each page is one file). Each notebook runs from scratch in a local
``python3`` kernel, in a temporary copy of its folder. A notebook that fails is still
written (with its error shown where it happened), and the command then exits with status 1
naming it.
"""

from __future__ import annotations

import argparse
import html
import json
import pathlib
import shutil
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

REPO = pathlib.Path(__file__).resolve().parent.parent


def execute(path: pathlib.Path, timeout: int) -> tuple[nbformat.NotebookNode, str | None]:
    """The notebook run from scratch, and the error that stopped it (None if it ran through)."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="chainrule-render-") as tmp:
        work = pathlib.Path(tmp) / path.parent.name
        shutil.copytree(path.parent, work, ignore=shutil.ignore_patterns(".*", "__pycache__"))
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": work}}
        )
        try:
            client.execute()
        except CellExecutionError as e:
            return nb, f"{e.ename}: {e.evalue}"
    return nb, None


WIDGET = "application/vnd.jupyter.widget-view+json"
STATIC = ("text/html", "image/svg+xml", "image/png", "text/markdown")


def static_outputs(nb: nbformat.NotebookNode) -> int:
    """Show each widget's static fallback (its HTML or image) instead of the live view, which
    needs a widget manager from a CDN; returns how many widget views were replaced."""
    replaced, remaining = 0, 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data:
                if any(kind in data for kind in STATIC):
                    del data[WIDGET]
                    replaced += 1
                else:
                    remaining += 1
    if not remaining:
        nb.metadata.pop("widgets", None)
    return replaced


def to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """One self-contained HTML page of an executed notebook."""
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def index_page(rows: list[tuple[str, str, float, str | None]]) -> str:
    """A page linking every rendered notebook, with its status."""
    items = []
    for name, page, seconds, error in rows:
        status = f"failed: {html.escape(error)}" if error else f"ran in {seconds:.0f} s"
        items.append(f'<li><a href="{html.escape(page)}">{html.escape(name)}</a> ({status})</li>')
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>chainrule notebooks</title>'
        "</head><body><h1>chainrule: the lecture notebooks, executed</h1>\n<ul>\n"
        + "\n".join(items)
        + "\n</ul></body></html>\n"
    )


def render(source: pathlib.Path, out: pathlib.Path, timeout: int) -> list[str]:
    """Render every notebook of `source` into `out`; returns the names of those that failed."""
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        raise SystemExit(f"error: no notebooks in {source}")
    out.mkdir(parents=True, exist_ok=True)
    rows, failed = [], []
    for path in notebooks:
        start = time.perf_counter()
        nb, error = execute(path, timeout)
        static_outputs(nb)
        seconds = time.perf_counter() - start
        page = path.stem + ".html"
        (out / page).write_text(to_html(nb, path.stem), encoding="utf-8")
        rows.append((path.name, page, seconds, error))
        print(f"{path.name}: {'FAILED ' + error if error else 'ok'} ({seconds:.1f} s) -> {page}")
        if error:
            failed.append(path.name)
    (out / "index.html").write_text(index_page(rows), encoding="utf-8")
    summary = {
        name: {"html": page, "seconds": round(s, 1), "error": e} for name, page, s, e in rows
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "out", type=pathlib.Path, nargs="?", default=REPO / "build" / "notebooks-html"
    )
    parser.add_argument("--source", type=pathlib.Path, default=REPO / "notebooks")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    failed = render(args.source, args.out, args.timeout)
    if failed:
        print(f"error: {len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"wrote {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
