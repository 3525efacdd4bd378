"""Pause CPython's automatic cyclic garbage collection while a big graph is built and walked.

The engine makes no reference cycles: a graph is freed by reference counting
the moment its root is dropped. But every `Value` is a tracked container, so
while a graph of 10^4..10^6 nodes is alive the cyclic collector runs again and
again and scans all of it, finding nothing: 40-85 % of a large training step
(see benchmarks/gc_policy.py). Inside `gc_paused()` automatic collection is off;
the previous state is restored on exit.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_depth = 0  # how many gc_paused() blocks are open, in any thread
_restore = False  # whether the outermost block found automatic collection on


@contextmanager
def gc_paused() -> Iterator[None]:
    """Turn automatic garbage collection off inside the block; restore it on exit.

    Re-entrant and shared between threads: collection stays off until the last
    open block (in any thread) exits, whatever the order in which blocks exit;
    then it is switched back on only if it was on when the first block opened.
    So a collector the user had disabled stays disabled, and an exception
    restores the state as a normal exit does. ``gc.collect()`` still works
    inside the block. Objects made inside are not lost: reference counting
    frees them as usual, and the collector sees any survivors once it is on again.
    """
    global _depth, _restore
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore:
                gc.enable()
