"""Checks for notebook 00 (a tour of Value): the chain rule by hand, and backward written out."""

from __future__ import annotations

from collections.abc import Callable

from chainrule.autograd import Value, topological_order

from ..names import fmt
from .core import NotAnswered, Verdict, call_student, close, exercise
from .diagnose import Factor, chain_verdict, factors_of

__all__ = ["check_dL_db", "check_backward"]

NOTEBOOK = "00_tour_of_value"


def _notebook_graph() -> dict[str, Value]:
    """The notebook's expression L = (a·b + c)·f with a = 2, b = −3, c = 10, f = −2."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = (a * b).named("e")
    d = (e + c).named("d")
    L = (d * f).named("L")
    return {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}


@exercise("00.1", NOTEBOOK, "dL/db by the chain rule")
def check_dL_db(dL_db: object) -> Verdict:
    """Check the student's dL/db for the notebook's expression against the engine's factors."""
    g = _notebook_graph()
    g["L"].backward()
    meanings = {"dL/dd": "f", "dd/de": "1", "de/db": "a"}
    factors, grad = factors_of(g["L"], g["b"], meanings)
    distractors = [
        Factor("b", g["b"].data, note="e = a·b, so de/db is the other input, a"),
        Factor("d", g["d"].data, note="L = d·f, so dL/dd is the other input, f"),
    ]
    return chain_verdict(dL_db, "dL_db", factors, grad, distractors)


# ---------------- 00.2: backward written out ----------------
def _twice() -> dict[str, Value]:
    x = Value(3.0, "x")
    sq = (x * x).named("sq")
    y = (sq + x).named("y")
    return {"x": x, "sq": sq, "y": y}


def _shared() -> dict[str, Value]:
    a, b = Value(1.5, "a"), Value(-2.0, "b")
    h = (a * b).named("h")
    hh = (h * h).named("hh")
    t = h.tanh().named("t")
    out = (hh + t).named("out")
    return {"a": a, "b": b, "h": h, "hh": hh, "t": t, "out": out}


# Each graph: a builder and its root's name; `x` is used twice, `h` feeds two nodes.
_GRAPHS: tuple[tuple[str, Callable[[], dict[str, Value]], str], ...] = (
    ("L = (a·b + c)·f", _notebook_graph, "L"),
    ("y = x·x + x", _twice, "y"),
    ("out = h·h + tanh(h) with h = a·b", _shared, "out"),
)


def _engine(root: Value) -> None:
    root.backward()


def _forward_order(root: Value) -> None:
    root.grad = 1.0
    for node in topological_order(root):
        for p, local in zip(node.parents, node.local_grads):
            p.grad += local * node.grad


def _overwrite(root: Value) -> None:
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for p, local in zip(node.parents, node.local_grads):
            p.grad = local * node.grad


def _no_local(root: Value) -> None:
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for p, _ in zip(node.parents, node.local_grads):
            p.grad += node.grad


def _no_upstream(root: Value) -> None:
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for p, local in zip(node.parents, node.local_grads):
            p.grad += local


_MISTAKES = (
    (
        _forward_order,
        "visits the nodes in topological order; go from the root back "
        "(reversed(order)), so a node passes its gradient on only after every node using it "
        "has added to it",
    ),
    (
        _overwrite,
        "overwrites (=) a parent's grad; add (+=): a node used twice gets a "
        "contribution from each use",
    ),
    (_no_local, "passes node.grad on without multiplying by the edge's local derivative"),
    (_no_upstream, "passes only the local derivative on, without multiplying by node.grad"),
)


def _grads(build: Callable[[], dict[str, Value]], root: str, run: Callable) -> dict[str, float]:
    g = build()
    run(g[root])
    return {name: v.grad for name, v in g.items()}


def _refuse_backward(self: Value) -> None:
    raise RuntimeError("my_backward must not call .backward(): write the loop yourself")


@exercise("00.2", NOTEBOOK, "backward written out")
def check_backward(my_backward: object) -> Verdict:
    """Run ``my_backward(root)`` on three graphs; compare every node's grad with the engine's."""
    for title, build, root in _GRAPHS:
        want = _grads(build, root, _engine)
        g = build()
        saved = Value.backward
        Value.backward = _refuse_backward  # the exercise is to write it, not to call it
        try:
            call_student(my_backward, "my_backward", g[root])
        finally:
            Value.backward = saved
        got = {name: v.grad for name, v in g.items()}
        if all(v == 0.0 for v in got.values()):
            raise NotAnswered(
                "my_backward left every grad at 0: set root.grad = 1 first, then "
                "pass gradients back along the edges."
            )
        if got[root] != 1.0:
            return Verdict(
                False,
                f"On {title}: {root}.grad = {fmt(got[root])} after "
                f"my_backward; it must start at 1 (d{root}/d{root} = 1).",
            )
        wrong = [n for n in want if not close(got[n], want[n], rtol=1e-9)]
        if wrong:
            n = wrong[0]
            reason = (
                f"On {title}: {n}.grad = {fmt(got[n])} but backward gives "
                f"{fmt(want[n])} ({len(wrong)} of {len(want)} nodes differ)."
            )
            for mistake, says in _MISTAKES:
                twin = _grads(build, root, mistake)
                if all(close(got[k], twin[k], rtol=1e-9) for k in want):
                    reason += f" Your loop {says}."
                    break
            return Verdict(False, reason)
    return Verdict(
        True,
        "my_backward gives every node the engine's gradient on "
        + ", ".join(t for t, _, _ in _GRAPHS)
        + ".",
    )
