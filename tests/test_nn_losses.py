"""Losses against direct numpy computations and against central differences."""

import numpy as np
import pytest

from chainrule.autograd import Value, gradcheck
from chainrule.nn import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge_loss,
    l2_penalty,
    mse_loss,
    softmax_cross_entropy,
)

PREDS = [0.3, -1.2, 2.5, 0.1]


def values(xs):
    return [Value(x) for x in xs]


def test_mse():
    y = [0.0, -1.0, 3.0, 1.0]
    expected = np.mean((np.array(PREDS) - np.array(y)) ** 2)
    assert mse_loss(values(PREDS), y).data == pytest.approx(expected)
    assert gradcheck(lambda *p: mse_loss(list(p), y), PREDS)
    assert mse_loss(Value(2.0), 5.0).data == 9.0


def test_binary_cross_entropy():
    p = np.array([0.9, 0.2, 0.6, 0.01])
    y = np.array([1, 0, 0, 1])
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert binary_cross_entropy(values(p), y).data == pytest.approx(expected)
    assert gradcheck(lambda *q: binary_cross_entropy(list(q), y.tolist()), p.tolist())
    soft = [0.3, 0.7]
    exp_soft = -np.mean(
        [0.3 * np.log(0.4) + 0.7 * np.log(0.6), 0.7 * np.log(0.8) + 0.3 * np.log(0.2)]
    )
    assert binary_cross_entropy(values([0.4, 0.8]), soft).data == pytest.approx(exp_soft)


def test_bce_saturated_probabilities():
    assert binary_cross_entropy(Value(1.0), 1).data == 0.0
    with pytest.raises(ValueError, match="with_logits"):
        binary_cross_entropy(Value(1.0), 0)
    with pytest.raises(ValueError, match="probability"):
        binary_cross_entropy(Value(1.5), 1)


def test_bce_with_logits_matches_and_is_stable():
    z = np.array([0.3, -1.2, 2.5, 0.1])
    y = np.array([1, 0, 0, 1])
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert binary_cross_entropy_with_logits(values(z), y).data == pytest.approx(expected)
    assert gradcheck(lambda *q: binary_cross_entropy_with_logits(list(q), y.tolist()), z.tolist())
    big = binary_cross_entropy_with_logits(values([1000.0, -1000.0]), [0, 1])
    assert big.data == pytest.approx(1000.0)
    assert binary_cross_entropy_with_logits(values([1000.0]), [1]).data == 0.0


def np_softmax_ce(z, target):
    z = np.asarray(z, dtype=float)
    logp = z - z.max() - np.log(np.sum(np.exp(z - z.max())))
    return -logp[target]


def test_softmax_cross_entropy_index_and_one_hot():
    z = [1.0, -0.5, 2.0]
    assert softmax_cross_entropy(values(z), 2).data == pytest.approx(np_softmax_ce(z, 2))
    assert softmax_cross_entropy(values(z), [0, 1, 0]).data == pytest.approx(np_softmax_ce(z, 1))
    batch = [values(z), values([0.0, 3.0, -1.0])]
    expected = (np_softmax_ce(z, 0) + np_softmax_ce([0.0, 3.0, -1.0], 1)) / 2
    assert softmax_cross_entropy(batch, [0, 1]).data == pytest.approx(expected)
    assert gradcheck(lambda *q: softmax_cross_entropy(list(q), 1), z)


def test_softmax_cross_entropy_large_logits():
    loss = softmax_cross_entropy(values([1000.0, 0.0, -1000.0]), 1)
    assert loss.data == pytest.approx(1000.0)
    with pytest.raises(ValueError, match="out of range"):
        softmax_cross_entropy(values([1.0, 2.0]), 2)


def test_hinge():
    s = np.array(PREDS)
    y = np.array([1, -1, -1, 1])
    expected = np.mean(np.maximum(0, 1 - y * s))
    assert hinge_loss(values(s), y).data == pytest.approx(expected)
    assert gradcheck(lambda *q: hinge_loss(list(q), y.tolist()), PREDS)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        hinge_loss(values([0.5]), [0])


def test_l2_penalty():
    w = [0.5, -2.0, 1.5]
    assert l2_penalty(values(w), 0.1).data == pytest.approx(0.1 * np.sum(np.square(w)))
    assert gradcheck(lambda *q: l2_penalty(q, 0.1), w)


def test_length_mismatch_and_bad_targets():
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        mse_loss(values([1.0, 2.0]), [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="str"):
        mse_loss(values([1.0]), ["a"])
