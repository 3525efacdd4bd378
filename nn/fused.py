"""Replaying a recorded `Program` fast: placeholder that delegates to `chainrule.autograd.replay`."""

from __future__ import annotations

from chainrule.autograd.record import Program
from chainrule.autograd.replay import forward, value_and_grad


class Compiled:
    def __init__(self, program: Program) -> None:
        self.program = program

    def forward(self, params, X):
        return forward(self.program, params, X)

    def value_and_grad(self, params, X, seeds):
        return value_and_grad(self.program, params, X, seeds)


def compile_program(program: Program) -> Compiled:
    return Compiled(program)
