"""What the browser kernel needs, gathered so that the site serves it itself.

Pyodide comes from npm (``npm pack pyodide@VERSION``), which ships the runtime and its
lock file but no wheels. The pure-Python wheels that the kernel loads at start-up (micropip,
IPython and their dependencies; typing-extensions for anywidget) are fetched from PyPI at
the versions the lock names and put beside ``pyodide.asm.wasm``; their entries in the lock
get the new files' SHA-256 (Pyodide checks it). Every other entry (numpy, matplotlib, ...)
is pointed at Pyodide's own distribution on its CDN, so those load when the site is online.

Downloads are cached: a second build with the same cache needs no network.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import shutil
import subprocess
import sys
import tarfile

CDN = "https://cdn.jsdelivr.net/pyodide/v{version}/full/"
#: what the Pyodide kernel of jupyterlite-pyodide-kernel loads from the lock at start-up, and
#: what the widget packages served to piplite (build_site.WIDGET_PACKAGES) take from the lock
KERNEL_ROOTS = ("micropip", "packaging", "ipython", "jedi", "typing-extensions")


class SiteBuildError(RuntimeError):
    """A step of the site build failed; the message says which and what to do."""


def sha256(path: pathlib.Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def normalise(name: str) -> str:
    """A project name as the lock and PyPI compare them (PEP 503)."""
    return name.lower().replace("_", "-").replace(".", "-")


def closure(lock: dict, roots: tuple[str, ...]) -> list[str]:
    """The lock's packages needed by `roots`, dependencies included, in a stable order."""
    packages = lock["packages"]
    seen: list[str] = []
    stack = [normalise(r) for r in reversed(roots)]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in packages:
            raise SiteBuildError(f"the Pyodide lock has no package {name!r}")
        seen.append(name)
        stack.extend(normalise(d) for d in reversed(packages[name]["depends"]))
    return seen


def localise_lock(lock: dict, local: dict[str, pathlib.Path], cdn: str) -> dict:
    """A copy of `lock` where the packages in `local` are the given wheels (file beside the
    lock, their SHA-256) and every other package is fetched from `cdn` (an absolute URL)."""
    if not cdn.startswith("https://") or not cdn.endswith("/"):
        raise ValueError(f"the CDN must be an https:// URL ending in '/', not {cdn!r}")
    out = json.loads(json.dumps(lock))
    unknown = sorted(set(local) - set(out["packages"]))
    if unknown:
        raise SiteBuildError(f"wheels for packages the Pyodide lock does not list: {unknown}")
    for name, entry in out["packages"].items():
        if name in local:
            entry["file_name"] = local[name].name
            entry["sha256"] = sha256(local[name])
        elif "://" not in entry["file_name"]:
            entry["file_name"] = cdn + entry["file_name"]
    return out


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise SiteBuildError(f"{what} failed ({' '.join(cmd)}):\n{tail}")


def pure_wheel(name: str, version: str, cache: pathlib.Path) -> pathlib.Path:
    """The pure-Python (``none-any``) wheel of name==version from PyPI, cached in `cache`."""
    cache.mkdir(parents=True, exist_ok=True)
    stem = normalise(name).replace("-", "_")

    def found() -> list[pathlib.Path]:
        return [
            p
            for p in cache.glob("*.whl")
            if normalise(p.name.split("-")[0]).replace("-", "_") == stem
            and p.name.split("-")[1] == version
        ]

    if not found():
        _run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--python-version", "3.14", "--platform", "any",
             "--dest", str(cache), f"{name}=={version}"],
            f"downloading {name}=={version} from PyPI",
        )  # fmt: skip
    wheels = found()
    if len(wheels) != 1 or not wheels[0].name.endswith("-none-any.whl"):
        raise SiteBuildError(
            f"expected one pure-Python wheel of {name}=={version} in {cache}, found "
            f"{[w.name for w in wheels]}; a compiled package must come from Pyodide itself"
        )
    return wheels[0]


def pyodide_package(version: str, cache: pathlib.Path) -> pathlib.Path:
    """The npm ``pyodide@version`` package, unpacked in `cache`; returns its folder."""
    folder = cache / f"pyodide-{version}"
    if (folder / "pyodide.asm.wasm").exists():
        return folder
    if shutil.which("npm") is None:
        raise SiteBuildError("npm is needed once to fetch Pyodide (apt-get install npm)")
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache / f"pyodide-{version}.tgz"
    if not tgz.exists():
        _run(["npm", "pack", "--silent", f"pyodide@{version}", "--pack-destination", str(cache)],
             f"npm pack pyodide@{version}")  # fmt: skip
    unpack = cache / f"pyodide-{version}.unpack"
    shutil.rmtree(unpack, ignore_errors=True)
    with tarfile.open(tgz) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12: refuse unsafe members
            tar.extractall(unpack, filter="data")
        else:  # pragma: no cover
            tar.extractall(unpack)
    (unpack / "package").rename(folder)
    shutil.rmtree(unpack)
    if not (folder / "pyodide.asm.wasm").exists():
        raise SiteBuildError(f"npm pyodide@{version} has no pyodide.asm.wasm")
    return folder


def pyodide_dist(version: str, cache: pathlib.Path, out: pathlib.Path) -> dict[str, str]:
    """Write Pyodide `version` to `out` with the kernel's start-up wheels beside it and a lock
    that sends everything else to the CDN. Returns {package: wheel file} of the local wheels."""
    source = pyodide_package(version, cache)
    lock = json.loads((source / "pyodide-lock.json").read_text("utf-8"))
    local = {}
    for name in closure(lock, KERNEL_ROOTS):
        local[name] = pure_wheel(name, lock["packages"][name]["version"], cache / "wheels")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and not path.name.endswith(".map"):
            shutil.copy2(path, out / path.name)
    for wheel in local.values():
        shutil.copy2(wheel, out / wheel.name)
    new = localise_lock(lock, local, CDN.format(version=version))
    (out / "pyodide-lock.json").write_text(json.dumps(new), "utf-8")
    package = json.loads((source / "package.json").read_text("utf-8"))
    notice = [
        f"Pyodide {version} from npm (pyodide@{version}), licence {package.get('license')};",
        "https://github.com/pyodide/pyodide. Wheels beside it, from PyPI (each wheel's",
        "METADATA and licence files inside it give its licence):",
        *sorted(f"  {w.name}" for w in local.values()),
    ]
    (out / "NOTICE.txt").write_text("\n".join(notice) + "\n", "utf-8")
    return {name: wheel.name for name, wheel in local.items()}
