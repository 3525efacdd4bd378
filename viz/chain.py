"""chain_rule: every path from a weight to the loss, as a product of local derivatives."""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from chainrule.autograd import Value, topological_order

from .names import d_name, depends_on, fmt, node_names, visible

__all__ = ["chain_rule", "ChainRule", "PathTerm"]


@dataclass(frozen=True)
class PathTerm:
    """One path from the root back to `wrt`: its local derivatives and their product.

    ``factors[k]`` is ``(child, parent, local)``: the name of a node, the name
    of its input on this path, and d(child)/d(parent). The first factor
    touches the root, the last touches `wrt`.
    """

    factors: tuple[tuple[str, str, float], ...]

    @property
    def product(self) -> float:
        return math.prod(local for _, _, local in self.factors)

    def symbols(self) -> str:
        return " · ".join(f"d{d_name(c)}/d{d_name(p)}" for c, p, _ in self.factors)

    def numbers(self) -> str:
        return "".join(f"({fmt(local)})" for _, _, local in self.factors)


@dataclass(frozen=True)
class ChainRule:
    """d(root)/d(wrt) written out path by path, with checks.

    `total` is the sum over paths of the product of local derivatives; `grad`
    is ``wrt.grad`` as backward() left it; `numeric` is a central difference
    when a `recompute` function was given to `chain_rule`.
    """

    root_name: str
    wrt_name: str
    paths: tuple[PathTerm, ...]
    grad: float
    numeric: float | None = None

    @property
    def total(self) -> float:
        return math.fsum(p.product for p in self.paths)

    @property
    def matches_grad(self) -> bool:
        return math.isclose(self.total, self.grad, rel_tol=1e-9, abs_tol=1e-12)

    @property
    def matches_numeric(self) -> bool | None:
        if self.numeric is None:
            return None
        return math.isclose(self.total, self.numeric, rel_tol=1e-5, abs_tol=1e-7)

    def lhs(self) -> str:
        return f"d{d_name(self.root_name)}/d{d_name(self.wrt_name)}"

    def lines(self) -> list[str]:
        """The derivation as text, one line per path, then the checks."""
        if not self.paths:
            return [f"{self.lhs()} = 0 (no path from {self.wrt_name} to {self.root_name})"]
        out = []
        for k, p in enumerate(self.paths):
            lead = f"{self.lhs()} = " if len(self.paths) == 1 else f"  path {k + 1}: "
            out.append(f"{lead}{p.symbols()} = {p.numbers()} = {fmt(p.product)}")
        if len(self.paths) > 1:
            sums = " + ".join(f"({fmt(p.product)})" for p in self.paths)
            out.insert(0, f"{self.lhs()} = sum over {len(self.paths)} paths:")
            out.append(f"{self.lhs()} = {sums} = {fmt(self.total)}")
        tick = "✓" if self.matches_grad else "✗ differs"
        check = f"backward() gave {self.wrt_name}.grad = {fmt(self.grad)} {tick}"
        if self.numeric is not None:
            ok = "✓" if self.matches_numeric else "✗ differs"
            check += f"; central difference {fmt(self.numeric)} {ok}"
        out.append(check)
        return out

    def summary(self) -> str:
        """A short form for a graph caption (plain characters every renderer's fonts
        have): the factors on one line, their numbers on the next."""
        verdict = "matches" if self.matches_grad else "DIFFERS FROM"
        check = f"{fmt(self.total)}, which {verdict} {self.wrt_name}.grad = {fmt(self.grad)}"
        if len(self.paths) == 1:
            p = self.paths[0]
            factors = " * ".join(f"d{d_name(c)}/d{d_name(q)}" for c, q, _ in p.factors)
            return f"{self.lhs()} = {factors}\n    = {p.numbers()} = {check}"
        body = " + ".join(f"({fmt(p.product)})" for p in self.paths)
        return f"{self.lhs()} = {body} = {check}"

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_markdown_(self) -> str:
        def frac(a: str, b: str) -> str:
            return rf"\frac{{\partial\,\mathrm{{{_tex(a)}}}}}{{\partial\,\mathrm{{{_tex(b)}}}}}"

        rows = []
        for p in self.paths:
            factors = r" \cdot ".join(frac(c, q) for c, q, _ in p.factors)
            numbers = "".join(f"({fmt(v)})" for _, _, v in p.factors)
            rows.append(f"{factors} = {numbers} = {fmt(p.product)}")
        lhs = frac(self.root_name, self.wrt_name)
        body = r" \\ ".join(rows) if rows else "0"
        tex = (
            rf"$$ {lhs} = {body} $$"
            if len(rows) <= 1
            else rf"$$ \begin{{aligned}}{lhs} &= {body}\end{{aligned}} $$"
        )
        return tex + "\n\n" + _markdown_text(self.lines()[-1])


_TEX = {
    "\\": r"\backslash ",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "^": r"\hat{}",
    "~": r"\sim ",
}


def _markdown_text(text: str) -> str:
    """`text` shown verbatim by Markdown: every ASCII punctuation mark backslash-escaped."""
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in visible(text))


def _tex(name: str) -> str:
    """`name` inside TeX's \\mathrm{...}, drawn verbatim (control characters escaped first)."""
    return "".join(_TEX.get(ch, ch) for ch in visible(name))


def chain_rule(
    root: Value,
    wrt: Value,
    *,
    names: Mapping[Value, str] | None = None,
    recompute: Callable[[float], float] | None = None,
    max_paths: int = 1000,
    eps: float = 1e-6,
) -> ChainRule:
    """Write d(root)/d(wrt) as a sum over paths of products of local derivatives.

    Call ``root.backward()`` first so the result can be checked against
    ``wrt.grad``. `recompute`, if given, maps a value of `wrt` to the root's
    value, and is used for a central-difference check. Raises ValueError when
    there are more than `max_paths` paths.
    """
    order = topological_order(root)
    names = names or node_names(order)
    if wrt not in names:
        raise ValueError(f"{wrt!r} is not in the graph of root")
    reaches = depends_on(order, [wrt])

    counts: dict[Value, int] = {}
    for node in order:  # number of paths from wrt to each node, without listing them
        counts[node] = 1 if node is wrt else sum(counts.get(p, 0) for p in node.parents)
    if counts[root] > max_paths:
        raise ValueError(
            f"{counts[root]} paths lead from {names[wrt]} to {names[root]}; more than "
            f"max_paths={max_paths} to write out"
        )

    paths: list[PathTerm] = []
    stack: list[tuple[Value, tuple]] = [(root, ())]
    while stack:  # walk back from the root along edges whose input depends on wrt
        node, factors = stack.pop()
        if node is wrt:
            paths.append(PathTerm(factors))
            continue
        for parent, local in reversed(list(zip(node.parents, node.local_grads))):
            if parent in reaches:
                stack.append((parent, (*factors, (names[node], names[parent], local))))

    numeric = None
    if recompute is not None:
        numeric = (recompute(wrt.data + eps) - recompute(wrt.data - eps)) / (2.0 * eps)
    return ChainRule(names[root], names[wrt], tuple(paths), wrt.grad, numeric)
