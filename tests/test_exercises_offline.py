"""The checks of every notebook run where a browser kernel runs them: no numpy, no
subprocess (both are made to fail in a fresh interpreter before chainrule is imported)."""

import subprocess
import sys

PROGRAM = r"""
import os, subprocess, sys
sys.modules["numpy"] = None  # `import numpy` now raises ImportError

def refuse(*args, **kwargs):
    raise RuntimeError("no subprocess in a browser kernel")

subprocess.Popen = os.system = refuse

import math
from chainrule.autograd import topological_order
from chainrule.viz import exercises as ex

assert "chainrule.nn" not in sys.modules  # notebook 03's checks import it only when they run

def backward(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for p, local in zip(node.parents, node.local_grads):
            p.grad += local * node.grad

sig = lambda z: 1 / (1 + math.exp(-z))
a1 = sig(1.0)
results = [
    ex.check_dL_db(-4.0),
    ex.check_backward(backward),
    ex.check_perceptron(-6.0, sig(-6.0)),
    ex.check_sigmoid_derivative(lambda z: sig(z) * (1 - sig(z))),
    ex.check_dJ_dw2(-2 * (1 + 1.5 * a1) * a1),
    ex.check_dJ_dw1(-2 * (1 + 1.5 * a1) * -1.5 * a1 * (1 - a1) * 2.0),
    ex.check_gd_step(lambda w, g, lr: w - lr * g),
    ex.check_dJ_dw1(-2 * (1 + 1.5 * a1) * -1.5 * a1 * (1 - a1)),
]
print("RESULTS", [r.passed for r in results])

# notebooks 02, 04, 05, 07, 08: the checks that compare with chainrule.nn import it when they
# run, and chainrule.nn itself works without numpy
from chainrule.autograd import Value

def step(w0, w1, lr):
    loss = (w0 + 2 * w1 - 1) ** 2
    w0.grad = w1.grad = 0.0
    loss.backward()
    w0.data -= lr * w0.grad
    w1.data -= lr * w1.grad

def stop(losses, patience):
    best, since = float("inf"), 0
    for epoch, v in enumerate(losses):
        best, since = (v, 0) if v < best else (best, since + 1)
        if since == patience:
            return epoch

lessons = [
    ex.check_relu_derivative(lambda z: float(z > 0)),
    ex.check_linear_collapse(-9.0, 0.5),
    ex.check_bce(lambda p, y: -math.log(p) if y else -math.log(1 - p)),
    ex.check_mse(11.0),
    ex.check_descent_step(step, lambda w0, w1: (w0 + 2 * w1 - 1) ** 2),
    ex.check_learning_rate(0.1),
    ex.check_batch_gradient(lambda g: [sum(c) / len(g) for c in zip(*g)]),
    ex.check_dropout_forward(lambda a, m, p: [x * k / (1 - p) for x, k in zip(a, m)]),
    ex.check_stop_epoch(stop),
    ex.check_batch_gradient(lambda g: [sum(c) for c in zip(*g)]),
]
print("LESSONS", [r.passed for r in lessons])
"""


def test_checks_need_no_numpy_and_no_subprocess():
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "RESULTS [True, True, True, True, True, True, True, False]" in done.stdout
    assert "it lacks dz1/dw1 = x = 2" in done.stdout
    assert f"LESSONS {[True] * 9 + [False]}" in done.stdout
    assert "the sum of the per-example gradients, 5 times too large" in done.stdout


def test_the_exercises_package_is_installed_by_pip_install_dot():
    import pathlib
    import re

    repo = pathlib.Path(__file__).resolve().parent.parent
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    packages = re.search(r"^packages = \[(.*)\]$", text, re.M).group(1)
    assert (repo / "viz" / "exercises" / "__init__.py").exists()
    assert '"chainrule.viz.exercises"' in packages  # an explicit list: subpackages are not implied


def test_a_layer_check_without_chainrule_nn_says_what_it_needs():
    program = (
        "import sys; sys.modules['chainrule.nn'] = None\n"
        "from chainrule.viz import exercises as ex\n"
        "try:\n"
        "    ex.check_dense_forward(lambda W, b, x: [])\n"
        "except ImportError as e:\n"
        "    print('ERROR', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert "ERROR check_dense_forward compares your code with chainrule.nn.Dense" in done.stdout
