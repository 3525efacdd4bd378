"""The engine's hot path before and after a change, measured in one process.

    python benchmarks/engine_modes.py                 # against the engine on branch main
    python benchmarks/engine_modes.py --before 08db719 --repeats 15

"before" is `autograd/engine.py` as it was at a git revision (loaded from `git show`, so it
must be a self-contained file); "after" is the installed `chainrule.autograd.engine`. Both run
the same workloads, interleaved repeat by repeat; medians are reported, and the ratio of the
fastest runs (the least disturbed by other processes on a busy machine). Times are CPU
seconds of this process (`time.process_time`), not wall-clock seconds:

    mlp    one training step of an MLP 2-16-16-1 (tanh, tanh, linear) on 100 points, built
           from Values: forward, hinge loss, zero_grad, backward, SGD update of .data
    chain  y = y * c + d repeated 5 * 10^4 times (10^5 operations), then backward
    bward  backward alone on that chain, built once (zero_grad of its inputs, then backward)

"ops/s" counts graph nodes built and back-propagated per second. With --busy, another thread
holds a `no_grad()` block open during the "after" runs (the engine's slower path when a mode
is switched on somewhere in the process).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

from chainrule.autograd import engine as after_engine

ROOT = Path(__file__).resolve().parent.parent


def load_engine_at(rev: str) -> types.ModuleType:
    """autograd/engine.py at git revision `rev`, as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{rev}:autograd/engine.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    name = f"engine_at_{rev}_{len(sys.modules)}"  # the same revision may be loaded twice (A/A)
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses/annotations look the module up
    exec(compile(source, f"engine.py@{rev}", "exec"), module.__dict__)
    return module


def points(n: int = 100) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(0)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    Y = [1.0 if x0 * x1 > 0 else -1.0 for x0, x1 in X]
    return X, Y


def mlp_step(E: types.ModuleType):
    """A step function for an MLP 2-16-16-1 made of engine `E`'s Values, and its node count."""
    rng = random.Random(1)
    sizes = [2, 16, 16, 1]
    layers = [
        [([E.Value(rng.uniform(-1, 1)) for _ in range(nin)], E.Value(0.0)) for _ in range(nout)]
        for nin, nout in zip(sizes, sizes[1:])
    ]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    X, Y = points()

    def forward(x):
        for k, layer in enumerate(layers):
            last = k == len(layers) - 1
            x = [E.dot(ws, x) + b if last else (E.dot(ws, x) + b).tanh() for ws, b in layer]
        return x[0]

    def step():
        scores = [forward(x) for x in X]
        loss = E.sum_values([(1.0 - y * s).relu() for s, y in zip(scores, Y)]) * (1 / len(X))
        E.zero_grad(params)
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad
        return loss

    return step, len(E.topological_order(step()))


def chain_step(E: types.ModuleType, n: int = 50_000):
    c, d = E.Value(0.999999), E.Value(1e-6)

    def step():
        x = y = E.Value(0.5)
        for _ in range(n):
            y = y * c + d
        E.zero_grad([x, c, d])
        y.backward()
        return y

    return step, 2 * n + 1


def backward_step(E: types.ModuleType, n: int = 50_000):
    """backward() alone, again and again, on one chain of 10^5 operations built once."""
    c, d = E.Value(0.999999), E.Value(1e-6)
    x = y = E.Value(0.5)
    for _ in range(n):
        y = y * c + d

    def step():
        E.zero_grad([x, c, d])
        y.backward()
        return y

    return step, 2 * n + 1


def time_step(step) -> float:
    gc.collect()
    t0 = time.process_time()  # CPU time of this process: other processes' load counts less
    step()
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="main", help="git revision of the 'before' engine")
    ap.add_argument(
        "--after", default="", help="git revision of the 'after' engine (default: installed)"
    )
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--busy", action="store_true", help="hold no_grad() open in another thread")
    args = ap.parse_args()
    before = load_engine_at(args.before)
    after = load_engine_at(args.after) if args.after else after_engine  # --after = --before: A/A
    stop = threading.Event()
    if args.busy:

        def hold_no_grad() -> None:
            with after_engine.no_grad():
                stop.wait()

        threading.Thread(target=hold_no_grad, daemon=True).start()
        time.sleep(0.1)
    print(
        f"before: engine.py at {args.before}; after: {args.after or 'installed'}; busy={args.busy}"
    )
    for name, make in (("mlp", mlp_step), ("chain", chain_step), ("bward", backward_step)):
        (sb, nodes), (sa, _) = make(before), make(after)
        sb(), sa()  # warm-up
        tb, ta = [], []
        for i in range(args.repeats):  # alternate which one goes first
            for step, times in ((sb, tb), (sa, ta))[:: 1 if i % 2 else -1]:
                times.append(time_step(step))
        mb, ma = statistics.median(tb), statistics.median(ta)
        print(
            f"{name:5s} {nodes:7d} nodes"
            f"  before {nodes / mb / 1e6:6.3f} M ops/s ({mb * 1e3:7.2f} ms)"
            f"  after {nodes / ma / 1e6:6.3f} M ops/s ({ma * 1e3:7.2f} ms)  after/before time"
            f" {ma / mb:5.3f} (medians; fastest runs: {min(ta) / min(tb):5.3f})"
        )
    stop.set()


if __name__ == "__main__":
    main()
