"""Write the student versions of the lecture notebooks: solutions replaced by placeholders.

    python course/student_notebooks.py                 # -> build/student/*.ipynb
    python course/student_notebooks.py --answers       # -> build/answers/*.ipynb (markers gone,
                                                       #    solutions kept: what a perfect
                                                       #    student hands in)

Marker convention (see course/README.md): in a code cell, the lines between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` are the solution. The student
version replaces them by a placeholder that keeps the notebook runnable:

* lines ``### STUDENT <code>`` inside the block, if any, give the placeholder
  explicitly (``<code>`` at the line's indentation);
* otherwise, a block inside a function body becomes
  ``raise NotImplementedError("your code here")``;
* otherwise each name the block assigns becomes ``name = ...  # your code here``.

In a markdown cell, ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->`` is removed.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import pathlib
import sys
import textwrap

REPO = pathlib.Path(__file__).resolve().parent.parent
BEGIN, END, STUDENT = "### BEGIN SOLUTION", "### END SOLUTION", "### STUDENT"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
PLACEHOLDER = "...  # your code here"
RAISE = 'raise NotImplementedError("your code here")  # replace this line with your code'


class MarkerError(ValueError):
    """A solution marker is unbalanced or misplaced; the message names the cell and line."""


def _blocks(lines: list[str], begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """(begin, end) line indices of each marked block, checking that markers pair up."""
    found, start = [], None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == begin:
            if start is not None:
                raise MarkerError(f"{where}, line {i + 1}: {begin} inside another solution block")
            start = i
        elif text == end:
            if start is None:
                raise MarkerError(f"{where}, line {i + 1}: {end} without {begin}")
            found.append((start, i))
            start = None
        elif begin in line or end in line:
            raise MarkerError(f"{where}, line {i + 1}: a marker must be alone on its line")
    if start is not None:
        raise MarkerError(f"{where}, line {start + 1}: {begin} has no {end}")
    return found


def _placeholder(body: list[str], indent: str, where: str) -> list[str]:
    explicit = [line for line in body if line.strip().startswith(STUDENT)]
    if explicit:
        out = []
        for line in explicit:
            pad = line[: len(line) - len(line.lstrip())]
            out.append(pad + line.strip()[len(STUDENT) :].strip())
        return out
    if indent:
        return [indent + RAISE]
    code = textwrap.dedent("\n".join(body))
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        raise MarkerError(f"{where}: the solution does not parse ({e})") from None
    names: list[str] = []
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for t in targets:
            elts = t.elts if isinstance(t, ast.Tuple) else [t]
            names += [e.id for e in elts if isinstance(e, ast.Name) and e.id not in names]
    return [f"{n} = {PLACEHOLDER}" for n in names] or [PLACEHOLDER]


def strip_code(source: str, where: str = "cell", answers: bool = False) -> str:
    """The student (or, with `answers`, the marker-free solution) text of one code cell."""
    lines = source.split("\n")
    blocks = _blocks(lines, BEGIN, END, where)
    out, last = [], 0
    for start, stop in blocks:
        out += lines[last:start]
        body = lines[start + 1 : stop]
        if answers:
            out += [line for line in body if not line.strip().startswith(STUDENT)]
        else:
            indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
            out += _placeholder(body, indent, f"{where}, line {start + 1}")
        last = stop + 1
    out += lines[last:]
    return "\n".join(out)


def strip_markdown(source: str, where: str = "cell", answers: bool = False) -> str:
    lines = source.split("\n")
    out, last = [], 0
    for start, stop in _blocks(lines, MD_BEGIN, MD_END, where):
        out += lines[last:start] + (lines[start + 1 : stop] if answers else [])
        last = stop + 1
    return "\n".join(out + lines[last:])


def _text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _as_source(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def has_markers(nb: dict) -> bool:
    return any(BEGIN in _text(c) or MD_BEGIN in _text(c) for c in nb["cells"])


def student_notebook(nb: dict, stem: str, answers: bool = False) -> dict:
    """A student (or answers) copy of notebook `nb`, outputs cleared, exercises in metadata."""
    from chainrule.viz.exercises import exercises_for

    out = copy.deepcopy(nb)
    for i, cell in enumerate(out["cells"]):
        where = f"{stem}.ipynb, cell {i}"
        text = _text(cell)
        if cell["cell_type"] == "code":
            cell["source"] = _as_source(strip_code(text, where, answers))
            cell["outputs"], cell["execution_count"] = [], None
        elif cell["cell_type"] == "markdown":
            cell["source"] = _as_source(strip_markdown(text, where, answers))
    everything = "".join(_text(c) for c in nb["cells"])
    exercises = exercises_for(stem)
    unused = [e.check for e in exercises if f"{e.check}(" not in everything]
    if unused:
        raise MarkerError(f"{stem}.ipynb never calls {', '.join(unused)}")
    if exercises and not answers:
        out["cells"].insert(0, _header(stem))
    out["metadata"]["chainrule"] = {
        "notebook": stem,
        "exercises": [e.id for e in exercises],
        "version": "answers" if answers else "student",
    }
    return out


def _header(stem: str) -> dict:
    text = (
        f"*Student version of `notebooks/{stem}.ipynb`.* Fill in each cell marked "
        "`# your code here` (replace the `...`, or the `raise NotImplementedError` line), then run "
        "the check cell below it: it says whether your answer is right and, if not, why. "
        "Run all cells first: every check then says *not answered yet*."
    )
    return {"cell_type": "markdown", "id": "student-header", "metadata": {}, "source": [text]}


def write_all(source: pathlib.Path, out: pathlib.Path, answers: bool = False) -> list[pathlib.Path]:
    """Write a version of every notebook in `source` to `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(source.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        result = student_notebook(nb, path.stem, answers)
        target = out / path.name
        target.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=pathlib.Path, default=REPO / "notebooks")
    parser.add_argument("--out", type=pathlib.Path, help="default: build/student or build/answers")
    parser.add_argument("--answers", action="store_true", help="keep the solutions, drop markers")
    args = parser.parse_args(argv)
    out = args.out or REPO / "build" / ("answers" if args.answers else "student")
    try:
        written = write_all(args.source, out, args.answers)
    except MarkerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} notebooks to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
