"""fit / predict on the batched engine against the scalar engine: same numbers, same choices."""

import math

import numpy as np
import pytest

from chainrule.autograd import Value, sum_values
from chainrule.nn import (
    MLP,
    SGD,
    Adagrad,
    Adam,
    Dense,
    Dropout,
    EarlyStopping,
    Module,
    Perceptron,
    RMSProp,
    Sequential,
    TrainingDiverged,
    datasets,
    fit,
    l2_penalty,
    mse_loss,
    predict,
)
from chainrule.nn.recording import _record_penalty

RTOL = 1e-9


def _close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)
    worst = float(np.max(np.abs(a - b) / scale)) if a.size else 0.0
    assert worst <= RTOL or np.max(np.abs(a - b)) < 1e-15, worst


def _train_both(make_model, data, loss, make_opt, patience=None, **kw):
    runs = {}
    for engine in ("scalar", "batched"):
        if patience is not None:
            kw["early_stopping"] = EarlyStopping(patience=patience)
        model = make_model()
        history = fit(
            model, data, loss, make_opt(model.parameters()), progress=False, engine=engine, **kw
        )
        runs[engine] = (history, [p.data for p in model.parameters()], model)
    return runs


def _assert_same(runs):
    (hs, ws, _), (hb, wb, _) = runs["scalar"], runs["batched"]
    assert hs.engine == "scalar" and hb.engine == "batched"
    _close(hs.loss, hb.loss)
    _close(hs.val_loss, hb.val_loss)
    assert hs.accuracy == hb.accuracy and hs.val_accuracy == hb.val_accuracy
    assert (hs.best_epoch, hs.stopped_epoch) == (hb.best_epoch, hb.stopped_epoch)
    _close(ws, wb)


X2, Y2 = datasets.moons(40, noise=0.2, seed=3)
XS, YS = datasets.spirals(45, classes=3, seed=1)
TARGETS = {
    "mse": Y2.astype(float) * 2.0 - 0.5,
    "hinge": 2 * Y2 - 1,
    "bce_with_logits": Y2,
}
LAYERS = {
    "perceptron-sigmoid": lambda: Perceptron(2, "sigmoid", seed=1),
    "perceptron-tanh": lambda: Perceptron(2, "tanh", seed=1),
    "perceptron-relu": lambda: Perceptron(2, "relu", seed=1),
    "dense-linear": lambda: Sequential(Dense(2, 4, "tanh", seed=2), Dense(4, 1, seed=3)),
    "mlp-relu": lambda: MLP(2, [6, 5, 1], seed=4),
    "mlp-sigmoid": lambda: MLP(2, [5, 1], activation="sigmoid", seed=5),
    "dropout": lambda: Sequential(
        Dense(2, 6, "relu", seed=6), Dropout(0.4, seed=7), Dense(6, 1, seed=8)
    ),
    "dropout-on-inputs": lambda: Sequential(
        Dropout(0.2, seed=9),
        Dense(2, 3, "tanh", seed=10),
        Dropout(0.5, seed=11),
        Dense(3, 1, seed=12),
    ),
}
OPTIMISERS = {
    "sgd": lambda p: SGD(p, lr=0.05),
    "momentum": lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "adagrad": lambda p: Adagrad(p, lr=0.1),
    "rmsprop": lambda p: RMSProp(p, lr=0.01),
    "adam": lambda p: Adam(p, lr=0.02),
}


@pytest.mark.parametrize("layers", sorted(LAYERS))
@pytest.mark.parametrize("loss", sorted(TARGETS))
def test_every_layer_and_loss_gives_the_scalar_numbers(layers, loss):
    if layers == "perceptron-sigmoid" and loss == "bce_with_logits":
        for engine in ("scalar", "batched"):  # a sigmoid output under a logits loss is refused
            model = LAYERS[layers]()
            with pytest.raises(ValueError, match="sigmoid would be applied twice"):
                fit(model, (X2, Y2), loss, Adam(model.parameters()), 1, engine=engine)
        return
    runs = _train_both(
        LAYERS[layers],
        (X2, TARGETS[loss]),
        loss,
        OPTIMISERS["adam"],
        epochs=4,
        batch_size=16,
        validation=(X2[:10], TARGETS[loss][:10]),
    )
    _assert_same(runs)


@pytest.mark.parametrize("opt", sorted(OPTIMISERS))
def test_every_optimiser_with_l2_validation_and_early_stopping(opt):
    runs = _train_both(
        LAYERS["mlp-relu"],
        (X2[10:], TARGETS["hinge"][10:]),
        "hinge",
        OPTIMISERS[opt],
        epochs=12,
        batch_size=7,
        validation=(X2[:10], TARGETS["hinge"][:10]),
        patience=2,
        seed=5,
        regularization=lambda m: l2_penalty(m.parameters(), 1e-3),
    )
    _assert_same(runs)


def test_softmax_with_dropout_and_one_hot_targets():
    def make():
        return Sequential(Dense(2, 8, "tanh", seed=2), Dropout(0.3, seed=5), Dense(8, 3, seed=3))

    for y in (YS, np.eye(3)[YS].tolist()):
        runs = _train_both(
            make,
            (XS, y),
            "softmax_cross_entropy",
            lambda p: SGD(p, lr=0.1, momentum=0.9),
            epochs=5,
            batch_size=10,
            validation=(XS[:9], y[:9]),
        )
        _assert_same(runs)
        # the Dropout generators drew the same numbers in the same order
        assert runs["scalar"][2].layers[1].rng.random() == runs["batched"][2].layers[1].rng.random()


def test_auto_picks_batched_for_built_ins_and_says_why():
    model = MLP(2, [4, 1], seed=0)
    h = fit(model, (X2, TARGETS["hinge"]), "hinge", SGD(model.parameters()), 1, progress=False)
    assert h.engine == "batched" and "built-in" in h.engine_reason


class Branchy(Module):
    """A custom module whose graph depends on the data (a Python `if` on .data)."""

    def __init__(self):
        self.w = Value(0.5)

    def forward(self, x):
        return self.w * x[0] if x[0].data > 0 else self.w * x[1] * 2.0


class Clean(Module):
    def __init__(self):
        self.w, self.b = Value(0.5), Value(-0.1)

    def forward(self, x):
        return (self.w * x[0] + self.b * x[1]).tanh()


def _tanh_custom(z):
    return z.tanh()


@pytest.mark.parametrize(
    "make, loss, why",
    [
        (
            lambda: Sequential(Dense(2, 3, "tanh", seed=0), Dense(3, 1, "sigmoid", seed=1)),
            "bce",
            "bce_with_logits",
        ),
        (Clean, "mse", "Clean is not a built-in layer"),
        (lambda: Perceptron(2, _tanh_custom, seed=0), "mse", "not a built-in one"),
        (lambda: MLP(2, [3, 1], seed=0), lambda p, y: mse_loss(p, y), "not a built-in one"),
    ],
)
def test_auto_falls_back_to_scalar_and_says_why(make, loss, why):
    model = make()
    y = Y2.astype(float)
    h = fit(model, (X2, y), loss, SGD(model.parameters()), 1, progress=False)
    assert h.engine == "scalar" and why in h.engine_reason


def test_batched_on_request_replays_a_clean_custom_model_and_loss():
    def loss(p, y):
        return mse_loss(p, y)

    runs = _train_both(
        Clean, (X2, Y2.astype(float)), loss, OPTIMISERS["sgd"], epochs=3, batch_size=9
    )
    _assert_same(runs)


def test_batched_on_request_refuses_what_it_cannot_replay():
    model = Branchy()
    with pytest.raises(ValueError, match="engine='batched' is not possible.*depends on the data"):
        fit(model, (X2, Y2.astype(float)), "mse", SGD(model.parameters()), 1, engine="batched")
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="not possible here: binary_cross_entropy"):
        fit(model, (X2, Y2), "bce", SGD(model.parameters()), 1, engine="batched")
    with pytest.raises(ValueError, match="engine must be one of"):
        fit(model, (X2, Y2), "mse", SGD(model.parameters()), 1, engine="fast")


def test_bad_targets_fail_the_same_way_on_both_engines():
    for engine in ("scalar", "batched"):
        model = MLP(2, [3, 1], seed=0)
        with pytest.raises(ValueError, match="-1 or \\+1"):
            fit(model, (X2, Y2), "hinge", SGD(model.parameters()), 1, engine=engine, progress=False)
        with pytest.raises(TypeError, match="class index must be an int"):
            m3 = MLP(2, [3, 3], seed=0)
            fit(
                m3,
                (XS, YS.astype(float)),
                "softmax_cross_entropy",
                SGD(m3.parameters()),
                1,
                engine=engine,
                progress=False,
            )


def test_regulariser_that_branches_on_weights_runs_scalar_and_still_matches():
    def l1_with_if(m):
        return 1e-3 * sum_values([p if p.data > 0 else -p for p in m.parameters()])

    def l2(m):
        return l2_penalty(m.parameters(), 1e-3)

    model = MLP(2, [3, 1], seed=0)
    assert _record_penalty(model, l1_with_if, model.parameters()) is None
    assert _record_penalty(model, l2, model.parameters()) is not None
    before = [p.data for p in model.parameters()]
    assert [p.data for p in model.parameters()] == before  # the check restored the weights
    runs = _train_both(
        LAYERS["mlp-relu"],
        (X2, TARGETS["hinge"]),
        "hinge",
        OPTIMISERS["sgd"],
        epochs=3,
        batch_size=8,
        regularization=l1_with_if,
    )
    _assert_same(runs)


@pytest.mark.parametrize("name", ["perceptron-sigmoid", "dense-linear", "mlp-relu", "dropout"])
def test_predict_batched_equals_scalar_in_value_and_shape(name):
    model = LAYERS[name]()
    model.train()
    scalar = predict(model, X2, engine="scalar")
    batched = predict(model, X2, engine="batched")
    assert model.training  # predict restores the mode
    assert type(scalar[0]) is type(batched[0])
    _close([v.data for v in scalar], [v.data for v in batched])
    assert all(not v.parents for v in batched)


def test_predict_multi_output_and_after_the_model_changes():
    model = Sequential(Dense(2, 4, "relu", seed=1), Dense(4, 3, seed=2))
    a = predict(model, XS, engine="batched")
    assert len(a[0]) == 3
    _close(
        [[v.data for v in r] for r in a],
        [[v.data for v in r] for r in predict(model, XS, engine="scalar")],
    )
    model.layers[0].neurons[0].activation = _tanh_custom  # the cached recording is stale now
    _close(
        [[v.data for v in r] for r in predict(model, XS, engine="batched")],
        [[v.data for v in r] for r in predict(model, XS, engine="scalar")],
    )
    model.layers[0].neurons[0].activation = lambda z: z.sigmoid()
    b = predict(model, XS)  # auto: scalar for a custom activation
    _close(
        [[v.data for v in r] for r in b],
        [[v.data for v in r] for r in predict(model, XS, engine="scalar")],
    )
    for p in model.parameters():
        p.data *= 0.5
    model.layers[0].neurons[0].activation = model.layers[0].neurons[1].activation
    _close(
        [[v.data for v in r] for r in predict(model, XS, engine="batched")],
        [[v.data for v in r] for r in predict(model, XS, engine="scalar")],
    )


def test_history_loss_is_the_mean_loss_like_the_scalar_path():
    model = MLP(2, [4, 1], seed=0)
    h = fit(
        model,
        (X2, TARGETS["mse"]),
        "mse",
        SGD(model.parameters(), lr=1e-9),
        1,
        progress=False,
        engine="batched",
    )
    preds = predict(model, X2, engine="scalar")
    assert math.isclose(h.loss[0], mse_loss(preds, TARGETS["mse"].tolist()).data, rel_tol=1e-6)


def test_predict_inside_no_grad():
    from chainrule.autograd import no_grad

    model = MLP(2, [3, 1], seed=11)  # a fresh model: nothing recorded for it yet
    with no_grad():
        auto = predict(model, X2)  # cannot record here: the scalar engine answers
        with pytest.raises(ValueError, match="cannot record inside no_grad"):
            predict(model, X2, engine="batched")
    _close([v.data for v in auto], [v.data for v in predict(model, X2, engine="batched")])


def test_ragged_inputs_are_refused_clearly():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="rows of one length"):
        fit(
            model,
            ([[0.0, 1.0], [1.0]], [0.0, 1.0]),
            "mse",
            SGD(model.parameters()),
            1,
            engine="batched",
            progress=False,
        )


def test_divergence_is_an_error_that_says_so():
    X, y = datasets.regression_1d(40, seed=0)
    model = MLP(1, [8, 8, 1], activation="tanh", seed=0)
    with pytest.raises(TrainingDiverged, match="diverged at epoch .* lower the learning rate"):
        fit(
            model,
            (X, y),
            "mse",
            SGD(model.parameters(), lr=50.0),
            200,
            engine="batched",
            progress=False,
        )


def test_runner_reports_each_batch_loss_before_its_step():
    from chainrule.nn.batched import BatchedRunner

    model = MLP(2, [4, 1], seed=0)
    y = TARGETS["mse"]
    runner = BatchedRunner(model, mse_loss, X2, y)
    seen = []
    before = [p.data for p in model.parameters()]

    def check(loss):
        seen.append(loss)
        if len(seen) == 1:  # the first batch: no step taken yet
            assert [p.data for p in model.parameters()] == before

    opt = SGD(model.parameters(), lr=0.1)
    total, n, _ = runner.train_epoch(opt, 16, 0, None, check)  # seed 0 for `batches`
    assert len(seen) == 3 and n == len(X2)  # batches of 16, 16 and 8
    assert math.isclose(total, 16 * seen[0] + 16 * seen[1] + 8 * seen[2], rel_tol=1e-12)
