"""Does pausing CPython's automatic GC while a scalar graph is built and walked pay? One process.

    python benchmarks/gc_policy.py            # full run
    python benchmarks/gc_policy.py --quick    # fewer repeats, 10^5 chain only

Workloads (each timed with the default GC, then inside `gc_paused()`, alternating):
    moons step   MLP 2-16-16-1 on 100 moons points, hinge loss + 1e-4 L2,
                 forward + backward + SGD update (micrograd's demo step)
    chain 10^k   y = y * c + d repeated 10^k times, then backward, then dropped

Printed: median seconds per workload, median seconds inside the collector (via
gc.callbacks), and the speed-up. The paused run includes the first collection
after the block (the collector is back on when the next block starts).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

from chainrule.autograd import Value, gc_paused

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import GCTimer, moons_data, w1_chainrule  # noqa: E402  (bench.py sits beside this script)


def moons_step():
    """W1 of bench.py: one forward + backward + SGD step of an MLP 2-16-16-1 on 100 points."""
    step, _ = w1_chainrule(*moons_data(100))
    return step


def chain(n: int):
    def run():
        x = Value(1.0)
        y = x
        for _ in range(n):
            y = y * 0.999999 + 1e-6
        y.backward()
        del y  # freeing is part of the cost

    return run


def compare(name: str, work, repeats: int) -> tuple[float, float]:
    work()  # warm-up
    gc.collect()
    results = {"default": ([], []), "paused": ([], [])}
    for _ in range(repeats):
        for policy in ("default", "paused"):
            times, gcs = results[policy]
            with GCTimer() as g:
                t0 = time.perf_counter()
                if policy == "paused":
                    with gc_paused():
                        work()
                    Value(0.0)  # the first allocation after the block may trigger a collection
                else:
                    work()
                times.append(time.perf_counter() - t0)
            gcs.append(g.total)
    row = {p: (statistics.median(t), statistics.median(g)) for p, (t, g) in results.items()}
    (t_def, g_def), (t_pau, g_pau) = row["default"], row["paused"]
    print(
        f"{name:14s} default {t_def * 1e3:9.1f} ms"
        f" (GC {g_def * 1e3:8.1f} ms = {g_def / t_def:4.0%})"
        f" | paused {t_pau * 1e3:9.1f} ms (GC {g_pau * 1e3:6.1f} ms)"
        f" | speed-up x{t_def / t_pau:.2f}"
    )
    return t_def, t_pau


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, gc thresholds {gc.get_threshold()}")
    compare("moons step", moons_step(), 5 if args.quick else 15)
    compare("chain 10^5", chain(10**5), 3 if args.quick else 7)
    if not args.quick:
        compare("chain 10^6", chain(10**6), 3)


if __name__ == "__main__":
    main()
