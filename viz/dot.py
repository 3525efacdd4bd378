"""The DOT text of one drawing: node tables, edges, the caption, the layout choice.

Every piece of text from the graph (names, captions) goes through
`names.dot_text`, so it is drawn verbatim and cannot break out of its label.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chainrule.autograd import Value

from .names import CONSTANT, DATA, d_name, dot_text, fmt, op_expressions, visible

HIGHLIGHT = "#d62728"
HIGHLIGHT_FILL = "#fbe0e0"
ACTIVE = "#1f77b4"
ACTIVE_FILL = "#dceaf7"
WEIGHT_FILL = "#fff1c7"
DATA_FILL = "#ececec"
GREY = "#777777"
LINE = "#333333"
CELL_FILL = "#f4f4f4"

CHAR_PT = 6.8  # a rough average width of a 12 pt Helvetica character, in points
LR_MAX_PT = 600  # left to right only when about this wide or less (a notebook is ~675 pt)
MAX_HEADER = 32  # longer operation texts are shortened
MAX_CELLS = 4  # a node with more inputs shows only the highlighted ones' derivatives
SIDES = "\x00"  # where a cell's borders go; dot_text never lets this character through


@dataclass
class Style:
    """What every node and edge of one drawing needs to know."""

    rankdir: str
    names: Mapping[Value, str]
    roles: Mapping[Value, str]
    on_path: set[Value]
    show_local_grads: bool
    active_edge: tuple[Value, int] | None
    exprs: dict[Value, tuple[str, bool]] = field(default_factory=dict)

    @property
    def ranksep(self) -> float:
        return 0.5 if self.rankdir == "LR" else 0.35

    def has_cell(self, node: Value, i: int) -> bool:
        """Is edge i into `node` drawn ending on a cell with its local derivative?

        Not for data and constants; for a node with many inputs (a neuron's
        dot product), only on the highlighted path and the active edge."""
        parent = node.parents[i]
        if not self.show_local_grads or self.roles.get(parent) in (DATA, CONSTANT):
            return False
        return len(node.parents) <= MAX_CELLS or parent in self.on_path or self.is_active(node, i)

    def is_active(self, node: Value, i: int) -> bool:
        return (
            self.active_edge is not None
            and self.active_edge[0] is node
            and (self.active_edge[1] == i)
        )


def _numbers(v: Value, grad: float, style: Style) -> str:
    grad_text = f"grad {dot_text(fmt(grad))}"
    active = style.active_edge
    if active is not None and active[0].parents[active[1]] is v:
        grad_text = f'<FONT COLOR="{ACTIVE}"><B>{grad_text}</B></FONT>'
    return f"data {dot_text(fmt(v.data))}    {grad_text}"


def _header(v: Value, style: Style) -> str:
    name = style.names[v]
    if v not in style.exprs:
        return f"<B>{dot_text(name)}</B>"
    expr, is_name = style.exprs[v]
    if is_name:
        return f"<B>{dot_text(expr)}</B>"
    if len(expr) > MAX_HEADER:
        count = len(v.parents)
        expr = f"{v.op} of {count} inputs" if v.op in ("dot", "sum") else expr[:29] + "..."
    return f"<B>{dot_text(name)} </B>= {dot_text(expr)}"  # no run starts with a space


def _cell(v: Value, i: int, style: Style) -> str:
    parent = v.parents[i]
    text = f"d{d_name(style.names[v])}/d{d_name(style.names[parent])} = {fmt(v.local_grads[i])}"
    text = dot_text(text)
    fill = CELL_FILL
    if style.is_active(v, i):
        fill, text = ACTIVE_FILL, f'<FONT COLOR="{ACTIVE}"><B>{text}</B></FONT>'
    elif parent in style.on_path:
        fill, text = HIGHLIGHT_FILL, f'<FONT COLOR="{HIGHLIGHT}"><B>{text}</B></FONT>'
    return f'<TD PORT="p{i}" BGCOLOR="{fill}" {SIDES}><FONT POINT-SIZE="11">{text}</FONT></TD>'


def _sides(cell: str, sides: str) -> str:
    return cell.replace(SIDES, f'SIDES="{sides}" BORDER="1"')


def node_statement(node_id: str, v: Value, grad: float, shown: list[bool], style: Style) -> str:
    """The DOT statement of one Value: a table with its name, numbers and derivative cells."""
    role = style.roles.get(v)
    if role == CONSTANT:
        label = dot_text(style.names[v])
        return (
            f'  {node_id} [shape=box style="rounded,dashed" color="{GREY}" fontcolor="{GREY}"'
            f' fontsize=11 width=0 height=0 margin="0.06,0.03" label=<{label}>]'
        )
    hot = v in style.on_path
    border = f'BORDER="{2 if hot else 1}" COLOR="{HIGHLIGHT if hot else LINE}"'
    table = f'CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" {border}'
    if role == DATA:
        rows = [
            f"<B>{dot_text(style.names[v])} </B>= {dot_text(fmt(v.data))}",
            f'<FONT POINT-SIZE="11" COLOR="{GREY}"><I>data, no grad</I></FONT>',
        ]
        body = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
        label = f'<TABLE {table} STYLE="rounded" BGCOLOR="{DATA_FILL}">{body}</TABLE>'
        return f"  {node_id} [label=<{label}>]"
    fill = "white" if v.parents else WEIGHT_FILL
    text = f"{_header(v, style)}<BR/>{_numbers(v, grad, style)}"
    cells = [_cell(v, i, style) for i in range(len(v.parents)) if shown[i] and style.has_cell(v, i)]
    hidden = len(v.parents) - len(cells) if len(v.parents) > MAX_CELLS else 0
    if style.show_local_grads and hidden:
        text += (
            f'<BR/><FONT POINT-SIZE="11" COLOR="{GREY}">{hidden} local derivatives not shown</FONT>'
        )
    if not cells:
        body = f"<TR><TD>{text}</TD></TR>"
    elif style.rankdir == "LR":  # derivative cells in a column on the left
        first = _sides(cells[0], "R")
        body = f'<TR>{first}<TD ROWSPAN="{len(cells)}">{text}</TD></TR>'
        body += "".join(f"<TR>{_sides(c, 'RT')}</TR>" for c in cells[1:])
    else:  # derivative cells in a row on top, where the edges come in
        row = [_sides(c, "BR") for c in cells[:-1]] + [_sides(cells[-1], "B")]
        body = f'<TR>{"".join(row)}</TR><TR><TD COLSPAN="{len(cells)}">{text}</TD></TR>'
    return f'  {node_id} [label=<<TABLE {table} BGCOLOR="{fill}">{body}</TABLE>>]'


def edge_statement(parent_id: str, node_id: str, v: Value, i: int, style: Style) -> str:
    """The DOT statement of edge i into `v`, ending on its derivative cell if it has one."""
    parent = v.parents[i]
    head = node_id
    if style.has_cell(v, i):
        head += f":p{i}:{'w' if style.rankdir == 'LR' else 'n'}"
    if style.is_active(v, i):
        attrs = f'color="{ACTIVE}" penwidth=2.5'
    elif parent in style.on_path:
        attrs = f'color="{HIGHLIGHT}" penwidth=2.5'
    elif style.roles.get(parent) in (DATA, CONSTANT):
        attrs = f'color="{GREY}" style=dashed'
    else:
        attrs = f'color="{LINE}"'
    return f"  {parent_id} -> {head} [{attrs}]"


def caption_label(text: str, style: Style) -> str:
    """The caption under the graph: left-aligned lines, wrapped to a notebook's width."""
    width = 100 if style.rankdir == "LR" else 76
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(
            visible(paragraph),
            width=width,
            subsequent_indent="    ",
            break_long_words=True,
            break_on_hyphens=False,
        ) or [""]
    body = "".join(f'{dot_text(line)}<BR ALIGN="LEFT"/>' for line in lines)  # \l-free
    return f"  graph [labelloc=b labeljust=l fontsize=12 label=<{body}>]"


def _widths(v: Value, style: Style) -> tuple[float, float]:
    """A rough (width in TB, width in LR) of `v`'s box, in points."""
    header = len(style.names[v]) + len(style.exprs.get(v, ("", False))[0]) + 3
    body = max(header, 22) * CHAR_PT + 12
    cells = [
        len(style.names[v]) + len(style.names[p]) + 12
        for i, p in enumerate(v.parents)
        if style.has_cell(v, i)
    ]
    if not cells:
        return body, body
    tb = max(body, sum(c * CHAR_PT * 0.92 + 10 for c in cells))
    return tb, body + max(cells) * CHAR_PT * 0.92 + 10


def choose_rankdir(shown: Sequence[Value], style: Style) -> str:
    """Left to right when the graph fits a notebook's width that way, else top to bottom."""
    seen = set(shown)
    depth: dict[Value, int] = {}
    lr_by_depth: dict[int, float] = {}
    tb_by_depth: dict[int, float] = {}
    for v in shown:
        parents = [p for p in v.parents if p in seen]
        depth[v] = 1 + max((depth[p] for p in parents), default=-1)
        tb, lr = _widths(v, style)
        k = depth[v]
        lr_by_depth[k] = max(lr_by_depth.get(k, 0.0), lr)
        tb_by_depth[k] = tb_by_depth.get(k, 0.0) + tb + 20
    lr_width = sum(lr_by_depth.values()) + 36 * (len(lr_by_depth) - 1)
    tb_width = max(tb_by_depth.values())
    return "LR" if lr_width <= LR_MAX_PT or lr_width < tb_width else "TB"


__all__ = [
    "Style",
    "node_statement",
    "edge_statement",
    "caption_label",
    "choose_rankdir",
    "op_expressions",
]
