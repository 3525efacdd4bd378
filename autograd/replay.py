"""Evaluate a recorded `Program` over a whole batch at once, forward and backward, with numpy.

Every slot holds either one number shared by the batch (parameters, constants
and anything computed only from them) or an array with one number per
example. The forward pass runs each instruction once on those arrays; the
backward pass applies the chain rule edge by edge, ``g[parent] += local * g[node]``,
exactly as `Value.backward` does, with arrays in place of numbers. When a
gradient flows into a shared slot (a parameter) it is summed over the batch.
Instructions that do the same thing at the same depth run together, so a
dense layer costs a few numpy calls, not one per neuron (see `replay_plan`).

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

    `param_values` are the parameters' numbers (floats, Values, or an array, in
    the order given to `record`); `X` is an array of shape (n, n_inputs).
    """
    plan = plan_of(program)
    S, B = _forward(program, plan, param_values, X)
    return [_output(plan, S, B, s) for s in program.outputs]


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
    S, B = _forward(program, plan, param_values, X)
    n = B.shape[1]
    seeds = _check_seeds(program, seeds, n)
    gS, gB = np.zeros_like(S), np.zeros_like(B)
    for slot, seed in zip(program.outputs, seeds):
        if plan.needs[slot]:  # a number seed means the same seed for every example
            if plan.batched[slot]:
                gB[plan.row[slot]] += seed
            else:
                gS[plan.row[slot]] += seed * n if np.ndim(seed) == 0 else np.sum(seed)
    run_backward(plan, S, B, gS, gB)
    grads = gS[: program.n_params].copy()  # parameters take the first rows of S
    if not np.isfinite(grads).all():
        bad = int(np.flatnonzero(~np.isfinite(grads))[0])
        raise BatchMathError(f"replay: the gradient of parameter {bad} overflows ({grads[bad]})")
    return [_output(plan, S, B, s) for s in program.outputs], grads


def _forward(program: Program, plan: Plan, param_values, X) -> tuple[np.ndarray, np.ndarray]:
    X = _check_batch(program, X)
    S = np.empty(plan.n_shared)
    S[: program.n_params] = _check_params(program, param_values)
    S[plan.constant_rows] = program.constants
    B = np.empty((plan.n_rows, X.shape[0]))
    B[: program.n_inputs] = X.T  # inputs take the first rows of B
    run_forward(plan, S, B)
    return S, B


def _output(plan: Plan, S, B, slot: int) -> np.ndarray:
    if plan.batched[slot]:
        return B[plan.row[slot]].copy()
    return np.full(B.shape[1], S[plan.row[slot]])


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
