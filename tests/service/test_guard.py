"""The crash guard's gate and record, as plain objects (no processes)."""

from __future__ import annotations

import threading
import time

import pytest

from kringloop.errors import QueryTimeoutError
from kringloop.store.guard import CrashRecord, Gate


def test_exclusive_waits_for_young_shared_holders_only() -> None:
    gate = Gate(probation=0.3)
    release = threading.Event()

    def hold_shared() -> None:
        with gate.shared(time.monotonic() + 5):
            release.wait(5)

    holder = threading.Thread(target=hold_shared)
    holder.start()
    time.sleep(0.05)
    started = time.monotonic()
    with gate.exclusive(time.monotonic() + 5):
        waited = time.monotonic() - started
    release.set()
    holder.join()
    # the shared holder never finished: the exclusive one waited until it aged out
    assert 0.2 <= waited < 0.5


def test_shared_waits_behind_exclusive_until_its_probation_ends() -> None:
    gate = Gate(probation=0.3)
    release = threading.Event()
    entered = threading.Event()

    def hold_exclusive() -> None:
        with gate.exclusive(time.monotonic() + 5) as hold:
            entered.set()
            release.wait(5)
            assert hold.demoted

    holder = threading.Thread(target=hold_exclusive)
    holder.start()
    entered.wait(5)
    started = time.monotonic()
    with gate.shared(time.monotonic() + 5):
        waited = time.monotonic() - started
    release.set()
    holder.join()
    assert 0.2 <= waited < 0.5


def test_waiting_past_the_deadline_is_a_timeout() -> None:
    gate = Gate(probation=5.0)
    with gate.exclusive(time.monotonic() + 5):
        done: list[BaseException] = []

        def try_shared() -> None:
            try:
                with gate.shared(time.monotonic() + 0.1):
                    pass
            except QueryTimeoutError as error:
                done.append(error)

        thread = threading.Thread(target=try_shared)
        thread.start()
        thread.join(5)
    assert len(done) == 1
    assert done[0].status == 503


def test_crash_record_is_bounded_and_exact() -> None:
    record = CrashRecord(capacity=2)
    first, second, third = (CrashRecord.fingerprint(q, "g") for q in ("a", "b", "c"))
    assert CrashRecord.fingerprint("a", "g") != CrashRecord.fingerprint("a g")
    for fingerprint in (first, second, third):
        record.add(fingerprint)
    assert not record.is_culprit(first)
    assert record.is_culprit(second) and record.is_culprit(third)
    assert len(record) == 2


@pytest.mark.parametrize("probation", [0.0, 0.05])
def test_exclusive_with_no_holders_is_immediate(probation: float) -> None:
    gate = Gate(probation=probation)
    started = time.monotonic()
    with gate.exclusive(time.monotonic() + 1):
        pass
    with gate.shared(time.monotonic() + 1):
        pass
    assert time.monotonic() - started < 0.1
