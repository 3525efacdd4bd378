"""Optimisers: turn each parameter's gradient into a step, as in `torch.optim`.

opt = SGD(model.parameters(), lr=0.1)
opt.zero_grad(); loss.backward(); opt.step()

Default learning rates: SGD 0.01 (as Keras; PyTorch's is 0.001), Adagrad and
RMSProp 0.01 (as PyTorch; Keras uses 0.001), Adam 0.001 (as both).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from chainrule.autograd import Value

from .checks import real_setting

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSProp", "Adam"]


class Optimizer:
    """Holds the parameters and a learning rate; subclasses define `update`.

    A parameter listed more than once (``SGD([p, p])``, or two models sharing a
    layer) is kept once, so each step moves it once. Settings are checked
    here: any real number (int, float, numpy scalar, Fraction) is accepted,
    bools and out-of-range values raise ValueError or TypeError.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        who = type(self).__name__
        if isinstance(params, Value):
            raise TypeError(f"{who} takes a list of parameters, got a single Value; wrap it: [p]")
        unique: dict[int, Value] = {}
        for p in params:
            if not isinstance(p, Value):
                raise TypeError(f"parameters must be Values, got {type(p).__name__}")
            unique.setdefault(id(p), p)
        self.params = list(unique.values())
        if not self.params:
            raise ValueError(f"{who} got no parameters to optimise")
        self.lr = _positive(lr, "learning rate lr", who)
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (before the next backward)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter once, using its current grad."""
        self.steps += 1
        for i, p in enumerate(self.params):
            p.data -= self.update(i, p.grad, p.data)

    def update(self, i: int, grad: float, value: float) -> float:
        """How much to subtract from parameter `i`."""
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent: w -= lr * g, with optional momentum and weight decay.

    With momentum m: v = m v + g and w -= lr v (PyTorch's convention).
    Weight decay wd adds wd * w to the gradient (an L2 penalty of wd/2 w^2).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _fraction(momentum, "momentum", "SGD")
        self.weight_decay = real_setting(weight_decay, "weight_decay", "SGD")
        if self.weight_decay < 0.0:
            raise ValueError(f"SGD: weight_decay must be >= 0, got {weight_decay!r}")
        self.velocity = [0.0] * len(self.params)

    def update(self, i: int, grad: float, value: float) -> float:
        g = grad + self.weight_decay * value
        if self.momentum:
            self.velocity[i] = self.momentum * self.velocity[i] + g
            g = self.velocity[i]
        return self.lr * g


class Adagrad(Optimizer):
    """Each weight's step shrinks with the sum of its squared gradients so far."""

    def __init__(self, params: Iterable[Value], lr: float = 0.01, eps: float = 1e-10) -> None:
        super().__init__(params, lr)
        self.eps = _positive(eps, "eps", "Adagrad")
        self.sum_sq = [0.0] * len(self.params)

    def update(self, i: int, grad: float, value: float) -> float:
        self.sum_sq[i] += grad * grad
        return self.lr * grad / (math.sqrt(self.sum_sq[i]) + self.eps)


class RMSProp(Optimizer):
    """Like Adagrad, but with a decaying average of squared gradients (rate `alpha`)."""

    def __init__(
        self, params: Iterable[Value], lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _fraction(alpha, "alpha", "RMSProp")
        self.eps = _positive(eps, "eps", "RMSProp")
        self.avg_sq = [0.0] * len(self.params)

    def update(self, i: int, grad: float, value: float) -> float:
        self.avg_sq[i] = self.alpha * self.avg_sq[i] + (1.0 - self.alpha) * grad * grad
        return self.lr * grad / (math.sqrt(self.avg_sq[i]) + self.eps)


class Adam(Optimizer):
    """Momentum plus RMSProp, with both averages corrected for starting at zero."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = _fraction(betas[0], "betas[0]", "Adam")
        self.beta2 = _fraction(betas[1], "betas[1]", "Adam")
        self.eps = _positive(eps, "eps", "Adam")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def update(self, i: int, grad: float, value: float) -> float:
        self.m[i] = self.beta1 * self.m[i] + (1.0 - self.beta1) * grad
        self.v[i] = self.beta2 * self.v[i] + (1.0 - self.beta2) * grad * grad
        m_hat = self.m[i] / (1.0 - self.beta1**self.steps)
        v_hat = self.v[i] / (1.0 - self.beta2**self.steps)
        return self.lr * m_hat / (math.sqrt(v_hat) + self.eps)


def _positive(value: object, name: str, who: str) -> float:
    number = real_setting(value, name, who)
    if not number > 0.0:
        raise ValueError(f"{who}: {name} must be a positive number, got {value!r}")
    return number


def _fraction(value: object, name: str, who: str) -> float:
    """A decay rate or momentum: a number in [0, 1)."""
    number = real_setting(value, name, who)
    if not 0.0 <= number < 1.0:
        raise ValueError(f"{who}: {name} must be in [0, 1), got {value!r}")
    return number
