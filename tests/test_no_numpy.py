"""The core works where numpy is absent (as in a browser kernel), and gives the same numbers."""

import json
import subprocess
import sys

import pytest

from chainrule.nn import MLP, SGD, Dense, Sequential, batches, fit, predict, train_test_split

# Installed first in the subprocess: any import of numpy fails, as where it is not installed.
BLOCK_NUMPY = """
import sys

class NoNumpy:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None

assert "numpy" not in sys.modules
sys.meta_path.insert(0, NoNumpy())
"""

WITHOUT_NUMPY = """
import json
import chainrule.autograd
import chainrule.nn
from chainrule.nn import MLP, SGD, batches, fit, predict, train_test_split, datasets
from tests_shared import X, Y, train

assert "numpy" not in sys.modules
result = {"history": train()}
Xtr, Xte, ytr, yte = train_test_split(X, Y, test_size=0.25, seed=3)
result["split"] = [Xtr, Xte, ytr, yte]
result["batches"] = [b for b in batches(X, Y, 3, seed=5)]
try:
    datasets.moons()
except ImportError as e:
    result["datasets_error"] = str(e)
assert "numpy" not in sys.modules
print(json.dumps(result))
"""

# The same training, written once, run with and without numpy.
SHARED = """
from chainrule.nn import MLP, SGD, fit, predict

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.2], [0.1, 0.9], [0.8, 0.7]]
Y = [0, 1, 1, 0, 1, 1, 0]

def train():
    model = MLP(2, [8, 8, 1], activation="tanh", seed=0)
    history = fit(model, (X, Y), "bce_with_logits", SGD(model.parameters(), lr=0.1, momentum=0.9),
                  epochs=60, batch_size=3, progress=False, seed=7)
    return {"loss": history.loss, "accuracy": history.accuracy,
            "outputs": [p.data for p in predict(model, X)]}
"""


@pytest.fixture(scope="module")
def without_numpy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shared")
    (folder / "tests_shared.py").write_text(SHARED)
    code = BLOCK_NUMPY + f"sys.path.insert(0, {str(folder)!r})\n" + WITHOUT_NUMPY
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    sys.path.insert(0, str(folder))
    try:
        import tests_shared
    finally:
        sys.path.remove(str(folder))
    return json.loads(run.stdout), tests_shared


def test_the_block_really_hides_numpy():
    code = BLOCK_NUMPY + "import numpy\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "blocked by the test" in run.stderr


def test_an_mlp_trains_with_fit_on_lists_without_numpy(without_numpy):
    result, _ = without_numpy
    loss, accuracy = result["history"]["loss"], result["history"]["accuracy"]
    assert len(loss) == 60 and loss[-1] < loss[0] / 20
    assert accuracy[-1] == 1.0


def test_same_numbers_with_and_without_numpy(without_numpy):
    result, shared = without_numpy
    assert shared.train() == result["history"]  # exactly: one pure-Python shuffle everywhere
    np = pytest.importorskip("numpy")
    as_arrays = train_test_split(np.array(shared.X), np.array(shared.Y), test_size=0.25, seed=3)
    assert [a.tolist() for a in as_arrays] == result["split"]
    assert train_test_split(shared.X, shared.Y, test_size=0.25, seed=3) == tuple(result["split"])
    assert [list(b) for b in batches(shared.X, shared.Y, 3, seed=5)] == result["batches"]


def test_numpy_arrays_and_lists_train_alike():
    np = pytest.importorskip("numpy")
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    Y = [0.0, 1.0, 1.0, 0.0]
    runs = []
    for data in [(X, Y), (np.array(X), np.array(Y)), (np.array(X, dtype=np.float32), Y)]:
        model = Sequential(Dense(2, 4, "tanh", seed=0), Dense(4, 1, seed=1))
        h = fit(model, data, "mse", SGD(model.parameters(), lr=0.2), 5, batch_size=2)
        runs.append((h.loss, [p.data for p in predict(model, data[0])]))
    assert runs[0] == runs[1] == runs[2]


def test_datasets_say_they_need_numpy(without_numpy):
    result, _ = without_numpy
    message = result["datasets_error"]
    assert "chainrule.nn.datasets needs numpy" in message and "pip install numpy" in message
    assert "micropip" in message


def test_fit_rejects_a_numpy_generator_as_seed():
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="seed must be an int, None or a random.Random"):
        list(batches([1, 2], [3, 4], 1, seed=np.random.default_rng(0)))
    model = MLP(1, [1], seed=0)
    with pytest.raises(TypeError, match="seed must be"):
        fit(model, ([[1.0]], [1.0]), "mse", SGD(model.parameters()), 1, seed=1.5)


def test_inputs_of_every_shape_mean_the_same_rows():
    np = pytest.importorskip("numpy")
    xs = [0.5, -1.0, 2.0]
    ys = [1.0, 0.0, 1.0]
    forms = [
        [[v] for v in xs],  # rows as lists
        [(v,) for v in xs],  # rows as tuples
        xs,  # lone numbers
        np.array(xs),  # a 1-D array
        np.array(xs)[:, None],  # a column
        [np.float64(v) for v in xs],  # numpy scalars
        [np.array([v], dtype=np.float32) for v in xs],  # numpy rows
    ]
    runs = []
    for X in forms:
        model = MLP(1, [3, 1], seed=0)
        h = fit(model, (X, ys), "mse", SGD(model.parameters(), lr=0.1), 2, progress=False)
        runs.append((h.loss, [p.data for p in predict(model, X)]))
    assert all(r == runs[0] for r in runs)
