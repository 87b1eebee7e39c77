"""Keep one crashing query from failing the others.

When the engine dies, every query in flight loses its connection and nobody can tell
the culprit from its innocent neighbours. So each of them is retried once the engine is
back, but *alone*: a retry holds the :class:`Gate` exclusively (other queries wait at
the gate) for at most a probation period. A query that crashes the engine again while
alone is the culprit: it fails and its fingerprint is refused from then on. An innocent
retry succeeds; one that is still running when its probation ends is demoted to an
ordinary shared holder, so a slow query cannot hold everybody up.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from kringloop.errors import QueryTimeoutError


@dataclass
class _Hold:
    token: int
    started: float
    demoted: bool = False
    released: bool = False
    timer: threading.Timer | None = field(default=None, repr=False)


class Gate:
    """A readers-writer gate for the crash guard.

    An exclusive holder waits only for *young* shared holders (running for less than
    ``probation``): a query that has run that long without the engine crashing is not
    what a crash would be blamed on, and waiting for it could stall everyone for a whole
    deadline. New shared holders wait while an exclusive holder waits or holds; both
    waits are bounded by ``probation``, because an exclusive holder is demoted to a
    shared one when its probation ends.
    """

    def __init__(self, probation: float) -> None:
        self.probation = probation
        self._condition = threading.Condition()
        self._holders: dict[int, float] = {}
        self._exclusive = False
        self._waiting_exclusive = 0
        self._tokens = itertools.count()

    @contextmanager
    def shared(self, deadline: float) -> Iterator[None]:
        token = next(self._tokens)
        with self._condition:
            while self._exclusive or self._waiting_exclusive:
                self._wait(deadline)
            self._holders[token] = time.monotonic()
        try:
            yield
        finally:
            with self._condition:
                del self._holders[token]
                self._condition.notify_all()

    @contextmanager
    def exclusive(self, deadline: float) -> Iterator[_Hold]:
        with self._condition:
            self._waiting_exclusive += 1
            try:
                while True:
                    now = time.monotonic()
                    young = [t for t in self._holders.values() if now - t < self.probation]
                    if not self._exclusive and not young:
                        break
                    wake = min(young) + self.probation if young else deadline
                    self._wait(deadline, until=wake)
            finally:
                self._waiting_exclusive -= 1
            self._exclusive = True
            hold = _Hold(token=next(self._tokens), started=time.monotonic())
        hold.timer = threading.Timer(self.probation, self._demote, args=(hold,))
        hold.timer.daemon = True
        hold.timer.start()
        try:
            yield hold
        finally:
            hold.timer.cancel()
            with self._condition:
                hold.released = True
                if hold.demoted:
                    del self._holders[hold.token]
                else:
                    self._exclusive = False
                self._condition.notify_all()

    def _demote(self, hold: _Hold) -> None:
        with self._condition:
            if hold.released or hold.demoted:
                return
            hold.demoted = True
            self._exclusive = False
            self._holders[hold.token] = hold.started
            self._condition.notify_all()

    def _wait(self, deadline: float, until: float | None = None) -> None:
        now = time.monotonic()
        if deadline - now <= 0:
            raise QueryTimeoutError(
                "the query did not finish within its deadline: the engine was recovering "
                "from a crash"
            )
        wake = deadline if until is None else min(until, deadline)
        self._condition.wait(max(wake - now, 0.001))


class CrashRecord:
    """Fingerprints of queries that crashed the engine; bounded, oldest forgotten first."""

    def __init__(self, capacity: int = 1000) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._culprits: OrderedDict[str, float] = OrderedDict()

    @staticmethod
    def fingerprint(*parts: str) -> str:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode("utf-8", errors="surrogatepass"))
            digest.update(b"\x00")
        return digest.hexdigest()

    def is_culprit(self, fingerprint: str) -> bool:
        with self._lock:
            return fingerprint in self._culprits

    def add(self, fingerprint: str) -> None:
        with self._lock:
            self._culprits[fingerprint] = time.time()
            self._culprits.move_to_end(fingerprint)
            while len(self._culprits) > self._capacity:
                self._culprits.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._culprits)
