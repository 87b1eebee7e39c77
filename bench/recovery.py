"""Recovery of ``kringloop serve`` after ``kill -9`` of its engine.

    python -m bench.recovery --kills 10 --doc docs/performance.md

Starts ``kringloop serve`` (defaults, the bundled agenda), lets one client hammer
``/sparql`` with a cheap query throughout, then ``kills -9`` the managed Oxigraph
``kills`` times (its pid from the supervisor's ``engine.json``; 2 s apart). After each
kill, measured from the moment of the kill:

- *engine back*: the restarted engine (same port) answers ``ASK {}`` when asked directly;
- *first answer*: a query sent to ``/sparql`` right after the kill is answered 200 (the
  crash guard waits for the engine and retries it); the answer is checked.

The hammering client counts every answer that is not 200: the design's goal is zero.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import report
from bench.engines import HttpClient
from bench.service import KringloopService
from bench.startup import PROBE, expected_activities
from bench.stats import percentile
from bench.synthetic import OUT_DIR


class Hammer(threading.Thread):
    """One keep-alive client sending ``PROBE`` to ``/sparql`` until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(name="hammer", daemon=True)
        self.client = HttpClient(url, timeout=30.0, retry_stale=False)
        self.stopping = threading.Event()
        self.ok = 0
        self.failures: list[str] = []
        self.slowest = 0.0

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.perf_counter()
            try:
                answer = self.client.query(PROBE)
            except OSError as error:
                self.failures.append(f"{type(error).__name__}: {error}")
                time.sleep(0.01)
                continue
            self.slowest = max(self.slowest, time.perf_counter() - started)
            if answer.status == 200:
                self.ok += 1
            else:
                self.failures.append(f"HTTP {answer.status}: {answer.body[:200]!r}")
        self.client.close()


def wait_dead(pid: int, timeout_s: float = 5.0) -> None:
    """Until ``pid`` is gone or a zombie (its parent, the supervisor, reaps it)."""
    deadline = time.monotonic() + timeout_s
    stat = Path(f"/proc/{pid}/stat")
    while time.monotonic() < deadline:
        try:
            state = stat.read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.001)
    raise RuntimeError(f"engine {pid} did not die within {timeout_s} s")


def engine_back(url: str, since: float, found: dict[str, float]) -> None:
    """Poll the engine directly every 5 ms; record seconds since ``since``."""
    client = HttpClient(url, timeout=2.0)
    deadline = since + 30.0
    while time.perf_counter() < deadline:
        try:
            if client.query("ASK {}").status == 200:
                found["engine"] = time.perf_counter() - since
                break
        except OSError:
            pass
        time.sleep(0.005)
    client.close()


def one_kill(service: KringloopService, expected: int) -> dict[str, Any]:
    state = service.engine_state()
    pid = int(str(state["pid"]))
    restarts = int(str(state["restarts"]))
    engine_url = str(state["query_url"])
    client = HttpClient(service.query_url, timeout=60.0)
    client.query("ASK {}")  # an open keep-alive connection: only the engine is measured
    os.kill(pid, signal.SIGKILL)
    killed = time.perf_counter()
    wait_dead(pid)
    found: dict[str, float] = {}
    poller = threading.Thread(target=engine_back, args=(engine_url, killed, found))
    poller.start()
    answer = client.query(PROBE)
    first_answer = time.perf_counter() - killed
    poller.join()
    client.close()
    if answer.status != 200:
        raise RuntimeError(f"the first query after the kill got HTTP {answer.status}")
    count = int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])
    if count != expected:
        raise RuntimeError(f"after the kill: {count} activities, expected {expected}")
    after = service.engine_state()
    if after["pid"] == pid or int(str(after["restarts"])) != restarts + 1:
        raise RuntimeError(f"the supervisor did not record a restart: {after}")
    if "engine" not in found:
        raise RuntimeError("the engine did not answer within 30 s of the kill")
    return {"engine_s": found["engine"], "first_answer_s": first_answer}


def render(result: dict[str, Any]) -> str:
    kills = result["kills"]
    hammer = result["hammer"]
    lines = [
        f"Command: `{result['command']}`; Python {result['python']}; load average before "
        f"{result['loadavg']}.",
        "",
        "| after `kill -9` of the engine | kills | p50 | min | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, label in (
        ("engine_s", "the restarted engine answers (asked directly)"),
        ("first_answer_s", "a `/sparql` query sent at the kill is answered 200"),
    ):
        values = [kill[key] * 1000 for kill in kills]
        lines.append(
            f"| {label} | {len(values)} | {percentile(values, 50):.0f} ms "
            f"| {min(values):.0f} ms | {max(values):.0f} ms |"
        )
    lines += [
        "",
        f"A client hammering `/sparql` throughout ({hammer['seconds']:.1f} s): "
        f"{hammer['ok']:,} answers 200, **{hammer['failures']} failures**, slowest answer "
        f"{hammer['slowest_s'] * 1000:.0f} ms. Every answer after a kill was checked "
        f"({result['activities']} activities); the supervisor recorded one restart per kill.",
    ]
    for sample in hammer["failure_samples"]:
        lines.append(f"\nFailure sample: `{' '.join(sample.split())[:200]}`")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between kills")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--doc", type=Path, default=None, help="rewrite its block of this file")
    args = parser.parse_args(argv)
    if not 1 <= args.kills <= 100 or not 1.0 <= args.pause <= 60:
        print("bench.recovery: --kills must be in 1..100, --pause in 1..60 s", file=sys.stderr)
        return 2
    loadavg = round(os.getloadavg()[0], 2)
    expected = expected_activities()
    service = KringloopService()
    kills: list[dict[str, Any]] = []
    try:
        service.start(probe=PROBE)
        hammer = Hammer(service.query_url)
        started = time.perf_counter()
        hammer.start()
        time.sleep(args.pause)
        for _ in range(args.kills):
            kills.append(one_kill(service, expected))
            time.sleep(args.pause)
        hammer.stopping.set()
        hammer.join()
        hammered = time.perf_counter() - started
    except RuntimeError as error:
        print(f"bench.recovery: {error}\n{service.log_tail()}", file=sys.stderr)
        return 1
    finally:
        service.stop()
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    result: dict[str, Any] = {
        "command": f"python -m bench.recovery {shown}".strip(),
        "python": platform.python_version(),
        "loadavg": loadavg,
        "activities": expected,
        "kills": [{k: round(v, 4) for k, v in kill.items()} for kill in kills],
        "hammer": {
            "seconds": hammered,
            "ok": hammer.ok,
            "failures": len(hammer.failures),
            "failure_samples": hammer.failures[:3],
            "slowest_s": hammer.slowest,
        },
    }
    report.publish(result, args.out, "recovery", render(result), args.doc, block="recovery")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
