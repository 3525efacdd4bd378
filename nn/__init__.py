"""chainrule.nn: perceptrons, layers, MLPs, losses, optimisers and training.

Everything here works on Python lists without numpy; numpy arrays are
accepted when numpy is installed, and `datasets` needs it.

>>> from chainrule.nn import MLP
>>> MLP(2, [16, 16, 1]).num_parameters()
337
"""

from . import datasets
from .activations import ACTIVATIONS, get_activation, linear, relu, sigmoid, tanh
from .checks import TrainingDiverged
from .data import batches, train_test_split
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge_loss,
    l2_penalty,
    mse_loss,
    softmax_cross_entropy,
)
from .module import MLP, Dense, Dropout, Module, Neuron, Perceptron, Sequential, manual_seed
from .optim import SGD, Adagrad, Adam, Optimizer, RMSProp
from .training import EarlyStopping, History, accuracy, fit, predict

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Adagrad",
    "Adam",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "History",
    "Module",
    "Neuron",
    "Optimizer",
    "Perceptron",
    "RMSProp",
    "Sequential",
    "TrainingDiverged",
    "accuracy",
    "batches",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "datasets",
    "fit",
    "get_activation",
    "hinge_loss",
    "l2_penalty",
    "linear",
    "manual_seed",
    "mse_loss",
    "predict",
    "relu",
    "sigmoid",
    "softmax_cross_entropy",
    "tanh",
    "train_test_split",
]
