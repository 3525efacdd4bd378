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


# ---------------- replayable graphs: same shape and constants for every example ----------------
def _np_softplus(z):
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _shape_and_constants(loss, inputs):
    """Op sequence of the graph, and the numbers held by leaves that are not inputs."""
    from chainrule.autograd import topological_order

    order = topological_order(loss)
    ids = {id(v) for v in inputs}
    ops = [n.op for n in order]
    position = {id(n): i for i, n in enumerate(order)}
    edges = [tuple(position[id(p)] for p in n.parents) for n in order]
    constants = [n.data for n in order if not n.parents and id(n) not in ids]
    return ops, edges, constants


def _one_example(kind, z, y):
    """A loss of one example whose predictions and targets are all input Values."""
    if kind == "softmax":
        zs, ys = values(z), values(y)
        return softmax_cross_entropy(zs, ys), zs + ys
    zs, ys = Value(z), Value(y)
    fn = {"mse": mse_loss, "hinge": hinge_loss, "bce_logits": binary_cross_entropy_with_logits}
    return fn[kind](zs, ys), [zs, ys]


@pytest.mark.parametrize(
    "kind, a, b",
    [
        ("mse", (0.3, 2.0), (-5.0, -1.0)),
        ("hinge", (0.3, 1.0), (4.0, -1.0)),  # on either side of the hinge
        ("bce_logits", (2.0, 1.0), (-3.0, 0.0)),  # logits of either sign
        ("softmax", ([3.0, -1.0, 0.5], [1.0, 0.0, 0.0]), ([-2.0, 0.1, 7.0], [0.0, 1.0, 0.0])),
    ],
)
def test_graph_shape_and_constants_do_not_depend_on_the_data(kind, a, b):
    loss_a, inputs_a = _one_example(kind, *a)
    loss_b, inputs_b = _one_example(kind, *b)
    assert _shape_and_constants(loss_a, inputs_a) == _shape_and_constants(loss_b, inputs_b)


def test_the_shape_check_above_can_fail():
    # the old softmax took the largest logit out as a constant: a different number per example
    def old_style(z):
        zs = values(z)
        m = max(v.data for v in zs)
        return sum_values([(v - m).exp() for v in zs]).log() + m, zs

    from chainrule.autograd import sum_values

    la, ia = old_style([3.0, -1.0])
    lb, ib = old_style([-2.0, 5.0])
    assert _shape_and_constants(la, ia) != _shape_and_constants(lb, ib)


@pytest.mark.parametrize("z", [-800.0, -40.0, -1.5, -1e-300, 0.0, 1e-300, 0.7, 40.0, 800.0])
def test_branchless_softplus_against_numpy_and_central_differences(z):
    from chainrule.nn.losses import softplus

    v = Value(z)
    out = softplus(v)
    out.backward()
    # log(1 + e^z) rounds 1 + e^z to 1 below z ~ -37, exactly as the old branchy form did
    assert out.data == pytest.approx(_np_softplus(z), rel=1e-15, abs=1e-16)
    sigmoid = 1.0 / (1.0 + np.exp(-z)) if z >= 0 else np.exp(z) / (1.0 + np.exp(z))
    assert v.grad == pytest.approx(sigmoid, rel=1e-15, abs=1e-300)
    if abs(z) > 1e-100:
        assert gradcheck(lambda q: softplus(q), [z])


@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
def test_bce_with_logits_value_targets_equal_number_targets(y):
    z = [0.0, -3.0, 2.5, 900.0, -900.0]
    with_numbers = binary_cross_entropy_with_logits(values(z), [y] * len(z))
    zs, ys = values(z), values([y] * len(z))
    with_values = binary_cross_entropy_with_logits(zs, ys)
    assert with_values.data == with_numbers.data
    with_values.backward()
    p = 0.5 * (1.0 + np.tanh(0.5 * np.array(z)))  # sigmoid without overflow
    assert [v.grad for v in zs] == pytest.approx(((p - y) / len(z)).tolist(), rel=1e-14)
    assert [v.grad for v in ys] == pytest.approx((-np.array(z) / len(z)).tolist(), rel=1e-14)


def test_softmax_shift_is_the_largest_logit_and_gradients_match_numpy():
    from chainrule.nn.losses import soft_max

    z = [1.0, -0.5, 2.0, 1.999]
    assert soft_max(values(z)).data == pytest.approx(2.0, rel=1e-15)
    zs = values(z)
    loss = softmax_cross_entropy(zs, 3)
    loss.backward()
    p = np.exp(np.array(z) - 2.0) / np.sum(np.exp(np.array(z) - 2.0))
    expected = p - np.eye(4)[3]
    assert [v.grad for v in zs] == pytest.approx(expected.tolist(), rel=1e-12, abs=1e-15)
    assert loss.data == pytest.approx(np_softmax_ce(z, 3), rel=1e-14)
    big = values([1000.0, 0.0, -1000.0, 999.0])
    assert softmax_cross_entropy(big, [0.0, 0.0, 0.0, 1.0]).data == pytest.approx(
        np_softmax_ce([1000.0, 0.0, -1000.0, 999.0], 3), rel=1e-14
    )


def test_softmax_value_one_hot_targets_equal_index_targets():
    rows = [[0.5, -1.0, 3.0], [2.0, 2.0, -4.0]]
    by_index = softmax_cross_entropy([values(r) for r in rows], [2, 0])
    logits = [values(r) for r in rows]
    onehots = [values([0.0, 0.0, 1.0]), values([1.0, 0.0, 0.0])]
    by_values = softmax_cross_entropy(logits, onehots)
    assert by_values.data == pytest.approx(by_index.data, rel=1e-15)
    assert gradcheck(
        lambda *q: softmax_cross_entropy([list(q[:3]), list(q[3:])], [2, 0]), rows[0] + rows[1]
    )


def test_bce_value_targets_build_both_terms_and_match_numbers():
    p, y = [0.9, 0.2, 0.6], [1.0, 0.0, 0.3]
    ps, ys = values(p), values(y)
    loss = binary_cross_entropy(ps, ys)
    assert loss.data == pytest.approx(binary_cross_entropy(values(p), y).data, rel=1e-15)
    loss.backward()
    expected = -(np.array(y) / np.array(p) - (1 - np.array(y)) / (1 - np.array(p))) / 3
    assert [v.grad for v in ps] == pytest.approx(expected.tolist(), rel=1e-14)


@pytest.mark.parametrize("bad", [1.0, 0.5, np.float64(2.0), Value(1.0)])
def test_float_class_index_is_refused(bad):
    with pytest.raises(TypeError, match="class index must be an int"):
        softmax_cross_entropy(values([1.0, 2.0, 3.0]), bad)
    with pytest.raises(TypeError, match="class index must be an int"):
        softmax_cross_entropy([values([1.0, 2.0, 3.0])], [bad])


def test_integer_class_indices_of_numpy_type_still_work():
    z = [1.0, -0.5, 2.0]
    assert softmax_cross_entropy(values(z), np.int64(1)).data == pytest.approx(np_softmax_ce(z, 1))


@pytest.mark.parametrize(
    "call",
    [
        lambda: mse_loss([1.0], [2.0]),
        lambda: mse_loss(1.0, 2.0),
        lambda: mse_loss([Value(1.0), 3.0], [2.0, 2.0]),
        lambda: binary_cross_entropy([0.5], [1]),
        lambda: binary_cross_entropy_with_logits([0.5], [1]),
        lambda: hinge_loss([0.5], [1]),
        lambda: softmax_cross_entropy([1.0, 2.0], 1),
        lambda: softmax_cross_entropy([[1.0, 2.0]], [1]),
        lambda: softmax_cross_entropy([[Value(1.0), 2.0]], [1]),
    ],
)
def test_plain_number_predictions_are_refused(call):
    with pytest.raises(TypeError, match="no graph, so backward\\(\\) would train nothing"):
        call()


def test_several_outputs_given_to_a_one_output_loss():
    with pytest.raises(TypeError, match="each prediction must be one Value, got a list of 2"):
        mse_loss([values([1.0, 2.0])], [1.0])


def test_value_targets_are_validated_like_numbers():
    with pytest.raises(ValueError, match="-1 or \\+1"):
        hinge_loss(Value(0.5), Value(0.0))
    with pytest.raises(ValueError, match="not in \\[0, 1\\]"):
        binary_cross_entropy_with_logits(Value(0.5), Value(2.0))
    with pytest.raises(ValueError, match="sum to 1"):
        softmax_cross_entropy(values([1.0, 2.0]), values([0.5, 0.6]))
