"""Evaluate a recorded `Program` over a whole batch at once, forward and backward, with numpy.

Every slot holds either one number shared by the batch (parameters, constants
and anything computed only from them) or an array with one number per
example. The forward pass runs each instruction once on those arrays; the
backward pass applies the chain rule edge by edge, ``g[parent] += local * g[node]``,
exactly as `Value.backward` does, with arrays in place of numbers. When a
gradient flows into a shared slot (a parameter) it is summed over the batch.

Numbers the scalar engine refuses (log of a non-positive number, division by
zero, overflow) raise `BatchMathError` naming the operation and how many
examples hit it: they never become silent NaN or inf. Replay is stricter than
the engine in one way: an overflow to inf in ``+``, ``*`` or ``/``, which the
engine lets through, raises here too.
"""

from __future__ import annotations

from collections.abc import Sequence

from .batched_ops import DOMAIN, RULES, np
from .engine import Value
from .record import Program, ReplayError

__all__ = ["forward", "value_and_grad", "BatchMathError"]


class BatchMathError(ReplayError, ArithmeticError):
    """An operation got, for some examples of the batch, numbers outside its domain."""


def forward(program: Program, param_values: Sequence[float], X) -> list:
    """The program's outputs for every row of `X`: a list of `n_outputs` arrays of shape (n,).

    `param_values` are the parameters' numbers (floats or Values, in the order
    given to `record`); `X` is an array of shape (n, n_inputs).
    """
    plan = _plan(program)
    V, S, n = _forward(program, plan, param_values, X)
    return [_output(plan, V, S, s, n) for s in program.outputs]


def value_and_grad(
    program: Program, param_values: Sequence[float], X, seeds: Sequence | None = None
) -> tuple[list, np.ndarray]:
    """Outputs (as `forward`) and the gradient of ``sum_i sum_k seeds[k][i] * output_k(row i)``.

    `seeds[k]` is d(objective)/d(output k) for each example: an array of shape
    (n,) or one number for all examples; by default 1.0 for every output. The
    gradient is an array of shape (n_params,): what the scalar engine's
    ``backward`` leaves in the parameters' ``grad`` after one backward per example
    (or one backward of the summed objective).
    """
    plan = _plan(program)
    V, S, n = _forward(program, plan, param_values, X)
    seeds = _check_seeds(program, seeds, n)
    row, needs = plan.row, plan.needs
    A = np.zeros_like(V)  # adjoints of the per-example slots, one row each
    G = np.zeros(program.n_slots)  # adjoints of the shared slots
    touched = [False] * program.n_slots
    for slot, seed in zip(program.outputs, seeds):
        if needs[slot]:  # a number seed means the same seed for every example
            touched[slot] = True
            if row[slot] >= 0:
                A[row[slot]] += seed
            else:
                G[slot] += seed * n if np.ndim(seed) == 0 else np.sum(seed)
    base = program.first_result
    with np.errstate(all="raise", under="ignore"):
        for i in range(len(program.instrs) - 1, -1, -1):
            out = base + i
            if i in plan.layer_at:
                _backward_layer(plan.layer_at[i], base, V, S, A, G, touched, plan)
                continue
            if not touched[out] or i in plan.in_layer:
                continue
            g = A[row[out]] if row[out] >= 0 else G[out]
            try:
                _backward_one(program, plan, i, g, V, S, A, G, touched)
            except FloatingPointError:
                raise BatchMathError(_gradient_message(program, i, n)) from None
    grads = G[: program.n_params].copy()
    if not np.all(np.isfinite(grads)):
        bad = int(np.flatnonzero(~np.isfinite(grads))[0])
        raise BatchMathError(f"replay: the gradient of parameter {bad} overflows ({grads[bad]})")
    return [_output(plan, V, S, s, n) for s in program.outputs], grads


# ---------------------------------------------------------------- the interpreter
class _Plan:
    """What replay works out once per program: where each slot lives, what needs a gradient.

    A per-example slot is a row of the matrix V (slots x examples); a shared slot
    is an entry of the vector S. A `dot` whose pairs each have one shared and one
    per-example operand (a neuron: weights times activations) runs as one
    matrix-vector product instead of a loop over its pairs.
    """

    def __init__(self, p: Program) -> None:
        batched = _batched(p)
        self.needs = _needs_grad(p)
        self.row = [-1] * p.n_slots
        self.slot_of_row = [s for s in range(p.n_slots) if batched[s]]
        for r, s in enumerate(self.slot_of_row):
            self.row[s] = r
        self.n_rows = sum(batched)
        self.fast: dict[int, tuple] = {}
        for i, instr in enumerate(p.instrs):
            if instr.op == "dot" and batched[p.first_result + i]:
                self.fast[i] = self._dot_plan(instr.args, batched)
        self._find_layers(p)

    def _find_layers(self, p: Program) -> None:
        """Group the dots that read the same per-example operands (the neurons of a layer).

        Their weights are parameters or constants, known from the start, so the
        group runs as one matrix product at the first member (forward) and passes
        its gradients when the backward pass reaches that member, after every
        member's consumers.
        """
        groups: dict[tuple, list[int]] = {}
        for i, (shared, rows, rest, _, _, dup) in self.fast.items():
            if not rest and not dup and all(s < p.first_result for s in shared):
                groups.setdefault(tuple(rows), []).append(i)
        self.layer_at: dict[int, tuple] = {}
        self.in_layer: set[int] = set()
        for rows, members in groups.items():
            if len(members) < 2:
                continue
            W = np.array([self.fast[i][0] for i in members], dtype=np.intp)
            outs = np.array([self.row[p.first_result + i] for i in members], dtype=np.intp)
            in_rows = np.array(rows, dtype=np.intp)
            grad_rows = any(self.needs[self.slot_of_row[r]] for r in rows)
            unique_w = len(set(W.ravel().tolist())) == W.size
            self.layer_at[members[0]] = (W, in_rows, outs, members, grad_rows, unique_w)
            self.in_layer.update(members[1:])

    def _dot_plan(self, args, batched) -> tuple:
        shared, rows, rest = [], [], []  # rest: positions of the other pairs' operands
        for j in range(0, len(args), 2):
            a, b = args[j], args[j + 1]
            if batched[a] != batched[b]:
                s, r = (b, a) if batched[a] else (a, b)
                shared.append(s)
                rows.append(self.row[r])
            else:
                rest += [j, j + 1]
        shared_g = [k for k, s in enumerate(shared) if self.needs[s]]
        rows_g = [k for k, r in enumerate(rows) if self.needs[self.slot_of_row[r]]]
        return (
            np.array(shared, dtype=np.intp),
            np.array(rows, dtype=np.intp),
            rest,
            np.array(shared_g, dtype=np.intp),
            np.array(rows_g, dtype=np.intp),
            len(set(shared)) < len(shared) or len(set(rows)) < len(rows),
        )


def _plan(program: Program) -> _Plan:
    plan = program.__dict__.get("_replay_plan")
    if plan is None:
        plan = _Plan(program)
        object.__setattr__(program, "_replay_plan", plan)  # a cache, not part of the value
    return plan


def _forward(program: Program, plan: _Plan, param_values, X):
    X = _check_batch(program, X)
    n = X.shape[0]
    params = _check_params(program, param_values)
    S = np.zeros(program.n_slots)
    S[: program.n_params] = params
    S[program.first_constant : program.first_result] = program.constants
    V = np.empty((plan.n_rows, n))
    V[: program.n_inputs] = X.T
    row = plan.row
    with np.errstate(all="raise", under="ignore"):
        for i, (op, args, c) in enumerate(program.instrs):
            if i in plan.in_layer:
                continue  # computed with its layer
            if i in plan.layer_at:
                W, in_rows, outs, _, _, _ = plan.layer_at[i]
                with np.errstate(all="ignore"):
                    V[outs] = S[W] @ V[in_rows]
                bad = ~np.isfinite(V[outs])
                if bad.any():
                    raise BatchMathError(
                        _count_message(
                            f"replay: {_node(program, i)}: a layer of dots overflows",
                            bad.any(axis=0),
                            n,
                        )
                    )
                continue
            xs = [V[row[a]] if row[a] >= 0 else S[a] for a in args]
            try:
                if i in plan.fast:
                    shared, rows, rest, *_ = plan.fast[i]
                    value = S[shared] @ V[rows]  # BLAS raises no flags: check below
                    for j in range(0, len(rest), 2):
                        value = value + xs[rest[j]] * xs[rest[j + 1]]
                    if not np.all(np.isfinite(value)):
                        raise FloatingPointError
                else:
                    if op in DOMAIN and any(np.any(bad) for bad, _ in DOMAIN[op](xs, c)):
                        raise FloatingPointError  # what the engine refuses, numpy may not
                    value = RULES[op][0](xs, c)
            except FloatingPointError:
                raise BatchMathError(_value_message(program, i, xs, n)) from None
            out = program.first_result + i
            if row[out] >= 0:
                V[row[out]] = value
            else:
                S[out] = value
    return V, S, n


def _backward_one(program, plan, i, g, V, S, A, G, touched) -> None:
    """Pass the gradient g of instruction i's result to its operands (the chain rule)."""
    op, args, c = program.instrs[i]
    row, needs = plan.row, plan.needs
    if i in plan.fast:
        shared, rows, rest, shared_g, rows_g, dup = plan.fast[i]
        add = np.add.at if dup else _add_rows
        if len(shared_g):  # d/dw_j = x_j, summed over the batch: one matrix-vector product
            add(G, shared[shared_g], V[rows[shared_g]] @ g)
            for s in shared[shared_g]:
                touched[s] = True
        if len(rows_g):  # d/dx_j = w_j, per example
            add(A, rows[rows_g], np.outer(S[shared[rows_g]], g))
            for r in rows[rows_g]:
                touched[plan.slot_of_row[r]] = True
        positions = rest
    else:
        positions = range(len(args))
    xs = [V[row[a]] if row[a] >= 0 else S[a] for a in args]
    out = program.first_result + i
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


def _batched(program: Program) -> list[bool]:
    """Per slot: does it hold one number per example (True) or one for the whole batch?"""
    batched = [False] * program.first_input + [True] * program.n_inputs
    batched += [False] * len(program.constants)
    for instr in program.instrs:
        batched.append(any(batched[a] for a in instr.args))
    return batched


def _needs_grad(program: Program) -> list[bool]:
    """Per slot: does a parameter's gradient flow through it?"""
    needs = [True] * program.n_params + [False] * (program.first_result - program.n_params)
    for instr in program.instrs:
        needs.append(any(needs[a] for a in instr.args))
    return needs


def _backward_layer(layer, base, V, S, A, G, touched, plan) -> None:
    """The chain rule for a layer of dots: two matrix products."""
    W, in_rows, outs, members, grad_rows, unique_w = layer
    if not any(touched[base + i] for i in members):
        return
    g = A[outs]  # (neurons, examples); rows of untouched members are zero
    dW = g @ V[in_rows].T  # d/dw = x, summed over the batch
    if unique_w:
        G[W] += dW
    else:
        np.add.at(G, W.ravel(), dW.ravel())
    if grad_rows:  # d/dx = w, per example
        A[in_rows] += S[W].T @ g
        for r in in_rows:
            touched[plan.slot_of_row[r]] = True


def _add_rows(target, index, values) -> None:
    target[index] += values


def _output(plan: _Plan, V, S, slot: int, n: int):
    return V[plan.row[slot]].copy() if plan.row[slot] >= 0 else np.full(n, S[slot])


# ---------------------------------------------------------------- checking the arguments
def _check_batch(program: Program, X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != program.n_inputs:
        raise ValueError(
            f"replay: X must have shape (n, {program.n_inputs}) (one row per example),"
            f" got shape {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError("replay: the batch X has no rows")
    bad = ~np.isfinite(X)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise ValueError(
            f"replay: X holds NaN or inf in {len(rows)} of {X.shape[0]} rows (first: row {rows[0]})"
        )
    return X


def _check_params(program: Program, param_values) -> list[float]:
    values = [p.data if isinstance(p, Value) else float(p) for p in param_values]
    if len(values) != program.n_params:
        raise ValueError(
            f"replay: {len(values)} parameter values for a program with {program.n_params}"
        )
    bad = [i for i, v in enumerate(values) if not np.isfinite(v)]
    if bad:
        raise ValueError(f"replay: parameter {bad[0]} is {values[bad[0]]!r}, not a finite number")
    return values


def _check_seeds(program: Program, seeds, n: int) -> list:
    if seeds is None:
        seeds = [1.0] * program.n_outputs
    seeds = list(seeds)
    if len(seeds) != program.n_outputs:
        raise ValueError(f"replay: {len(seeds)} seeds for {program.n_outputs} outputs")
    out = []
    for k, s in enumerate(seeds):
        s = np.asarray(s, dtype=float)
        if s.ndim == 0:
            s = np.float64(s)
        elif s.shape != (n,):
            raise ValueError(f"replay: seed {k} has shape {s.shape}; expected a number or ({n},)")
        if not np.all(np.isfinite(s)):
            raise ValueError(f"replay: seed {k} holds NaN or inf")
        out.append(s)
    return out


# ---------------------------------------------------------------- error messages
def _node(program: Program, i: int) -> str:
    name = program.names[program.first_result + i]
    op, _, c = program.instrs[i]
    shown = f"**{c!r}" if op == "**const" else op
    return f"operation {i} ({shown!r}{', node ' + repr(name) if name else ''})"


def _value_message(program: Program, i: int, xs: list, n: int) -> str:
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
    return _count_message(f"replay: {_node(program, i)}: {why}", bad, n)


def _gradient_message(program: Program, i: int, n: int) -> str:
    return (
        f"replay: {_node(program, i)}: a local derivative, or the gradient through it,"
        f" overflows or is not a number for some of the {n} examples"
    )


def _count_message(head: str, bad, n: int) -> str:
    rows = np.flatnonzero(bad)
    if len(rows) == 0:
        return head
    return f"{head}, for {len(rows)} of {n} examples (first: example {rows[0]})"
