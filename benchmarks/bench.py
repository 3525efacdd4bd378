"""chainrule against micrograd and PyTorch 0-dim tensors, in one process.

    python benchmarks/bench.py            # full run (a few minutes)
    python benchmarks/bench.py --quick    # smaller sizes, fewer repeats

Workloads
    W1  micrograd's demo training step: MLP 2-16-16-1 on 100 moons points,
        hinge loss + 1e-4 L2, forward + backward + SGD update.
    W2  a deep chain y = y * c + d, then backward (ns per node, failure depth).
    W3  a wide sum of 10^5 products, then backward (ns per node, peak bytes per node).
    W4  the lecture's two-weight example, forward + backward (microseconds).

Fairness: the heap is collected before each timed block, and each engine runs
its steps as one block, so it pays for its own garbage and never another's.
Times are medians after a warm-up. micrograd has no sigmoid; the one used in
W4 is written here in micrograd's own closure style.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import math
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np  # imported on purpose: W1 is timed "as users run it", next to numpy

import chainrule.nn as crnn
from chainrule.autograd import Value as CValue
from chainrule.autograd import topological_order

try:
    import micrograd.engine as mg_engine
    import micrograd.nn as mg_nn
except ImportError:  # pragma: no cover - the [dev] extra installs it
    mg_engine = mg_nn = None
try:
    import torch
except ImportError:
    torch = None


# ---------------------------------------------------------------- GC accounting
class GCTimer:
    """Seconds spent inside the cyclic garbage collector (via gc.callbacks)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start

    def __enter__(self) -> GCTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


def timed_block(step, repeats: int, warmup: int = 1, gc_enabled: bool = True):
    """Median seconds per step and median GC seconds per step, over `repeats` steps."""
    for _ in range(warmup):
        step()
    gc.collect()
    was = gc.isenabled()
    if not gc_enabled:
        gc.disable()
    times, gcs = [], []
    try:
        for _ in range(repeats):
            with GCTimer() as g:
                t0 = time.perf_counter()
                step()
                times.append(time.perf_counter() - t0)
            gcs.append(g.total)
    finally:
        if was:
            gc.enable()
    gc.collect()
    return statistics.median(times), statistics.median(gcs)


# ---------------------------------------------------------------- W1
def moons_data(n: int = 100):
    X, y = crnn.datasets.moons(n, noise=0.1, seed=0)
    return X.tolist(), (2 * y - 1).tolist()


def w1_chainrule(X, Y):
    model = crnn.MLP(2, [16, 16, 1], seed=1)
    opt = crnn.SGD(model.parameters(), lr=0.05)
    params = model.parameters()

    def step():
        scores = [model(x) for x in X]
        loss = crnn.hinge_loss(scores, Y) + crnn.l2_penalty(params, 1e-4)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step, lambda: len(topological_order(step()))


def w1_micrograd(X, Y):
    import random

    random.seed(1)
    model = mg_nn.MLP(2, [16, 16, 1])
    params = model.parameters()
    inputs = [[mg_engine.Value(v) for v in x] for x in X]

    def step():
        scores = [model(x) for x in inputs]
        losses = [(1 + -yi * s).relu() for yi, s in zip(Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg = 1e-4 * sum(p * p for p in params)
        loss = data_loss + reg
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad
        return loss

    def count():
        root, seen, stack = step(), set(), []
        stack.append(root)
        while stack:
            v = stack.pop()
            if v not in seen:
                seen.add(v)
                stack.extend(v._prev)
        return len(seen)

    return step, count


def w1_torch(X, Y):
    torch.manual_seed(1)
    sizes = [2, 16, 16, 1]
    layers = []
    for nin, nout in zip(sizes, sizes[1:]):
        W = [
            [
                torch.tensor(
                    float(np.random.default_rng(nin * nout + i * nin + j).uniform(-1, 1)),
                    dtype=torch.float64,
                    requires_grad=True,
                )
                for j in range(nin)
            ]
            for i in range(nout)
        ]
        b = [torch.tensor(0.0, dtype=torch.float64, requires_grad=True) for _ in range(nout)]
        layers.append((W, b))
    params = [p for W, b in layers for row in W for p in row] + [p for _, b in layers for p in b]
    inputs = [[torch.tensor(v, dtype=torch.float64) for v in x] for x in X]

    def forward(x):
        for k, (W, b) in enumerate(layers):
            out = []
            for row, bi in zip(W, b):
                act = bi
                for wi, xi in zip(row, x):
                    act = act + wi * xi
                out.append(act.relu() if k < len(layers) - 1 else act)
            x = out
        return x[0]

    def step():
        scores = [forward(x) for x in inputs]
        losses = [(1 + -yi * s).relu() for yi, s in zip(Y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.05 * p.grad
        return loss

    return step, None


# ---------------------------------------------------------------- W2, W3, W4
def chain(make, depth: int):
    c, d = make(0.999999), make(1e-6)
    x = y = make(0.5)
    for _ in range(depth):
        y = y * c + d
    return x, y


def wide(make, n: int):
    """sum of n products, added pairwise (a balanced tree), so the graph is wide and shallow."""
    xs = [make(0.001 * (i % 100)) for i in range(n)]
    ws = [make(0.5) for _ in range(n)]
    level = [x * w for x, w in zip(xs, ws)]
    while len(level) > 1:
        pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
    return level[0]


def mg_sigmoid(self):
    """micrograd-style sigmoid (micrograd 0.1.0 has none): a closure per node."""
    s = 1.0 / (1.0 + math.exp(-self.data))
    out = mg_engine.Value(s, (self,), "sigmoid")

    def _backward():
        self.grad += s * (1.0 - s) * out.grad

    out._backward = _backward
    return out


def two_weight(make, sigmoid):
    x, w1, w2, y = make(2.0), make(0.5), make(-1.5), make(1.0)
    a1 = sigmoid(w1 * x)
    err = y - w2 * a1
    J = err * err
    J.backward()
    return J


ENGINES = {
    "chainrule": lambda v: CValue(v),
    "micrograd": lambda v: mg_engine.Value(v),
    "torch": lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True),
}


def available():
    names = ["chainrule"]
    if mg_engine is not None:
        names.append("micrograd")
    if torch is not None:
        names.append("torch")
    return names


def time_once(fn) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def w2(engine: str, depth: int):
    make = ENGINES[engine]

    def run():
        _, y = chain(make, depth)
        y.backward()

    try:
        secs = statistics.median(time_once(run) for _ in range(3))
    except RecursionError:
        return None
    return secs / (2 * depth) * 1e9


def w3(engine: str, n: int):
    make = ENGINES[engine]

    def run():
        wide(make, n).backward()

    secs = statistics.median(time_once(run) for _ in range(3))
    peak = None
    if engine != "torch":  # tracemalloc cannot see torch's C++ allocations
        gc.collect()
        tracemalloc.start()
        total = wide(make, n)
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del total
        peak = peak_bytes / (2 * n)  # per operation, leaves' memory included
    return secs / (2 * n) * 1e9, peak


def w4(engine: str, repeats: int):
    make = ENGINES[engine]
    sig = {
        "chainrule": lambda v: v.sigmoid(),
        "micrograd": mg_sigmoid,
        "torch": lambda v: torch.sigmoid(v),
    }[engine]
    for _ in range(50):
        two_weight(make, sig)
    t0 = time.perf_counter()
    for _ in range(repeats):
        two_weight(make, sig)
    return (time.perf_counter() - t0) / repeats * 1e6


def chainrule_frees_by_refcount() -> bool:
    """True when dropping a loss frees its whole graph without the cyclic collector."""
    gc.collect()
    gc.disable()
    try:
        X, Y = moons_data(20)
        step, _ = w1_chainrule(X, Y)
        step()
        return gc.collect() == 0
    finally:
        gc.enable()


# ---------------------------------------------------------------- report
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    args = ap.parse_args()
    repeats = 3 if args.quick else 5
    engines = available()
    print(
        f"date {datetime.date.today()}, Python {platform.python_version()}, "
        f"{platform.machine()} {platform.processor() or ''}".strip()
    )
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        )
        print(f"CPU: {cpu}")
    except (OSError, StopIteration):
        pass
    versions = [f"numpy {np.__version__}"]
    if mg_engine is not None:
        versions.append("micrograd 0.1.0")
    if torch is not None:
        versions.append(f"torch {torch.__version__} (0-dim float64 tensors)")
    print("engines: chainrule, " + ", ".join(versions))
    print("micrograd's sigmoid (W4) is written here in micrograd's closure style.\n")

    X, Y = moons_data(100)
    w1 = {"chainrule": w1_chainrule, "micrograd": w1_micrograd, "torch": w1_torch}
    rows = {}
    for name in engines:
        step, count = w1[name](X, Y)
        t_default, t_gc = timed_block(step, repeats)
        t_nogc, _ = timed_block(step, repeats, gc_enabled=False)
        nodes = count() if count else None
        rows[name] = (t_default, t_gc, t_nogc, nodes)
        del step, count
        gc.collect()

    print("W1 training step (moons, MLP 2-16-16-1, 100 points, hinge + L2, SGD)")
    print(f"{'engine':<11}{'step':>10}{'in GC':>10}{'GC off':>10}{'nodes':>9}{'nodes/s':>12}")
    for name, (t, g, t0, nodes) in rows.items():
        rate = f"{nodes / t / 1e6:.2f} M" if nodes else "n/a"
        print(f"{name:<11}{t:>9.3f}s{g:>9.3f}s{t0:>9.3f}s{nodes or 'n/a':>9}{rate:>12}")
    ours = rows["chainrule"][0]
    for name in engines[1:]:
        target = {"micrograd": 10, "torch": 4}[name]
        ratio = rows[name][0] / ours
        verdict = "meets" if ratio >= target else "MISSES"
        print(
            f"  chainrule is {ratio:.1f}x faster than {name} per step"
            f" ({verdict} the {target}x target)"
        )
    print(f"  graph freed by reference counting alone: {chainrule_frees_by_refcount()}\n")

    depths = [10**3, 10**4, 10**5] if args.quick else [10**3, 10**4, 10**5, 10**6]
    print("W2 deep chain y = y*c + d, forward + backward: ns per node (fail = RecursionError)")
    print(f"{'engine':<11}" + "".join(f"{d:>12,}" for d in depths))
    w2_ns = {}
    for name in engines:
        cells = []
        for d in depths:
            if name == "torch" and d > 10**5:
                cells.append("skipped")
                continue
            ns = w2(name, d)
            cells.append("fail" if ns is None else f"{ns:.0f}")
            w2_ns[(name, d)] = ns
        print(f"{name:<11}" + "".join(f"{c:>12}" for c in cells))

    n3 = 10**4 if args.quick else 10**5
    print(f"\nW3 wide sum of {n3:,} products, forward + backward")
    print(f"{'engine':<11}{'ns/node':>10}{'peak B/node':>13}")
    w3_ns = {}
    for name in engines:
        ns, peak = w3(name, n3)
        w3_ns[name] = ns
        print(f"{name:<11}{ns:>10.0f}{(f'{peak:.0f}' if peak else 'n/a'):>13}")
    same = w2_ns.get(("chainrule", n3))
    if same:
        print(
            f"  chainrule, deep vs wide at {2 * n3:,} operations each: W2/W3 per-node cost"
            f" = {same / w3_ns['chainrule']:.2f} (target <= 1.5)"
        )

    print("\nW4 the lecture's two-weight example, forward + backward")
    for name in engines:
        print(f"{name:<11}{w4(name, 2000 if not args.quick else 500):>8.1f} µs")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
