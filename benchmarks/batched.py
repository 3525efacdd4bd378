"""One graph, two speeds: chainrule's scalar and batched engines against micrograd, PyTorch
and hand-written numpy, on full-batch training of an MLP on `datasets.moons(n)` with hinge loss,
1e-4 L2 and SGD (lr 0.05), in one process.

    python benchmarks/batched.py           # targets, end-to-end and scaling tables (~10 min)
    python benchmarks/batched.py --quick   # targets only, and the tables without n = 10,000

Every number is measured in this run; the targets are printed as ratios of times from it.
numpy's BLAS and PyTorch run on one thread (set below, before numpy is imported): on a
machine shared with other jobs, BLAS threads fight over the cores and make small matrix
products 10x slower, which would measure the machine, not the code.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # set here, before numpy loads, whatever the shell said

import argparse  # noqa: E402
import gc  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import chainrule.nn as crnn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import GCTimer  # noqa: E402

try:
    import micrograd.engine as mg_engine
    import micrograd.nn as mg_nn
except ImportError:  # pragma: no cover
    mg_engine = mg_nn = None
try:
    import torch

    torch.set_num_threads(1)
except ImportError:
    torch = None

LR, ALPHA = 0.05, 1e-4


def data(n: int):
    X, y = crnn.datasets.moons(n, noise=0.1, seed=0)
    return X, (2 * y - 1).astype(float)


def timed(fn) -> tuple[float, float]:
    """(seconds, seconds inside the cyclic GC) of one call, the heap collected before."""
    gc.collect()
    with GCTimer() as g:
        t0 = time.perf_counter()
        fn()
        t = time.perf_counter() - t0
    return t, g.total


# ---------------------------------------------------------------- the contenders
def chainrule_fit(X, Y, sizes, steps, engine):
    model = crnn.MLP(2, sizes, seed=1)
    opt = crnn.SGD(model.parameters(), lr=LR)
    history = crnn.fit(
        model,
        (X, Y),
        "hinge",
        opt,
        epochs=steps,
        progress=False,
        engine=engine,
        regularization=lambda m: crnn.l2_penalty(m.parameters(), ALPHA),
    )
    assert history.engine == engine, history.engine_reason
    return history.loss[-1]


def micrograd_fit(X, Y, sizes, steps):
    import random

    random.seed(1)
    model = mg_nn.MLP(2, sizes)
    params = model.parameters()
    inputs = [[mg_engine.Value(float(v)) for v in x] for x in X]
    for _ in range(steps):
        scores = [model(x) for x in inputs]
        losses = [(1 + -float(yi) * s).relu() for yi, s in zip(Y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
    return loss.data


def torch_fit(X, Y, sizes, steps):
    torch.manual_seed(1)
    dims = [2, *sizes]
    layers = []
    for i in range(len(sizes)):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1], dtype=torch.float64))
        if i < len(sizes) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    for _ in range(steps):
        s = model(Xt)[:, 0]
        loss = torch.relu(1 - Yt * s).mean() + ALPHA * sum(
            (p * p).sum() for p in model.parameters()
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def numpy_fit(X, Y, sizes, steps):
    """The same MLP, loss and update written by hand with numpy (forward and backward)."""
    rng = np.random.default_rng(1)
    dims = [X.shape[1], *sizes]
    Ws = [rng.normal(0, np.sqrt(2 / dims[i]), (dims[i], dims[i + 1])) for i in range(len(sizes))]
    bs = [np.zeros(d) for d in sizes]
    n = len(X)
    for _ in range(steps):
        acts, h = [X], X
        for i, (W, b) in enumerate(zip(Ws, bs)):
            z = h @ W + b
            h = np.maximum(z, 0.0) if i < len(Ws) - 1 else z
            acts.append(h)
        margin = 1.0 - Y * h[:, 0]
        penalty = ALPHA * sum((W * W).sum() + (b * b).sum() for W, b in zip(Ws, bs))
        loss = np.maximum(margin, 0.0).mean() + penalty
        g = (-Y * (margin > 0.0) / n)[:, None]
        for i in range(len(Ws) - 1, -1, -1):
            gW, gb = acts[i].T @ g + 2 * ALPHA * Ws[i], g.sum(0) + 2 * ALPHA * bs[i]
            if i:
                g = (g @ Ws[i].T) * (acts[i] > 0.0)
            Ws[i] -= LR * gW
            bs[i] -= LR * gb
    return loss


def run(name: str, X, Y, sizes, steps) -> tuple[float, float]:
    if name in ("scalar", "batched"):
        return timed(lambda: chainrule_fit(X, Y, sizes, steps, name))
    fn = {"micrograd": micrograd_fit, "torch": torch_fit, "numpy": numpy_fit}[name]
    return timed(lambda: fn(X, Y, sizes, steps))


def contenders() -> list[str]:
    names = ["scalar", "batched"]
    names += ["micrograd"] if mg_nn is not None else []
    names += ["torch"] if torch is not None else []
    return names + ["numpy"]


LABELS = {
    "scalar": "chainrule scalar",
    "batched": "chainrule batched",
    "micrograd": "micrograd",
    "torch": "PyTorch nn.Linear",
    "numpy": "numpy by hand",
}


def cell(t: float, g: float, note: str = "") -> str:
    shown = f"{t:.4f} s" if t < 1 else f"{t:.2f} s"
    if g >= 0.005 * t and g > 0:
        shown += f" ({100 * g / t:.0f}% GC)"
    return shown + note


# ---------------------------------------------------------------- report
def targets() -> None:
    print("Targets (ratios of times measured in this run)")
    X, Y = data(100)
    best = {"scalar": run("scalar", X, Y, [16, 16, 1], 100)[0]}
    fast = {"batched": [], "numpy": []}
    for _ in range(11):  # interleaved, so that both see the same load on a shared machine
        for name in fast:
            fast[name].append(run(name, X, Y, [16, 16, 1], 100)[0])
    best.update({name: min(times) for name, times in fast.items()})
    r1, r2 = best["scalar"] / best["batched"], best["batched"] / best["numpy"]
    print(
        f"  n = 100, MLP 2-16-16-1, 100 full-batch steps, whole fit: scalar {best['scalar']:.2f} s,"
        f" batched {best['batched']:.3f} s, numpy {best['numpy']:.4f} s (best of 11, interleaved)"
    )
    print(f"    batched is {r1:.1f}x faster than scalar      ({_verdict(r1 >= 20)} >= 20x)")
    print(f"    batched is {r2:.1f}x the time of numpy      ({_verdict(r2 <= 10)} <= 10x)")
    X, Y = data(1000)
    scalar = min(run("scalar", X, Y, [32, 32, 1], 1)[0] for _ in range(2))
    batched = min(run("batched", X, Y, [32, 32, 1], 10)[0] for _ in range(3)) / 10
    r3 = scalar / batched
    print(
        f"  n = 1,000, MLP 2-32-32-1, per epoch: scalar {scalar:.2f} s (best of 2), batched"
        f" {batched * 1e3:.1f} ms (mean of 10 epochs, recording included, best of 3)"
    )
    print(f"    batched is {r3:.0f}x faster than scalar      ({_verdict(r3 >= 100)} >= 100x)\n")


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def end_to_end(quick: bool) -> None:
    workloads = [
        ("100 training steps, MLP 2-16-16-1, n = 100 (whole run)", 100, [16, 16, 1], 100),
        ("one epoch, MLP 2-32-32-1, n = 1,000 (whole fit call)", 1000, [32, 32, 1], 1),
        ("one epoch, MLP 2-64-64-1, n = 10,000 (whole fit call)", 10000, [64, 64, 1], 1),
    ]
    if quick:
        workloads = workloads[:2]
    names = contenders()
    if torch is not None:  # torch's one-time start-up (lazy imports, first autograd) is not
        torch_fit(*data(10), [2, 1], 1)  # the cost of training: pay it before timing
    print("End to end: full-batch training, hinge + L2, SGD; time (share of it in the cyclic GC)")
    print("| workload | " + " | ".join(LABELS[n] for n in names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for title, n, sizes, steps in workloads:
        X, Y = data(n)
        cells = []
        for name in names:
            if name == "micrograd" and n >= 10000:
                cells.append("not run (about 25 min)")
                continue
            if name == "micrograd" and n * steps > 1000:
                # micrograd is slow: time one step of the workload and scale it up
                try:
                    t, g = run(name, X, Y, sizes, 1)
                except RecursionError:  # its backward recurses once per node of a chain
                    cells.append("RecursionError")
                    continue
                cells.append(
                    cell(t * steps, g * steps, f" (1 step x {steps})" if steps > 1 else "")
                )
                continue
            if name == "scalar" and n >= 10000 and quick:
                cells.append("skipped")
                continue
            try:
                cells.append(cell(*run(name, X, Y, sizes, steps)))
            except RecursionError:
                cells.append("RecursionError")
        print(f"| {title} | " + " | ".join(cells) + " |")
    print()


def scaling(quick: bool) -> None:
    sizes = [100, 1000, 10000] if not quick else [100, 1000]
    names = [n for n in contenders() if n not in ("micrograd",)]
    print(
        "Scaling: one full-batch step (forward, backward, update), MLP 2-32-32-1; ms per step,"
        " set-up excluded"
    )
    print("| n | " + " | ".join(LABELS[n] for n in names) + " | batched / numpy |")
    print("|---" * (len(names) + 2) + "|")
    for n in sizes:
        X, Y = data(n)
        row = {}
        for name in names:
            if name == "scalar" and n > 1000:
                row[name] = None
                continue
            if name == "scalar":
                row[name] = run(name, X, Y, [32, 32, 1], 1)[0]
                continue
            # k + 1 steps minus 1 step: the cost of a step, without one-time set-up (recording);
            # k large enough that the difference is well above the noise of a shared machine
            k = {100: 200, 1000: 40}.get(n, 10)
            many = min(run(name, X, Y, [32, 32, 1], k + 1)[0] for _ in range(3))
            one = min(run(name, X, Y, [32, 32, 1], 1)[0] for _ in range(3))
            row[name] = max(many - one, 1e-9) / k
        cells = ["skipped" if row[k] is None else f"{row[k] * 1e3:.2f}" for k in names]
        ratio = row["batched"] / row["numpy"]
        print(f"| {n:,} | " + " | ".join(cells) + f" | {ratio:.1f}x |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip n = 10,000 and the slow engines")
    ap.add_argument("--targets-only", action="store_true")
    args = ap.parse_args()
    versions = [f"Python {sys.version.split()[0]}", f"numpy {np.__version__}"]
    versions += [f"torch {torch.__version__}"] if torch is not None else ["(no torch)"]
    print(", ".join(versions))
    print("OPENBLAS_NUM_THREADS=1 (also OMP_, MKL_), set by this script; torch on 1 thread\n")
    targets()
    if not args.targets_only:
        end_to_end(args.quick)
        scaling(args.quick)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
