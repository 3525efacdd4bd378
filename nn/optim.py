"""Optimisers: turn each parameter's gradient into a step, as in `torch.optim`.

opt = SGD(model.parameters(), lr=0.1)
opt.zero_grad(); loss.backward(); opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from chainrule.autograd import Value

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSProp", "Adam"]


class Optimizer:
    """Holds the parameters and a learning rate; subclasses define `update`."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got no parameters to optimise")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"parameters must be Values, got {type(p).__name__}")
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
            raise ValueError(f"learning rate must be a positive number, got {lr!r}")
        self.lr = float(lr)
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
        self.momentum, self.weight_decay = float(momentum), float(weight_decay)
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
        self.eps = eps
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
        self.alpha, self.eps = alpha, eps
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
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def update(self, i: int, grad: float, value: float) -> float:
        self.m[i] = self.beta1 * self.m[i] + (1.0 - self.beta1) * grad
        self.v[i] = self.beta2 * self.v[i] + (1.0 - self.beta2) * grad * grad
        m_hat = self.m[i] / (1.0 - self.beta1**self.steps)
        v_hat = self.v[i] / (1.0 - self.beta2**self.steps)
        return self.lr * m_hat / (math.sqrt(v_hat) + self.eps)
