"""Batched replay against the scalar engine: one loss gradient over a batch, in one process.

    python benchmarks/replay_speed.py          # MLP 2-16-16-1 (n=100), 2-32-32-1 (n=1000)
    python benchmarks/replay_speed.py --quick  # fewer repeats

The loss is micrograd's demo loss on moons: mean hinge loss + 1e-4 * L2. Scalar:
build the graph of the whole batch and call backward (default GC, and inside
gc_paused()). Batched: `value_and_grad` of a program recorded once; the L2 term is
a second output that depends on the parameters only. The gradients of both paths
are compared before anything is timed. Times are medians (and minimums) of
alternating runs; on a shared machine only the ratios mean much.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import numpy as np

import chainrule.nn as crnn
from chainrule.autograd import Value, gc_paused, record, zero_grad
from chainrule.autograd.replay import value_and_grad


def setup(hidden: int, n: int):
    X, y = crnn.datasets.moons(n, noise=0.1, seed=0)
    data = np.column_stack([X, 2 * y - 1])
    model = crnn.MLP(2, [hidden, hidden, 1], seed=1)
    params = model.parameters()

    def scalar_grad():
        scores = [model(x) for x in X.tolist()]
        loss = crnn.hinge_loss(scores, data[:, 2].tolist()) + crnn.l2_penalty(params, 1e-4)
        zero_grad(params)
        loss.backward()
        return np.array([p.grad for p in params])

    def one_example(v: list[Value]):
        hinge = (1.0 - v[2] * model(v[:2])).relu()
        return [hinge, crnn.l2_penalty(params, 1e-4)]

    t0 = time.perf_counter()
    prog = record(one_example, params, data[0], check=data[1])
    t_record = time.perf_counter() - t0
    seeds = [1.0 / n, 1.0 / n]  # mean hinge; the L2 output is the same for every example

    def batched_grad():
        return value_and_grad(prog, params, data, seeds)[1]

    return scalar_grad, batched_grad, prog, t_record


def timed(fn, paused: bool = False) -> float:
    gc.collect()
    t0 = time.perf_counter()
    if paused:
        with gc_paused():
            fn()
    else:
        fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for hidden, n, repeats in ((16, 100, 15), (32, 1000, 5)):
        repeats = max(2, repeats // 3) if args.quick else repeats
        scalar, batched, prog, t_record = setup(hidden, n)
        g_s, g_b = scalar(), batched()
        rel = np.max(np.abs(g_s - g_b)) / np.max(np.abs(g_s))
        assert rel < 1e-12, f"gradients differ: {rel:.1e}"
        runs = {"scalar": [], "scalar, gc paused": [], "batched": []}
        for _ in range(repeats):
            runs["scalar"].append(timed(scalar))
            runs["scalar, gc paused"].append(timed(scalar, paused=True))
            runs["batched"].append(timed(batched))
        med = {k: statistics.median(v) for k, v in runs.items()}
        print(
            f"MLP 2-{hidden}-{hidden}-1, n={n}: program of {len(prog)} ops (recorded in"
            f" {t_record * 1e3:.1f} ms); gradients agree to {rel:.1e} (max relative)"
        )
        for k, v in runs.items():
            print(f"  {k:18s} median {med[k] * 1e3:9.2f} ms  min {min(v) * 1e3:9.2f} ms")
        print(
            f"  batched is x{med['scalar'] / med['batched']:.0f} faster than scalar (median),"
            f" x{min(runs['scalar']) / min(runs['batched']):.0f} (min)"
        )


if __name__ == "__main__":
    main()
