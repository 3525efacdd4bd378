"""The two switches that change how operations run: `no_grad()` and `detect_anomaly()`.

Each switch belongs to the thread (and the asyncio task) that turns it on: a `no_grad()`
block in an evaluation thread never stops another thread from recording its graph, and
blocks that overlap in different threads each restore their own setting. (The setting is
a `contextvars.ContextVar`: code that copies the context, such as `asyncio.to_thread`,
takes the setting along; a new `threading.Thread` starts with both switches off, unless
Python copies the context into threads: `sys.flags.thread_inherit_context`, 3.14+.)

The engine's operations first look at one number, `active`: how many blocks are open in
the whole process. While it is 0 (almost always) they need not look any further, so the
switches cost nothing when they are off.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

__all__ = ["no_grad", "is_grad_enabled", "detect_anomaly", "is_anomaly_enabled"]

# Per thread and per asyncio task (a ContextVar, unlike a global, is never shared between them).
grad_enabled: ContextVar[bool] = ContextVar("chainrule_grad_enabled", default=True)
anomaly_enabled: ContextVar[bool] = ContextVar("chainrule_anomaly_enabled", default=False)

active = 0  # blocks open right now, in any thread: 0 means "both switches are off everywhere"
_active_lock = threading.Lock()


@contextmanager
def _switched(var: ContextVar[bool], on: bool) -> Iterator[None]:
    """Set `var` for this thread/task inside the block; restore it on exit, even on error."""
    global active
    token = var.set(on)
    with _active_lock:
        active += 1
    try:
        yield
    finally:
        with _active_lock:
            active -= 1
        var.reset(token)


def no_grad() -> AbstractContextManager[None]:
    """Inside this block, operations in this thread build no graph: results have no parents.

    Use it for evaluation and for updating weights. Nested blocks are fine; the previous
    setting is restored on exit, even after an exception. Other threads are not affected.
    """
    return _switched(grad_enabled, False)


def is_grad_enabled() -> bool:
    """False inside `no_grad()` (in this thread)."""
    return grad_enabled.get()


def detect_anomaly() -> AbstractContextManager[None]:
    """Inside this block an inf or NaN raises FloatingPointError at the op that made it.

    Every operation checks its result and local derivatives, and `backward` checks every
    gradient; the message names the operation and the labels of its inputs. It slows
    operations down, so it is off by default. Like `no_grad`, it holds for this thread only.
    """
    return _switched(anomaly_enabled, True)


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()` (in this thread)."""
    return anomaly_enabled.get()
