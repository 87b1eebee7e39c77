"""Rate limiting per client: the token buckets (a clock of our own, no sleeping) and two live
services with tiny limits, one trusting no proxy, one trusting one.

Clients are told apart by their source address on loopback (``127.0.0.2``, ``127.0.0.3``, ...:
the whole of 127/8 is loopback on Linux) or, behind the trusted proxy, by
``X-Forwarded-For``.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from servicekit import Service, start_managed

from kringloop.errors import ConfigurationError
from kringloop.ratelimit import MAX_KEY_CHARS, Budget, RateLimiter, TokenBuckets, client_key
from kringloop.settings import Settings
from kringloop.web.ratelimit import PAGE, QUERY, WRITE, build_limiter, request_class

ASK = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})
TURTLE = b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n"


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- the buckets -----------------------------------------------------------------------------


def test_a_full_bucket_allows_the_burst_then_says_when_to_come_back() -> None:
    clock = Clock()
    buckets = TokenBuckets(Budget(per_minute=6, burst=3), clock=clock)  # a token per 10 s
    assert [buckets.take("a").allowed for _ in range(3)] == [True, True, True]
    refused = buckets.take("a")
    assert (refused.allowed, refused.retry_after) == (False, 10)
    clock.advance(9.5)
    assert buckets.take("a").retry_after == 1  # half a second left: a whole second
    clock.advance(0.5)
    assert buckets.take("a").allowed
    assert not buckets.take("a").allowed


def test_a_refused_request_costs_nothing_and_the_bucket_never_overfills() -> None:
    clock = Clock()
    buckets = TokenBuckets(Budget(per_minute=60, burst=2), clock=clock)
    assert buckets.take("a").allowed and buckets.take("a").allowed
    for _ in range(5):
        assert buckets.take("a").retry_after == 1
    clock.advance(1.0)
    assert buckets.take("a").allowed
    clock.advance(3600.0)
    assert [buckets.take("a").allowed for _ in range(3)] == [True, True, False]


def test_each_client_has_its_own_bucket() -> None:
    buckets = TokenBuckets(Budget(per_minute=1, burst=1), clock=Clock())
    assert buckets.take("a").allowed
    assert not buckets.take("a").allowed
    assert buckets.take("b").allowed


def test_a_flood_of_clients_keeps_memory_bounded() -> None:
    clock = Clock()
    buckets = TokenBuckets(Budget(per_minute=60, burst=5), max_clients=100, clock=clock)
    for number in range(10_000):
        buckets.take(f"client-{number}")
    assert len(buckets) == 100
    clock.advance(5.0)  # every bucket has refilled: nothing worth keeping
    buckets.take("late")
    assert len(buckets) == 1


def test_a_bucket_is_kept_while_it_still_holds_a_debt() -> None:
    clock = Clock()
    buckets = TokenBuckets(Budget(per_minute=60, burst=5), clock=clock)
    for _ in range(5):
        buckets.take("greedy")
    clock.advance(4.0)
    buckets.take("other")
    assert len(buckets) == 2
    assert [buckets.take("greedy").allowed for _ in range(5)] == [True] * 4 + [False]


def test_threads_never_get_more_than_the_burst() -> None:
    buckets = TokenBuckets(Budget(per_minute=1, burst=50), clock=Clock())
    allowed: list[bool] = []
    lock = threading.Lock()

    def client() -> None:
        for _ in range(100):
            decision = buckets.take("shared")
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(allowed), allowed.count(True)) == (800, 50)


def test_a_class_without_a_budget_is_not_limited() -> None:
    limiter = RateLimiter({WRITE: Budget(per_minute=1, burst=1)}, clock=Clock())
    assert limiter.classes == (WRITE,)
    assert all(limiter.check(QUERY, "a").allowed for _ in range(1000))
    assert limiter.check(WRITE, "a").allowed
    assert not limiter.check(WRITE, "a").allowed


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 1), (1, 0), (-1, 5)])
def test_a_budget_needs_a_positive_rate_and_burst(per_minute: int, burst: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        Budget(per_minute, burst)


# -- who the client is -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "key"),
    [
        ("192.0.2.7", "", 0, "192.0.2.7"),
        ("192.0.2.7", "203.0.113.1", 0, "192.0.2.7"),  # nobody trusted: a claim, ignored
        ("127.0.0.1", "203.0.113.1", 1, "203.0.113.1"),
        ("127.0.0.1", "6.6.6.6, 203.0.113.1", 1, "203.0.113.1"),  # the client's own claim
        ("127.0.0.1", "6.6.6.6, 203.0.113.1, 10.0.0.2", 2, "203.0.113.1"),
        ("127.0.0.1", "203.0.113.1", 2, "127.0.0.1"),  # fewer hops than proxies: the peer
        ("127.0.0.1", "", 1, "127.0.0.1"),
        ("2001:db8:1:2:3:4:5:6", "", 0, "2001:db8:1:2::/64"),  # one host holds a /64
        ("127.0.0.1", "[2001:db8::1]", 1, "2001:db8::/64"),
        ("::ffff:192.0.2.9", "", 0, "192.0.2.9"),
        ("127.0.0.1", "x" * 500, 1, "x" * MAX_KEY_CHARS),
    ],
)
def test_the_client_key(peer: str, forwarded: str, trusted: int, key: str) -> None:
    assert client_key(peer, forwarded, trusted) == key


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/sparql", QUERY),
        ("POST", "/sparql", QUERY),
        ("OPTIONS", "/sparql", None),
        ("GET", "/-/health", None),
        ("GET", "/-/metrics", None),
        ("GET", "/static/base.css", None),
        ("GET", "/", PAGE),
        ("GET", "/activiteiten", PAGE),
        ("GET", "/activiteiten.csv", QUERY),
        ("GET", "/views/activiteiten-per-thema", PAGE),
        ("GET", "/views/activiteiten-per-thema.json", QUERY),
        ("GET", "/views/thema-kolom-overzicht.svg", QUERY),
        ("GET", "/doc/thema/voedsel", PAGE),
        ("GET", "/dumps/", PAGE),
        ("GET", "/dumps/kringloop.nt.gz", QUERY),
        ("GET", "/graph-store", QUERY),
        ("HEAD", "/graph-store", QUERY),
        ("GET", "/openapi.json", QUERY),
        ("PUT", "/graph-store", WRITE),
        ("POST", "/graph-store", WRITE),
        ("DELETE", "/graph-store", WRITE),
        ("POST", "/graph-store/versions/2/restore", WRITE),
        ("GET", "/validate", PAGE),
        ("POST", "/validate", WRITE),
        ("PATCH", "/views", WRITE),
    ],
)
def test_the_request_class(method: str, path: str, kind: str | None) -> None:
    assert request_class(method, path) == kind


def test_the_settings_give_the_budgets() -> None:
    defaults = build_limiter(Settings())
    assert defaults.classes == (QUERY, PAGE, WRITE)
    off = build_limiter(Settings(rate_limit_queries=0, rate_limit_pages=0, rate_limit_writes=0))
    assert off.classes == ()
    settings = Settings(rate_limit_writes=2, rate_limit_burst=10)
    writes = build_limiter(settings)
    assert [writes.check(WRITE, "a").allowed for _ in range(3)] == [True, True, False]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("rate_limit_queries", "-1", "must not be negative"),
        ("trusted_proxies", "-1", "must not be negative"),
        ("rate_limit_burst", "0", "must be positive"),
    ],
)
def test_bad_rate_limit_settings_are_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.load(environ={f"KRINGLOOP_{name.upper()}": value})


# -- live ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, object]:
        assert self.headers["content-type"] == "application/problem+json", self.headers
        loaded: dict[str, object] = json.loads(self.body)
        return loaded


def send(
    service: Service,
    path: str,
    source: str = "127.0.0.1",
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    """One request from the loopback address ``source``."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", service.port, timeout=60, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(
            response.status,
            {key.lower(): value for key, value in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


#: Tiny limits: 3 at once, then a query every 10 s, a page every second, a write every 30 s.
TINY = (
    "--rate-limit-queries",
    "6",
    "--rate-limit-pages",
    "60",
    "--rate-limit-writes",
    "2",
    "--rate-limit-burst",
    "3",
)
_sources = (f"127.0.0.{number}" for number in itertools.count(2))


@pytest.fixture
def source() -> str:
    """A loopback address no other test of this module has used."""
    return next(_sources)


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_managed(tmp_path_factory.mktemp("limited"), *TINY)
    yield service
    service.stop()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_managed(tmp_path_factory.mktemp("proxied"), *TINY, "--trusted-proxies", "1")
    yield service
    service.stop()


def use_up_queries(service: Service, source: str, headers: dict[str, str] | None = None) -> Answer:
    """The burst of queries answered, then the first refusal."""
    for _ in range(3):
        assert send(service, ASK, source, headers=headers).status == 200
    return send(service, ASK, source, headers=headers)


def test_the_request_after_the_burst_is_429_with_retry_after(limited: Service, source: str) -> None:
    refused = use_up_queries(limited, source)
    assert refused.status == 429
    problem = refused.problem()
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 10
    assert problem["status"] == 429 and problem["title"] == "Too many requests"
    assert problem["retryAfter"] == retry_after and problem["limit"] == QUERY
    assert problem["instance"] == "/sparql" and problem["requestId"]
    assert problem["lang"] == "nl" and "probeer het over" in str(problem["detail"])
    english = send(limited, ASK, source, headers={"Accept-Language": "en"})
    assert english.status == 429 and "try again in" in str(english.problem()["detail"])


def test_other_clients_are_not_affected(limited: Service, source: str) -> None:
    assert use_up_queries(limited, source).status == 429
    other = next(_sources)
    assert send(limited, ASK, other).status == 200


def test_pages_writes_and_queries_have_separate_budgets(limited: Service, source: str) -> None:
    assert use_up_queries(limited, source).status == 429
    assert send(limited, "/activiteiten", source).status == 200
    check = {"Content-Type": "text/turtle"}
    for _ in range(2):  # the write budget is 2 at once (at most the write rate)
        assert send(limited, "/validate", source, "POST", check, TURTLE).status == 200
    refused = send(limited, "/validate", source, "POST", check, TURTLE)
    assert refused.status == 429 and refused.problem()["limit"] == WRITE
    assert send(limited, "/views", source).status == 200


def test_health_static_files_and_preflight_are_never_limited(limited: Service, source: str) -> None:
    assert use_up_queries(limited, source).status == 429
    for _ in range(5):
        assert send(limited, "/-/health", source).status == 200
        assert send(limited, "/static/base.css", source).status == 200
        preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
        assert send(limited, "/sparql", source, "OPTIONS", preflight).status < 400


def test_after_retry_after_the_client_is_served_again(limited: Service, source: str) -> None:
    """Pages come back at one a second: the wait is short."""
    for _ in range(30):
        answer = send(limited, "/views", source)
        if answer.status == 429:
            break
        assert answer.status == 200
    assert answer.status == 429
    retry_after = int(answer.headers["retry-after"])
    assert retry_after == 1
    time.sleep(retry_after)
    assert send(limited, "/views", source).status == 200


def test_x_forwarded_for_is_ignored_without_trusted_proxies(limited: Service, source: str) -> None:
    assert use_up_queries(limited, source).status == 429
    spoofed = send(limited, ASK, source, headers={"X-Forwarded-For": "203.0.113.50"})
    assert spoofed.status == 429


def test_the_refusals_are_counted_in_the_metrics(limited: Service, source: str) -> None:
    assert use_up_queries(limited, source).status == 429
    lines = send(limited, "/-/metrics", source).body.decode().splitlines()
    refused = [line for line in lines if line.startswith("kringloop_http_requests_total{")]
    assert any('route="/sparql"' in line and 'status="429"' in line for line in refused)


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
    proxied: Service,
) -> None:
    proxy = "127.0.0.9"  # the one peer all clients come through
    first = {"X-Forwarded-For": "198.51.100.1"}
    assert use_up_queries(proxied, proxy, first).status == 429
    assert send(proxied, ASK, proxy, headers={"X-Forwarded-For": "198.51.100.2"}).status == 200
    # The client claims another address; the proxy appends the one it saw.
    claimed = {"X-Forwarded-For": "198.51.100.3, 198.51.100.1"}
    assert send(proxied, ASK, proxy, headers=claimed).status == 429
