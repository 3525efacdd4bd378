"""chainrule.autograd: scalar reverse-mode automatic differentiation.

>>> from chainrule.autograd import Value
>>> w, x = Value(3.0, "w"), Value(-1.0, "x")
>>> y = (w * x).sigmoid()
>>> y.backward()
>>> round(w.grad, 4)  # dy/dw = sigmoid'(wx) * x
-0.0452
"""

from .engine import (
    GradAccumulationWarning,
    Value,
    detect_anomaly,
    dot,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    sum_values,
    topological_order,
    zero_grad,
)
from .gradcheck import GradcheckResult, GradcheckRow, gradcheck

__all__ = [
    "Value",
    "GradAccumulationWarning",
    "detect_anomaly",
    "dot",
    "gradcheck",
    "GradcheckResult",
    "GradcheckRow",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "sum_values",
    "topological_order",
    "zero_grad",
]
