"""Small data sets, generated on the spot (offline, seeded).

Every function returns ``(X, y)`` as numpy arrays: ``X`` of shape (n, d) and
``y`` of shape (n,). Class labels are ints 0..k-1 unless said otherwise.
These need numpy (the rest of chainrule.nn does not): without it, each
function raises ImportError saying how to install it. Turn the arrays into
Python lists with ``X.tolist()`` if you like; `fit` takes either.
"""

from __future__ import annotations

try:
    import numpy as np
except ImportError:  # e.g. a browser kernel without numpy: the functions say what to do
    np = None

__all__ = ["student_data", "moons", "circles", "xor", "spirals", "regression_1d", "YOU"]

_NEEDS_NUMPY = (
    "chainrule.nn.datasets needs numpy, which is not installed here; install it with"
    " `pip install numpy` (in a Pyodide/JupyterLite kernel: `%pip install numpy` or"
    " `await micropip.install('numpy')`). The rest of chainrule.nn works without it."
)


def _rng(seed: int):
    """numpy's seeded generator, or ImportError when numpy is missing."""
    if np is None:
        raise ImportError(_NEEDS_NUMPY)
    return np.random.default_rng(seed)


YOU = (4.0, 5.0)
"""The lecture's student: 4 lectures attended, 5 hours on the final project."""


def student_data(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's "will I pass this class?" data.

    X[:, 0] is lectures attended (0 to 12, whole numbers), X[:, 1] hours spent
    on the final project (0 to 12, in half hours); y is 1 for pass, 0 for fail.
    Students pass when lectures + hours, plus a little luck, exceed 7.
    """
    rng = _rng(seed)
    lectures = rng.integers(0, 13, size=n).astype(float)
    hours = np.round(rng.uniform(0.0, 12.0, size=n) * 2.0) / 2.0
    luck = rng.normal(0.0, 1.0, size=n)
    y = (lectures + hours + luck > 7.0).astype(int)
    return np.column_stack([lectures, hours]), y


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles; y in {0, 1} (use 2y - 1 for hinge loss)."""
    rng = _rng(seed)
    n_top = n // 2
    t_top = np.linspace(0.0, np.pi, n_top)
    t_bottom = np.linspace(0.0, np.pi, n - n_top)
    top = np.column_stack([np.cos(t_top), np.sin(t_top)])
    bottom = np.column_stack([1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)])
    X = np.vstack([top, bottom]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_top, dtype=int), np.ones(n - n_top, dtype=int)])
    order = rng.permutation(n)
    return X[order], y[order]


def circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (y = 1) inside a large one (y = 0)."""
    rng = _rng(seed)
    n_out = n // 2
    t = rng.uniform(0.0, 2.0 * np.pi, size=n)
    radius = np.where(np.arange(n) < n_out, 1.0, factor)
    X = np.column_stack([radius * np.cos(t), radius * np.sin(t)])
    X += rng.normal(0.0, noise, size=(n, 2))
    y = (np.arange(n) >= n_out).astype(int)
    order = rng.permutation(n)
    return X[order], y[order]


def xor(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the four corners of the unit square; y = 1 where x1 xor x2."""
    rng = _rng(seed)
    corners = rng.integers(0, 2, size=(n, 2))
    X = corners + rng.normal(0.0, noise, size=(n, 2))
    y = (corners[:, 0] ^ corners[:, 1]).astype(int)
    return X, y


def spirals(
    n: int = 150, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms from the origin, n points in all; y in 0..classes-1."""
    rng = _rng(seed)
    per = n // classes
    X, y = [], []
    for k in range(classes):
        r = np.linspace(0.05, 1.0, per)
        angle = np.linspace(k * 2 * np.pi / classes, k * 2 * np.pi / classes + 4.0, per)
        angle = angle + rng.normal(0.0, noise, size=per)
        X.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
        y.append(np.full(per, k))
    return np.vstack(X), np.concatenate(y).astype(int)


def regression_1d(n: int = 40, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(2x) + noise on x in [-2, 2]; X has shape (n, 1)."""
    rng = _rng(seed)
    x = np.sort(rng.uniform(-2.0, 2.0, size=n))
    y = np.sin(2.0 * x) + rng.normal(0.0, noise, size=n)
    return x[:, None], y
