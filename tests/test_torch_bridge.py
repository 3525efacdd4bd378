"""The PyTorch bridge: same outputs and gradients as torch, exact round trips, clear errors,
and torch stays optional (checked in subprocesses that hide it)."""

import random

import pytest

from chainrule.autograd import Value
from chainrule.nn import MLP, Dense, Dropout, Perceptron, Sequential
from chainrule.nn.torch_bridge import from_torch, grads_to_torch, load_torch_weights, to_torch

ACTS = ["sigmoid", "tanh", "relu", "linear"]


def _torch():
    return pytest.importorskip("torch")


def _models(act: str) -> dict:
    """One model of each kind with activation `act`, all taking 3 inputs."""
    nested = Sequential(
        Dense(3, 4, act, seed=1),
        Dropout(0.25, seed=0),
        Sequential(Dense(4, 3, act, seed=2), Dense(3, 1, act, seed=3)),
    )
    return {
        "Perceptron": Perceptron(3, act, seed=4),
        "Dense": Dense(3, 2, act, seed=5),
        "Sequential": Sequential(Dense(3, 4, act, seed=6), Dense(4, 2, act, seed=7)),
        "MLP": MLP(3, [5, 4, 1], act, seed=8),
        "nested with Dropout": nested.eval(),
        "with a Perceptron": Sequential(Dense(3, 2, act, seed=9), Perceptron(2, act, seed=10)),
    }


KINDS = list(_models("relu"))


def _inputs(n: int = 5, nin: int = 3, seed: int = 0) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2.0, 2.0) for _ in range(nin)] for _ in range(n)]


def _outputs(model, x) -> list[Value]:
    out = model(x)
    return [out] if isinstance(out, Value) else list(out)


def _assert_close(got, want, rtol=1e-12):
    """Norm-wise relative agreement: max |got - want| <= rtol * max |want|."""
    got, want = [float(g) for g in got], [float(w) for w in want]
    assert len(got) == len(want)
    scale = max(abs(w) for w in want)
    err = max(abs(g - w) for g, w in zip(got, want))
    assert err <= rtol * scale if scale > 0 else err == 0.0, (err, scale, got, want)


def _chainrule_linears(model) -> list[tuple[list[list[Value]], list[Value]]]:
    """(weight rows, biases) of every Dense/Perceptron, in order; written apart from the bridge."""
    if isinstance(model, Perceptron):
        return [([model.weights], [model.bias])]
    if isinstance(model, Dense):
        return [([n.weights for n in model.neurons], [n.bias for n in model.neurons])]
    if isinstance(model, Sequential):
        return [pair for layer in model.layers for pair in _chainrule_linears(layer)]
    return []


def _torch_linears(module):
    torch = _torch()
    return [m for m in module.modules() if isinstance(m, torch.nn.Linear)]


def _bits(state: dict) -> dict:
    return {k: float(v).hex() for k, v in state.items()}


# ---------------- same outputs, same gradients ----------------
@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("kind", KINDS)
def test_same_outputs_and_gradients_as_torch(kind, act):
    torch = _torch()
    model = _models(act)[kind]
    module = to_torch(model)
    assert isinstance(module, torch.nn.Sequential)
    X = _inputs()
    targets = [[0.5 * k - 0.3 for k in range(len(_outputs(model, X[0])))] for _ in X]

    model.zero_grad()
    loss = Value(0.0)
    for x, t in zip(X, targets):
        out = _outputs(model, x)
        _assert_close(module(torch.tensor(x, dtype=torch.float64)).tolist(), [o.data for o in out])
        loss = loss + sum((o - tk) ** 2 for o, tk in zip(out, t))
    loss.backward()

    f64 = torch.float64
    tloss = ((module(torch.tensor(X, dtype=f64)) - torch.tensor(targets, dtype=f64)) ** 2).sum()
    tloss.backward()
    _assert_close([tloss.item()], [loss.data])
    pairs = _chainrule_linears(model)
    linears = _torch_linears(module)
    assert len(pairs) == len(linears)
    for (rows, biases), lin in zip(pairs, linears):
        _assert_close(lin.weight.grad.flatten().tolist(), [w.grad for r in rows for w in r])
        _assert_close(lin.bias.grad.tolist(), [b.grad for b in biases])
        assert lin.weight.dtype == torch.float64
    # grads_to_torch names chainrule's gradients like the module's parameters
    mine = grads_to_torch(model)
    assert list(mine) == [name for name, _ in module.named_parameters()]
    for name, p in module.named_parameters():
        _assert_close(mine[name].flatten().tolist(), p.grad.flatten().tolist())


def test_activation_modules_are_torch_ones():
    nn = _torch().nn
    for act, cls in [("sigmoid", nn.Sigmoid), ("tanh", nn.Tanh), ("relu", nn.ReLU)]:
        assert [type(m) for m in to_torch(Dense(2, 3, act, seed=0))] == [nn.Linear, cls]
    assert [type(m) for m in to_torch(Dense(2, 3, seed=0))] == [nn.Linear]
    assert [type(m) for m in to_torch(MLP(2, [4, 1], "tanh", seed=0))] == [
        nn.Linear,
        nn.Tanh,
        nn.Linear,
    ]


def test_float32_export_and_bad_dtypes():
    torch = _torch()
    model = MLP(3, [4, 1], "tanh", seed=0)
    module = to_torch(model, dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in module.parameters())
    x = _inputs(1)[0]
    _assert_close([module(torch.tensor(x)).item()], [model(x).data], rtol=1e-6)
    for bad in (torch.int64, torch.complex128, "float64"):
        with pytest.raises(TypeError, match="dtype must be a floating torch dtype"):
            to_torch(model, dtype=bad)


def test_export_leaves_torch_random_stream_alone():
    torch = _torch()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    to_torch(MLP(3, [8, 8, 1], seed=0))
    assert torch.equal(torch.rand(3), expected)


# ---------------- dropout and modes ----------------
def test_dropout_eval_mode_matches_and_train_mode_p_carries_over():
    torch = _torch()
    model = Sequential(Dense(3, 6, "relu", seed=0), Dropout(0.4, seed=1), Dense(6, 1, seed=2))
    model.eval()
    module = to_torch(model)
    assert not module.training and not module[2].training and module[2].p == 0.4
    for x in _inputs():
        _assert_close([module(torch.tensor(x, dtype=torch.float64)).item()], [model(x).data])

    model.train()
    module = to_torch(model)
    assert module.training and module[2].training and module[2].p == 0.4
    h = module[1](module[0](torch.tensor(_inputs(200), dtype=torch.float64)))
    dropped = module[2](h)
    kept = dropped != 0
    assert torch.allclose(dropped[kept], h[kept] / 0.6, rtol=1e-15, atol=0)  # scaled by 1/(1-p)
    back = from_torch(module)
    assert back.training and back.layers[1].training and back.layers[1].p == 0.4


def test_mixed_modes_carry_over_both_ways():
    _torch()
    model = Sequential(Dense(2, 3, "relu", seed=0), Dropout(0.5), Dense(3, 1, seed=1))
    model.layers[1].training = False  # only the dropout layer in eval mode
    module = to_torch(model)
    assert [m.training for m in module] == [True, True, False, True]
    back = from_torch(module)
    assert [layer.training for layer in back.layers] == [True, False, True]


# ---------------- round trips and loading ----------------
@pytest.mark.parametrize("kind", ["Sequential", "MLP", "nested with Dropout"])
def test_round_trip_is_bit_exact(kind):
    _torch()
    model = _models("tanh")[kind]
    model.layers[0].neurons[0].weights[0].data = -0.0
    back = from_torch(to_torch(model))
    assert type(back) is type(model)
    assert _bits(back.state_dict()) == _bits(model.state_dict())
    assert back.training == model.training
    for x in _inputs():
        assert [o.data for o in _outputs(back, x)] == [o.data for o in _outputs(model, x)]


@pytest.mark.parametrize("kind", ["Perceptron", "Dense", "with a Perceptron"])
def test_perceptrons_and_lone_layers_load_back_exactly(kind):
    """from_torch builds Dense layers, so a Perceptron or a lone Dense comes back with other
    state_dict names; load_torch_weights restores such a model exactly."""
    _torch()
    model = _models("sigmoid")[kind]
    module = to_torch(model)
    fresh = _models("sigmoid")[kind]
    for p in fresh.parameters():
        p.data = 9.0
    assert load_torch_weights(fresh, module) is fresh
    assert _bits(fresh.state_dict()) == _bits(model.state_dict())
    back = from_torch(module)
    assert isinstance(back, Sequential) and all(type(la) is Dense for la in back.layers)
    assert sorted(_bits(back.state_dict()).values()) == sorted(_bits(model.state_dict()).values())
    for x in _inputs():
        assert [o.data for o in _outputs(back, x)] == [o.data for o in _outputs(model, x)]


def test_torch_built_module_round_trips_exactly():
    torch = _torch()
    nn = torch.nn
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 4), nn.Identity(), nn.Linear(4, 1)
    ).double()
    model = from_torch(module)
    assert type(model) is Sequential
    assert [type(layer) for layer in model.layers] == [Dense, Dropout, Dense, Dense]
    again = to_torch(model)
    for (name, a), (_, b) in zip(module.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), name
    mlp = from_torch(nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)))
    assert type(mlp) is MLP and mlp.layers[0].neurons[0].activation_name == "tanh"
    lone = from_torch(nn.Linear(3, 2))
    assert type(lone) is MLP and lone.layers[0].nout == 2


def test_torch_save_and_load_of_the_exported_module(tmp_path):
    torch = _torch()
    model = MLP(2, [3, 1], "relu", seed=0)
    torch.save(to_torch(model).state_dict(), tmp_path / "model.pt")
    module = to_torch(MLP(2, [3, 1], "relu", seed=99))
    module.load_state_dict(torch.load(tmp_path / "model.pt"))
    assert _bits(from_torch(module).state_dict()) == _bits(model.state_dict())


def test_float32_weights_load_as_their_exact_values():
    torch = _torch()
    module = torch.nn.Sequential(torch.nn.Linear(2, 1))
    module[0].weight.data = torch.tensor([[0.1, -0.7]], dtype=torch.float32)
    model = from_torch(module)
    assert model.layers[0].neurons[0].weights[0].data == float(torch.tensor(0.1).item())
    assert model.layers[0].neurons[0].weights[0].data != 0.1  # float32 0.1 is not float64 0.1


def test_module_method_is_the_function():
    torch = _torch()
    model = MLP(2, [3, 1], "tanh", seed=3)
    module = model.to_torch()
    assert isinstance(module, torch.nn.Sequential)
    x = torch.tensor([[0.5, -1.25]], dtype=torch.float64)
    expected = model([0.5, -1.25]).data
    assert module(x).item() == pytest.approx(expected, rel=1e-12)
    assert module[0].weight.dtype == torch.float64
    assert model.to_torch(torch.float32)[0].weight.dtype == torch.float32
