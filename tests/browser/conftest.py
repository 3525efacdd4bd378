"""Real-browser tests: Debian's Chromium driven by Playwright, offline.

These tests run only when asked for: ``pytest tests/browser`` (what `.ci/run`'s
browser stage does) or ``CHAINRULE_BROWSER_TESTS=1``; a bare ``pytest`` leaves
them out, since the README's test command does not install a browser. Then:

* Chromium is the system's (``apt-get install chromium``; ``CHROMIUM=path`` to
  choose another); Playwright's own browser download is never used.
* Under CI (``CI=true``) a missing Chromium or Playwright FAILS the tests;
  elsewhere they are skipped with the reason.
* Pages are served by a server on 127.0.0.1; every other request is blocked
  and recorded, and each test asserts that none was made.
* Screenshots go to ``$CHAINRULE_SCREENSHOTS`` (default: the test's tmp dir).
"""

from __future__ import annotations

import functools
import http.server
import os
import pathlib
import shutil
import threading

import pytest

HERE = pathlib.Path(__file__).resolve().parent
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _requested(config: pytest.Config) -> bool:
    if os.environ.get("CHAINRULE_BROWSER_TESTS") == "1":
        return True
    for arg in config.args:
        path = pathlib.Path(str(arg).split("::")[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path: pathlib.Path, config: pytest.Config) -> bool | None:
    if not _requested(config):
        return True
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install 'chainrule[browser-tests]')")
    executable = _chromium_path()
    if executable is None:
        _unavailable("no Chromium on PATH (apt-get install chromium, or set CHROMIUM=path)")
    with sync_playwright() as p:  # launch() gives Chromium a new, empty profile of its own
        b = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield b
        b.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """A folder served on 127.0.0.1: (folder, base URL)."""
    root = tmp_path_factory.mktemp("site")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture
def page(browser, site):
    """A 900 px wide page that may load only from the local server; it fails on JS errors."""
    _, base = site
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    blocked: list[str] = []
    errors: list[str] = []

    def gate(route):
        url = route.request.url
        if url.startswith(base) or url.startswith(("blob:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", gate)
    pg = context.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    assert blocked == [], f"the page tried to reach the network: {blocked}"
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def shots(tmp_path) -> pathlib.Path:
    folder = pathlib.Path(os.environ.get("CHAINRULE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
