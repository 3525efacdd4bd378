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
    vals, n = _forward(program, param_values, X)
    return [_full(vals[s], n) for s in program.outputs]


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
    vals, n = _forward(program, param_values, X)
    seeds = _check_seeds(program, seeds, n)
    batched = _batched(program)
    needs = _needs_grad(program)
    adj: list = [None] * program.n_slots
    for slot, seed in zip(program.outputs, seeds):
        if needs[slot]:  # a number seed means the same seed for every example
            if np.ndim(seed) == 0:
                seed = np.full(n, seed) if batched[slot] else seed * n
            _accumulate(adj, batched, slot, seed)
    base = program.first_result
    with np.errstate(all="raise", under="ignore"):
        for i in range(len(program.instrs) - 1, -1, -1):
            g = adj[base + i]
            if g is None:
                continue
            op, args, c = program.instrs[i]
            xs = [vals[a] for a in args]
            local = RULES[op][1]
            for k, a in enumerate(args):
                if needs[a]:
                    try:
                        d = local(k, xs, vals[base + i], c)
                        _accumulate(adj, batched, a, g if type(d) is float and d == 1.0 else d * g)
                    except FloatingPointError:
                        raise BatchMathError(_gradient_message(program, i, k, n)) from None
    grads = np.array([0.0 if g is None else float(np.sum(g)) for g in adj[: program.n_params]])
    outs = [_full(vals[s], n) for s in program.outputs]
    return outs, grads


# ---------------------------------------------------------------- the interpreter
def _forward(program: Program, param_values, X) -> tuple[list, int]:
    X = _check_batch(program, X)
    n = X.shape[0]
    params = _check_params(program, param_values)
    vals: list = [np.float64(p) for p in params]
    vals += [X[:, j] for j in range(program.n_inputs)]
    vals += [np.float64(c) for c in program.constants]
    with np.errstate(all="raise", under="ignore"):
        for i, (op, args, c) in enumerate(program.instrs):
            xs = [vals[a] for a in args]
            try:
                if op in DOMAIN and any(np.any(bad) for bad, _ in DOMAIN[op](xs, c)):
                    raise FloatingPointError  # what the engine refuses, numpy may not
                vals.append(RULES[op][0](xs, c))
            except FloatingPointError:
                raise BatchMathError(_value_message(program, i, xs, n)) from None
    return vals, n


def _accumulate(adj: list, batched: list, slot: int, g) -> None:
    if not batched[slot] and np.ndim(g):
        g = np.sum(g)  # a number shared by the batch: its gradient is summed over the examples
    adj[slot] = g if adj[slot] is None else adj[slot] + g


def _full(v, n: int):
    return np.full(n, v) if np.ndim(v) == 0 else v


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


def _gradient_message(program: Program, i: int, k: int, n: int) -> str:
    return (
        f"replay: {_node(program, i)}: the local derivative for operand {k}, or the gradient"
        " through it, overflows or is not a number for some examples of the batch"
    )


def _count_message(head: str, bad, n: int) -> str:
    rows = np.flatnonzero(bad)
    if len(rows) == 0:
        return head
    return f"{head}, for {len(rows)} of {n} examples (first: example {rows[0]})"
