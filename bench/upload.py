"""Partner uploads through ``PUT /graph-store``: their time, and what they do to everyone else.

    python -m bench.upload --sizes 10k,100k --doc docs/performance.md

One invocation generates partner-profile graphs (``bench.synthetic``, partner ``bench``),
registers two partners in the fresh data directory of a real ``kringloop serve``
(defaults: managed Oxigraph, one gunicorn worker with threads) and measures:

a) the wall time of ``PUT /graph-store`` (N-Triples) per size, ``--runs`` times on a quiet
   service (the first run creates the graph, the others replace it), beside the
   server-side time of the request from Kringloop's own JSON log (its logs give no split
   into parsing, validation, storing and the engine);
b) read latency from client threads of this process, a curated view
   (``/views/<view>.json``) and a small ``/sparql`` query, each with a pause between
   requests: first alone (baseline), then while the largest size is uploaded;
c) another partner's small PUT, the same way: alone, then during the largest upload.

The "during" figures are divided by the baseline of the same invocation. Every answer is
checked: reads 200, writes 200/201 with the triple count that was sent.

Target (issue 6): a 100k-triple upload is validated in under 10 s, and a large upload
never blocks reads or other partners' writes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import report
from bench.service import KringloopService
from bench.stats import percentile
from bench.synthetic import OUT_DIR, Concepts, parse_size, size_label, write_partner_graph
from kringloop.partners.registry import Registry

TARGET_S = 10.0
PARTNER = "bench"
OTHER = "bench-ander"
#: The other partner's small graph (triples; the generator ends on a whole activity).
SMALL = 300
#: Counts per theme and column: a curated view that reads every activity, partners' too.
VIEW = "thema-kolom-overzicht"
PROBE = "SELECT (COUNT(*) AS ?n) WHERE { ?t a <https://w3id.org/kringloop/def#Thema> }"
NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Hit:
    """One answered request: status, client seconds, the request id, the body."""

    status: int
    seconds: float
    request_id: str
    body: bytes


class Client:
    """Requests to ``kringloop serve`` on loopback, a new connection each (no idle drops)."""

    def __init__(self, port: int, timeout: float = 600.0) -> None:
        self.port = port
        self.timeout = timeout

    def send(
        self,
        method: str,
        path: str,
        prefix: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Hit:
        request_id = f"{prefix}-{uuid.uuid4().hex[:12]}"
        sent = {"X-Request-Id": request_id, **(headers or {})}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            start = time.perf_counter()
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            seconds = time.perf_counter() - start
        finally:
            connection.close()
        return Hit(response.status, seconds, request_id, data)

    def put_graph(self, graph: str, data: bytes, token: str, prefix: str) -> Hit:
        path = "/graph-store?" + urllib.parse.urlencode({"graph": graph})
        headers = {"Content-Type": NTRIPLES, "Authorization": f"Bearer {token}"}
        return self.send("PUT", path, prefix, data, headers)


@dataclass
class Probe:
    """A client thread repeating one request, with a pause, until told to stop."""

    name: str
    request: Callable[[], Hit]
    pause_s: float
    hits: list[Hit] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    accept: tuple[int, ...] = (200,)

    def run(self, stop: threading.Event) -> None:
        """At least one request, then more until ``stop`` is set."""
        while True:
            try:
                hit = self.request()
            except OSError as error:
                self.failures.append(f"{type(error).__name__}: {error}")
            else:
                self.hits.append(hit)
                if hit.status not in self.accept:
                    self.failures.append(f"HTTP {hit.status}: {hit.body[:200]!r}")
            if stop.wait(self.pause_s):
                return


def run_probes(probes: Sequence[Probe], work: Callable[[], Any]) -> Any:
    """Run ``probes`` in threads while ``work`` runs in this one; ``work``'s result."""
    stop = threading.Event()
    threads = [threading.Thread(target=p.run, args=(stop,), daemon=True) for p in probes]
    for thread in threads:
        thread.start()
    try:
        return work()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=600)


def latency(hits: Sequence[Hit]) -> dict[str, float | int]:
    values = [hit.seconds for hit in hits]
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


class Bench:
    """The service, its two partners, their tokens and graphs."""

    def __init__(self, sizes: Sequence[int], work: Path, pause_s: float, view: str = VIEW) -> None:
        concepts = Concepts.bundled()
        self.files = {
            n: write_partner_graph(n, work, concepts=concepts, partner=PARTNER) for n in sizes
        }
        self.small = write_partner_graph(SMALL, work, concepts=concepts, partner=OTHER)
        self.pause_s = pause_s
        self.view = view
        self.service = KringloopService()
        registry = Registry.open(self.service.data_dir)
        _, self.token = registry.add(PARTNER, "Bench-partner")
        _, self.other_token = registry.add(OTHER, "Andere bench-partner")
        self.client = Client(self.service.port)

    def upload(self, size: int, prefix: str) -> Hit:
        made = self.files[size]
        hit = self.client.put_graph(made.graph, made.ntriples.read_bytes(), self.token, prefix)
        check_written(hit, made.triples)
        return hit

    def readers(self) -> list[Probe]:
        view = f"/views/{self.view}.json"
        sparql = "/sparql?" + urllib.parse.urlencode({"query": PROBE})
        accept = {"Accept": "application/sparql-results+json"}
        return [
            Probe("view", lambda: self.client.send("GET", view, "ub-view"), self.pause_s),
            Probe(
                "sparql",
                lambda: self.client.send("GET", sparql, "ub-sparql", headers=accept),
                self.pause_s,
            ),
        ]

    def writer(self) -> Probe:
        data = self.small.ntriples.read_bytes()

        def put() -> Hit:
            return self.client.put_graph(self.small.graph, data, self.other_token, "ub-other")

        return Probe("other partner PUT", put, self.pause_s, accept=(200, 201))


def check_written(hit: Hit, triples: int) -> None:
    if hit.status not in (200, 201):
        raise RuntimeError(f"PUT answered HTTP {hit.status}: {hit.body[:400]!r}")
    stored = report_triples(hit.body)
    if stored != triples:
        raise RuntimeError(f"PUT stored {stored} triples, {triples} were sent")


def report_triples(body: bytes) -> int:
    return int(json.loads(body)["triples"])


def measure(bench: Bench, sizes: Sequence[int], runs: int, window_s: float) -> dict[str, Any]:
    service = bench.service
    service.start(deadline_s=120.0)
    for probe in (*bench.readers(), bench.writer()):  # warm up: first answers build caches
        hit = probe.request()
        if hit.status not in probe.accept:
            raise RuntimeError(f"{probe.name} answered HTTP {hit.status}: {hit.body[:300]!r}")
    uploads: dict[str, Any] = {}
    for size in sizes:
        label = size_label(size)
        hits = [bench.upload(size, f"ub-put-{label}-{run}") for run in range(runs)]
        uploads[label] = {"triples": bench.files[size].triples, "hits": hits}
    largest = max(sizes)
    label = size_label(largest)

    def during(probes: list[Probe], run: str) -> tuple[list[Probe], Hit]:
        hit = run_probes(probes, lambda: bench.upload(largest, f"ub-put-{label}-{run}"))
        return probes, hit

    base_reads = bench.readers()
    run_probes(base_reads, lambda: time.sleep(window_s))
    load_reads, read_upload = during(bench.readers(), "reads")
    base_write = [bench.writer()]
    run_probes(base_write, lambda: time.sleep(window_s))
    load_write, write_upload = during([bench.writer()], "writes")
    times = service.server_times("ub-")
    result: dict[str, Any] = {"uploads": {}, "reads": {}, "writes": {}}
    for name, entry in uploads.items():
        hits = entry["hits"]
        result["uploads"][name] = {
            "triples": entry["triples"],
            "bytes": bench.files[parse_size(name)].ntriples.stat().st_size,
            "wall_s": [round(h.seconds, 2) for h in hits],
            "server_s": [round(times.get(h.request_id, 0.0) / 1000, 2) for h in hits],
        }
    for key, base, load, hit in (
        ("reads", base_reads, load_reads, read_upload),
        ("writes", base_write, load_write, write_upload),
    ):
        result[key]["upload_wall_s"] = round(hit.seconds, 2)
        for quiet, busy in zip(base, load, strict=True):
            failures = quiet.failures + busy.failures
            result[key][quiet.name] = {
                "baseline": latency(quiet.hits),
                "during": latency(busy.hits),
                "failures": failures[:5],
                "failure_count": len(failures),
            }
    result["during_size"] = label
    return result


def ratio(entry: dict[str, Any], key: str) -> str:
    base, busy = entry["baseline"].get(key), entry["during"].get(key)
    if not base or busy is None:
        return "-"
    return f"{busy / base:.1f}x"


def render(result: dict[str, Any]) -> str:
    lines = [
        f"Command: `{result['command']}`; Python {result['python']}; load average before "
        f"{result['loadavg'][0]}, after {result['loadavg'][1]}; pause between a probe's "
        f"requests {result['pause_ms']} ms.",
        "",
        "| upload (N-Triples, `PUT /graph-store`) | triples | MB | wall time per run "
        "| server-side per run | target: 100k < 10 s |",
        "|---|---:|---:|---|---|---|",
    ]
    for name, entry in result["uploads"].items():
        wall = entry["wall_s"]
        median = statistics.median(wall)
        verdict = ""
        if entry["triples"] >= 100_000:
            verdict = "**met**" if median < TARGET_S else f"**missed** by {median - TARGET_S:.1f} s"
        lines.append(
            f"| {name} | {entry['triples']:,} | {entry['bytes'] / 1e6:.1f} "
            f"| {', '.join(f'{s:.2f} s' for s in wall)} "
            f"| {', '.join(f'{s:.2f} s' for s in entry['server_s'])} | {verdict} |"
        )
    size = result["during_size"]
    lines += [
        "",
        f"Latency at the client, alone (baseline) and while partner `{PARTNER}` uploads "
        f'{size} (the "during" upload took {result["reads"]["upload_wall_s"]} s with the '
        f"readers, {result['writes']['upload_wall_s']} s with the other writer):",
        "",
        "| request | baseline n, p50 / p99 / max | during n, p50 / p99 / max "
        "| p50 ratio | p99 ratio | failures |",
        "|---|---|---|---:|---:|---:|",
    ]
    names = {
        "view": f"`GET /views/{result['view']}.json`",
        "sparql": "`GET /sparql` (count the themes)",
        "other partner PUT": f"`PUT` by `{OTHER}` ({result['small_triples']} triples)",
    }
    for key in ("reads", "writes"):
        for name, entry in result[key].items():
            if not isinstance(entry, dict):
                continue
            lines.append(
                f"| {names[name]} | {_cell(entry['baseline'])} | {_cell(entry['during'])} "
                f"| {ratio(entry, 'p50_ms')} | {ratio(entry, 'p99_ms')} "
                f"| **{entry['failure_count']}** |"
            )
    lines += [
        "",
        "Run 1 of a size creates the partner's graph, later runs replace it. Server-side "
        "time is the `ms` of Kringloop's request log line; the logs give no split into "
        "parsing, validation, storing and the engine. Every upload was checked (201/200, "
        "the triple count sent).",
    ]
    for key in ("reads", "writes"):
        for name, entry in result[key].items():
            for failure in entry.get("failures", []) if isinstance(entry, dict) else []:
                lines.append(f"\n{name} failure: `{' '.join(failure.split())[:200]}`")
    return "\n".join(lines) + "\n"


def _cell(entry: dict[str, Any]) -> str:
    if not entry.get("n"):
        return "no answer"
    return f"{entry['n']}, {entry['p50_ms']} / {entry['p99_ms']} / {entry['max_ms']} ms"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated, e.g. 10k,100k")
    parser.add_argument("--runs", type=int, default=2, help="quiet uploads per size")
    parser.add_argument("--window", type=float, default=8.0, help="baseline seconds")
    parser.add_argument("--pause-ms", type=float, default=50.0)
    parser.add_argument("--view", default=VIEW, help="the curated view the readers ask")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--doc", type=Path, default=None, help="rewrite its block of this file")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({parse_size(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError as error:
        print(f"bench.upload: {error}", file=sys.stderr)
        return 2
    if not sizes or not 1 <= args.runs <= 20 or not 0.5 <= args.window <= 300:
        print("bench.upload: give sizes, --runs in 1..20, --window in 0.5..300", file=sys.stderr)
        return 2
    if not 0 <= args.pause_ms <= 10_000:
        print("bench.upload: --pause-ms must be in 0..10000", file=sys.stderr)
        return 2
    loadavg = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="kringloop-upload-") as work:
        bench = Bench(sizes, Path(work), args.pause_ms / 1000, args.view)
        try:
            measured = measure(bench, sizes, args.runs, args.window)
        except RuntimeError as error:
            print(f"bench.upload: {error}\n{bench.service.log_tail()}", file=sys.stderr)
            return 1
        finally:
            bench.service.stop()
        small = bench.small.triples
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    result: dict[str, Any] = {
        "command": f"python -m bench.upload {shown}".strip(),
        "python": platform.python_version(),
        "loadavg": [loadavg, round(os.getloadavg()[0], 2)],
        "pause_ms": args.pause_ms,
        "view": args.view,
        "small_triples": small,
        **measured,
    }
    report.publish(result, args.out, "upload", render(result), args.doc, block="upload")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
