"""Generated data sets: documented shapes, label sets, seeding; Dense against numpy."""

import numpy as np
import pytest

from chainrule.nn import Dense, datasets


@pytest.mark.parametrize(
    "make, n, labels",
    [
        (lambda: datasets.student_data(60, seed=0), 60, {0, 1}),
        (lambda: datasets.moons(100, seed=0), 100, {0, 1}),
        (lambda: datasets.circles(100, seed=0), 100, {0, 1}),
        (lambda: datasets.xor(100, seed=0), 100, {0, 1}),
        (lambda: datasets.spirals(90, classes=3, seed=0), 90, {0, 1, 2}),
    ],
)
def test_classification_sets(make, n, labels):
    X, y = make()
    assert X.shape == (n, 2) and y.shape == (n,)
    assert set(y.tolist()) == labels
    X2, y2 = make()
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_student_data_rule_and_you():
    X, y = datasets.student_data(seed=0)
    assert X[:, 0].min() >= 0 and X[:, 0].max() <= 12 and np.all(X[:, 0] == np.round(X[:, 0]))
    assert np.all(X[:, 1] * 2 == np.round(X[:, 1] * 2))
    far_above = X.sum(axis=1) > 10  # luck is N(0, 1): 3 sigma from the threshold of 7
    assert np.all(y[far_above] == 1)
    assert datasets.YOU == (4.0, 5.0)


def test_circles_radii_and_regression():
    X, y = datasets.circles(200, noise=0.0, seed=1)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.5)
    x, t = datasets.regression_1d(40, noise=0.0, seed=0)
    assert x.shape == (40, 1) and np.allclose(t, np.sin(2 * x[:, 0]))


def test_dense_is_a_matrix_product():
    layer = Dense(3, 4, "tanh", seed=0)
    W = np.array([[w.data for w in n.weights] for n in layer.neurons])
    b = np.array([n.bias.data for n in layer.neurons])
    x = np.array([0.2, -1.0, 0.5])
    assert [o.data for o in layer(x.tolist())] == pytest.approx(np.tanh(W @ x + b).tolist())
