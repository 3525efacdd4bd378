"""Replay a recorded `Program` over a batch with few numpy calls: one per layer, not per node.

`chainrule.autograd.replay` runs one numpy operation per node of the recorded
graph. An MLP's graph has hundreds of nodes, so at small batches its cost is
numpy's per-call overhead. This module schedules the same program by depth
(every node after its operands) and runs all nodes of one depth and one
operation together: the 16 `relu`s of a layer become one call on a (16, n)
array, and the `dot`s of a layer that all read the same inputs become one
matrix product. The derivative rules are not written again: element-wise ops
use the very functions of `chainrule.autograd.batched_ops.RULES`; `dot` is the
one rule re-expressed (d/dw_i = x_i, d/dx_i = w_i as a matrix product), and
tests compare every result with `replay.value_and_grad` and the scalar engine.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from chainrule.autograd.batched_ops import DOMAIN, RULES
from chainrule.autograd.record import Program
from chainrule.autograd.replay import BatchMathError, _check_params

__all__ = ["Compiled", "compile_program"]


class _Group:
    """Nodes of one depth and one operation that run together."""

    __slots__ = (
        "op",
        "c",
        "batched",
        "out",
        "args",
        "kinds",
        "needs",
        "matmul",
        "unique",
        "w_idx",
        "x_rows",
        "x_unique",
        "w_unique",
        "stacked",
    )

    def __init__(self, op, c, batched, out, args, kinds, needs) -> None:
        self.op, self.c, self.batched = op, c, batched
        self.out = np.array(out, dtype=np.intp)  # rows in the batched or shared store
        self.args = [np.array(a, dtype=np.intp) for a in args]  # per operand position
        self.kinds = kinds  # per operand position: True if batched
        self.needs = needs  # per operand position: does a parameter's gradient flow there?
        self.unique = [len(set(a.tolist())) == len(a) for a in self.args]
        # dot(w1, x1, ...) with every w shared, every x batched and the same x's in every row
        self.matmul = (
            op == "dot"
            and batched
            and all(not kinds[j] for j in range(0, len(kinds), 2))
            and all(kinds[j] for j in range(1, len(kinds), 2))
            and all((a == a[0]).all() for a in self.args[1::2])
        )
        # sum(t1, t2, ...) whose terms are all batched or all shared: one reduction
        self.stacked = None
        if op == "sum" and len(set(kinds)) == 1:
            self.stacked = np.stack(self.args, axis=1)  # (nodes, terms)
        if self.matmul:
            self.w_idx = np.stack(self.args[0::2], axis=1)  # (nodes, k) shared rows
            self.x_rows = np.array([a[0] for a in self.args[1::2]], dtype=np.intp)  # (k,)
            self.x_unique = len(set(self.x_rows.tolist())) == len(self.x_rows)
            self.w_unique = len(set(self.w_idx.ravel().tolist())) == self.w_idx.size
        self.out = _index(self.out)
        self.args = [_index(a) if u else a for a, u in zip(self.args, self.unique)]


class Compiled:
    """A `Program` scheduled for batched replay: `forward` and `value_and_grad` as in replay."""

    def __init__(self, program: Program) -> None:
        self.program = p = program
        n_slots = p.first_result + len(p.instrs)
        batched = [False] * p.first_input + [True] * p.n_inputs + [False] * len(p.constants)
        needs = [True] * p.n_params + [False] * (p.first_result - p.n_params)
        depth = [0] * p.first_result
        for instr in p.instrs:
            batched.append(any(batched[a] for a in instr.args))
            needs.append(any(needs[a] for a in instr.args))
            depth.append(1 + max(depth[a] for a in instr.args))
        groups: dict = defaultdict(list)
        for i, instr in enumerate(p.instrs):
            s = p.first_result + i
            kinds = tuple(batched[a] for a in instr.args)
            groups[(depth[s], instr.op, instr.exponent, kinds)].append(s)
        ordered = sorted(groups.items(), key=lambda kv: kv[0][0])
        # rows in each store: leaves first, then each group's results side by side, so that
        # a group reads and writes contiguous rows (views, not copies)
        self.row = [0] * n_slots
        counts = [0, 0]  # shared, batched
        for s in list(range(p.first_result)) + [s for _, slots in ordered for s in slots]:
            self.row[s] = counts[batched[s]]
            counts[batched[s]] += 1
        self.n_shared, self.n_batched = counts
        self.batched, self.needs = batched, needs
        self.groups = []
        for (_, op, c, kinds), slots in ordered:
            instrs = [p.instrs[s - p.first_result] for s in slots]
            args = [[self.row[ins.args[j]] for ins in instrs] for j in range(len(kinds))]
            pos_needs = [any(needs[ins.args[j]] for ins in instrs) for j in range(len(kinds))]
            self.groups.append(
                _Group(
                    op, c, batched[slots[0]], [self.row[s] for s in slots], args, kinds, pos_needs
                )
            )
        self.shared_consts = [
            (self.row[p.first_constant + i], c) for i, c in enumerate(p.constants)
        ]

    # ---------------------------------------------------------------- forward
    def _forward(self, params, X) -> tuple[np.ndarray, np.ndarray, int]:
        p = self.program
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != p.n_inputs or X.shape[0] == 0:
            raise ValueError(f"replay: X must have shape (n, {p.n_inputs}), got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("replay: X holds NaN or inf")
        n = X.shape[0]
        S = np.empty(self.n_shared)
        S[: p.n_params] = _check_params(p, params)  # floats or Values; finite, right count
        for r, c in self.shared_consts:
            S[r] = c
        B = np.empty((self.n_batched, n))
        B[: p.n_inputs] = X.T
        with np.errstate(all="raise", under="ignore"):
            for g in self.groups:
                try:
                    if g.batched:
                        B[g.out] = self._value(g, S, B)
                    else:
                        S[g.out] = self._value(g, S, B)
                except FloatingPointError:
                    raise BatchMathError(
                        f"replay: operation {g.op!r} overflows or is not a"
                        " number for some examples of the batch"
                    ) from None
        return S, B, n

    def _operands(self, g: _Group, S, B) -> list:
        if not g.batched:
            return [S[a] for a in g.args]
        return [B[a] if k else S[a][:, None] for a, k in zip(g.args, g.kinds)]

    def _value(self, g: _Group, S, B):
        if g.matmul:
            return S[g.w_idx] @ B[g.x_rows]
        if g.stacked is not None:
            return (B if g.kinds[0] else S)[g.stacked].sum(axis=1)
        xs = self._operands(g, S, B)
        if g.op in DOMAIN:
            for bad, why in DOMAIN[g.op](xs, g.c):
                if np.any(bad):
                    raise BatchMathError(
                        f"replay: operation {g.op!r}: {why}, for"
                        f" {int(np.sum(bad))} examples of the batch"
                    )
        return RULES[g.op][0](xs, g.c)

    def forward(self, params, X) -> list:
        """The program's outputs for every row of X: a list of arrays of shape (n,)."""
        S, B, n = self._forward(params, X)
        return [self._out(s, S, B, n) for s in self.program.outputs]

    def _out(self, slot: int, S, B, n: int):
        r = self.row[slot]
        return B[r].copy() if self.batched[slot] else np.full(n, S[r])

    # ---------------------------------------------------------------- backward
    def value_and_grad(self, params, X, seeds) -> tuple[list, np.ndarray]:
        """Outputs and the gradient of sum_i sum_k seeds[k][i] * output_k(i) for the params."""
        S, B, n = self._forward(params, X)
        gS = np.zeros(self.n_shared)
        gB = np.zeros((self.n_batched, n))
        for slot, seed in zip(self.program.outputs, seeds):
            if not self.needs[slot]:
                continue
            r = self.row[slot]
            if self.batched[slot]:
                gB[r] += seed
            else:
                gS[r] += np.sum(seed) if np.ndim(seed) else seed * n
        with np.errstate(all="raise", under="ignore"):
            for g in reversed(self.groups):
                if not any(g.needs):
                    continue
                try:
                    self._backward(g, S, B, gS, gB)
                except FloatingPointError:
                    raise BatchMathError(
                        f"replay: the gradient through {g.op!r} overflows or is"
                        " not a number for some examples of the batch"
                    ) from None
        outs = [self._out(s, S, B, n) for s in self.program.outputs]
        return outs, gS[: self.program.n_params].copy()

    def _backward(self, g: _Group, S, B, gS, gB) -> None:
        grad = gB[g.out] if g.batched else gS[g.out]
        if g.matmul:
            # d(sum_i w_i x_i)/dw_i = x_i and /dx_i = w_i, for a whole layer at once
            if any(g.needs[0::2]):
                _scatter(gS, g.w_idx, grad @ B[g.x_rows].T, g.w_unique)
            if any(g.needs[1::2]):
                _scatter(gB, g.x_rows, S[g.w_idx].T @ grad, g.x_unique)
            return
        if g.stacked is not None:  # d(sum)/d(term) = 1 for every term
            if g.kinds[0]:
                np.add.at(gB, g.stacked, grad[:, None, :])
            else:
                summed = grad.sum(axis=1) if g.batched else grad
                np.add.at(gS, g.stacked, summed[:, None])
            return
        xs = self._operands(g, S, B)
        out = B[g.out] if g.batched else S[g.out]
        local = RULES[g.op][1]
        for j, a in enumerate(g.args):
            if not g.needs[j]:
                continue
            d = local(j, xs, out, g.c)
            contrib = grad if (type(d) is float and d == 1.0) else d * grad
            if np.shape(contrib) != grad.shape:
                contrib = np.broadcast_to(contrib, grad.shape)
            if g.kinds[j]:
                _scatter(gB, a, contrib, g.unique[j])
            else:
                _scatter(gS, a, contrib.sum(axis=1) if g.batched else contrib, g.unique[j])


def _index(idx: np.ndarray):
    """A slice when the rows are evenly spaced and ascending (a view), else the array."""
    if len(idx) == 1:
        return slice(int(idx[0]), int(idx[0]) + 1)
    step = int(idx[1] - idx[0])
    if step > 0 and np.all(np.diff(idx) == step):
        return slice(int(idx[0]), int(idx[-1]) + 1, step)
    return idx


def _scatter(store: np.ndarray, idx: np.ndarray, values, unique: bool) -> None:
    if unique:
        store[idx] += values
    else:
        np.add.at(store, idx, values)


def compile_program(program: Program) -> Compiled:
    """Schedule `program` for fast batched replay."""
    return Compiled(program)
