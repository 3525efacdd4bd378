"""The lecture's two-weight network, the running example of backpropagation.

    x -(w1)-> z1 -> g -(w2)-> yhat -> J

z1 = w1 * x, a1 = g(z1) with g the sigmoid, yhat = w2 * a1, and the loss
J = (y - yhat)^2 for a target y. The default numbers are x = 2, w1 = 0.5,
w2 = -1.5, y = 1: small enough to follow by hand, and chosen so that every
factor of the chain rule is a different, visible number.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.autograd import Value

__all__ = ["TwoWeightNetwork", "two_weight_network"]


@dataclass(frozen=True)
class TwoWeightNetwork:
    """The labelled Values of the example, from input to loss."""

    x: Value
    w1: Value
    z1: Value
    a1: Value
    w2: Value
    yhat: Value
    y: Value
    J: Value

    def loss_at(self, w1: float | None = None, w2: float | None = None) -> float:
        """J with w1 and/or w2 replaced (others as built), for central differences."""
        other = two_weight_network(
            x=self.x.data,
            w1=self.w1.data if w1 is None else w1,
            w2=self.w2.data if w2 is None else w2,
            y=self.y.data,
        )
        return other.J.data


def two_weight_network(
    x: float = 2.0, w1: float = 0.5, w2: float = -1.5, y: float = 1.0
) -> TwoWeightNetwork:
    """Build the example's graph (forward pass only; call ``net.J.backward()`` next)."""
    xv, w1v, w2v, yv = Value(x, "x"), Value(w1, "w1"), Value(w2, "w2"), Value(y, "y")
    z1 = (w1v * xv).named("z1")
    a1 = z1.sigmoid().named("a1")
    yhat = (w2v * a1).named("yhat")
    err = (yv - yhat).named("err")
    J = (err**2).named("J")
    return TwoWeightNetwork(xv, w1v, z1, a1, w2v, yhat, yv, J)
