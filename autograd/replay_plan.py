"""How `replay` runs a program fast: a schedule worked out once per program.

Storage: a shared slot (parameters, constants, what depends on them only) is
an entry of the vector S; a per-example slot is a row of the matrix B (rows x
examples). Their gradients live in gS and gB, laid out alike.

Schedule: every instruction gets a depth (1 + the deepest of its operands).
Instructions of the same depth, the same operation and the same pattern of
shared / per-example operands form a `Group` and run as ONE numpy call on
stacked rows: the 16 ReLUs of a layer are one call on a (16, n) array. Two
kinds of group get a faster formula:
* matmul: dots ``w1*x1 + w2*x2 + ...`` with shared weights that all read the
  same per-example x's (the neurons of a dense layer): one matrix product,
  and d/dw = x, d/dx = w as two more;
* stacked sum: sums whose terms are all shared or all per-example: one reduction.
Every other group uses the rules of `batched_ops.RULES` (the one table of
derivatives the tests compare with the engine). Instructions of one depth
never read each other, and the backward pass walks the groups in reverse, so
every group sees complete gradients. Each group's results take consecutive
rows, so most reads and writes are views of B, not copies.
"""

from __future__ import annotations

from .batched_ops import DOMAIN, RULES, np
from .record import Program, ReplayError

__all__ = ["BatchMathError", "Plan", "plan_of", "run_forward", "run_backward"]


class BatchMathError(ReplayError, ArithmeticError):
    """An operation got, for some examples of the batch, numbers outside its domain."""


class Group:
    """Instructions of one depth and one operation that run as one numpy call."""

    __slots__ = ("members", "op", "c", "batched", "out", "args", "kinds", "needs", "unique")
    __slots__ += ("matmul", "w_idx", "x_rows", "w_unique", "x_unique", "bias", "bias_needs")
    __slots__ += ("stacked", "s_unique")

    def __init__(self, members, op, c, batched, out, args, kinds, needs) -> None:
        self.members, self.op, self.c, self.batched = members, op, c, batched
        self.kinds = kinds  # per operand position: is it per-example (a row of B)?
        self.needs = needs  # per operand position: does a parameter's gradient flow there?
        self.args = args = [np.array(a, dtype=np.intp) for a in args]
        self.unique = [len(set(a.tolist())) == len(a) for a in args]
        # dot(w1, x1, ...) with every w shared, every x per-example, the same x's in every row
        self.matmul = (
            op == "dot"
            and batched
            and not any(kinds[0::2])
            and all(kinds[1::2])
            and all((a == a[0]).all() for a in args[1::2])
        )
        self.bias, self.bias_needs = None, False  # a folded ``+ b`` (see `_fold_biases`)
        self.stacked = None  # sum(t1, t2, ...) with terms all shared or all per-example
        if op == "sum" and len(set(kinds)) == 1:
            self.stacked = np.stack(args, axis=1)  # (members, terms)
            self.s_unique = len(set(self.stacked.ravel().tolist())) == self.stacked.size
        if self.matmul:
            self.w_idx = np.stack(args[0::2], axis=1)  # (members, k) entries of S
            self.x_rows = np.array([a[0] for a in args[1::2]], dtype=np.intp)  # (k,) rows of B
            self.w_unique = len(set(self.w_idx.ravel().tolist())) == self.w_idx.size
            self.x_unique = len(set(self.x_rows.tolist())) == len(self.x_rows)
        self.out = _view(np.array(out, dtype=np.intp))
        if self.stacked is None:  # (a stacked sum reads its terms through `stacked` alone)
            self.args = [_view(a) if u else a for a, u in zip(args, self.unique)]


class Plan:
    """Storage layout and schedule of one program (see the module docstring)."""

    def __init__(self, p: Program) -> None:
        self.p = p
        first = p.first_result
        batched = [False] * p.first_input + [True] * p.n_inputs + [False] * len(p.constants)
        needs = [True] * p.n_params + [False] * (first - p.n_params)
        depth = [0] * first
        for _, args, _ in p.instrs:
            batched.append(any([batched[a] for a in args]))
            needs.append(any([needs[a] for a in args]))
            depth.append(1 + max([depth[a] for a in args], default=0))
        self.batched, self.needs = batched, needs
        buckets: dict[tuple, list[int]] = {}
        for i, (op, args, c) in enumerate(p.instrs):
            key = (depth[first + i], op, c, tuple([batched[a] for a in args]))
            buckets.setdefault(key, []).append(i)
        ordered = sorted(buckets.items(), key=lambda kv: kv[0][0])
        # rows: leaves first, then each group's results side by side (contiguous: views)
        self.row = [0] * p.n_slots
        counts = [0, 0]  # shared, per-example
        slots = list(range(first))
        slots += [first + i for _, members in ordered for i in members]
        for s in slots:
            self.row[s] = counts[batched[s]]
            counts[batched[s]] += 1
        self.n_shared, self.n_rows = counts
        self.groups = []
        for (_, op, c, kinds), members in ordered:
            instrs = [p.instrs[i] for i in members]
            args = [[self.row[ins.args[j]] for ins in instrs] for j in range(len(kinds))]
            pos_needs = [any(needs[ins.args[j]] for ins in instrs) for j in range(len(kinds))]
            out = [self.row[first + i] for i in members]
            is_batched = batched[first + members[0]]
            self.groups.append(Group(members, op, c, is_batched, out, args, kinds, pos_needs))
        readers = [0] * p.n_slots
        for instr in p.instrs:
            for a in instr.args:
                readers[a] += 1
        for s in p.outputs:
            readers[s] += 1
        self.groups = _fold_biases(p, self.groups, readers)
        self.constant_rows = [self.row[s] for s in range(p.first_constant, first)]

    def fetch(self, slot: int, S, B):
        """The numbers of one slot: a row of B, or one number of S."""
        return B[self.row[slot]] if self.batched[slot] else S[self.row[slot]]


def _fold_biases(p: Program, groups: list[Group], readers: list[int]) -> list[Group]:
    """A dense layer's ``dot(w, x) + b``: the ``+ b`` joins the matrix product's group.

    Only when each dot is read by its ``+`` alone: the dots' own rows are then never written.
    """
    layers = {tuple(p.first_result + i for i in g.members): g for g in groups if g.matmul}
    kept = []
    for g in groups:
        if g.op == "+" and g.batched and g.kinds == (True, False) and g.unique[1]:
            dots = tuple(p.instrs[i].args[0] for i in g.members)
            layer = layers.get(dots)
            if layer is not None and layer.bias is None and all(readers[s] == 1 for s in dots):
                layer.bias, layer.bias_needs, layer.out = g.args[1], g.needs[1], g.out
                layer.members = layer.members + g.members
                continue
        kept.append(g)
    return kept


def plan_of(program: Program) -> Plan:
    """The program's plan, made on first use and kept on the program (a cache)."""
    plan = program.__dict__.get("_replay_plan")
    if plan is None:
        plan = Plan(program)
        object.__setattr__(program, "_replay_plan", plan)
    return plan


# ---------------------------------------------------------------- forward
def run_forward(plan: Plan, S, B) -> None:
    """Fill S and B with every instruction's result, group by group."""
    with np.errstate(all="raise", under="ignore"):
        for g in plan.groups:
            try:
                value = _value(g, S, B)
            except FloatingPointError:
                _explain(plan, g, S, B)  # raises BatchMathError naming the culprit
            if g.batched:
                B[g.out] = value
            else:
                S[g.out] = value


def _operands(g: Group, S, B) -> list:
    if not g.batched:
        return [S[a] for a in g.args]
    return [B[a] if k else S[a][:, None] for a, k in zip(g.args, g.kinds)]


def _value(g: Group, S, B):
    if g.matmul:
        value = S[g.w_idx] @ B[g.x_rows]
        if g.bias is not None:
            value += S[g.bias][:, None]
        if not np.isfinite(value).all():  # BLAS may not raise the overflow flag: check
            raise FloatingPointError
        return value
    if g.stacked is not None:
        return (B if g.kinds[0] else S)[g.stacked].sum(axis=1)
    xs = _operands(g, S, B)
    if g.op in DOMAIN and any(np.any(bad) for bad, _ in DOMAIN[g.op](xs, g.c)):
        raise FloatingPointError  # what the engine refuses, numpy may let through
    return RULES[g.op][0](xs, g.c)


def _explain(plan: Plan, g: Group, S, B) -> None:
    """Run a failed group's instructions one by one; raise the message of the first that fails."""
    p = plan.p
    n = B.shape[1]
    for i in g.members:  # in order: a folded bias reads its dot's freshly written row
        op, args, c = p.instrs[i]
        xs = [plan.fetch(a, S, B) for a in args]
        message = value_message(p, i, xs, n)
        if message:
            raise BatchMathError(message)
        with np.errstate(all="ignore"):
            value = RULES[op][0](xs, c)
        (B if plan.batched[p.first_result + i] else S)[plan.row[p.first_result + i]] = value
    raise BatchMathError(f"replay: {node(p, g.members[0])} (or one like it): not a number")


# ---------------------------------------------------------------- backward
def run_backward(plan: Plan, S, B, gS, gB) -> None:
    """The chain rule, group by group from the last: fill the gradients gS and gB."""
    with np.errstate(all="raise", under="ignore"):
        for g in reversed(plan.groups):
            if not (any(g.needs) or g.bias_needs):
                continue
            try:
                _backward(g, S, B, gS, gB)
            except FloatingPointError:
                raise BatchMathError(
                    f"replay: {node(plan.p, g.members[0])}: a local derivative, or the gradient"
                    f" through it, overflows or is not a number for some of the"
                    f" {B.shape[1]} examples"
                ) from None


def _backward(g: Group, S, B, gS, gB) -> None:
    grad = gB[g.out] if g.batched else gS[g.out]
    if g.matmul:  # d(sum_i w_i x_i + b)/dw_i = x_i (summed over the batch), /dx_i = w_i, /db = 1
        if g.bias_needs:
            _add(gS, g.bias, grad.sum(axis=1), True)
        if any(g.needs[0::2]):
            _add(gS, g.w_idx, grad @ B[g.x_rows].T, g.w_unique)
        if any(g.needs[1::2]):
            _add(gB, g.x_rows, S[g.w_idx].T @ grad, g.x_unique)
        return
    if g.stacked is not None:  # d(sum)/d(term) = 1 for every term
        if g.kinds[0]:
            _add(gB, g.stacked, grad[:, None, :], g.s_unique)
        else:
            _add(gS, g.stacked, (grad.sum(axis=1) if g.batched else grad)[:, None], g.s_unique)
        return
    xs = _operands(g, S, B)
    out = B[g.out] if g.batched else S[g.out]
    local = RULES[g.op][1]
    for k, a in enumerate(g.args):
        if not g.needs[k]:
            continue
        d = local(k, xs, out, g.c)
        contribution = grad if (type(d) is float and d == 1.0) else d * grad
        if np.shape(contribution) != grad.shape:
            contribution = np.broadcast_to(contribution, grad.shape)
        if g.kinds[k]:
            _add(gB, a, contribution, g.unique[k])
        else:  # a shared number: its gradient is summed over the examples
            _add(gS, a, contribution.sum(axis=1) if g.batched else contribution, g.unique[k])


def _add(store, idx, values, unique: bool) -> None:
    if unique:
        store[idx] += values
    else:  # repeated indices: add each contribution, not just the last
        np.add.at(store, idx, values)


def _view(idx: np.ndarray):
    """A slice when the indices are evenly spaced and ascending (a view of B), else the array."""
    if len(idx) == 1:
        return slice(int(idx[0]), int(idx[0]) + 1)
    step = int(idx[1] - idx[0])
    if step > 0 and np.all(np.diff(idx) == step):
        return slice(int(idx[0]), int(idx[-1]) + 1, step)
    return idx


# ---------------------------------------------------------------- error messages
def node(program: Program, i: int) -> str:
    """How messages name instruction i: its number, operation and label."""
    name = program.names[program.first_result + i]
    op, _, c = program.instrs[i]
    shown = f"**{c!r}" if op == "**const" else op
    return f"operation {i} ({shown!r}{', node ' + repr(name) if name else ''})"


def value_message(program: Program, i: int, xs: list, n: int) -> str:
    """What is wrong with instruction i on operands xs, with a count of examples; "" if fine."""
    op, _, c = program.instrs[i]
    with np.errstate(all="ignore"):
        for mask, reason in DOMAIN.get(op, lambda x, c: [])(xs, c):
            mask = np.broadcast_to(mask, (n,))
            if mask.any():
                return count_message(f"replay: {node(program, i)}: {reason}", mask, n)
        bad = ~np.isfinite(np.broadcast_to(RULES[op][0](xs, c), (n,)))
    if bad.any():
        return count_message(f"replay: {node(program, i)}: overflows or is not a number", bad, n)
    return ""


def count_message(head: str, bad, n: int) -> str:
    """`head`, then how many of the n examples are bad and which is the first."""
    rows = np.flatnonzero(bad)
    if len(rows) == 0:
        return head
    return f"{head}, for {len(rows)} of {n} examples (first: example {rows[0]})"
