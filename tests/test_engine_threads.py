"""no_grad() and detect_anomaly() hold per thread and per asyncio task, even when blocks overlap."""

import asyncio
import math
import random
import sys
import threading

import pytest

from chainrule.autograd import (
    Value,
    detect_anomaly,
    is_anomaly_enabled,
    is_grad_enabled,
    modes,
    no_grad,
)


def records_graph() -> bool:
    """Does an operation made here, now, keep its inputs?"""
    a = Value(2.0)
    return (a * 3.0).parents != ()


def raises_on_inf() -> bool:
    """Does an operation that overflows to inf, made here, now, raise?"""
    try:
        Value(1e200) * 1e200
    except FloatingPointError:
        return True
    return False


MODES = [
    pytest.param(no_grad, lambda: not records_graph() and not is_grad_enabled(), id="no_grad"),
    pytest.param(detect_anomaly, lambda: raises_on_inf() and is_anomaly_enabled(), id="anomaly"),
]


@pytest.mark.parametrize("mode, inside", MODES)
def test_blocks_interleaved_across_threads_restore_each_thread(mode, inside):
    """Thread A enters, B enters, A leaves, B leaves: each thread sees its own setting."""
    a_entered, b_entered, a_left, main_checked = (threading.Event() for _ in range(4))
    seen = {}

    def thread_a():
        with mode():
            seen["A inside"] = inside()
            a_entered.set()
            b_entered.wait(5)
            seen["A inside, B inside"] = inside()
        seen["A after"] = inside()
        a_left.set()

    def thread_b():
        a_entered.wait(5)
        with mode():
            b_entered.set()
            a_left.wait(5)
            seen["B inside, A left"] = inside()
            main_checked.wait(5)
        seen["B after"] = inside()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    a_left.wait(5)
    seen["main while B inside"] = inside()
    main_checked.set()
    for t in threads:
        t.join(5)
    assert seen == {
        "A inside": True,
        "A inside, B inside": True,
        "A after": False,
        "B inside, A left": True,
        "B after": False,
        "main while B inside": False,
    }
    assert not inside() and is_grad_enabled() and not is_anomaly_enabled()
    assert modes.active == 0


def exact_gradients(w: float, x: float) -> tuple[float, float, float]:
    """y = w*x + 3*w*w - x and its gradient, computed without the engine (small integers: exact)."""
    return w * x + 3 * w * w - x, x + 6 * w, w - 1


def test_trainers_beside_evaluators_get_exact_gradients():
    """Threads that differentiate run beside threads inside no_grad() and detect_anomaly()."""
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads very often, so that blocks overlap ops
    errors: list[str] = []
    stop = threading.Event()

    def trainer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(1500):
            w, x = float(rng.randint(-20, 20)), float(rng.randint(-20, 20))
            wv, xv = Value(w), Value(x)
            y = wv * xv + 3.0 * wv * wv - xv
            y.backward()
            if (y.data, wv.grad, xv.grad) != exact_gradients(w, x):
                errors.append(f"trainer {seed}: w={w} x={x} gave {y.data, wv.grad, xv.grad}")
            if not math.isinf((Value(1e200) * 1e200).data):
                errors.append(f"trainer {seed}: inf went missing")

    def evaluator() -> None:
        while not stop.is_set():
            with no_grad():
                if records_graph() or is_grad_enabled():
                    errors.append("evaluator: a graph inside no_grad()")

    def anomaly_checker() -> None:
        while not stop.is_set():
            with detect_anomaly():
                if not raises_on_inf():
                    errors.append("checker: inf not caught inside detect_anomaly()")

    helpers = [threading.Thread(target=f) for f in (evaluator, evaluator, anomaly_checker)]
    trainers = [threading.Thread(target=trainer, args=(seed,)) for seed in range(3)]
    try:
        for t in helpers + trainers:
            t.start()
        for t in trainers:
            t.join(120)
    finally:
        stop.set()
        for t in helpers:
            t.join(10)
        sys.setswitchinterval(old_interval)
    assert errors[:5] == []
    assert is_grad_enabled() and not is_anomaly_enabled() and modes.active == 0
    assert records_graph()


def test_asyncio_tasks_keep_their_own_setting():
    """Two tasks in one thread: A's no_grad() block never leaks into B, in either order."""
    seen = {}

    async def main():
        a_in, b_checked = asyncio.Event(), asyncio.Event()

        async def task_a():
            with no_grad():
                a_in.set()
                await b_checked.wait()
                seen["A inside"] = records_graph()

        async def task_b():
            await a_in.wait()
            seen["B while A inside"] = records_graph()
            with no_grad():
                b_checked.set()
                await asyncio.sleep(0)
                await asyncio.sleep(0)
            seen["B after"] = records_graph()

        await asyncio.gather(task_a(), task_b())

    asyncio.run(main())
    assert seen == {"A inside": False, "B while A inside": True, "B after": True}
    assert records_graph() and modes.active == 0


def test_a_thread_started_inside_no_grad_starts_with_its_own_setting():
    inherits = bool(getattr(sys.flags, "thread_inherit_context", 0))  # Python 3.14+ option
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(records_graph()))
        t.start()
        t.join(5)
    assert seen == [not inherits]


def test_modes_work_as_decorators_and_restore_after_errors():
    @no_grad()
    def evaluate(v):
        return v * 2.0

    assert evaluate(Value(1.0)).parents == ()
    assert records_graph()
    with pytest.raises(KeyError), detect_anomaly():
        raise KeyError
    assert not is_anomaly_enabled() and modes.active == 0
