"""The built course site (course/build_site.py) in Chromium, offline: the browser kernel at work.

The site is built beforehand, since building needs npm and PyPI, and named by
``CHAINRULE_SITE`` (`.ci/run`'s site stage; by hand: ``python course/build_site.py build/site``
then ``CHAINRULE_SITE=build/site pytest tests/browser/test_site.py``). Without it they skip.
It is served from 127.0.0.1 and every other request is blocked and must not happen (conftest),
so numpy and matplotlib (from Pyodide's CDN when online) are out of reach: these tests run
what needs neither: the README's quickstart and visualiser, the graph widget, and notebook 06
in both versions.
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re
import shutil
import urllib.parse

import pytest

from chainrule.viz import two_weight_network
from chainrule.viz.names import fmt

REPO = pathlib.Path(__file__).resolve().parents[2]
KERNEL_START_MS = 180_000  # Pyodide, then IPython's wheels, from the local server
RUN_MS = 300_000
ERR = re.compile(r"\d\.\d\de[-+]\d\d")


def _readme_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.fixture(scope="module")
def built(site) -> str:
    """The built site copied into the served folder: its base URL."""
    if not os.environ.get("CHAINRULE_SITE"):
        pytest.skip("set CHAINRULE_SITE to a built site (python course/build_site.py build/site)")
    folder = pathlib.Path(os.environ["CHAINRULE_SITE"])
    if not (folder / "jupyter-lite.json").exists():
        pytest.fail(f"CHAINRULE_SITE={folder} holds no built site: run python "
                    f"course/build_site.py {folder}", pytrace=False)  # fmt: skip
    root, base = site
    shutil.copytree(folder, root, dirs_exist_ok=True)
    return base


def _wait_idle(page) -> None:
    page.get_by_text("Python (Pyodide) | Idle").wait_for(timeout=KERNEL_START_MS)


def _outputs(page, cell_selector: str) -> list[str]:
    """Text of each cell's outputs (textContent: cells scrolled out of view count too)."""
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].map(c => {
             const out = c.querySelector('.jp-OutputArea');
             return out ? out.textContent : ''; })""",
        cell_selector,
    )


def _run_notebook(page, base: str, path: str) -> list[str]:
    """Open `path` in JupyterLab, Run All Cells, wait until every cell ran; the outputs."""
    page.goto(base + "lab/index.html?path=" + urllib.parse.quote(path))
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    _wait_idle(page)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(
        """() => { const ps = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                     .map(p => p.textContent);
                   return ps.length > 0 && ps.every(p => /\\[\\d+\\]/.test(p)); }""",
        timeout=RUN_MS,
    )
    errors = page.locator(".jp-Notebook .jp-OutputArea-output[data-mime-type*='error']")
    assert errors.count() == 0, errors.all_inner_texts()
    return _outputs(page, ".jp-Notebook .jp-CodeCell")


def _run_code(page, base: str, code: str):
    """Run `code` in the browser kernel; returns its cell. JupyterLite's REPL app logs a plugin
    error of its own, so the code goes into a notebook: its first code cell (the install cell)
    runs, then the next cell is replaced by `code` and run."""
    page.goto(base + "lab/index.html?path=lecture/00_tour_of_value.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    _wait_idle(page)
    install = page.locator(".jp-Notebook .jp-CodeCell").first
    assert '%pip install "chainrule[widget]"' in install.inner_text()
    install.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")
    return page.locator(".jp-Notebook .jp-CodeCell").nth(1)


def test_site_is_relative_and_serves_chainrule(built, page):
    page.goto(built + "pypi/all.json")
    index = page.evaluate("() => JSON.parse(document.body.innerText)")
    assert "chainrule" in index and "anywidget" in index
    page.goto(built + "jupyter-lite.json")
    config = page.evaluate("() => document.body.innerText")
    assert "://" not in config  # every URL the site names is relative
    page.goto(built + "static/pyodide/NOTICE.txt")
    assert "licence MPL-2.0" in page.evaluate("() => document.body.innerText")


def test_readme_quickstart_and_visualiser_in_the_browser_kernel(built, page, shots):
    quickstart, visualiser = _readme_blocks()[:2]
    assert "Value" in quickstart and "two_weight_network" in visualiser
    code = quickstart + "\n" + visualiser + "\ndisplay(draw_graph(net.J, highlight=net.w1))\n"
    expected = io.StringIO()
    with contextlib.redirect_stdout(expected):  # what CPython prints, for comparison
        exec(compile(code.replace("display(", "(lambda g: g)("), "README", "exec"), {})
    cell = _run_code(page, built, code)
    cell.locator(".jp-OutputArea-output svg").first.wait_for(timeout=RUN_MS)
    text = cell.locator(".jp-OutputArea").inner_text()
    for line in expected.getvalue().splitlines():
        words = line.split()
        if len(words) == 6 and all(ERR.fullmatch(w) for w in words[4:]):
            # a gradcheck row: value and both derivatives must agree; the last digits of the
            # rounding errors depend on the platform's maths library, so they are not compared
            words = words[:4]
        assert re.search(r"\s+".join(map(re.escape, words)), text), (
            f"the browser kernel did not print {line!r}:\n{text}"
        )
    assert "2.473" in text
    svg = cell.locator(".jp-OutputArea-output svg").first
    assert svg.locator("g.node").count() >= 7
    svg.scroll_into_view_if_needed()
    page.screenshot(path=shots / "site_quickstart.png")


def test_graph_widget_in_the_browser_kernel(built, page, shots):
    net = two_weight_network()
    net.J.backward()
    code = (
        "from chainrule.viz import explore, two_weight_network\n"
        "net = two_weight_network(); net.J.backward()\n"
        "explore(net.J)"
    )
    cell = _run_code(page, built, code)
    app = cell.locator(".cr-app")
    app.locator(".cr-graph svg g.node").first.wait_for(timeout=RUN_MS)
    app.locator("g.node#n1").click()
    assert app.locator(".cr-name").inner_text() == "w1"
    assert app.locator("[data-field=grad]").inner_text() == fmt(net.w1.grad)
    assert "(4.193)(-1)(-1.5)(0.1966)(2) = 2.473" in app.locator(".cr-chain").inner_text()
    cell.scroll_into_view_if_needed()
    page.screenshot(path=shots / "site_widget.png")


def test_notebook_06_runs_in_the_browser(built, page, shots):
    net = two_weight_network()
    net.J.backward()
    outputs = _run_notebook(page, built, "lecture/06_backpropagation.ipynb")
    text = "\n".join(outputs)
    assert f"= {net.w1.grad:.4g}, which matches w1.grad = {net.w1.grad:.4g}" in text
    assert f"w2.grad = {net.w2.grad:.4f}, w1.grad = {net.w1.grad:.4f}" in text
    assert text.count("✓ Exercise 06.") == 3 and "✗" not in text
    graph = page.locator(".jp-Notebook .jp-CodeCell", has_text="draw_graph(net.J, highlight")
    svg = graph.locator(".jp-OutputArea-output svg").first
    assert svg.locator("g.node").count() >= 7
    svg.scroll_into_view_if_needed()
    graph.screenshot(path=shots / "site_06_draw_graph.png")
    page.screenshot(path=shots / "site_06.png")


def test_notebook_00_runs_in_the_browser(built, page, shots):
    # numpy-free like 06: every cell runs offline (no error output) and every check passes
    outputs = _run_notebook(page, built, "lecture/00_tour_of_value.ipynb")
    checks = [o for o in outputs if "Exercise 00." in o]
    assert checks and all(c.lstrip().startswith("✓") for c in checks), checks
    page.screenshot(path=shots / "site_00.png")


def test_student_notebook_06_checks_say_not_answered(built, page, shots):
    outputs = _run_notebook(page, built, "exercises/06_backpropagation.ipynb")
    checks = [o for o in outputs if "Exercise 06." in o]
    assert len(checks) == 3, checks
    assert all("✗" in c and "not answered yet" in c for c in checks), checks
    page.locator(".jp-Notebook .jp-CodeCell", has_text="check_dJ_dw1(").scroll_into_view_if_needed()
    page.screenshot(path=shots / "site_06_student.png")
