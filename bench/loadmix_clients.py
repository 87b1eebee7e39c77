"""The mix of ``bench.loadmix``: what is asked, and the clients that ask it.

:func:`plan_reads` makes the reads from the curated views themselves (their checks'
parameters, their texts, their pages and the ``/doc`` pages of the IRIs they name);
:func:`run` sends them from simulated clients, each from its own address, and tallies
every answer by kind: answered (2xx/3xx, with its latency), limited (429) or an error.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import random
import re
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import viewset
from bench.stats import percentile
from kringloop.paths import project_root
from kringloop.resources import local_path
from kringloop.views import View
from kringloop.vocab import PREFIXES

KINDS = ("view data", "view CSV", "sparql", "page", "write")
#: How often each kind of read is chosen (writes come on their own schedule).
WEIGHTS = {"view data": 3, "view CSV": 1, "sparql": 3, "page": 3}
#: The greedy client: a script asking for data from a few threads at once.
GREEDY_MIX = {"view data": 1, "sparql": 1}
GREEDY_THREADS = 4
PARTNER_FILE = project_root() / "examples" / "partners" / "cirkelregio-utrecht.ttl"
_PARTNER_REF = re.compile(r"https://w3id\.org/kringloop/id/partner/([a-z0-9-]+)/")


@dataclass(frozen=True)
class Call:
    """One request of the mix."""

    kind: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class Writer:
    """The partner: its graph, its data and its token."""

    graph: str
    data: bytes
    token: str

    def call(self) -> Call:
        path = "/graph-store?" + urllib.parse.urlencode({"graph": self.graph})
        headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {self.token}"}
        return Call("write", "PUT", path, headers, self.data)


# -- what is asked -------------------------------------------------------------------------


def expand(value: str) -> str:
    """A header's ``id:x`` as the IRI it stands for; anything else as it is."""
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return value


def example_values(view: View) -> dict[str, str] | None:
    """The parameters of the view's first check that expects rows; None if it needs some
    and has no such check."""
    for check in view.checks:
        if check.params and check.rows != 0:
            return {name: expand(value) for name, value in check.params.items()}
    if any(param.required for param in view.params):
        return None
    return {}


def plan_reads(views: Sequence[View], queries_dir: Path) -> dict[str, list[Call]]:
    """Every read of the mix, by kind."""
    plan: dict[str, list[Call]] = {kind: [] for kind in WEIGHTS}
    pages = ["/", "/activiteiten", "/views"]
    texts = {view.name: view for view in viewset.load_views(queries_dir)}
    for view in views:
        values = example_values(view)
        if values is None:
            continue
        query = ("?" + urllib.parse.urlencode(values)) if values else ""
        if view.form == "CONSTRUCT":
            plan["view data"].append(Call("view data", "GET", f"/views/{view.name}.ttl{query}"))
        else:
            plan["view data"].append(Call("view data", "GET", f"/views/{view.name}.json{query}"))
            plan["view CSV"].append(Call("view CSV", "GET", f"/views/{view.name}.csv{query}"))
        pages.append(f"/views/{view.name}{query}")
        pages += [page for page in map(local_path, values.values()) if page is not None]
        iris = {name: value for name, value in values.items() if value.startswith("http")}
        if view.name in texts and len(iris) == len(values):
            bench_view = texts[view.name]
            text = bench_view.bind(iris)
            accept = bench_view.accept
            body = urllib.parse.urlencode({"query": text}).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
            plan["sparql"].append(Call("sparql", "POST", "/sparql", headers, body))
    plan["page"] = [Call("page", "GET", page) for page in dict.fromkeys(pages)]
    empty = [kind for kind, calls in plan.items() if not calls]
    if empty:
        raise ValueError(f"nothing to ask for: {', '.join(empty)}")
    return plan


def partner_writer(file: Path, token: str) -> Writer:
    """The partner named by the namespace its example file uses, and that file."""
    data = file.read_bytes()
    found = _PARTNER_REF.search(data.decode("utf-8", errors="replace"))
    if found is None:
        raise ValueError(f"{file}: no partner namespace (…/id/partner/REF/) in it")
    return Writer(f"https://w3id.org/kringloop/id/graaf/partner-{found.group(1)}", data, token)


def register_partner(data_dir: Path, file: Path) -> str:
    """Register the example file's partner in ``data_dir`` (or renew its token): the token."""
    from kringloop.partners.registry import Registry

    ref = partner_writer(file, "").graph.rsplit("partner-", 1)[1]
    registry = Registry.open(data_dir)
    if registry.get(ref) is not None:
        return registry.rotate_token(ref)
    _, token = registry.add(ref, f"Loadmix {ref}")
    return token


# -- the clients ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What one kind of request met."""

    seconds: list[float] = field(default_factory=list)
    limited: int = 0
    errors: list[str] = field(default_factory=list)


class Load:
    """The shared bounds and the tallies of a run."""

    def __init__(self, port: int, seconds: float, max_requests: int, forwarded: bool) -> None:
        self.port = port
        self.seconds = seconds
        self.stop_at = time.monotonic() + seconds
        self.forwarded = forwarded
        self._budget = itertools.count(1)
        self.max_requests = max_requests
        self._lock = threading.Lock()
        self.tallies: dict[str, dict[str, Tally]] = {}

    def warm_up(self, calls: Sequence[Call]) -> None:
        """Every call once, each from its own address (its own limits), before the clock
        starts: the first answers of a fresh service include template compilation."""
        for number, call in enumerate(calls):
            self.send("warm-up", f"127.0.1.{1 + number % 250}", call)
        self.stop_at = time.monotonic() + self.seconds

    def going(self) -> bool:
        return time.monotonic() < self.stop_at

    def take_turn(self) -> bool:
        """One more request within ``max_requests``?"""
        with self._lock:
            return next(self._budget) <= self.max_requests

    def send(self, client: str, address: str, call: Call) -> None:
        """Send ``call`` as ``client`` from ``address`` on a fresh connection; tally it."""
        headers = dict(call.headers)
        source: tuple[str, int] | None = (address, 0)
        if self.forwarded:
            headers["X-Forwarded-For"] = address
            source = None
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=120, source_address=source
        )
        start = time.perf_counter()
        try:
            connection.request(call.method, call.path, body=call.body, headers=headers)
            response = connection.getresponse()
            body = response.read()
            status = response.status
        except OSError as error:
            self._record(client, call.kind, None, f"{type(error).__name__}: {error}")
            return
        finally:
            connection.close()
        elapsed = time.perf_counter() - start
        if 200 <= status < 400:
            self._record(client, call.kind, elapsed, None)
        elif status == 429:
            self._record(client, call.kind, None, None)
        else:
            self._record(client, call.kind, None, f"{call.path[:80]}: HTTP {status} {body[:160]!r}")

    def _record(self, client: str, kind: str, seconds: float | None, error: str | None) -> None:
        with self._lock:
            tally = self.tallies.setdefault(client, {}).setdefault(kind, Tally())
            if seconds is not None:
                tally.seconds.append(seconds)
            elif error is not None:
                tally.errors.append(error)
            else:
                tally.limited += 1


def reader(
    load: Load,
    client: str,
    address: str,
    plan: dict[str, list[Call]],
    rate: float,
    mix: dict[str, int] = WEIGHTS,
    seed: int = 0,
) -> None:
    """A person (or a script's thread): a ``mix`` of reads, at most ``rate`` a second, in
    an order fixed by ``client`` and ``seed``."""
    chooser = random.Random(f"{client}/{seed}")
    kinds = list(mix)
    weights = [mix[kind] for kind in kinds]
    turns = {kind: chooser.randrange(len(plan[kind])) for kind in kinds}
    while load.going() and load.take_turn():
        started = time.monotonic()
        kind = chooser.choices(kinds, weights)[0]
        calls = plan[kind]
        load.send(client, address, calls[turns[kind] % len(calls)])
        turns[kind] += 1
        if rate > 0:
            time.sleep(max(0.0, started + 1 / rate - time.monotonic()))


def writer(load: Load, address: str, partner: Writer, every: float) -> None:
    """The partner: a PUT of its graph every ``every`` seconds."""
    while load.going() and load.take_turn():
        started = time.monotonic()
        load.send("partner", address, partner.call())
        time.sleep(max(0.0, min(started + every, load.stop_at) - time.monotonic()))


def run(
    port: int,
    plan: dict[str, list[Call]],
    partner: Writer | None,
    options: argparse.Namespace,
) -> dict[str, Any]:
    """The whole load; the summary :func:`summarise` makes of it."""
    load = Load(port, options.seconds, options.max_requests, options.forwarded)
    everything = [call for calls in plan.values() for call in calls]
    load.warm_up([*everything, *([partner.call()] if partner is not None else [])])
    threads = [
        threading.Thread(
            target=reader, args=(load, f"client-{n}", f"127.0.0.{10 + n}", plan, options.rate)
        )
        for n in range(options.clients)
    ]
    if options.greedy:  # a script with a few threads, on the data only
        rate = options.greedy_rate / GREEDY_THREADS
        for seed in range(GREEDY_THREADS):
            greedy = (load, "greedy", "127.0.0.9", plan, rate, GREEDY_MIX, seed)
            threads.append(threading.Thread(target=reader, args=greedy))
    if partner is not None:
        writes = (load, "127.0.0.8", partner, options.write_every)
        threads.append(threading.Thread(target=writer, args=writes))
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarise(load, time.perf_counter() - start, options)


def _row(tallies: Sequence[Tally]) -> dict[str, Any]:
    seconds = [value for tally in tallies for value in tally.seconds]
    errors = [error for tally in tallies for error in tally.errors]
    limited = sum(tally.limited for tally in tallies)
    row: dict[str, Any] = {
        "requests": len(seconds) + len(errors) + limited,
        "answered": len(seconds),
        "limited": limited,
        "errors": len(errors),
        "error_samples": errors[:3],
    }
    for pct in (50, 95, 99):
        row[f"p{pct}_ms"] = round(percentile(seconds, pct) * 1000, 2) if seconds else None
    row["max_ms"] = round(max(seconds) * 1000, 2) if seconds else None
    return row


def summarise(load: Load, elapsed: float, options: argparse.Namespace) -> dict[str, Any]:
    people = [name for name in load.tallies if name.startswith("client-") or name == "partner"]
    by_kind = {
        kind: _row([load.tallies[name][kind] for name in people if kind in load.tallies[name]])
        for kind in KINDS
    }
    measured = [name for name in load.tallies if name != "warm-up"]
    everyone = [tally for name in measured for tally in load.tallies[name].values()]
    warm = _row(list(load.tallies.get("warm-up", {}).values()))
    total = _row(everyone)
    return {
        "seconds": round(elapsed, 2),
        "clients": options.clients,
        "rate_per_client": options.rate,
        "write_every_s": options.write_every,
        "addresses": "X-Forwarded-For" if options.forwarded else "source address",
        "kinds": by_kind,
        "people": _row([tally for name in people for tally in load.tallies[name].values()]),
        "greedy": _row(list(load.tallies.get("greedy", {}).values())) if options.greedy else None,
        "greedy_rate": options.greedy_rate if options.greedy else None,
        "total": total,
        "warm_up": warm,
        "errors": total["errors"] + warm["errors"],
        "throughput_rps": round(total["requests"] / elapsed, 1) if elapsed else None,
    }
