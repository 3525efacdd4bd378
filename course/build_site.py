"""Build the course as a static JupyterLite site that runs in the browser.

    python course/build_site.py build/site            # then: python -m http.server -d build/site

The site holds the lecture notebooks (lecture/), their student versions (exercises/, made by
course/student_notebooks.py), chainrule's wheel built from this checkout, the widget packages,
and Pyodide with the wheels its kernel starts with, all under relative URLs: copy the folder
to any static host. numpy and matplotlib load from Pyodide's CDN when the browser is online.
Needs ``pip install -e ".[site]"`` and, for the first build, npm and PyPI (downloads are
cached in build/site-cache; later builds are offline).
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from site_pyodide import SiteBuildError, pure_wheel, pyodide_dist  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parent.parent
#: pure-Python packages the notebooks' widgets need, not in Pyodide's lock: served to piplite
WIDGET_PACKAGES = ("comm", "ipywidgets", "jupyterlab_widgets", "anywidget", "psygnal")
INSTALL_TAG = "chainrule-install"
INSTALL_CELL = """\
# Installs chainrule (and its graph widget) when this kernel lacks it: in JupyterLite from
# this site, in Colab from PyPI.
import importlib.util

if importlib.util.find_spec("chainrule") is None:
    %pip install "chainrule[widget]"
"""
#: where a student starts: file -> what it is
ENTRY = "lab/index.html?path=lecture/06_backpropagation.ipynb"


def installs_chainrule(nb: dict) -> bool:
    """Whether the notebook's first code cell already installs chainrule."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            text = "".join(cell["source"])
            tags = cell.get("metadata", {}).get("tags", [])
            return INSTALL_TAG in tags or bool(re.search(r"pip install .*chainrule", text))
    return False


def with_install_cell(nb: dict) -> dict:
    """A copy of the notebook whose first code cell installs chainrule when it is missing."""
    out = copy.deepcopy(nb)
    if installs_chainrule(out):
        return out
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": INSTALL_TAG,
        "metadata": {"tags": [INSTALL_TAG]},
        "outputs": [],
        "source": INSTALL_CELL.splitlines(keepends=True),
    }
    first_code = next(
        (i for i, c in enumerate(out["cells"]) if c["cell_type"] == "code"), len(out["cells"])
    )
    out["cells"].insert(first_code, cell)
    return out


def copy_notebooks(source: pathlib.Path, target: pathlib.Path) -> list[str]:
    """Copy every notebook of `source` to `target` with the install cell; returns the names."""
    target.mkdir(parents=True, exist_ok=True)
    names = []
    for path in sorted(source.glob("*.ipynb")):
        nb = json.loads(path.read_text("utf-8"))
        (target / path.name).write_text(json.dumps(with_install_cell(nb), indent=1), "utf-8")
        names.append(path.name)
    if not names:
        raise SiteBuildError(f"no notebooks in {source}")
    return names


def _run(cmd: list[str], what: str, cwd: pathlib.Path = REPO) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise SiteBuildError(f"{what} failed ({' '.join(cmd)}):\n{tail}")


def chainrule_wheel(folder: pathlib.Path) -> pathlib.Path:
    """chainrule's wheel, built from this checkout into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder),
          str(REPO)], "building chainrule's wheel")  # fmt: skip
    wheels = sorted(folder.glob("chainrule-*-py3-none-any.whl"))
    if len(wheels) != 1:
        raise SiteBuildError(f"expected one chainrule wheel in {folder}, found {wheels}")
    return wheels[0]


def installed_version(name: str) -> str:
    """The version installed here (the site's front-end extensions come from this env too)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        raise SiteBuildError(f"{name} is not installed: pip install -e '.[site]'") from None


def pyodide_version() -> str:
    """The Pyodide version the installed jupyterlite-pyodide-kernel was made for."""
    try:
        from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
    except ImportError:
        message = "jupyterlite-pyodide-kernel is missing: pip install -e '.[site]'"
        raise SiteBuildError(message) from None
    return PYODIDE_VERSION


def absolute_urls(config: dict) -> list[str]:
    """Every string in a jupyter-lite.json that is an absolute URL (a static site needs none)."""
    found, stack = [], [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and re.match(r"^[a-z][a-z0-9+.-]*://|^//", item):
            found.append(item)
    return found


def build(out: pathlib.Path, cache: pathlib.Path) -> dict:
    """Build the site into `out` (replaced); returns a summary of what it holds."""
    version = pyodide_version()
    with tempfile.TemporaryDirectory(prefix="chainrule-site-") as tmp:
        lite, content = pathlib.Path(tmp) / "lite", pathlib.Path(tmp) / "content"
        (lite / "pypi").mkdir(parents=True)
        wheel = chainrule_wheel(pathlib.Path(tmp) / "wheel")
        served = [wheel]
        for name in WIDGET_PACKAGES:
            served.append(pure_wheel(name, installed_version(name), cache / "wheels"))
        for path in served:
            shutil.copy2(path, lite / "pypi" / path.name)
        kernel_wheels = pyodide_dist(version, cache, lite / "static" / "pyodide")

        lecture = copy_notebooks(REPO / "notebooks", content / "lecture")
        student = pathlib.Path(tmp) / "student"
        _run([sys.executable, str(REPO / "course" / "student_notebooks.py"), "--out",
              str(student)], "writing the student notebooks")  # fmt: skip
        exercises = copy_notebooks(student, content / "exercises")

        config = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {"appName": "chainrule"}}
        (lite / "jupyter-lite.json").write_text(json.dumps(config), "utf-8")
        if out.exists():
            shutil.rmtree(out)
        _run([sys.executable, "-m", "jupyter", "lite", "build", "--lite-dir", str(lite),
              "--contents", str(content), "--output-dir", str(out.resolve()),
              "--no-sourcemaps"], "jupyter lite build", cwd=lite)  # fmt: skip

    config = json.loads((out / "jupyter-lite.json").read_text("utf-8"))
    urls = absolute_urls(config)
    if urls:
        raise SiteBuildError(f"the site's jupyter-lite.json names absolute URLs: {urls}")
    index = json.loads((out / "pypi" / "all.json").read_text("utf-8"))
    if "chainrule" not in index:
        raise SiteBuildError("chainrule's wheel is missing from the site's package index")
    return {
        "pyodide": version,
        "chainrule wheel": wheel.name,
        "piplite wheels": sorted(index),
        "wheels beside Pyodide": sorted(kernel_wheels.values()),
        "lecture notebooks": lecture,
        "exercise notebooks": exercises,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=pathlib.Path, nargs="?", default=REPO / "build" / "site")
    parser.add_argument("--cache", type=pathlib.Path, default=REPO / "build" / "site-cache",
                        help="downloads (npm, PyPI) kept between builds")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        summary = build(args.out, args.cache)
    except SiteBuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for key, value in summary.items():
        print(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    print(f"\nsite written to {args.out}. Serve it with: python -m http.server -d {args.out}")
    print(f"then open http://localhost:8000/{ENTRY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
