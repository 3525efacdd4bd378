"""gc_paused(): automatic collection off inside, the previous state back on exit, always."""

from __future__ import annotations

import gc
import threading

import pytest

from chainrule.autograd import Value, gc_paused


@pytest.fixture(autouse=True)
def _gc_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_pauses_and_restores():
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_reentrant_blocks_restore_only_at_the_outermost_exit():
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner exit must not switch it back on
    assert gc.isenabled()


def test_restored_when_the_block_raises():
    with pytest.raises(ZeroDivisionError), gc_paused():
        Value(1.0) / 0.0
    assert gc.isenabled()


def test_a_collector_the_user_disabled_stays_disabled():
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_explicit_collect_still_works_inside():
    class Cycle:
        pass

    with gc_paused():
        a = Cycle()
        a.me = a
        del a
        assert gc.collect() >= 1


def test_blocks_in_threads_exiting_in_any_order_leave_it_restored():
    """A enters, B enters, A exits (still paused for B), B exits (restored)."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with gc_paused():
            a_in.set()
            b_in.wait(5)
        seen["after A exits"] = gc.isenabled()
        a_out.set()

    def thread_b():
        a_in.wait(5)
        with gc_paused():
            b_in.set()
            a_out.wait(5)
            seen["inside B after A exits"] = gc.isenabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after A exits": False, "inside B after A exits": False}
    assert gc.isenabled()


def test_graphs_built_inside_are_freed_by_reference_counting():
    import weakref

    class Probe:
        pass

    with gc_paused():
        y = Value(1.0)
        for _ in range(1000):
            y = y * 1.0001
        y.backward()
        probe = Probe()
        ref = weakref.ref(probe)
        del probe
        assert ref() is None
        count = len(gc.get_objects())
        del y
        assert len(gc.get_objects()) < count - 900  # the chain went away without a collection
