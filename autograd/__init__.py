"""chainrule.autograd: scalar reverse-mode automatic differentiation.

>>> from chainrule.autograd import Value
>>> w, x = Value(3.0, "w"), Value(-1.0, "x")
>>> y = (w * x).sigmoid()
>>> y.backward()
>>> round(w.grad, 4)  # dy/dw = sigmoid'(wx) * x
-0.0452
"""

from .engine import (
    Value,
    detect_anomaly,
    dot,
    is_grad_enabled,
    no_grad,
    sum_values,
    topological_order,
    zero_grad,
)
from .gcpause import gc_paused
from .gradcheck import GradcheckResult, GradcheckRow, gradcheck
from .record import Program, ReplayError, record, record_graph

__all__ = [
    "Value",
    "detect_anomaly",
    "dot",
    "gc_paused",
    "gradcheck",
    "GradcheckResult",
    "GradcheckRow",
    "is_grad_enabled",
    "no_grad",
    "Program",
    "record",
    "record_graph",
    "ReplayError",
    "sum_values",
    "topological_order",
    "zero_grad",
]
