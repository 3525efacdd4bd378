"""Splitting data and cutting it into mini-batches (seeded, reproducible)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

__all__ = ["batches", "train_test_split"]


def _check_pair(X: Sequence, y: Sequence, who: str) -> int:
    if len(X) != len(y):
        raise ValueError(f"{who}: {len(X)} inputs but {len(y)} targets")
    if len(X) == 0:
        raise ValueError(f"{who}: no data")
    return len(X)


def batches(
    X: Sequence,
    y: Sequence,
    batch_size: int = 32,
    *,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = 0,
) -> Iterator[tuple[list, list]]:
    """Yield (inputs, targets) lists of `batch_size` examples (the last may be smaller).

    With `shuffle`, the order is a fresh seeded permutation each time you
    iterate; pass a numpy Generator as `seed` to get a new order every epoch.
    """
    n = _check_pair(X, y, "batches")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield [X[i] for i in idx], [y[i] for i in idx]


def train_test_split(X: Sequence, y: Sequence, test_size: float = 0.25, *, seed: int = 0) -> tuple:
    """Shuffle (seeded) and split into (X_train, X_test, y_train, y_test).

    numpy arrays come back as arrays, anything else as lists.
    """
    n = _check_pair(X, y, "train_test_split")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size!r}")
    n_test = max(1, round(n * test_size))
    if n_test >= n:
        raise ValueError(f"test_size={test_size} leaves no training data out of {n}")
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]

    def take(a, idx):
        return a[idx] if isinstance(a, np.ndarray) else [a[i] for i in idx]

    return take(X, train), take(X, test), take(y, train), take(y, test)
