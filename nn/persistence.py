"""Weights files: written atomically, read defensively.

A weights file is standard JSON (RFC 8259, no NaN or Infinity tokens)::

    {"format": "chainrule-state", "version": 1, "model": "MLP",
     "parameters": {"layers.0.neurons.0.weights.0": 0.12, ...}}

`write_state` writes a temporary file beside the destination, named
``.<name>.chainrule-tmp-<random>`` (hidden, never ending in the destination's
extension), then renames it over the destination: an interrupted save leaves
the previous file intact. `read_state` turns every way a file can be wrong
into a ValueError that names the file and the problem.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from typing import Any

__all__ = ["FILE_FORMAT", "FILE_VERSION", "TEMP_MARKER", "write_state", "read_state"]

FILE_FORMAT = "chainrule-state"
FILE_VERSION = 1
_NOT_WEIGHTS = "not a chainrule weights file"
TEMP_MARKER = ".chainrule-tmp-"
"""Part of the name of every temporary file `write_state` makes."""


def write_state(path: str | os.PathLike, model_name: str, state: dict[str, float]) -> None:
    """Write `state` to `path` atomically, keeping an existing file's permissions.

    Refuses (ValueError, nothing written, an existing file untouched) when a
    parameter is inf or NaN: such a file would not load, and a diverged model
    should not replace the last good one.
    """
    for name, number in state.items():
        if not math.isfinite(number):
            raise ValueError(
                f"cannot save: parameter {name!r} is {number!r}, not a finite number (training"
                " probably diverged); nothing was written and any existing file is unchanged"
            )
    text = json.dumps(
        {"format": FILE_FORMAT, "version": FILE_VERSION, "model": model_name, "parameters": state},
        indent=1,
        allow_nan=False,
    )
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777  # keep the permissions of the file we replace
    except FileNotFoundError:
        mode = None  # a new file: 0o666 less the umask, applied by os.open
    fd, tmp = _create_temporary(folder, name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def _create_temporary(folder: str, name: str) -> tuple[int, str]:
    """A new file beside the destination, opened for writing; (descriptor, path)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f".{name}{TEMP_MARKER}{secrets.token_hex(4)}")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def read_state(path: str | os.PathLike, model_name: str) -> dict[str, Any]:
    """The parameters stored in `path` for a model of class `model_name`.

    Raises ValueError naming the file and the problem for anything that is
    not a complete weights file written by `write_state` for that class
    (OSError still means the file could not be read at all).
    """
    where = os.fspath(path)
    if TEMP_MARKER in os.path.basename(where):
        raise ValueError(
            f"{where}: a temporary file left by an interrupted save, not a weights file;"
            " load the file it was meant to replace (and delete this one)"
        )
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(
            f"{where}: {_NOT_WEIGHTS} (binary data or not UTF-8 text: byte"
            f" {e.start} is {raw[e.start : e.start + 1]!r})"
        ) from None
    try:
        document = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_int=_parse_int,
            object_pairs_hook=_unique_keys,
        )
    except RecursionError:
        raise ValueError(f"{where}: {_NOT_WEIGHTS} (JSON nested too deeply)") from None
    except ValueError as e:  # JSONDecodeError, and the hooks' own errors
        raise ValueError(f"{where}: {_NOT_WEIGHTS} (truncated or corrupt: {e})") from None
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise ValueError(f"{where}: not a chainrule weights file (no '{FILE_FORMAT}' header)")
    if document.get("version") != FILE_VERSION:
        raise ValueError(f"{where}: file version {document.get('version')!r} is not supported")
    if document.get("model") != model_name:
        raise ValueError(f"{where}: holds a {document.get('model')!r}, not a {model_name!r}")
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise ValueError(
            f"{where}: 'parameters' should map names to numbers, got {type(parameters).__name__}"
        )
    return parameters


def _refuse_constant(token: str) -> float:
    raise ValueError(f"{token} is not standard JSON and not a finite number")


def _parse_int(digits: str) -> int | float:
    """Small ints as ints (the version number); long ones as floats (inf when too large)."""
    return int(digits) if len(digits) <= 18 else float(digits)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"the key {twice!r} appears twice")
    return result
