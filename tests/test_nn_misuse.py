"""A learner's natural mistakes get a clear error (or warning) instead of a silent wrong result."""

import math
import re
import warnings
from fractions import Fraction

import pytest

from chainrule.autograd import Value
from chainrule.nn import (
    MLP,
    SGD,
    Adagrad,
    Adam,
    Dense,
    Perceptron,
    RMSProp,
    Sequential,
    binary_cross_entropy_with_logits,
    fit,
    l2_penalty,
    predict,
)

XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [0, 1, 1, 0]
WAVE_X = [[-2.0 + 4.0 * i / 39] for i in range(40)]
WAVE_Y = [math.sin(2.0 * x[0]) for x in WAVE_X]


# ---------------- a parameter held twice ----------------
def test_optimiser_steps_a_parameter_listed_twice_once():
    p = Value(1.0)
    opt = SGD([p, p, p], lr=0.1)
    assert opt.params == [p]
    (p * p).backward()  # grad 2
    opt.step()
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0, abs=1e-15)


def test_a_reused_layer_is_listed_and_stepped_once():
    shared = Dense(2, 2, "tanh", seed=0)
    model = Sequential(shared, shared, Dense(2, 1, seed=1))
    params = model.parameters()
    assert len(params) == len({id(p) for p in params}) == 9 == model.num_parameters()
    names = [n for n, _ in model.named_parameters()]
    assert len(set(names)) == 9 and names[0] == "layers.0.neurons.0.weights.0"
    assert len(list(model.modules())) == 1 + 1 + 2 + 1 + 1  # itself, shared + 2 neurons, last + 1
    x, w = [0.4, -0.9], shared.neurons[0].weights[0]

    def loss_at(value):
        old, w.data = w.data, value
        try:
            return model(x).data ** 2
        finally:
            w.data = old

    h = 1e-6
    numeric = (loss_at(w.data + h) - loss_at(w.data - h)) / (2 * h)
    model.zero_grad()
    (model(x) ** 2).backward()
    assert w.grad == pytest.approx(numeric, rel=1e-6)  # both uses feed one gradient
    before = w.data
    SGD(model.parameters(), lr=0.1).step()
    assert w.data == pytest.approx(before - 0.1 * numeric, rel=1e-9, abs=1e-12)  # moved once
    model.eval()
    assert not shared.training and not model.layers[2].training


# ---------------- optimiser settings ----------------
BAD_SETTINGS = [
    (lambda p: SGD(p, lr=0), ValueError, "lr must be a positive number, got 0"),
    (lambda p: SGD(p, lr=-0.1), ValueError, "lr must be a positive number"),
    (lambda p: SGD(p, lr=math.nan), ValueError, "lr must be a finite number"),
    (lambda p: SGD(p, lr=math.inf), ValueError, "lr must be a finite number"),
    (lambda p: SGD(p, lr=True), TypeError, "lr must be a number, got the bool True"),
    (lambda p: SGD(p, lr="0.1"), TypeError, "lr must be a real number, got str"),
    (lambda p: SGD(p, lr=None), TypeError, "lr must be a real number, got NoneType"),
    (lambda p: SGD(p, momentum=1.0), ValueError, r"SGD: momentum must be in \[0, 1\), got 1.0"),
    (lambda p: SGD(p, momentum=-0.5), ValueError, r"momentum must be in \[0, 1\)"),
    (lambda p: SGD(p, momentum=False), TypeError, "momentum must be a number, got the bool"),
    (lambda p: SGD(p, weight_decay=-1e-4), ValueError, "weight_decay must be >= 0"),
    (lambda p: SGD(p, weight_decay=math.nan), ValueError, "weight_decay must be a finite"),
    (lambda p: Adagrad(p, eps=0.0), ValueError, "Adagrad: eps must be a positive number"),
    (lambda p: RMSProp(p, alpha=1.0), ValueError, r"RMSProp: alpha must be in \[0, 1\)"),
    (lambda p: RMSProp(p, alpha=-0.1), ValueError, r"alpha must be in \[0, 1\)"),
    (lambda p: RMSProp(p, eps=-1e-8), ValueError, "eps must be a positive number"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), ValueError, r"Adam: betas\[0\] must be in \[0, 1\)"),
    (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be in \[0, 1\)"),
    (lambda p: Adam(p, betas=(-0.1, 0.9)), ValueError, r"betas\[0\] must be in \[0, 1\)"),
    (lambda p: Adam(p, betas=(0.9,)), TypeError, r"betas must be a pair"),
    (lambda p: Adam(p, betas=0.9), TypeError, r"betas must be a pair"),
    (lambda p: Adam(p, eps=0), ValueError, "Adam: eps must be a positive number"),
    (lambda p: SGD(p[0], lr=0.1), TypeError, r"single Value; wrap it: \[p\]"),
]


@pytest.mark.parametrize("make, error, message", BAD_SETTINGS)
def test_optimiser_settings_are_checked_at_construction(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0), Value(2.0)])


def run_steps(make, steps=4):
    params = [Value(1.0), Value(-2.0)]
    opt = make(params)
    for _ in range(steps):
        opt.zero_grad()
        (params[0] * params[0] + 3.0 * params[1] * params[1] + params[0] * params[1]).backward()
        opt.step()
    return [p.data for p in params]


def factory(cls, **settings):
    return lambda p: cls(p, **settings)


def test_every_real_number_type_is_accepted_alike():
    np = pytest.importorskip("numpy")
    kinds = [float, np.float32, np.float64, Fraction]
    # values exactly representable in float32, so every kind means the same number
    for make in [
        lambda c: factory(SGD, lr=c(0.125), momentum=c(0.5), weight_decay=c(0.25)),
        lambda c: factory(Adam, lr=c(0.125), betas=(c(0.5), c(0.75)), eps=c(2.0**-20)),
        lambda c: factory(RMSProp, lr=c(0.125), alpha=c(0.5), eps=c(2.0**-20)),
        lambda c: factory(Adagrad, lr=c(0.5), eps=c(2.0**-20)),
    ]:
        results = [run_steps(make(kind)) for kind in kinds]
        assert all(r == results[0] for r in results), results
    assert run_steps(factory(SGD, lr=1, momentum=0)) == run_steps(factory(SGD, lr=1.0))
    with pytest.raises(TypeError, match="bool"):
        SGD([Value(1.0)], lr=np.bool_(True))


# ---------------- fit's arguments ----------------
@pytest.mark.parametrize("size", [0, -1, 2.5, "4", True, 4.0])
def test_fit_refuses_a_bad_batch_size(size):
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match=r"batch_size must be a positive int or None"):
        fit(model, (XOR_X, XOR_Y), "mse", SGD(model.parameters()), 1, batch_size=size)


def test_fit_accepts_int_like_batch_sizes():
    np = pytest.importorskip("numpy")
    a, b = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=0)
    ha = fit(a, (XOR_X, XOR_Y), "mse", SGD(a.parameters(), lr=0.1), 3, batch_size=2)
    hb = fit(b, (XOR_X, XOR_Y), "mse", SGD(b.parameters(), lr=0.1), 3, batch_size=np.int64(2))
    assert ha.loss == hb.loss and a.state_dict() == b.state_dict()


def test_fit_with_another_models_optimiser_is_an_error():
    model, other = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match="holds none of the model's 9 parameters"):
        fit(model, (XOR_X, XOR_Y), "mse", SGD(other.parameters()), 2, progress=False)
    assert model.state_dict() == before


def test_fit_with_some_parameters_frozen_warns_and_trains_the_rest():
    model = MLP(2, [2, 1], seed=0)
    first = model.layers[0].state_dict()
    last = model.layers[1].state_dict()
    with pytest.warns(UserWarning, match="does not hold 6 of the model's 9 parameters"):
        fit(model, (XOR_X, XOR_Y), "mse", SGD(model.layers[1].parameters(), lr=0.1), 2)
    assert model.layers[0].state_dict() == first  # frozen
    assert model.layers[1].state_dict() != last  # trained
    extra = Value(0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning when every parameter is held
        fit(model, (XOR_X, XOR_Y), "mse", SGD([*model.parameters(), extra], lr=0.1), 1)


@pytest.mark.parametrize("loss", ["bce_with_logits", binary_cross_entropy_with_logits])
def test_sigmoid_output_with_a_logits_loss_is_an_error(loss):
    model = Sequential(Dense(2, 3, "sigmoid", seed=1), Dense(3, 1, "Sigmoid", seed=2))
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"already applies sigmoid.*linear output.*'bce'"):
        fit(model, (XOR_X, XOR_Y), loss, SGD(model.parameters()), 1, progress=False)
    assert model.state_dict() == before
    p = Perceptron(2, seed=0)  # sigmoid by default
    with pytest.raises(ValueError, match="softmax_cross_entropy expects logits"):
        fit(p, (XOR_X, XOR_Y), "softmax_cross_entropy", SGD(p.parameters()), 1)


def test_the_right_pairings_train():
    sig = Sequential(Dense(2, 3, "tanh", seed=1), Dense(3, 1, "sigmoid", seed=2))
    fit(sig, (XOR_X, XOR_Y), "bce", SGD(sig.parameters(), lr=0.1), 2, progress=False)
    lin = MLP(2, [3, 1], seed=0)
    fit(lin, (XOR_X, XOR_Y), "BCE_with_logits", SGD(lin.parameters(), lr=0.1), 2, progress=False)


# ---------------- divergence ----------------
def test_fit_into_divergence_raises_and_keeps_the_last_finite_weights():
    from chainrule.nn import TrainingDiverged

    model = MLP(1, [16, 16, 1], seed=0)
    with pytest.raises(TrainingDiverged) as caught:
        fit(model, (WAVE_X, WAVE_Y), "mse", SGD(model.parameters(), lr=50), 40, progress=False)
    e = caught.value
    assert isinstance(e, ValueError)
    k = e.epoch
    assert k >= 1
    assert str(e).startswith(f"training diverged at epoch {k + 1} of 40 (loss went from ")
    assert "lower the learning rate (now 50)" in str(e)
    assert e.first_loss == e.history.loss[0] and e.last_loss >= max(e.history.loss)
    assert len(e.history.loss) == k
    assert all(math.isfinite(p.data) for p in model.parameters())
    # the weights are those after k good epochs: replay them on a fresh copy
    replay = MLP(1, [16, 16, 1], seed=0)
    fit(replay, (WAVE_X, WAVE_Y), "mse", SGD(replay.parameters(), lr=50), k, progress=False)
    assert model.state_dict() == replay.state_dict()


def test_weights_going_non_finite_in_the_last_step_are_caught():
    from chainrule.nn import TrainingDiverged

    model = MLP(2, [2, 1], seed=0)
    start = model.state_dict()
    with pytest.raises(TrainingDiverged, match="then the weights became inf or NaN"):
        fit(
            model,
            (XOR_X, XOR_Y),
            "mse",
            SGD(model.parameters(), lr=0.1),
            1,
            regularization=lambda m: l2_penalty(m.parameters(), 1e308),  # inf gradients
            progress=False,
        )
    assert model.state_dict() == start


def test_a_nan_in_the_data_is_not_called_divergence():
    model = MLP(1, [1], seed=0)
    message = r"first batch, before any training step, is not a finite number \(nan\)"
    with pytest.raises(ValueError, match=message) as caught:
        fit(model, ([[1.0], [math.nan]], [0.0, 1.0]), "mse", SGD(model.parameters()), 3)
    assert type(caught.value) is ValueError  # not TrainingDiverged: no step was taken


# ---------------- one example at a time ----------------
@pytest.mark.parametrize(
    "model, who", [(Dense(2, 3, seed=0), "Dense"), (Perceptron(2, seed=0), "Perceptron")]
)
def test_a_batch_given_to_a_layer_says_use_predict(model, who):
    five = [[0.1 * i, -0.1 * i] for i in range(5)]
    expected = f"{who} expects one example at a time (2 inputs), got 5 rows of 2; use predict"
    with pytest.raises(ValueError, match=re.escape(expected)):
        model(five)
    with pytest.raises(ValueError, match="got 2 rows of 2"):  # as many rows as inputs
        model(five[:2])


def test_a_numpy_batch_given_to_a_model_says_use_predict():
    np = pytest.importorskip("numpy")
    model = MLP(2, [4, 1], seed=0)
    X = np.zeros((7, 2))
    with pytest.raises(ValueError, match=r"one example at a time \(2 inputs\), got 7 rows of 2"):
        model(X)
    assert len(predict(model, X)) == 7
    assert model(np.array([0.5, 0.5], dtype=np.float32)).data == model([0.5, 0.5]).data
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])


# ---------------- activation names ----------------
@pytest.mark.parametrize(
    "name, canonical",
    [("ReLU", "relu"), ("Sigmoid", "sigmoid"), ("TANH", "tanh"), (" Linear ", "linear")],
)
def test_activation_names_ignore_case(name, canonical):
    p = Perceptron(2, name, weights=[1.0, -2.0], bias=0.5)
    q = Perceptron(2, canonical, weights=[1.0, -2.0], bias=0.5)
    assert p.activation_name == canonical
    assert p([0.3, 0.4]).data == q([0.3, 0.4]).data
    assert Dense(2, 2, name, seed=0).state_dict() == Dense(2, 2, canonical, seed=0).state_dict()
    mlp = MLP(2, [3, 1], activation=name, seed=0)
    assert mlp.layers[0].neurons[0].activation_name == canonical
    assert mlp.state_dict() == MLP(2, [3, 1], activation=canonical, seed=0).state_dict()
    with pytest.raises(ValueError, match="unknown activation 'ReLu6'"):
        Perceptron(2, "ReLu6")


def test_a_nan_loss_mid_training_restores_the_epoch_start_weights():
    from chainrule.nn import TrainingDiverged, mse_loss

    calls = []

    def loss_turning_nan(preds, targets):  # stands for any loss that becomes NaN in epoch 3
        calls.append(1)
        return mse_loss(preds, targets) * (1.0 if len(calls) <= 4 else math.nan)

    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(TrainingDiverged, match=r"at epoch 3 of 5 \(loss went from .*, then nan\)"):
        fit(model, (XOR_X, XOR_Y), loss_turning_nan, opt, 5, batch_size=2, progress=False)
    replay = MLP(2, [3, 1], seed=0)
    fit(replay, (XOR_X, XOR_Y), "mse", SGD(replay.parameters(), lr=0.1), 2, batch_size=2)
    assert model.state_dict() == replay.state_dict()
