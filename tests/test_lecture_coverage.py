"""The README's lecture coverage table is true and complete.

Every concept lecture 1 teaches (the fixed list below, taken from the transcript, in the lecture's
order) has a row: concept (timestamp) | `notebook` § section | figure | `assertion`. For every row
the notebook exists, the section is one of its markdown headings, the figure's drawing call is
made in a code cell of that section, and the quoted assertion is (part of) an `assert` statement
in a code cell of that notebook.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = "## Lecture 1, concept by concept"

# What lecture 1 (MIT 6.S191, 2021) teaches, in its order, with the recording's timestamp.
LECTURE = (
    ("10:26", "features learned in a hierarchy: edges, then parts, then the whole"),
    ("12:34", "perceptron: dot product, bias, non-linearity"),
    ("14:22", "activation functions: sigmoid, tanh, ReLU"),
    ("16:04", "why a non-linearity: a line cannot separate red from green"),
    ("17:07", "the lecture's example: w0 = 1, W = [3, −2], x = (−1, 2) gives z = −6, ŷ ≈ 0.002"),
    ("17:48", "the perceptron's decision boundary: a line in the input space"),
    ("21:43", "multi-output perceptron"),
    ("22:37", "dense layer from scratch: weights, bias, forward pass"),
    ("23:58", "single hidden layer network"),
    ("25:07", "hidden units start with different weights: diversity in the neurons"),
    ("26:01", "deep neural network: dense layers stacked in a sequential model"),
    ("27:03", "will I pass: two features, past students, you at (4, 5)"),
    ("28:19", "the untrained network's wrong guess, P(pass) ≈ 0.1"),
    ("29:27", "the loss of one prediction: binary cross-entropy"),
    ("29:56", "empirical loss: the mean over the data set"),
    ("30:24", "softmax cross-entropy for pass/fail"),
    ("30:50", "mean squared error for a real-valued output"),
    ("31:40", "loss optimisation: the weights W* of lowest loss, the loss landscape"),
    ("33:13", "gradient descent: step against the gradient, repeat"),
    ("34:22", "gradient descent starts from randomly initialised weights"),
    ("34:40", "the learning rate η"),
    ("34:56", "automatic differentiation"),
    ("35:44", "backpropagation: dJ/dw2 = dJ/dŷ · dŷ/dw2"),
    ("37:01", "the chain rule again for w1: dJ/dw1 = dJ/dŷ · dŷ/dz1 · dz1/dw1"),
    ("37:33", "backpropagation repeated for every weight"),
    ("38:19", "loss landscapes in practice are not convex"),
    ("38:49", "learning rate too small: stuck in a local minimum; too large: diverges"),
    ("40:17", "adaptive learning rates"),
    ("41:05", "putting it together: model, optimiser, training loop"),
    ("41:46", "mini-batches: one example is noisy, a batch of 32 much less"),
    ("43:21", "mini-batches train faster"),
    ("43:45", "overfitting and underfitting: generalising to new data"),
    ("44:52", "regularisation: discourage complex models"),
    ("45:39", "dropout: half the hidden units off, a different half each step"),
    ("46:33", "early stopping: stop where the validation loss is lowest"),
)

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
_CONCEPT = re.compile(r"^(.+) \((\d{1,2}:\d{2})\)$")
_WHERE = re.compile(r"^`([\w.-]+\.ipynb)` § (.+)$")
_FIGURE = re.compile(r"^`([A-Za-z_][\w.]*)`: \S.*$")
_QUOTED = re.compile(r"^`(.+)`$")


def _python(source: str) -> str:
    """A cell's source with IPython magics (`%pip ...`, `!ls`) as `pass`, so ast can parse it."""
    return re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", source)


def _squash(text: str) -> str:
    return " ".join(text.split())


@dataclasses.dataclass
class Row:
    concept: str
    timestamp: str
    notebook: str
    section: str
    figure_call: str | None
    assertion: str


def table_rows(readme: str) -> list[list[str]]:
    """The cells of each body row of the first table under the coverage section."""
    if SECTION not in readme:
        raise ValueError(f"README.md has no section {SECTION!r}")
    lines = readme.split(SECTION, 1)[1].splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("|")), None)
    if start is None or any(line.startswith("## ") for line in lines[:start]):
        raise ValueError(f"no table under {SECTION!r}")
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return table[2:]  # header and separator


def parse_row(cells: list[str]) -> Row:
    """One table row, or ValueError saying which cell is malformed."""
    if len(cells) != 4:
        raise ValueError(f"expected 4 cells, got {len(cells)}: {cells}")
    concept, where, figure, assertion = cells
    parts = {
        "concept": _CONCEPT.match(concept),
        "notebook § section": _WHERE.match(where),
        "assertion": _QUOTED.match(assertion),
    }
    for name, match in parts.items():
        if match is None:
            raise ValueError(f"malformed {name} cell in {cells}")
    fig = None if figure == "—" else _FIGURE.match(figure)
    if figure != "—" and fig is None:
        raise ValueError(f"figure cell must be '—' or '`call`: what it plots', got {figure!r}")
    return Row(
        concept=parts["concept"][1],
        timestamp=parts["concept"][2],
        notebook=parts["notebook § section"][1],
        section=parts["notebook § section"][2],
        figure_call=fig[1] if fig else None,
        assertion=_squash(parts["assertion"][1]),
    )


@dataclasses.dataclass
class Notebook:
    """A notebook's markdown headings and code cells, in order."""

    cells: list[tuple[str, str]]  # (cell type, source)

    @classmethod
    def load(cls, path: pathlib.Path) -> Notebook:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]
        return cls([(kind, _python(src) if kind == "code" else src) for kind, src in cells])

    def headings(self, index: int) -> list[tuple[int, str]]:
        """(level, text) of each markdown heading in cell `index`, outside code fences."""
        kind, source = self.cells[index]
        found, fenced = [], False
        if kind != "markdown":
            return found
        for line in source.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced and (m := _HEADING.match(line)):
                found.append((len(m[1]), m[2]))
        return found

    def count_heading(self, text: str) -> int:
        return sum(t == text for i in range(len(self.cells)) for _, t in self.headings(i))

    def section_code(self, text: str) -> list[str]:
        """Code cells from heading `text` to the next heading of the same or a higher level."""
        level, code = None, []
        for i, (kind, source) in enumerate(self.cells):
            if level is not None:
                if any(lv <= level for lv, _ in self.headings(i)):
                    break
                if kind == "code":
                    code.append(source)
            elif any(t == text for _, t in self.headings(i)):
                level = next(lv for lv, t in self.headings(i) if t == text)
        return code

    def code(self) -> list[str]:
        return [source for kind, source in self.cells if kind == "code"]


def assert_statements(source: str) -> list[str]:
    """Each `assert` statement in a code cell, whitespace squashed."""
    tree = ast.parse(source)
    return [
        _squash(ast.get_source_segment(source, node) or "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
    ]


def call_names(source: str) -> set[str]:
    """The dotted names called in a code cell (`plot_history`, `ax.scatter`, ...)."""
    return {ast.unparse(n.func) for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)}


def row_problems(row: Row, notebooks: pathlib.Path) -> list[str]:
    """What is untrue about one row (empty when the row is right)."""
    where = f"{row.concept} ({row.timestamp}): {row.notebook}"
    path = notebooks / row.notebook
    if not path.is_file():
        return [f"{where}: no such notebook in {notebooks.name}/"]
    nb = _load(path)
    found = []
    count = nb.count_heading(row.section)
    if count != 1:
        what = "has no markdown heading" if count == 0 else f"has {count} headings"
        found.append(f"{where} {what} {row.section!r}")
    elif row.figure_call and not any(
        row.figure_call in call_names(code) for code in nb.section_code(row.section)
    ):
        found.append(f"{where} § {row.section}: no code cell there calls {row.figure_call}()")
    if not any(row.assertion in a for code in nb.code() for a in assert_statements(code)):
        found.append(f"{where}: no assert statement contains `{row.assertion}`")
    return found


@functools.cache
def _load_cached(path: pathlib.Path, mtime: float) -> Notebook:
    return Notebook.load(path)


def _load(path: pathlib.Path) -> Notebook:
    return _load_cached(path, path.stat().st_mtime)


def problems(readme: str, notebooks: pathlib.Path = NOTEBOOKS) -> list[str]:
    """Everything untrue or missing in the README's coverage table (empty when it is right)."""
    found, rows = [], []
    for cells in table_rows(readme):
        try:
            rows.append(parse_row(cells))
        except ValueError as e:
            found.append(str(e))
    for row in rows:
        found += row_problems(row, notebooks)
    listed = [(row.timestamp, row.concept) for row in rows]
    for timestamp, concept in LECTURE:
        if (timestamp, concept) not in listed:
            found.append(f"lecture concept without a row: {concept} ({timestamp})")
    for timestamp, concept in listed:
        if (timestamp, concept) not in LECTURE:
            found.append(f"row for a concept not in the lecture list: {concept} ({timestamp})")
        elif listed.count((timestamp, concept)) > 1:
            found.append(f"concept listed twice: {concept} ({timestamp})")
    if not found and listed != list(LECTURE):
        found.append("rows are not in the lecture's order")
    return found


def test_every_concept_has_a_true_row():
    assert problems(README) == []


def test_table_has_a_row_per_concept_with_a_figure_where_the_lecture_draws():
    rows = [parse_row(cells) for cells in table_rows(README)]
    assert len(rows) == len(LECTURE)
    assert sum(row.figure_call is not None for row in rows) >= len(LECTURE) // 2


def test_lecture_list_is_in_order():
    seconds = [int(m) * 60 + int(s) for m, s in (t.split(":") for t, _ in LECTURE)]
    assert seconds == sorted(seconds) and len(set(seconds)) == len(seconds)
    assert len({concept for _, concept in LECTURE}) == len(LECTURE)


def _row(timestamp: str) -> str:
    """The README line of the row for the concept at `timestamp`."""
    (line,) = [line for line in README.splitlines() if f"({timestamp}) |" in line]
    return line


@pytest.mark.parametrize(
    ("timestamp", "old", "new", "message"),
    [
        # a section that is not a heading of that notebook
        ("17:07", "§ Step by step, with `Value`", "§ Step by step", "has no markdown heading"),
        # an assertion whose number is not the one asserted
        ("17:07", "`z.data == 1 - 3 - 4 == -6`", "`z.data == -5`", "no assert statement"),
        # code that is in the notebook but not in an assert
        ("17:07", "`z.data == 1 - 3 - 4 == -6`", "`z.sigmoid()`", "no assert statement"),
        # a figure drawn in another section of the notebook
        ("17:07", "`draw_graph`:", "`ax.contourf`:", "no code cell there calls ax.contourf()"),
        # a notebook that does not exist
        ("17:07", "`01_perceptron.ipynb`", "`01_perceptrons.ipynb`", "no such notebook"),
        # a malformed cell
        ("17:07", "(17:07) |", "|", "malformed concept cell"),
    ],
)
def test_a_wrong_row_is_reported(timestamp, old, new, message):
    line = _row(timestamp)
    assert line.count(old) == 1
    found = problems(README.replace(line, line.replace(old, new)))
    assert found and all(message in p or "without a row" in p for p in found), found
    assert any(message in p for p in found), found


def test_a_missing_concept_is_reported():
    found = problems(README.replace(_row("45:39") + "\n", ""))
    assert found == [
        "lecture concept without a row: dropout: half the hidden units off, a different half "
        "each step (45:39)"
    ]


def test_rows_out_of_order_are_reported():
    a, b = _row("29:27"), _row("29:56")
    swapped = README.replace(a + "\n" + b, b + "\n" + a)
    assert swapped != README
    assert problems(swapped) == ["rows are not in the lecture's order"]


def test_a_section_of_a_lower_level_ends_at_the_next_heading_of_its_level(tmp_path):
    md = lambda s: {"cell_type": "markdown", "source": s}  # noqa: E731
    py = lambda s: {"cell_type": "code", "source": s}  # noqa: E731
    cells = [md("# T"), py("a(1)"), md("## A\ntext"), py("b(1)"), md("### A.1"), py("c(1)")]
    cells += [md("text\n## B"), py("d(1)\nassert x == 1")]
    (tmp_path / "t.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    nb = Notebook.load(tmp_path / "t.ipynb")
    assert nb.section_code("A") == ["b(1)", "c(1)"]
    assert len(nb.section_code("T")) == 4 and nb.section_code("B") == ["d(1)\nassert x == 1"]
    good = Row("c", "1:00", "t.ipynb", "B", "d", "x == 1")
    assert row_problems(good, tmp_path) == []
    assert row_problems(dataclasses.replace(good, section="A"), tmp_path) == [
        "c (1:00): t.ipynb § A: no code cell there calls d()"
    ]
