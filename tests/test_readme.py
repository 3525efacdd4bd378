"""README's Python examples run as written, and its two set-up commands are the documented ones."""

import contextlib
import io
import pathlib
import re

REPO = pathlib.Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert len(blocks) >= 2
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {})
    text = out.getvalue()
    assert "agree" in text  # the quickstart's gradcheck table
    assert "dJ/dw1 = dJ/derr" in text and "2.473" in text  # the visualiser example


def test_exactly_two_setup_commands():
    commands = re.findall(r"<!-- (main|test)-command -->\n```\n(.+)\n```", README)
    assert [kind for kind, _ in commands] == ["main", "test"]
    main, test = (cmd for _, cmd in commands)
    assert main.endswith("python -m chainrule.viz")
    assert test.endswith("pytest")
