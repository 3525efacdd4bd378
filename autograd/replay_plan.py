"""How `replay` runs a program fast: a schedule of steps worked out once per program.

Storage: a per-example slot is a row of the matrix V (slots x examples), a shared
slot an entry of the vector S; their adjoints live in A and G alike.

Schedule: instructions are sorted by level (1 + the highest level of their
operands), and within a level, instructions that do the same thing run as ONE
numpy call on stacked rows:
* "layer": dots that read the same per-example operands with shared weights
  (the neurons of a dense layer) are one matrix product;
* "group": the same elementwise op (with the same pattern of per-example and
  shared operands) is one ufunc call over all of them, e.g. every ReLU of a layer;
* "single": anything else, one instruction at a time.
The arithmetic per number is exactly that of the one-instruction rules, so the
results do not depend on the grouping. Instructions of the same level never
read each other, and the backward pass walks the steps in reverse, so every
step sees complete gradients.
"""

from __future__ import annotations

from .batched_ops import DOMAIN, RULES, np
from .record import Program, ReplayError


class BatchMathError(ReplayError, ArithmeticError):
    """An operation got, for some examples of the batch, numbers outside its domain."""


def _ix(items) -> np.ndarray:
    return np.array(items, dtype=np.intp)


def _block(items) -> slice | np.ndarray:
    """Indices as a slice when they are consecutive (a view of V, no copy), else an array."""
    a = _ix(items)
    if len(a) and np.all(np.diff(a) == 1):
        return slice(int(a[0]), int(a[-1]) + 1)
    return a


class Plan:
    """Slot storage and the schedule of one program (see the module docstring)."""

    def __init__(self, p: Program) -> None:
        self.p = p
        batched = [False] * p.first_input + [True] * p.n_inputs + [False] * len(p.constants)
        self.needs = [True] * p.n_params + [False] * (p.first_result - p.n_params)
        level = [0] * p.first_result
        for instr in p.instrs:
            batched.append(any(batched[a] for a in instr.args))
            self.needs.append(any(self.needs[a] for a in instr.args))
            level.append(1 + max((level[a] for a in instr.args), default=0))
        self.batched = batched
        buckets: dict[tuple, list[int]] = {}
        for i, instr in enumerate(p.instrs):
            out = p.first_result + i
            key: tuple = ("single", i)
            if instr.op == "dot" and batched[out]:
                pairs = list(zip(instr.args[0::2], instr.args[1::2]))
                per_example = [b if batched[b] else a for a, b in pairs if batched[a] != batched[b]]
                shared = [a if batched[b] else b for a, b in pairs if batched[a] != batched[b]]
                distinct = len(set(per_example)) == len(pairs) == len(set(shared))
                if len(per_example) == len(pairs) and distinct:
                    key = ("layer", tuple(per_example))
            elif instr.op not in ("dot", "sum"):
                pattern = tuple((batched[a], self.needs[a]) for a in instr.args)
                key = ("group", instr.op, instr.exponent, pattern, batched[out])
            buckets.setdefault((level[out], *key), []).append(i)
        specs = [(key[1], buckets[key]) for key in sorted(buckets, key=lambda k: k[0])]
        # Rows in schedule order: the results of a step are a block of V, read as a slice.
        order = list(range(p.first_input, p.first_constant))
        order += [p.first_result + i for _, members in specs for i in members]
        self.slot_of_row = [s for s in order if batched[s]]
        self.row = [-1] * p.n_slots
        for r, s in enumerate(self.slot_of_row):
            self.row[s] = r
        self.n_rows = len(self.slot_of_row)
        self.fast = {  # dots with (shared, per-example) pairs: index -> matvec plan
            i: self._dot_plan(instr.args)
            for i, instr in enumerate(p.instrs)
            if instr.op == "dot" and batched[p.first_result + i]
        }
        self.steps = []
        for kind, members in specs:
            if kind == "layer" and len(members) > 1:
                self.steps.append(self._layer_step(members))
            elif kind == "group" and len(members) > 1:
                self.steps.append(self._group_step(members))
            else:
                self.steps += [("single", i) for i in members]

    # ---------------------------------------------------------------- building steps
    def _index(self, slot: int) -> int:
        return self.row[slot] if self.batched[slot] else slot

    def _dot_plan(self, args) -> tuple:
        shared, rows, rest = [], [], []  # rest: positions of the other pairs' operands
        for j in range(0, len(args), 2):
            a, b = args[j], args[j + 1]
            if self.batched[a] != self.batched[b]:
                s, r = (b, a) if self.batched[a] else (a, b)
                shared.append(s)
                rows.append(self.row[r])
            else:
                rest += [j, j + 1]
        shared_g = [k for k, s in enumerate(shared) if self.needs[s]]
        rows_g = [k for k, r in enumerate(rows) if self.needs[self.slot_of_row[r]]]
        dup = len(set(shared)) < len(shared) or len(set(rows)) < len(rows)
        return _ix(shared), _ix(rows), rest, _ix(shared_g), _ix(rows_g), dup

    def _layer_step(self, members: list[int]) -> tuple:
        p = self.p
        W = _ix([self.fast[i][0] for i in members])
        outs = _block([self.row[p.first_result + i] for i in members])
        in_slots = [self.slot_of_row[r] for r in self.fast[members[0]][1]]
        in_rows = _block(self.fast[members[0]][1])
        grad_slots = [s for s in in_slots if self.needs[s]]
        unique_w = len(set(W.ravel().tolist())) == W.size
        return ("layer", members, W, in_rows, outs, grad_slots, unique_w)

    def _group_step(self, members: list[int]) -> tuple:
        p = self.p
        first = p.instrs[members[0]]
        operands = []
        for k, a in enumerate(first.args):
            slots = [p.instrs[i].args[k] for i in members]
            idx = [self._index(s) for s in slots]
            dup = len(set(idx)) < len(idx)
            where = _ix(idx) if dup else _block(idx)
            operands.append((self.batched[a], self.needs[a], where, dup, slots))
        out_idx = _block([self._index(p.first_result + i) for i in members])
        out_batched = self.batched[p.first_result + members[0]]
        return ("group", members, first.op, first.exponent, operands, out_idx, out_batched)


def plan_of(program: Program) -> Plan:
    """The program's plan, made on first use and kept on the program (a cache)."""
    plan = program.__dict__.get("_replay_plan")
    if plan is None:
        plan = Plan(program)
        object.__setattr__(program, "_replay_plan", plan)
    return plan


# ---------------------------------------------------------------- forward
def run_forward(plan: Plan, V, S, n: int) -> None:
    """Fill V and S with every instruction's result, step by step."""
    with np.errstate(all="raise", under="ignore"):
        for step in plan.steps:
            kind = step[0]
            if kind == "layer":
                _, members, W, in_rows, outs, _, _ = step
                with np.errstate(all="ignore"):  # BLAS raises no flags: check the result
                    V[outs] = S[W] @ V[in_rows]
                bad = ~np.isfinite(V[outs])
                if bad.any():
                    raise BatchMathError(
                        count_message(
                            f"replay: {node(plan.p, members[0])}: a layer of dots overflows",
                            bad.any(axis=0),
                            n,
                        )
                    )
            elif kind == "group":
                try:
                    _forward_group(step, V, S)
                except FloatingPointError:
                    for i in step[1]:  # find the culprit and say which it is
                        _forward_one(plan, i, V, S, n)
                    raise BatchMathError(
                        f"replay: {node(plan.p, step[1][0])} (or one like it): not a number"
                    ) from None
            else:
                _forward_one(plan, step[1], V, S, n)


def _gather(operands, V, S) -> list:
    return [V[idx] if batched else S[idx][:, None] for batched, _, idx, _, _ in operands]


def _forward_group(step, V, S) -> None:
    _, _, op, c, operands, out_idx, out_batched = step
    xs = _gather(operands, V, S)
    if op in DOMAIN and any(np.any(bad) for bad, _ in DOMAIN[op](xs, c)):
        raise FloatingPointError
    value = RULES[op][0](xs, c)
    if out_batched:
        V[out_idx] = value
    else:
        S[out_idx] = np.reshape(value, -1)


def _forward_one(plan: Plan, i: int, V, S, n: int) -> None:
    p, row = plan.p, plan.row
    op, args, c = p.instrs[i]
    xs = [V[row[a]] if row[a] >= 0 else S[a] for a in args]
    try:
        if i in plan.fast:
            shared, rows, rest, *_ = plan.fast[i]
            with np.errstate(all="ignore"):  # BLAS raises no flags: check below
                value = S[shared] @ V[rows]
            for j in range(0, len(rest), 2):
                value = value + xs[rest[j]] * xs[rest[j + 1]]
            if not np.all(np.isfinite(value)):
                raise FloatingPointError
        else:
            if op in DOMAIN and any(np.any(bad) for bad, _ in DOMAIN[op](xs, c)):
                raise FloatingPointError  # what the engine refuses, numpy may not
            value = RULES[op][0](xs, c)
    except FloatingPointError:
        raise BatchMathError(value_message(p, i, xs, n)) from None
    out = p.first_result + i
    if row[out] >= 0:
        V[row[out]] = value
    else:
        S[out] = value


# ---------------------------------------------------------------- backward
def run_backward(plan: Plan, V, S, A, G, touched: list, n: int) -> None:
    """The chain rule, step by step from the last: fill the adjoints A and G."""
    p = plan.p
    with np.errstate(all="raise", under="ignore"):
        for step in reversed(plan.steps):
            members = step[1] if step[0] != "single" else [step[1]]
            if not any(touched[p.first_result + i] for i in members):
                continue
            try:
                if step[0] == "layer":
                    _backward_layer(plan, step, V, S, A, G, touched)
                elif step[0] == "group":
                    _backward_group(plan, step, V, S, A, G, touched)
                else:
                    _backward_one(plan, step[1], V, S, A, G, touched)
            except FloatingPointError:
                raise BatchMathError(
                    f"replay: {node(p, members[0])}: a local derivative, or the gradient through"
                    f" it, overflows or is not a number for some of the {n} examples"
                ) from None


def _add(target, idx, values, dup: bool) -> None:
    if dup:
        np.add.at(target, idx, values)
    else:
        target[idx] += values


def _backward_layer(plan, step, V, S, A, G, touched) -> None:
    _, _, W, in_rows, outs, grad_slots, unique_w = step
    g = A[outs]  # (neurons, examples)
    _add(G, W, g @ V[in_rows].T, not unique_w)  # d/dw = x, summed over the batch
    if grad_slots:  # d/dx = w, per example
        A[in_rows] += S[W].T @ g
        for s in grad_slots:
            touched[s] = True


def _backward_group(plan, step, V, S, A, G, touched) -> None:
    _, members, op, c, operands, out_idx, out_batched = step
    xs = _gather(operands, V, S)
    g = A[out_idx] if out_batched else G[out_idx][:, None]
    value = V[out_idx] if out_batched else S[out_idx][:, None]
    local = RULES[op][1]
    for k, (batched, needs, idx, dup, slots) in enumerate(operands):
        if not needs:
            continue
        d = local(k, xs, value, c)
        contribution = g if type(d) is float and d == 1.0 else d * g
        if batched:
            _add(A, idx, np.broadcast_to(contribution, g.shape), dup)
        else:  # shared: summed over the batch
            _add(G, idx, np.sum(contribution, axis=1), dup)
        for s in slots:
            touched[s] = True


def _backward_one(plan, i, V, S, A, G, touched) -> None:
    p, row, needs = plan.p, plan.row, plan.needs
    op, args, c = p.instrs[i]
    out = p.first_result + i
    g = A[row[out]] if row[out] >= 0 else G[out]
    if op == "sum":  # d/dterm = 1: every term gets g (summed over the batch if shared)
        shared = [a for a in args if needs[a] and row[a] < 0]
        rows = [row[a] for a in args if needs[a] and row[a] >= 0]
        if shared:
            np.add.at(G, _ix(shared), np.sum(g))
        if rows:
            np.add.at(A, _ix(rows), g)
        for a in args:
            touched[a] = touched[a] or needs[a]
        return
    if i in plan.fast:
        shared, rows, rest, shared_g, rows_g, dup = plan.fast[i]
        if len(shared_g):  # d/dw_j = x_j, summed over the batch: one matrix-vector product
            _add(G, shared[shared_g], V[rows[shared_g]] @ g, dup)
            for s in shared[shared_g]:
                touched[s] = True
        if len(rows_g):  # d/dx_j = w_j, per example
            _add(A, rows[rows_g], np.outer(S[shared[rows_g]], g), dup)
            for r in rows[rows_g]:
                touched[plan.slot_of_row[r]] = True
        positions = rest
    else:
        positions = range(len(args))
    xs = [V[row[a]] if row[a] >= 0 else S[a] for a in args]
    value = V[row[out]] if row[out] >= 0 else S[out]
    local = RULES[op][1]
    for k in positions:
        a = args[k]
        if not needs[a]:
            continue
        d = local(k, xs, value, c)
        contribution = g if type(d) is float and d == 1.0 else d * g
        touched[a] = True
        if row[a] >= 0:
            A[row[a]] += contribution
        else:  # a number shared by the batch: its gradient is summed over the examples
            G[a] += np.sum(contribution)


# ---------------------------------------------------------------- error messages
def node(program: Program, i: int) -> str:
    name = program.names[program.first_result + i]
    op, _, c = program.instrs[i]
    shown = f"**{c!r}" if op == "**const" else op
    return f"operation {i} ({shown!r}{', node ' + repr(name) if name else ''})"


def value_message(program: Program, i: int, xs: list, n: int) -> str:
    op, _, c = program.instrs[i]
    with np.errstate(all="ignore"):
        out = RULES[op][0](xs, c)
        bad = ~np.isfinite(np.broadcast_to(out, (n,)))
        why = "overflows or is not a number"
        for mask, reason in DOMAIN.get(op, lambda x, c: [])(xs, c):
            mask = np.broadcast_to(mask, (n,))
            if mask.any():
                bad, why = mask, reason
                break
    return count_message(f"replay: {node(program, i)}: {why}", bad, n)


def count_message(head: str, bad, n: int) -> str:
    rows = np.flatnonzero(bad)
    if len(rows) == 0:
        return head
    return f"{head}, for {len(rows)} of {n} examples (first: example {rows[0]})"
