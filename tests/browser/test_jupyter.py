"""The widget in real JupyterLab 4 and Notebook 7 (a local server and kernel, offline).

A notebook that calls `explore` is opened, its cell run with Shift+Enter, and the
widget's output clicked; the inspector must show the engine's numbers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from chainrule.viz import two_weight_network
from chainrule.viz.names import fmt

CELL = (
    "from chainrule.viz import explore, two_weight_network\n"
    "net = two_weight_network(); net.J.backward()\n"
    "explore(net.J)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    """A Jupyter server on 127.0.0.1 serving a folder with one notebook: its base URL."""
    root = tmp_path_factory.mktemp("jupyter")
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "source": CELL, "outputs": [],
                   "execution_count": None}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    (root / "graph.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(root / ".runtime")}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           "--ip=127.0.0.1", f"--port={port}", "--IdentityProvider.token=",
           "--ServerApp.password=", f"--ServerApp.root_dir={root}"]  # fmt: skip
    log = open(root / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "api", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail((root / "server.log").read_text())
                time.sleep(0.5)
        else:
            pytest.fail("the Jupyter server did not start in 60 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def run_cell(page, drawn, shot) -> None:
    """Run the first cell until its output is drawn; on a loaded machine the kernel may be slow
    to start, and a kernel-choice dialog may come up first."""
    for attempt in range(3):
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count():
            dialog.first.click()
        page.click(".jp-Cell .cm-content")
        page.keyboard.press("Shift+Enter")
        try:
            drawn.wait_for(timeout=60_000)
            return
        except Exception:
            page.screenshot(path=f"{shot}_attempt{attempt}.png")
    raise AssertionError(f"the widget was not drawn; screenshots in {shot}_attempt*.png")


@pytest.mark.parametrize("ui", ["lab/tree/graph.ipynb", "notebooks/graph.ipynb"])
def test_explore_draws_an_interactive_widget(browser, jupyter, ui, shots):
    net = two_weight_network()
    net.J.backward()
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    blocked: list[str] = []

    def gate(route):
        if route.request.url.startswith(jupyter):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(jupyter + ui)
        page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=90_000)
        output = page.locator(".jp-OutputArea-output .cr-app")
        run_cell(page, output.locator(".cr-graph svg g.node").first, shots / f"jupyter_{ui[:3]}")
        output.locator("g.node#n1").click()
        assert output.locator(".cr-name").inner_text() == "w1"
        assert output.locator("[data-field=grad]").inner_text() == fmt(net.w1.grad)
        assert "(4.193)(-1)(-1.5)(0.1966)(2) = 2.473" in output.locator(".cr-chain").inner_text()
        page.screenshot(path=shots / f"jupyter_{ui.split('/')[0]}.png")
    finally:
        context.close()
    assert blocked == [], f"Jupyter's page tried to reach the network: {blocked}"
    assert not [e for e in errors if "chainrule" in e or "cr-" in e], errors
