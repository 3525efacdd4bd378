"""The data the interactive graph shows, as JSON-ready dicts, read off the engine's records.

Every number comes from the graph as the engine left it: ``data``, ``grad`` and
``local_grads`` on each node, `chain_rule` for the product of local
derivatives along each path, and `backward_steps` for the order of the
``grad +=`` updates. Nothing here differentiates anything.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

from chainrule.autograd import Value, topological_order

from .chain import chain_rule
from .graph import GraphTooLarge
from .names import fmt, node_names
from .steps import backward_steps

try:  # how the static graphs write a name inside d.../d... (newer chainrule.viz.names)
    from .names import d_name
except ImportError:  # pragma: no cover - older names module: the name as it is

    def d_name(name: str) -> str:
        return name


__all__ = ["graph_data", "FORMAT_VERSION"]

FORMAT_VERSION = 1
ACTIVATION_OPS = ("sigmoid", "tanh", "relu")
_OP_TEXT = {"neg": "-x", "dot": "dot", "sum": "sum"}


def _num(x: float) -> float | str:
    """A float for JSON; inf and NaN (which JSON cannot hold) as the strings JS's Number() reads."""
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _op_text(op: str) -> str:
    if op.startswith("**") and len(op) > 2:  # a power by a number, e.g. "**2"
        return "^" + op[2:]
    return _OP_TEXT.get(op, op)


def _consumers(order: list[Value]) -> dict[Value, list[Value]]:
    users: dict[Value, list[Value]] = {v: [] for v in order}
    for v in order:
        for p in v.parents:
            if v not in users[p]:
                users[p].append(v)
    return users


def _neurons(
    order: list[Value], users: dict[Value, list[Value]]
) -> list[tuple[list[Value], Value]]:
    """Groups of nodes that form one neuron: ``act(dot(w, x) + b)``.

    Found from the ops alone: a ``+`` whose inputs are a ``dot`` and an input
    node (the bias), then the activation when the sum feeds only that. The
    group also takes the inputs of the dot that nothing else uses (its
    weights). Returns (members, bias) pairs; the last member is the output.
    """
    groups = []
    taken: set[Value] = set()
    for node in order:
        if node.op != "+" or len(node.parents) != 2:
            continue
        d, b = node.parents
        if d.op != "dot" or b.parents or d in taken or users[d] != [node] or users[b] != [node]:
            continue
        members = [p for p in dict.fromkeys(d.parents) if not p.parents and users[p] == [d]]
        members += [b, d, node]
        after = users[node]
        if len(after) == 1 and after[0].op in ACTIVATION_OPS:
            members.append(after[0])
        groups.append((members, b))
        taken.update(members)
    return groups


def graph_data(
    root: Value,
    *,
    names: Mapping[Value, str] | None = None,
    max_nodes: int = 2000,
    max_paths: int = 200,
    title: str | None = None,
) -> dict[str, Any]:
    """Everything the interactive graph of `root` needs, as a JSON-ready dict.

    Keys: ``nodes`` (name, data, grad, op, the edges into it), ``edges`` (from,
    to, local derivative), ``chains`` (for each node, the chain-rule paths
    from `root` to it, their products and sum), ``steps`` (backward's
    ``grad +=`` updates in order), ``groups`` (neurons, to collapse) and
    ``notes`` (warnings to show). `names` overrides node names (for example
    a model's parameter names). Numbers are sent both as numbers and as the
    text the static graph prints.
    """
    if not isinstance(root, Value):
        raise TypeError(f"the graph widget needs a Value, got {type(root).__name__}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise GraphTooLarge(
            f"the graph has {len(order)} values, more than max_nodes={max_nodes}; explore the "
            "loss of one example (not a whole batch), or raise max_nodes"
        )
    label = node_names(order)
    if names:
        label.update({v: str(n) for v, n in names.items() if v in label})
    ids = {v: f"n{i}" for i, v in enumerate(order)}
    by_id = {i: v for v, i in ids.items()}
    users = _consumers(order)
    notes: list[str] = []

    edges = []
    nodes = []
    for v in order:
        incoming = []
        for i, (parent, local) in enumerate(zip(v.parents, v.local_grads)):
            eid = f"e{len(edges)}"
            incoming.append(eid)
            edges.append(
                {
                    "id": eid,
                    "from": ids[parent],
                    "to": ids[v],
                    "index": i,
                    "local": _num(local),
                    "local_text": fmt(local),
                    "symbol": f"d{d_name(label[v])}/d{d_name(label[parent])}",
                }
            )
        nodes.append(
            {
                "id": ids[v],
                "name": label[v],
                "data": _num(v.data),
                "data_text": fmt(v.data),
                "grad": _num(v.grad),
                "grad_text": fmt(v.grad),
                "op": v.op,
                "op_text": _op_text(v.op),
                "inputs": incoming,
                "users": [ids[u] for u in users[v]],
            }
        )

    if root.grad == 0.0:
        notes.append(
            f"{label[root]}.grad is 0: call {label[root]}.backward() first. The grads shown "
            "are the ones the graph holds now; the step-by-step view still shows backward."
        )
    bad = [label[v] for v in order if not (math.isfinite(v.data) and math.isfinite(v.grad))]
    if bad:
        notes.append(f"not finite (inf or NaN): {', '.join(bad[:5])}" + (" ..." if bad[5:] else ""))

    edge_of = {(e["to"], e["index"]): e["id"] for e in edges}
    steps = []
    running: dict[str, float] = {}
    for s in backward_steps(root):
        pid = ids[s.parent]
        steps.append(
            {
                "edge": edge_of[(ids[s.node], s.index)],
                "node": ids[s.node],
                "parent": pid,
                "local_text": fmt(s.local),
                "upstream_text": fmt(s.upstream),
                "contribution_text": fmt(s.contribution),
                "before_text": fmt(s.before),
                "after_text": fmt(s.after),
                "after": _num(s.after),
                "text": s.describe(label).replace(" * ", " · "),
            }
        )
        running[pid] = s.after
    running[ids[root]] = running.get(ids[root], 0.0) + 1.0
    differ = [
        label[v]
        for v in order
        if not v.parents
        and math.isfinite(v.grad)
        and not math.isclose(running.get(ids[v], 0.0), v.grad, rel_tol=1e-9, abs_tol=1e-12)
    ]
    if differ and root.grad != 0.0:
        notes.append(
            f"{', '.join(differ[:5])}: grad differs from what one backward() gives (shown at "
            "the last step): grads of inputs add up over several backward() calls; call "
            "zero_grad before backward"
        )

    chains = {}
    for v in order:
        try:
            c = chain_rule(root, v, names=ids, max_paths=max_paths)
        except ValueError:
            chains[ids[v]] = {
                "error": f"more than {max_paths} paths lead from {label[v]} to {label[root]}: "
                f"too many to write out; {label[v]}.grad is their sum"
            }
            continue
        chains[ids[v]] = {
            "lhs": f"d{d_name(label[root])}/d{d_name(label[v])}",
            "paths": [
                {
                    "factors": [[c_id, p_id, _num(x), fmt(x)] for c_id, p_id, x in p.factors],
                    "symbols": " · ".join(
                        f"d{d_name(label[by_id[c_id]])}/d{d_name(label[by_id[p_id]])}"
                        for c_id, p_id, _ in p.factors
                    ),
                    "product": _num(p.product),
                    "product_text": fmt(p.product),
                }
                for p in c.paths
            ],
            "total": _num(c.total),
            "total_text": fmt(c.total),
            "matches_grad": c.matches_grad,
        }

    groups = []
    for k, (members, b) in enumerate(_neurons(order, users)):
        out = members[-1]
        act = out.op if out.op in ACTIVATION_OPS else "linear"
        bias = label[b]  # a model's parameter names give e.g. "layers.0.neurons.1.bias"
        named = bias.endswith(".bias") and len(bias) > len(".bias")
        groups.append(
            {
                "id": f"g{k}",
                "name": bias[: -len(".bias")] if named else f"neuron {k + 1}",
                "members": [ids[m] for m in members],
                "output": ids[out],
                "activation": act,
            }
        )

    return {
        "format": "chainrule-graph",
        "version": FORMAT_VERSION,
        "title": title or f"Backprop graph of {label[root]}",
        "root": ids[root],
        "nodes": nodes,
        "edges": edges,
        "chains": chains,
        "steps": steps,
        "groups": groups,
        "notes": notes,
        "rankdir": _rankdir(order),
    }


def _rankdir(order: list[Value]) -> str:
    """Left to right for short chains; top to bottom once more than four values deep, so the
    text stays readable when the picture is fitted to a notebook's width."""
    depth: dict[Value, int] = {}
    for v in order:  # parents come first
        depth[v] = 1 + max((depth[p] for p in v.parents), default=-1)
    return "TB" if max(depth.values()) >= 4 else "LR"


def warn_notes(data: Mapping[str, Any]) -> None:
    """Repeat the data's notes as Python warnings, so a script sees them too."""
    for note in data.get("notes", ()):
        warnings.warn(note, stacklevel=3)
