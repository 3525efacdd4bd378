"""Splitting data and cutting it into mini-batches (seeded, reproducible).

Shuffles use Python's own `random.Random`, so a seed gives the same order
with or without numpy installed. numpy arrays are accepted when numpy is
there; this module never imports it.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator, Sequence

__all__ = ["batches", "train_test_split"]


def _check_pair(X: Sequence, y: Sequence, who: str) -> int:
    if len(X) != len(y):
        raise ValueError(f"{who}: {len(X)} inputs but {len(y)} targets")
    if len(X) == 0:
        raise ValueError(f"{who}: no data")
    return len(X)


def _shuffler(seed: int | random.Random | None, who: str) -> random.Random:
    """The generator for `seed`: an int (or None, for a fresh random order) or a random.Random."""
    if isinstance(seed, random.Random):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return random.Random(seed)
    raise TypeError(
        f"{who}: seed must be an int, None or a random.Random, got {type(seed).__name__}"
    )


def _permutation(n: int, rng: random.Random) -> list[int]:
    order = list(range(n))
    rng.shuffle(order)
    return order


def _is_ndarray(a: object) -> bool:
    """True for a numpy array, found without importing numpy."""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(a, np.ndarray)


def batches(
    X: Sequence,
    y: Sequence,
    batch_size: int = 32,
    *,
    shuffle: bool = True,
    seed: int | random.Random | None = 0,
) -> Iterator[tuple[list, list]]:
    """Yield (inputs, targets) lists of `batch_size` examples (the last may be smaller).

    With `shuffle`, the order is a fresh seeded permutation each time you
    iterate; pass a `random.Random` as `seed` to get a new order every epoch.
    """
    n = _check_pair(X, y, "batches")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    rng = _shuffler(seed, "batches") if shuffle else None
    order = _permutation(n, rng) if rng is not None else range(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield [X[i] for i in idx], [y[i] for i in idx]


def train_test_split(
    X: Sequence, y: Sequence, test_size: float = 0.25, *, seed: int | random.Random | None = 0
) -> tuple:
    """Shuffle (seeded) and split into (X_train, X_test, y_train, y_test).

    numpy arrays come back as arrays, anything else as lists.
    """
    n = _check_pair(X, y, "train_test_split")
    if isinstance(test_size, bool) or not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size!r}")
    n_test = max(1, round(n * test_size))
    if n_test >= n:
        raise ValueError(f"test_size={test_size} leaves no training data out of {n}")
    order = _permutation(n, _shuffler(seed, "train_test_split"))
    test, train = order[:n_test], order[n_test:]

    def take(a, idx):
        return a[idx] if _is_ndarray(a) else [a[i] for i in idx]

    return take(X, train), take(X, test), take(y, train), take(y, test)
