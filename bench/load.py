"""A bounded load on a SPARQL endpoint on loopback, from its own process.

    python -m bench.load --url http://127.0.0.1:8000/sparql --seconds 10 --concurrency 8 \
        --queries queries

Each of ``concurrency`` threads keeps one keep-alive connection and cycles through the
views (parameterised views are skipped unless ``--bind name=IRI`` is given). It stops by
itself after ``seconds``; it prints one JSON object: requests, errors (non-200 answers and
connection failures, with the first few reasons), throughput and latency percentiles.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.engines import HttpClient
from bench.stats import percentile
from bench.viewset import DEFAULT_DIR, load_views


def run_load(url: str, queries: Sequence[str], seconds: float, concurrency: int) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[list[str]] = [[] for _ in range(concurrency)]
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        client = HttpClient(url, timeout=30.0)
        turn = index
        while time.monotonic() < stop_at:
            text = queries[turn % len(queries)]
            turn += 1
            try:
                answer = client.query(text)
            except OSError as error:
                errors[index].append(f"{type(error).__name__}: {error}")
                continue
            if answer.status != 200:
                errors[index].append(f"HTTP {answer.status}: {answer.body[:200]!r}")
            else:
                latencies[index].append(answer.seconds)
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
        "throughput_rps": round((len(ok) + len(failed)) / elapsed, 1),
        "p50_ms": round(percentile(ok, 50) * 1000, 2) if ok else None,
        "p99_ms": round(percentile(ok, 99) * 1000, 2) if ok else None,
        "max_ms": round(ok[-1] * 1000, 2) if ok else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a SPARQL query URL on loopback")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--queries", type=Path, default=DEFAULT_DIR, help="a directory of *.rq")
    parser.add_argument(
        "--only", default="", help="comma-separated view names to use (default: all)"
    )
    parser.add_argument("--bind", action="append", default=[], help="NAME=IRI for a view parameter")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600 or not 0 < args.concurrency <= 64:
        print(
            "bench.load: --seconds must be in (0, 600], --concurrency in (0, 64]", file=sys.stderr
        )
        return 2
    try:
        bindings = dict(item.split("=", 1) for item in args.bind)
        only = {name for name in args.only.split(",") if name}
        texts = []
        for view in load_views(args.queries):
            if only and view.name not in only:
                continue
            needed = {p.name for p in view.params if p.required}
            if needed - bindings.keys():
                continue
            texts.append(view.bind({k: v for k, v in bindings.items() if k in needed}))
        if not texts:
            raise ValueError("no runnable views selected")
        result = run_load(args.url, texts, args.seconds, args.concurrency)
    except ValueError as error:
        print(f"bench.load: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
