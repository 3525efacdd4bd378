"""Check backward() against central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .engine import Value, no_grad

__all__ = ["gradcheck", "GradcheckResult", "GradcheckRow"]


@dataclass(frozen=True)
class GradcheckRow:
    """One input: the gradient from backward() beside the numerical estimate."""

    name: str
    value: float
    analytic: float
    numeric: float

    @property
    def abs_error(self) -> float:
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        scale = max(abs(self.analytic), abs(self.numeric))
        return self.abs_error / scale if scale > 0.0 else 0.0


@dataclass(frozen=True)
class GradcheckResult:
    """Per-input comparison; true when every input agrees within tolerance.

    An input agrees when ``abs_error <= atol`` or ``rel_error <= rtol``.
    ``assert gradcheck(f, xs)`` fails with the table as its message when
    printed by pytest; ``print(result)`` shows the table.
    """

    rows: tuple[GradcheckRow, ...]
    output: float
    atol: float
    rtol: float

    def __bool__(self) -> bool:
        return self.ok

    @property
    def ok(self) -> bool:
        return all(r.abs_error <= self.atol or r.rel_error <= self.rtol for r in self.rows)

    @property
    def max_abs_error(self) -> float:
        return max((r.abs_error for r in self.rows), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((r.rel_error for r in self.rows), default=0.0)

    def _verdict(self) -> str:
        word = "agree" if self.ok else "DISAGREE"
        return f"backward and central differences {word} (atol={self.atol}, rtol={self.rtol})"

    def _cells(self, r: GradcheckRow) -> tuple[str, ...]:
        return (
            r.name,
            f"{r.value:.6g}",
            f"{r.analytic:.9g}",
            f"{r.numeric:.9g}",
            f"{r.abs_error:.2e}",
            f"{r.rel_error:.2e}",
        )

    def __str__(self) -> str:
        widths = (10, 12, 16, 16, 11, 11)
        header = ("input", "value", "analytic", "numeric", "abs err", "rel err")
        rows = [header] + [self._cells(r) for r in self.rows]
        lines = [
            c0.ljust(widths[0]) + "".join(c.rjust(w) for c, w in zip(cs, widths[1:]))
            for c0, *cs in rows
        ]
        lines.insert(1, "-" * sum(widths))
        lines.append(self._verdict())
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        header = "| input | value | analytic | numeric | abs err | rel err |\n" + "|---" * 6 + "|"
        rows = ["| " + " | ".join(self._cells(r)) + " |" for r in self.rows]
        return "\n".join([header, *rows, "", f"**{self._verdict()}**"])


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> GradcheckResult:
    """Compare ``f(*inputs).backward()`` with central differences, input by input.

    `f` takes one Value per input and returns a Value. `inputs` are numbers or
    Values (their data and labels are used; the Values themselves are left
    untouched). The numerical derivative is ``(f(x+eps) - f(x-eps)) / (2 eps)``.
    """
    if not inputs:
        raise ValueError("gradcheck needs at least one input")
    points = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    names = [x.label if isinstance(x, Value) and x.label else f"x{i}" for i, x in enumerate(inputs)]
    leaves = [Value(p, label=n) for p, n in zip(points, names)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()

    def evaluate(at: list[float]) -> float:
        with no_grad():
            return f(*(Value(p) for p in at)).data

    rows = []
    for i, (leaf, p) in enumerate(zip(leaves, points)):
        up, down = list(points), list(points)
        up[i], down[i] = p + eps, p - eps
        numeric = (evaluate(up) - evaluate(down)) / (2.0 * eps)
        rows.append(GradcheckRow(names[i], p, leaf.grad, numeric))
    return GradcheckResult(tuple(rows), out.data, atol, rtol)
