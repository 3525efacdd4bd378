"""ruff passes on the whole repository (lint and formatting)."""

import importlib.util
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args):
    assert importlib.util.find_spec("ruff"), "ruff is in the [dev] extra: pip install -e '.[dev]'"
    cmd = [sys.executable, "-m", "ruff", *args]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
