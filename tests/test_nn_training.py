"""Training end to end, mini-batches, splits, early stopping, save and load."""

import builtins
import json
import os

import numpy as np
import pytest

from chainrule.nn import (
    MLP,
    SGD,
    Adam,
    Dense,
    EarlyStopping,
    Sequential,
    batches,
    datasets,
    fit,
    l2_penalty,
    predict,
    train_test_split,
)


def test_moons_hinge_reaches_97_percent():
    X, y = datasets.moons(100, seed=0)
    signs = 2 * y - 1
    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(
        model,
        (X, signs),
        "hinge",
        SGD(model.parameters(), lr=0.1, momentum=0.9),
        epochs=80,
        regularization=lambda m: l2_penalty(m.parameters(), 1e-4),
        progress=False,
    )
    preds = predict(model, X)
    acc = np.mean([(p.data > 0) == (s > 0) for p, s in zip(preds, signs)])
    assert acc >= 0.97
    assert history.loss[-1] < history.loss[0] / 5


def test_spiral_softmax_reaches_90_percent():
    X, y = datasets.spirals(90, classes=3, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 3], seed=0)
    fit(
        model,
        (X, y),
        "softmax_cross_entropy",
        Adam(model.parameters(), lr=0.02),
        epochs=60,
        progress=False,
    )
    preds = predict(model, X)
    acc = np.mean([int(np.argmax([v.data for v in p])) == t for p, t in zip(preds, y)])
    assert acc >= 0.90


def test_student_model_predicts_you_pass():
    X, y = datasets.student_data(seed=0)
    model = Sequential(Dense(2, 3, "sigmoid", seed=1), Dense(3, 1, "sigmoid", seed=2))
    before = predict(model, [datasets.YOU])[0].data
    history = fit(
        model, (X / 12.0, y), "bce", Adam(model.parameters(), lr=0.05), epochs=150, progress=False
    )
    after = predict(model, [np.array(datasets.YOU) / 12.0])[0].data
    assert 0.0 < before < 1.0
    assert after > 0.5
    assert history.accuracy[-1] >= 0.85


def test_batches_cover_every_example_once_and_are_seeded():
    X, y = list(range(10)), [v * 10 for v in range(10)]
    got = list(batches(X, y, 4, seed=3))
    assert [len(b[0]) for b in got] == [4, 4, 2]
    assert sorted(x for b in got for x in b[0]) == X
    assert all(t == 10 * x for b in got for x, t in zip(*b))
    assert got == list(batches(X, y, 4, seed=3))
    assert got != list(batches(X, y, 4, seed=4))
    assert [b[0] for b in batches(X, y, 5, shuffle=False)] == [X[:5], X[5:]]
    with pytest.raises(ValueError, match="10 inputs but 9 targets"):
        list(batches(X, y[:9]))


def test_train_test_split():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, seed=1)
    assert Xtr.shape == (7, 2) and Xte.shape == (3, 2)
    assert sorted(np.concatenate([ytr, yte]).tolist()) == list(range(10))
    assert np.all(Xte[:, 0] == 2 * yte)
    again = train_test_split(X, y, test_size=0.3, seed=1)
    assert np.array_equal(again[1], Xte)


def test_early_stopping_restores_best_weights():
    X, y = datasets.regression_1d(30, noise=0.3, seed=0)
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.3, seed=0)
    model = MLP(1, [32, 32, 1], activation="tanh", seed=0)
    stopper = EarlyStopping(patience=3)
    history = fit(
        model,
        (Xtr, ytr),
        "mse",
        Adam(model.parameters(), lr=0.05),
        epochs=300,
        validation=(Xva, yva),
        early_stopping=stopper,
        progress=False,
    )
    assert history.stopped_epoch is not None and history.epochs < 300
    assert history.stopped_epoch == history.best_epoch + 3
    best = history.val_loss[history.best_epoch]
    assert best == min(history.val_loss)
    restored = predict(model, Xva)
    from chainrule.nn import mse_loss

    assert mse_loss(restored, yva.tolist()).data == pytest.approx(best)


def test_fit_without_tqdm(monkeypatch, capsys):
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError("no tqdm here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    model = MLP(2, [2, 1], seed=0)
    X, y = datasets.xor(20, seed=0)
    h = fit(model, (X, y), "mse", SGD(model.parameters(), lr=0.1), epochs=3, progress=True)
    assert h.epochs == 3 and h.accuracy == [None, None, None]
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_fit_argument_errors():
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="unknown loss"):
        fit(model, ([[0, 0]], [0]), "l7", SGD(model.parameters()), epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, ([[0, 0]], [0]), "mse", SGD(model.parameters()), epochs=0)


# ---------------- save and load ----------------
def test_save_load_round_trip_is_exact(tmp_path):
    a, b = MLP(2, [5, 3, 1], seed=1), MLP(2, [5, 3, 1], seed=2)
    path = tmp_path / "w.json"
    a.save(path)
    b.load(path)
    assert a.state_dict() == b.state_dict()
    assert json.loads(path.read_text())["format"] == "chainrule-state"
    assert [f for f in os.listdir(tmp_path)] == ["w.json"]  # no temporary left behind


def test_load_refuses_mismatches_and_changes_nothing(tmp_path):
    path = tmp_path / "w.json"
    MLP(2, [4, 1], seed=1).save(path)
    other = MLP(2, [3, 1], seed=5)
    before = other.state_dict()
    with pytest.raises(ValueError, match="missing|unexpected"):
        other.load(path)
    assert other.state_dict() == before
    wrong_kind = Sequential(Dense(2, 4, seed=0), Dense(4, 1, seed=0))
    with pytest.raises(ValueError, match="'MLP'"):
        wrong_kind.load(path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "\x00garbage" + text,  # corrupt
        lambda text: json.dumps({"hello": 1}),  # some other JSON
        lambda text: text.replace('"version": 1', '"version": 99'),
        lambda text: text.replace(
            text[text.index('"layers.0.neurons.0.bias": ') :].split(",")[0],
            '"layers.0.neurons.0.bias": "x"',
        ),
        lambda text: text.replace(
            text[text.index('"layers.0.neurons.0.bias": ') :].split(",")[0],
            '"layers.0.neurons.0.bias": NaN',
        ),
    ],
)
def test_load_rejects_bad_files(tmp_path, damage):
    path = tmp_path / "w.json"
    model = MLP(2, [4, 1], seed=1)
    model.save(path)
    path.write_text(damage(path.read_text()))
    target = MLP(2, [4, 1], seed=9)
    before = target.state_dict()
    with pytest.raises(ValueError, match=str(path.name)):
        target.load(path)
    assert target.state_dict() == before


def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "w.json"
    MLP(2, [4, 1], seed=1).save(path)
    old = path.read_text()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)  # interrupted after writing, before the rename
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [4, 1], seed=2).save(path)
    assert path.read_text() == old
    assert os.listdir(tmp_path) == ["w.json"]


def test_early_stopping_without_validation_watches_training_loss():
    X, y = datasets.xor(40, seed=0)
    model = MLP(2, [4, 1], seed=0)
    stopper = EarlyStopping(patience=2, min_delta=10.0)  # nothing counts as improvement
    h = fit(
        model,
        (X, y),
        "mse",
        SGD(model.parameters(), lr=0.1),
        epochs=50,
        early_stopping=stopper,
        progress=False,
    )
    assert h.epochs == 3 and h.best_epoch == 0 and h.stopped_epoch == 2
    assert stopper.monitor == "val_loss"  # the caller's object is not rewritten
