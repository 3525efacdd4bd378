"""The PyTorch bridge refuses what it cannot translate, naming the layer, and works
without torch installed until one of its functions is called."""

import math
import subprocess
import sys
import textwrap

import pytest

from chainrule.autograd import Value
from chainrule.nn import MLP, Dense, Dropout, Perceptron, Sequential
from chainrule.nn.torch_bridge import from_torch, grads_to_torch, load_torch_weights, to_torch


def _nn():
    return pytest.importorskip("torch").nn


# ---------------- torch -> chainrule ----------------
def _torch_cases(nn) -> list:
    """(module, message) pairs; every module would be a reasonable thing to try."""

    class MyLinear(nn.Linear):
        pass

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

        def forward(self, x):
            return self.fc(x)

    hooked = nn.Sequential(nn.Linear(2, 2))
    hooked[0].register_forward_hook(lambda m, i, o: o * 2)
    nan = nn.Sequential(nn.Linear(2, 2))
    nan[0].weight.data[1, 0] = float("nan")
    return [
        (
            nn.Sequential(nn.Linear(2, 3), nn.Conv2d(1, 1, 3)),
            r"layer 1 \(Conv2d\) has no chain",
        ),
        (nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)), r"layer 1 \(BatchNorm1d\) has no"),
        (nn.Sequential(nn.Linear(2, 3), nn.GELU()), r"layer 1 \(GELU\) has no chainrule"),
        (nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU()), r"layer 1 \(LeakyReLU\) has no"),
        (nn.Sequential(nn.Linear(2, 3, bias=False)), r"layer 0 \(Linear\) has no bias"),
        (
            nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(4, 1)),
            r"layer 2 \(Linear\) takes 4 inputs but layer 0 \(Linear\) gives 3 outputs",
        ),
        (
            nn.Sequential(nn.ReLU(), nn.Linear(2, 1)),
            r"layer 0 \(ReLU\) does not follow",
        ),
        (
            nn.Sequential(nn.Linear(2, 1), nn.ReLU(), nn.Sigmoid()),
            r"layer 2 \(Sigmoid\) does not follow an nn.Linear",
        ),
        (nn.Sequential(nn.Linear(2, 1), nn.Dropout(1.0)), r"layer 1 \(Dropout\) has p=1.0"),
        (nn.Sequential(MyLinear(2, 1)), r"layer 0 \(MyLinear\) has no chainrule equivalent"),
        (Net(), r"the module \(Net\) has no chainrule equivalent"),
        (
            nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2), nn.GELU())),
            r"layer 1\.1 \(GELU\) has no chainrule",
        ),
        (hooked, r"layer 0 \(Linear\) has forward hooks"),
        (nan, r"layer 0 \(Linear\) holds NaN or infinite weights"),
        (nn.Sequential(), r"the module \(Sequential\) is empty"),
        (nn.Sequential(nn.Linear(2, 1, device="meta")), r"layer 0 \(Linear\) weight holds no real"),
    ]


@pytest.mark.parametrize("case", range(16))
def test_from_torch_names_the_layer_it_cannot_translate(case):
    nn = _nn()
    cases = _torch_cases(nn)
    assert len(cases) == 16
    module, message = cases[case]
    with pytest.raises(ValueError, match=message):
        from_torch(module)


def test_shared_weights_are_refused_both_ways():
    """A copy would untie weights that one layer shares with another: training would differ."""
    nn = _nn()
    lin = nn.Linear(2, 2)
    tied = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    tied[1].weight = tied[0].weight
    same = r"parameter '(1|2).weight' is the same tensor as '0.weight'"
    with pytest.raises(ValueError, match=same):
        from_torch(nn.Sequential(lin, nn.Tanh(), lin))
    with pytest.raises(ValueError, match=same):
        load_torch_weights(Sequential(Dense(2, 2, seed=0), Dense(2, 2, seed=0)), tied)
    dense = Dense(2, 2, "tanh", seed=0)
    shared = Sequential(dense, dense)
    for call in (to_torch, grads_to_torch):
        with pytest.raises(ValueError, match=r"'layers.1.neurons.0.weights.0' is the same Value"):
            call(shared)
    assert isinstance(to_torch(Sequential(dense, Dense(2, 2, seed=1))), nn.Sequential)


def test_from_torch_needs_a_module():
    _nn()
    with pytest.raises(TypeError, match="expected a torch.nn.Module, got dict"):
        from_torch({"0.weight": [[1.0]]})


def test_supported_neighbours_of_the_error_cases_do_translate():
    """The checker passes on the right modules, so the errors above are about the layer."""
    nn = _nn()
    ok = [
        nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid()),
        nn.Sequential(nn.Linear(2, 1), nn.Dropout(0.99)),
        nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2), nn.Tanh())),
        nn.Sequential(nn.Linear(2, 2), nn.Identity()),
    ]
    for module in ok:
        assert isinstance(from_torch(module), Sequential)


# ---------------- chainrule -> torch ----------------
def _softplus(z: Value) -> Value:
    return (z.exp() + 1.0).log()


def test_to_torch_names_the_layer_it_cannot_translate():
    _nn()

    class MyDense(Dense):
        pass

    mixed = Dense(2, 2, "relu", seed=0)
    mixed.neurons[1] = Perceptron(2, "tanh", seed=0)
    nan = MLP(2, [2, 1], seed=0)
    nan.layers[1].neurons[0].weights[1].data = math.nan
    cases = [
        (Sequential(Dense(2, 2, _softplus, seed=0)), r"layer 0 \(Dense\) neuron 0 uses the "),
        (Sequential(Dense(2, 2, seed=0), lambda xs: xs), r"layer 1 \(function\) has no PyTorch"),
        (Sequential(MyDense(2, 2, seed=0)), r"layer 0 \(MyDense\) has no PyTorch equivalent"),
        (Sequential(Dense(2, 3, seed=0), Dense(2, 1, seed=0)), r"layer 1 \(Dense\) takes 2"),
        (mixed, r"the model \(Dense\) mixes activations \['relu', 'tanh'\]"),
        (nan, r"layer 1 \(Dense\) neuron 0 weight 1 is nan, not finite"),
        (Perceptron(2, _softplus, seed=0), r"the model \(Perceptron\) uses the activation '_soft"),
    ]
    for model, message in cases:
        with pytest.raises(ValueError, match=message):
            to_torch(model)
    # a custom function that is merely *named* relu is not torch's ReLU
    fake = Dense(2, 2, seed=0)
    fake.neurons[0].activation_name = "relu"
    with pytest.raises(ValueError, match=r"neuron 0 uses the activation 'relu'"):
        to_torch(fake)
    assert to_torch(Dense(2, 2, "relu", seed=0)) is not None  # the real relu is fine


# ---------------- loading into an existing model ----------------
def test_load_torch_weights_refuses_a_different_model_and_changes_nothing():
    _nn()
    model = Sequential(Dense(2, 3, "relu", seed=0), Dropout(0.5), Dense(3, 1, seed=1))
    before = model.state_dict()
    cases = [
        (
            Sequential(Dense(2, 4, "relu", seed=0), Dropout(0.5), Dense(4, 1, seed=1)),
            r"layer 0 \(Linear\) is 2 -> 4 with activation 'relu' but layer 0 \(Dense\) is 2 -> 3",
        ),
        (
            Sequential(Dense(2, 3, "tanh", seed=0), Dropout(0.5), Dense(3, 1, seed=1)),
            r"activation 'tanh' but layer 0 \(Dense\) is 2 -> 3 with 'relu'",
        ),
        (
            Sequential(Dense(2, 3, "relu", seed=0), Dropout(0.2), Dense(3, 1, seed=1)),
            r"layer 2 \(Dropout\) has p=0.2 but layer 1 \(Dropout\) has p=0.5",
        ),
        (
            Sequential(Dense(2, 3, "relu", seed=0), Dense(3, 1, seed=1)),
            r"has 2 layers \(Linear, Linear\) but the model \(Sequential\) has 3",
        ),
        (
            Sequential(Dense(2, 3, "relu", seed=0), Dense(3, 3, seed=1), Dense(3, 1, seed=1)),
            r"layer 2 \(Linear\) cannot load into layer 1 \(Dropout\)",
        ),
    ]
    for other, message in cases:
        with pytest.raises(ValueError, match=message):
            load_torch_weights(model, to_torch(other))
        assert model.state_dict() == before
    same_shape = Sequential(Dense(2, 3, "relu", seed=5), Dropout(0.5), Dense(3, 1, seed=6))
    load_torch_weights(model, to_torch(same_shape))
    assert model.state_dict() == same_shape.state_dict() != before


# ---------------- torch stays optional ----------------
_BLOCK_TORCH = """
import importlib.abc, sys

class BlockTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, BlockTorch())
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


def test_importing_chainrule_does_not_import_torch():
    result = _run(
        """
        import sys
        import chainrule.autograd, chainrule.nn, chainrule.nn.torch_bridge, chainrule.viz
        print(sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_torch_check_sees_torch_once_the_bridge_is_used():
    _nn()
    result = _run(
        """
        import sys
        from chainrule.nn import MLP
        from chainrule.nn.torch_bridge import to_torch
        to_torch(MLP(2, [1]))
        print("torch" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_without_torch_each_function_says_how_to_install_it():
    result = _run(
        _BLOCK_TORCH
        + """
try:
    import torch
except ImportError:
    print("blocked")
from chainrule.nn import MLP
from chainrule.nn.torch_bridge import from_torch, grads_to_torch, load_torch_weights, to_torch

model = MLP(2, [1])
calls = [
    ("to_torch", lambda: to_torch(model)),
    ("grads_to_torch", lambda: grads_to_torch(model)),
    ("from_torch", lambda: from_torch(None)),
    ("load_torch_weights", lambda: load_torch_weights(model, None)),
]
for name, call in calls:
    try:
        call()
    except ImportError as e:
        print(name, "|", e)
    else:
        print(name, "| no error")
"""
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "blocked"
    assert [line.split(" | ")[0] for line in lines[1:]] == [
        "to_torch",
        "grads_to_torch",
        "from_torch",
        "load_torch_weights",
    ]
    for line in lines[1:]:
        name, message = line.split(" | ")
        assert message.startswith(f"{name} needs PyTorch, which is not installed"), line
        assert "pip install torch" in message and "download.pytorch.org/whl/cpu" in message
