"""Rate limiting per client: a token bucket per client key and request class.

Each class of request (``query``, ``page``, ``write``) has a :class:`Budget`: a steady
rate per minute and a burst, the size of the bucket. A client's bucket starts full,
each request takes one token, and tokens come back at the steady rate. An empty bucket
means the request is refused, with the whole seconds until the next token (for
``Retry-After``).

Memory stays bounded whatever the clients do: at most ``max_clients`` buckets per class
are kept, least recently used first out, and a bucket that has refilled completely is
dropped (it holds nothing a fresh bucket would not). IPv6 clients are keyed by their
/64 network, which one host usually has whole (:func:`client_key`).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: Buckets kept per class before the least recently used one is dropped.
MAX_CLIENTS = 10_000
#: Most characters of a client key that is not an IP address (kept as text).
MAX_KEY_CHARS = 100


@dataclass(frozen=True)
class Budget:
    """``per_minute`` requests on average, up to ``burst`` at once."""

    per_minute: int
    burst: int

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst <= 0:
            raise ValueError("a budget needs a positive rate and burst")

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


@dataclass(frozen=True)
class Decision:
    """Whether a request may go ahead; if not, whole seconds (>= 1) to wait."""

    allowed: bool
    retry_after: int = 0


ALLOWED = Decision(True)


class TokenBuckets:
    """One budget for many clients; thread-safe; bounded memory."""

    def __init__(
        self,
        budget: Budget,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_clients <= 0:
            raise ValueError("max_clients must be positive")
        self.budget = budget
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        #: key -> (tokens, when they were counted); oldest use first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)

    def take(self, key: str) -> Decision:
        """Take one token from ``key``'s bucket, or say how long until there is one."""
        budget = self.budget
        with self._lock:
            now = self._clock()
            self._forget_full(now)
            tokens, counted = self._buckets.pop(key, (float(budget.burst), now))
            tokens = min(float(budget.burst), tokens + (now - counted) * budget.per_second)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                decision = ALLOWED
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / budget.per_second
                decision = Decision(False, max(1, math.ceil(wait)))
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return decision

    def _forget_full(self, now: float) -> None:
        """Drop buckets, oldest use first, that have refilled completely since."""
        while self._buckets:
            key, (tokens, counted) = next(iter(self._buckets.items()))
            if now - counted < (self.budget.burst - tokens) / self.budget.per_second:
                return
            del self._buckets[key]


class RateLimiter:
    """A :class:`TokenBuckets` per request class; a class without a budget is not limited."""

    def __init__(
        self,
        budgets: Mapping[str, Budget],
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._classes = {
            name: TokenBuckets(budget, max_clients, clock) for name, budget in budgets.items()
        }

    @property
    def classes(self) -> tuple[str, ...]:
        """The request classes that are limited."""
        return tuple(self._classes)

    def check(self, request_class: str, key: str) -> Decision:
        buckets = self._classes.get(request_class)
        return ALLOWED if buckets is None else buckets.take(key)


def client_key(remote_addr: str, forwarded_for: str = "", trusted_proxies: int = 0) -> str:
    """The key a client is counted under.

    ``remote_addr`` is the peer of the connection. With ``trusted_proxies`` = n > 0 that
    many reverse proxies stand in front of the service, each appending the address it
    saw to ``X-Forwarded-For`` (``forwarded_for``, all values joined by commas); the
    client is then the n-th address from the right (the leftmost ones are whatever the
    client claimed, and are never trusted). A header with fewer addresses leaves the
    peer as the client. With 0 the header is ignored: anyone can send it.
    """
    address = remote_addr
    if trusted_proxies > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",")]
        if len(hops) >= trusted_proxies:
            address = hops[-trusted_proxies]
    return _normalise(address)


def _normalise(address: str) -> str:
    """An IPv4 address as is; IPv6 as its /64 network; other text cut to a bounded key."""
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address[:MAX_KEY_CHARS]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
