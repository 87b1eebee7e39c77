"""A bounded load on a SPARQL endpoint on loopback, from its own process.

    python -m bench.load --url http://127.0.0.1:8000/sparql --seconds 10 --concurrency 8 \
        --queries queries

Each of ``concurrency`` threads keeps one keep-alive connection and cycles through the
views: a closed loop (a client sends its next query when its last one is answered, so at
most ``concurrency`` queries are in flight). Parameterised views are skipped unless
``--bind name=IRI`` is given; ``--graph`` sends a dataset (for a bare engine). It stops by
itself after ``seconds``; it prints one JSON object: requests, errors (non-200 answers and
connection failures, with the first few reasons), throughput and latency percentiles.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.engines import HttpClient
from bench.stats import percentile
from bench.viewset import DEFAULT_DIR, BenchQuery, load_views


def run_load(
    url: str,
    queries: Sequence[BenchQuery],
    seconds: float,
    concurrency: int,
    graphs: Sequence[str] = (),
) -> dict[str, Any]:
    """``concurrency`` closed-loop clients for ``seconds``; ``graphs`` as the dataset."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[list[str]] = [[] for _ in range(concurrency)]
    reconnects = [0] * concurrency
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        # Never idle: a dropped connection is the server's doing, so it counts as an error.
        client = HttpClient(url, timeout=120.0, graphs=graphs, retry_stale=False)
        turn = index
        while time.monotonic() < stop_at:
            query = queries[turn % len(queries)]
            turn += 1
            try:
                answer = client.query(query.text, accept=query.accept)
            except OSError as error:
                errors[index].append(f"{type(error).__name__}: {error}")
                continue
            if answer.status != 200:
                errors[index].append(f"HTTP {answer.status}: {answer.body[:200]!r}")
            else:
                latencies[index].append(answer.seconds)
        reconnects[index] = client.reconnects
        client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ok = sorted(value for per_thread in latencies for value in per_thread)
    failed = [reason for per_thread in errors for reason in per_thread]
    return {
        "url": url,
        "seconds": round(elapsed, 3),
        "concurrency": concurrency,
        "queries": len(queries),
        "requests": len(ok) + len(failed),
        "errors": len(failed),
        "error_samples": failed[:5],
        "stale_reconnects": sum(reconnects),
        "throughput_rps": round((len(ok) + len(failed)) / elapsed, 1),
        "p50_ms": round(percentile(ok, 50) * 1000, 2) if ok else None,
        "p99_ms": round(percentile(ok, 99) * 1000, 2) if ok else None,
        "max_ms": round(ok[-1] * 1000, 2) if ok else None,
    }


@dataclass(frozen=True)
class LoadPlan:
    """What :func:`spawn` asks of ``python -m bench.load``."""

    views: list[str]
    queries: Path
    seconds: float
    concurrency: int
    limit: int
    bindings: dict[str, str] = field(default_factory=dict)
    graphs: list[str] = field(default_factory=list)


def spawn(url: str, plan: LoadPlan) -> dict[str, Any]:
    """Run the load in a second process (as the design asks); its JSON summary."""
    command = [sys.executable, "-m", "bench.load", "--url", url]
    command += ["--seconds", str(plan.seconds), "--concurrency", str(plan.concurrency)]
    command += ["--queries", str(plan.queries), "--only", ",".join(plan.views)]
    command += ["--limit", str(plan.limit)]
    for name, iri in plan.bindings.items():
        command += ["--bind", f"{name}={iri}"]
    for graph in plan.graphs:
        command += ["--graph", graph]
    done = subprocess.run(
        command,
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=plan.seconds + 300,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    loaded: dict[str, Any] = json.loads(done.stdout)
    return loaded


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a SPARQL query URL on loopback")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--queries", type=Path, default=DEFAULT_DIR, help="a directory of *.rq")
    parser.add_argument(
        "--only", default="", help="comma-separated view names to use (default: all)"
    )
    parser.add_argument(
        "--limit", type=int, default=10_000, help="LIMIT appended to every view (Kringloop's cap)"
    )
    parser.add_argument("--bind", action="append", default=[], help="NAME=IRI for a view parameter")
    parser.add_argument(
        "--graph",
        action="append",
        default=[],
        help="a graph IRI sent as default-graph-uri and named-graph-uri (a bare engine)",
    )
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600 or not 0 < args.concurrency <= 64:
        print(
            "bench.load: --seconds must be in (0, 600], --concurrency in (0, 64]", file=sys.stderr
        )
        return 2
    try:
        bad = [item for item in args.bind if "=" not in item]
        if bad:
            raise ValueError(f"--bind needs NAME=IRI, not {bad[0]!r}")
        bindings = dict(item.split("=", 1) for item in args.bind)
        only = {name for name in args.only.split(",") if name}
        views = load_views(args.queries)
        unknown = only - {view.name for view in views}
        if unknown:
            raise ValueError(f"no such views: {', '.join(sorted(unknown))}")
        texts: list[BenchQuery] = []
        for view in views:
            if only and view.name not in only:
                continue
            needed = {p.name for p in view.params if p.required}
            if needed - bindings.keys():
                if only:
                    raise ValueError(f"{view.name} needs --bind for {', '.join(sorted(needed))}")
                continue
            values = {k: v for k, v in bindings.items() if k in needed}
            texts.append(view.bench_query(values, args.limit))
        if not texts:
            raise ValueError("no runnable views selected")
        result = run_load(args.url, texts, args.seconds, args.concurrency, args.graph)
    except ValueError as error:
        print(f"bench.load: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
