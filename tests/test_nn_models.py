"""Models: the lecture's perceptron, layers, MLPs, dropout, seeding, errors."""

import math

import numpy as np
import pytest

from chainrule.autograd import Value
from chainrule.nn import MLP, Dense, Dropout, Perceptron, Sequential, manual_seed
from chainrule.nn.datasets import YOU


def test_lecture_perceptron_is_one_line():
    p = Perceptron(2, weights=[3, -2], bias=1)  # w0 = 1, W = [3, -2]
    yhat = p([-1, 2])
    z = yhat.parents[0]
    assert z.data == -6.0
    assert yhat.data == pytest.approx(1 / (1 + math.exp(6)))
    assert round(yhat.data, 5) == 0.00247


def test_perceptron_is_dot_bias_nonlinearity():
    p = Perceptron(3, "tanh", weights=[0.5, -1.0, 2.0], bias=0.25)
    x = [1.0, 2.0, -0.5]
    expected = math.tanh(0.5 * 1 - 1.0 * 2 + 2.0 * -0.5 + 0.25)
    assert p(x).data == pytest.approx(expected)
    out = p(x)
    out.backward()
    d = 1 - expected**2
    assert [w.grad for w in p.weights] == pytest.approx([d * xi for xi in x])
    assert p.bias.grad == pytest.approx(d)


def test_untrained_2_3_1_network_on_you_gives_a_probability():
    model = Sequential(Dense(2, 3, "sigmoid", seed=0), Dense(3, 1, "sigmoid", seed=0))
    p = model(list(YOU))
    assert isinstance(p, Value)
    assert 0.0 < p.data < 1.0
    assert model.num_parameters() == 2 * 3 + 3 + 3 * 1 + 1


def test_mlp_parameter_count_and_last_layer_linear():
    m = MLP(2, [16, 16, 1])
    assert len(m.parameters()) == m.num_parameters() == 337
    assert m.layers[0].neurons[0].activation_name == "relu"
    assert m.layers[-1].neurons[0].activation_name == "linear"
    assert "337 parameters" in repr(m)


def test_width_one_layers_anywhere():
    m = MLP(1, [1, 4, 1, 2], seed=3)
    out = m([0.5])
    assert isinstance(out, list) and len(out) == 2
    m2 = MLP(3, [1], seed=0)
    assert isinstance(m2([1, 2, 3]), Value)
    (out[0] + out[1]).backward()
    assert any(p.grad != 0.0 for p in m.parameters())


@pytest.mark.parametrize("model", [MLP(2, [3, 1]), Dense(2, 3), Perceptron(2)])
def test_wrong_number_of_inputs(model):
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])


def test_inputs_may_be_numpy_rows():
    m = MLP(2, [4, 1], seed=0)
    row = np.array([0.3, -0.2])
    assert m(row).data == pytest.approx(m([0.3, -0.2]).data)


def test_activations_by_name_and_callable():
    x = [0.4, -0.3]
    for name, f in [
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("tanh", math.tanh),
        ("relu", lambda z: max(0.0, z)),
        ("linear", lambda z: z),
    ]:
        p = Perceptron(2, name, weights=[1.0, 2.0], bias=0.5)
        assert p(x).data == pytest.approx(f(0.4 - 0.6 + 0.5))
    custom = Perceptron(2, lambda z: z * z, weights=[1.0, 2.0], bias=0.5)
    assert custom(x).data == pytest.approx(0.3**2)
    with pytest.raises(ValueError, match="unknown activation"):
        Perceptron(2, "swish")


def test_same_seed_same_model():
    a, b, c = MLP(2, [8, 1], seed=7), MLP(2, [8, 1], seed=7), MLP(2, [8, 1], seed=8)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    manual_seed(11)
    d = MLP(2, [8, 1])
    manual_seed(11)
    e = MLP(2, [8, 1])
    assert d.state_dict() == e.state_dict()


def test_initial_scale_depends_on_activation():
    relu = MLP(400, [200, 1], seed=0).layers[0]
    tanh = MLP(400, [200, 1], activation="tanh", seed=0).layers[0]
    std = lambda layer: float(np.std([w.data for n in layer.neurons for w in n.weights]))  # noqa: E731
    assert std(relu) == pytest.approx(math.sqrt(2 / 400), rel=0.05)
    assert std(tanh) == pytest.approx(math.sqrt(1 / 400), rel=0.05)


def test_dropout_train_and_eval():
    d = Dropout(0.5, seed=0)
    x = [Value(1.0) for _ in range(2000)]
    out = d(x)
    zeros = sum(1 for o in out if o.data == 0.0)
    assert 800 < zeros < 1200
    assert all(o.data in (0.0, 2.0) for o in out)
    d.eval()
    assert [o.data for o in d(x)] == [1.0] * 2000
    model = Sequential(Dense(2, 50, "relu", seed=0), Dropout(0.5, seed=1), Dense(50, 1, seed=2))
    model.eval()
    assert not model.layers[1].training
    assert model([0.1, 0.2]).data == model([0.1, 0.2]).data
    model.train()
    assert model.layers[1].training
    with pytest.raises(ValueError):
        Dropout(1.0)


def test_named_parameters_and_zero_grad():
    m = MLP(2, [2, 1], seed=0)
    names = [n for n, _ in m.named_parameters()]
    assert names[0] == "layers.0.neurons.0.weights.0"
    assert "layers.1.neurons.0.bias" in names
    m([1.0, 1.0]).backward()
    m.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="weights"):
        Perceptron(2, weights=[1.0])
    with pytest.raises(ValueError):
        Dense(2, 0)
    with pytest.raises(ValueError):
        MLP(2, [])
