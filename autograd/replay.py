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

from .batched_ops import np
from .engine import Value
from .record import Program
from .replay_plan import BatchMathError, Plan, plan_of, run_backward, run_forward

__all__ = ["forward", "value_and_grad", "BatchMathError"]


def forward(program: Program, param_values: Sequence[float], X) -> list:
    """The program's outputs for every row of `X`: a list of `n_outputs` arrays of shape (n,).

    `param_values` are the parameters' numbers (floats or Values, in the order
    given to `record`); `X` is an array of shape (n, n_inputs).
    """
    plan = plan_of(program)
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
    plan = plan_of(program)
    V, S, n = _forward(program, plan, param_values, X)
    seeds = _check_seeds(program, seeds, n)
    A = np.zeros_like(V)  # adjoints of the per-example slots, one row each
    G = np.zeros(program.n_slots)  # adjoints of the shared slots
    touched = [False] * program.n_slots
    for slot, seed in zip(program.outputs, seeds):
        if plan.needs[slot]:  # a number seed means the same seed for every example
            touched[slot] = True
            if plan.row[slot] >= 0:
                A[plan.row[slot]] += seed
            else:
                G[slot] += seed * n if np.ndim(seed) == 0 else np.sum(seed)
    run_backward(plan, V, S, A, G, touched, n)
    grads = G[: program.n_params].copy()
    if not np.all(np.isfinite(grads)):
        bad = int(np.flatnonzero(~np.isfinite(grads))[0])
        raise BatchMathError(f"replay: the gradient of parameter {bad} overflows ({grads[bad]})")
    return [_output(plan, V, S, s, n) for s in program.outputs], grads


def _forward(program: Program, plan: Plan, param_values, X):
    X = _check_batch(program, X)
    n = X.shape[0]
    params = _check_params(program, param_values)
    S = np.zeros(program.n_slots)
    S[: program.n_params] = params
    S[program.first_constant : program.first_result] = program.constants
    V = np.empty((plan.n_rows, n))
    V[: program.n_inputs] = X.T
    run_forward(plan, V, S, n)
    return V, S, n


def _output(plan: Plan, V, S, slot: int, n: int):
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


def _check_params(program: Program, param_values) -> np.ndarray:
    if isinstance(param_values, np.ndarray):
        values = param_values.astype(float, copy=False).reshape(-1)
    else:
        values = np.array([p.data if isinstance(p, Value) else p for p in param_values], float)
    if len(values) != program.n_params:
        raise ValueError(
            f"replay: {len(values)} parameter values for a program with {program.n_params}"
        )
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
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
