"""Start-up time of ``kringloop serve``: from spawning it to the first answered query.

    python -m bench.startup --runs 5 --doc docs/performance.md

Each run spawns ``kringloop serve`` (defaults: managed Oxigraph, gunicorn) on a free
loopback port and polls ``/sparql`` every 10 ms with a real query (the number of
activities) until it is answered 200; the answer must equal the count in the bundled
files. *Fresh* runs start on a new, empty data directory (a first start: the store is
created, the bundled graphs loaded); *restart* runs stop the service and start it again
on the same data directory (the store exists; the bundled graphs are replaced again).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rdflib import RDF

from bench import report
from bench.engines import HttpClient
from bench.service import KringloopService
from bench.stats import percentile
from bench.synthetic import OUT_DIR
from kringloop.graphs import load_bundled_dataset
from kringloop.vocab import KL

TARGET_S = 3.0
PROBE = (
    "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a <https://w3id.org/kringloop/def#Activiteit> }"
)


def expected_activities() -> int:
    dataset = load_bundled_dataset()
    return len({s for s, _, _, _ in dataset.quads((None, RDF.type, KL.Activiteit, None))})


def answered_count(service: KringloopService) -> int:
    client = HttpClient(service.query_url, timeout=10.0)
    answer = client.query(PROBE)
    client.close()
    if answer.status != 200:
        raise RuntimeError(f"the probe query failed: HTTP {answer.status}")
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


#: (phase, log message that ends it) in the order ``kringloop serve`` logs them.
PHASES = (
    ("python and imports, engine process up", "engine started"),
    ("bundled graphs loaded into the engine", "engine ready"),
)


def _epoch(stamp: str) -> float:
    """``2026-12-01T10:48:37.689Z`` -> seconds since the epoch."""
    parsed = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    return parsed.replace(tzinfo=datetime.UTC).timestamp()


def phases(log_path: Path, spawned: float, total: float) -> dict[str, float]:
    """Seconds per start-up phase, from Kringloop's own log lines after ``spawned``."""
    seen: dict[str, float] = {}
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        stamp = _epoch(entry["ts"])
        if stamp >= spawned - 0.001 and entry.get("msg") not in seen:
            seen[entry.get("msg", "")] = stamp
    out: dict[str, float] = {}
    previous = spawned
    for name, message in PHASES:
        if message not in seen:
            raise RuntimeError(f"no {message!r} line in the log of kringloop serve")
        out[name] = max(0.0, seen[message] - previous)
        previous = seen[message]
    out["web server up, first query answered"] = max(0.0, spawned + total - previous)
    return out


def measure(runs: int, expected: int) -> dict[str, list[dict[str, float]]]:
    """Start-ups to the first answered query, ``runs`` times fresh and ``runs`` restarted."""
    fresh: list[dict[str, float]] = []
    restart: list[dict[str, float]] = []
    for _ in range(runs):
        service = KringloopService()
        try:
            for found in (fresh, restart):
                if found is restart:
                    service.halt()
                spawned = time.time()
                service.start(deadline_s=60.0, probe=PROBE, poll_s=0.01)
                check(service, expected)
                split = phases(service.log_path, spawned, service.startup_s)
                found.append({"total": service.startup_s, **split})
        finally:
            service.stop()
    return {"fresh": fresh, "restart": restart}


def check(service: KringloopService, expected: int) -> None:
    got = answered_count(service)
    if got != expected:
        raise RuntimeError(
            f"kringloop answered {got} activities, the bundled files hold {expected}"
        )


def render(result: dict[str, Any]) -> str:
    lines = [
        f"Command: `{result['command']}`; Python {result['python']}, "
        f"{result['runs']} runs each; load average before {result['loadavg']}.",
        "",
        "| start | runs | p50 | min | max | target: p50 < 3 s |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for kind, label in (("fresh", "fresh (empty data directory)"), ("restart", "restart")):
        seconds = [run["total"] for run in result[kind]]
        p50 = percentile(seconds, 50)
        verdict = "**met**" if p50 < TARGET_S else f"**missed** by {p50 - TARGET_S:.2f} s"
        lines.append(
            f"| {label} | {len(seconds)} | {p50:.2f} s | {min(seconds):.2f} s "
            f"| {max(seconds):.2f} s | {verdict} |"
        )
        for phase in result[kind][0]:
            if phase == "total":
                continue
            values = [run[phase] for run in result[kind]]
            lines.append(
                f"| - {phase} | | {percentile(values, 50):.2f} s | {min(values):.2f} s "
                f"| {max(values):.2f} s | |"
            )
    lines += [
        "",
        "Phases are read from the time stamps of `kringloop serve`'s own log lines "
        "(`engine started`, `engine ready`); the last one is building the app once in the "
        "supervisor, starting gunicorn and its worker, and the first query.",
        "",
        f"Every first answer was checked: {result['activities']} activities, as in the "
        "bundled files.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--doc", type=Path, default=None, help="rewrite its block of this file")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 100:
        print("bench.startup: --runs must be in 1..100", file=sys.stderr)
        return 2
    loadavg = round(os.getloadavg()[0], 2)
    expected = expected_activities()
    try:
        seconds = measure(args.runs, expected)
    except RuntimeError as error:
        print(f"bench.startup: {error}", file=sys.stderr)
        return 1
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    result: dict[str, Any] = {
        "command": f"python -m bench.startup {shown}".strip(),
        "python": platform.python_version(),
        "runs": args.runs,
        "loadavg": loadavg,
        "activities": expected,
        **{
            kind: [{k: round(v, 3) for k, v in run.items()} for run in runs]
            for kind, runs in seconds.items()
        },
    }
    report.publish(result, args.out, "startup", render(result), args.doc, block="startup")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
