"""Reusable diagnoses: which factors a chain-rule answer has, where a derivative is wrong.

`explain_product` answers "which product of the true factors (minus some, plus a
common wrong one) is the student's number?"; `factors_of` reads the true
factors from the engine (`chainrule.viz.chain_rule`); `derivative_verdict`
compares a student's derivative with central differences point by point.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from chainrule.autograd import Value

from ..chain import chain_rule
from ..names import fmt
from .core import Verdict, as_number, call_student

__all__ = ["Factor", "explain_product", "factors_of", "chain_verdict", "derivative_verdict"]


@dataclass(frozen=True)
class Factor:
    """A number that may appear in a product: ``dz1/dw1 = x = 2`` is ("dz1/dw1", 2.0, "x")."""

    symbol: str
    value: float
    meaning: str = ""
    note: str = ""

    def said(self) -> str:
        mid = f" = {self.meaning}" if self.meaning and self.meaning != fmt(self.value) else ""
        tail = f" ({self.note})" if self.note else ""
        return f"{self.symbol}{mid} = {fmt(self.value)}{tail}"


def factors_of(
    root: Value, wrt: Value, meanings: Mapping[str, str] | None = None
) -> tuple[list[Factor], float]:
    """The local derivatives on the one path from `wrt` to `root`, as the engine recorded them.

    Returns the factors (root side first) and the engine's gradient. Call
    ``root.backward()`` first. Raises ValueError when there is not exactly one path.
    """
    cr = chain_rule(root, wrt)
    if len(cr.paths) != 1:
        raise ValueError(f"{cr.lhs()} has {len(cr.paths)} paths; factors_of needs exactly one")
    meanings = meanings or {}
    out = []
    for child, parent, local in cr.paths[0].factors:
        symbol = f"d{child}/d{parent}"
        out.append(Factor(symbol, local, meanings.get(symbol, "")))
    return out, cr.grad


def _product_text(present: Sequence[Factor], folds: Mapping[tuple[str, str], str]) -> str:
    symbols = [f.symbol for f in present]
    for (a, b), folded in folds.items():  # dJ/derr · derr/dyhat reads as dJ/dyhat
        if a in symbols and b in symbols and symbols.index(b) == symbols.index(a) + 1:
            i = symbols.index(a)
            symbols[i : i + 2] = [folded]
    return " · ".join(symbols) if symbols else "1 (no factor at all)"


def explain_product(
    answer: float,
    factors: Sequence[Factor],
    distractors: Sequence[Factor] = (),
    *,
    folds: Mapping[tuple[str, str], str] | None = None,
    rtol: float = 1e-3,
    max_edits: int = 2,
) -> str | None:
    """Name the product of factors that `answer` is, if it is one, and what it lacks or adds.

    Tries the true factors with up to `max_edits` edits (a factor left out, or a
    distractor, i.e. a common wrong factor, multiplied in), fewest edits first
    and, among those, fewest extra factors. Returns e.g. "is dJ/dyhat · dyhat/dz1:
    it lacks dz1/dw1 = x = 2", or None when no such product matches.
    """
    folds = folds or {}
    n = len(factors)
    found: list[tuple[int, int, list[Factor], list[Factor], tuple[Factor, ...]]] = []
    for n_missing in range(0, min(max_edits, n) + 1):
        for missing in itertools.combinations(range(n), n_missing):
            present = [f for i, f in enumerate(factors) if i not in missing]
            gone = [factors[i] for i in missing]
            base = math.prod(f.value for f in present)
            for n_extra in range(0, max_edits - n_missing + 1):
                if n_missing == 0 and n_extra == 0:
                    continue  # that is the right answer
                for extra in itertools.combinations(distractors, n_extra):
                    value = base * math.prod(f.value for f in extra)
                    if math.isclose(value, answer, rel_tol=rtol, abs_tol=1e-12):
                        found.append((n_missing + n_extra, n_extra, present, gone, extra))
    if not found:
        return None
    found.sort(key=lambda t: (t[0], t[1]))
    best = [t for t in found if t[:2] == found[0][:2]]
    _, _, present, gone, extra = best[0]
    product = _product_text(present, folds)
    if extra:
        product += " · " + " · ".join(f.symbol for f in extra)
    text = f"is {product}: {_edits(gone, extra)}"
    others = [_edits(g, e) for _, _, _, g, e in best[1:] if _edits(g, e) != _edits(gone, extra)]
    if others:
        text += f" (or, giving the same number, {others[0]})"
    return text


def _edits(gone: Sequence[Factor], extra: Sequence[Factor]) -> str:
    if len(gone) == 1 and len(extra) == 1:
        return f"it has {extra[0].said()} where {gone[0].said()} belongs"
    parts = []
    if gone:
        parts.append("it lacks " + " and ".join(f.said() for f in gone))
    if extra:
        parts.append("it has an extra factor " + " and ".join(f.said() for f in extra))
    return "; ".join(parts)


def chain_verdict(
    answer: object,
    name: str,
    factors: Sequence[Factor],
    truth: float,
    distractors: Sequence[Factor] = (),
    *,
    folds: Mapping[tuple[str, str], str] | None = None,
    rtol: float = 1e-3,
) -> Verdict:
    """Right when `answer` is `truth` within `rtol`; when wrong, name missing or extra factors."""
    got = as_number(answer, name)
    lhs = name.replace("_", "/", 1) if name.startswith("d") else name
    if math.isclose(got, truth, rel_tol=rtol, abs_tol=1e-12):
        product = _product_text(factors, {})
        numbers = "".join(f"({fmt(f.value)})" for f in factors)
        return Verdict(True, f"{lhs} = {product} = {numbers} = {fmt(truth)}.")
    why = explain_product(got, factors, distractors, folds=folds, rtol=rtol)
    if why is not None:
        return Verdict(False, f"Your {lhs} = {fmt(got)} {why}.")
    if math.isclose(got, truth, rel_tol=0.05):
        return Verdict(
            False,
            f"Your {lhs} = {fmt(got)} is close to the right value but not within "
            f"{rtol:.1%}: do not round the factors; compute them with Python.",
        )
    symbols = _product_text(factors, folds or {})
    return Verdict(
        False,
        f"Your {lhs} = {fmt(got)} is not a product of the chain's factors with one or two "
        f"left out or added. The chain rule gives {lhs} = {symbols}: compute each factor "
        "on its own and print it.",
    )


def derivative_verdict(
    df: object,
    name: str,
    f: Callable[[float], float],
    fname: str,
    points: Sequence[float],
    known_wrong: Sequence[tuple[str, Callable[[float], float]]] = (),
    *,
    h: float = 1e-5,
    tol: float = 1e-6,
) -> Verdict:
    """Compare the student's derivative `df` of `f` with central differences at `points`.

    Names the first point where they disagree and, when the student's values
    match one of `known_wrong` (description, function) at every point, says so.
    """
    mine = []
    for z in points:
        mine.append(as_number(call_student(df, name, z), f"{name}({z:g})"))
    numeric = [(f(z + h) - f(z - h)) / (2.0 * h) for z in points]
    bad = [
        (z, m, d)
        for z, m, d in zip(points, mine, numeric)
        if not math.isclose(m, d, rel_tol=1e-4, abs_tol=tol)
    ]
    if not bad:
        shown = ", ".join(f"{z:g}" for z in points)
        return Verdict(True, f"{name} agrees with central differences of {fname} at z = {shown}.")
    z, m, d = bad[0]
    reason = (
        f"At z = {z:g} your {name}(z) = {fmt(m)} but central differences of {fname} give "
        f"{fmt(d)} ({len(bad)} of {len(points)} test points disagree)."
    )
    for description, wrong in known_wrong:
        if all(
            math.isclose(m, wrong(p), rel_tol=1e-6, abs_tol=1e-12) for p, m in zip(points, mine)
        ):
            reason += f" Your function is {description}."
            break
    return Verdict(False, reason)
