"""Timing one query on HTTP engines: warm, keep-alive, within a time budget.

An entry is a dict: ``n``, ``p50_ms``, ``p99_ms``, ``min_ms`` and ``rows`` on success;
``error`` (and ``status``) when the engine did not answer 200.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyoxigraph

from bench.engines import JSON_RESULTS, NTRIPLES, Answer, HttpClient
from bench.stats import percentile, summary_ms

#: A first run slower than this is its own warm-up (no extra warm-up runs).
SLOW_S = 1.0
#: At least this many timed runs per query and engine.
MIN_RUNS = 3


def rows_of(answer: Answer) -> int:
    """Rows of a SPARQL JSON result (1 for ASK), or triples of an N-Triples answer."""
    if answer.content_type.startswith(NTRIPLES):
        return sum(1 for _ in pyoxigraph.parse(answer.body, format=pyoxigraph.RdfFormat.N_TRIPLES))
    parsed = json.loads(answer.body)
    if "boolean" in parsed:
        return 1
    return len(parsed["results"]["bindings"])


def failure(answer: Answer) -> dict[str, Any] | None:
    """Why ``answer`` is not a good one, or None.

    A 200 is checked too: Oxigraph reports a failure that happens while it streams the
    answer (its own timeout) inside the 200 body, which is then not valid JSON.
    """
    if answer.status == 200:
        try:
            rows_of(answer)
        except (ValueError, KeyError, TypeError, SyntaxError):
            tail = answer.body[-300:].decode("utf-8", "replace")
            return {"error": f"HTTP 200 with a broken body: ...{tail}", "status": 200}
        return None
    text = answer.body[:300].decode("utf-8", "replace")
    return {"error": f"HTTP {answer.status}: {text}", "status": answer.status}


def _ask(
    client: HttpClient, text: str, accept: str, headers: dict[str, str] | None = None
) -> Answer:
    """The answer, or status 0 with the reason when the connection failed."""
    try:
        return client.query(text, accept=accept, headers=headers)
    except OSError as error:
        return Answer(0.0, 0, f"{type(error).__name__}: {error}".encode())


def timed(
    client: HttpClient,
    text: str,
    repetitions: int,
    budget_s: float,
    accept: str = JSON_RESULTS,
) -> dict[str, Any]:
    """Warm up, then time up to ``repetitions`` runs within about ``budget_s`` seconds."""
    first = _ask(client, text, accept)
    problem = failure(first)
    if problem is not None:
        return problem
    warmups = 0 if first.seconds > SLOW_S else 2
    for _ in range(warmups):
        client.query(text, accept=accept)
    runs = max(MIN_RUNS, min(repetitions, int(budget_s / max(first.seconds, 1e-4))))
    timings = []
    for _ in range(runs):
        answer = _ask(client, text, accept)
        problem = failure(answer)
        if problem is not None:
            return {**problem, "during": "timing"}
        timings.append(answer.seconds)
    return {**summary_ms(timings), "rows": rows_of(first)}


class _Side:
    """One side of a paired measurement: its client, timings and first failure."""

    def __init__(
        self, client: HttpClient, accept: str, headers: Callable[[int], dict[str, str]]
    ) -> None:
        self.client = client
        self.accept = accept
        self.headers = headers
        self.truncated = False
        self.times: list[float] = []
        self.problem: dict[str, Any] | None = None
        self.rows = 0
        self.first_s = 0.0

    def ask(self, text: str, index: int) -> None:
        if self.problem is not None:
            return
        answer = _ask(self.client, text, self.accept, self.headers(index))
        self.truncated = self.truncated or answer.truncated
        problem = failure(answer)
        if problem is not None:
            self.problem = {**problem, "during": "timing"} if index >= 0 else problem
        elif index >= 0:
            self.times.append(answer.seconds)
        else:
            self.rows, self.first_s = rows_of(answer), answer.seconds

    def entry(self) -> dict[str, Any]:
        if self.problem is not None:
            return self.problem
        entry: dict[str, Any] = {**summary_ms(self.times), "rows": self.rows}
        if self.truncated:
            entry["truncated"] = True
        return entry


def paired(
    bare: HttpClient,
    ours: HttpClient,
    text: str,
    repetitions: int,
    budget_s: float,
    request_id: Callable[[int], str],
    accept: str = JSON_RESULTS,
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Time the bare engine and Kringloop on ``text``, alternating request by request.

    Alternating (and swapping which goes first on every pair) exposes both to the same
    background load, so their difference is Kringloop's own cost. Kringloop's requests
    carry ``X-Request-Id: request_id(i)`` (``i = -1`` for warm-up runs); the ids of the
    timed runs are returned so the caller can read their server-side times from
    Kringloop's log.
    """
    ids: list[str] = []

    def our_headers(index: int) -> dict[str, str]:
        if index >= 0:
            ids.append(request_id(index))
        return {"X-Request-Id": request_id(index)}

    sides = (_Side(bare, accept, lambda index: {}), _Side(ours, accept, our_headers))
    for side in sides:
        side.ask(text, -1)
    if all(side.problem is not None for side in sides):
        return sides[0].entry(), sides[1].entry(), []
    slowest = max(side.first_s for side in sides)
    for _ in range(0 if slowest > SLOW_S else 2):
        for side in sides:
            side.ask(text, -1)
    per_pair = sum(side.first_s for side in sides if side.problem is None)
    runs = max(MIN_RUNS, min(repetitions, int(budget_s / max(per_pair, 1e-4))))
    for index in range(runs):
        for side in sides if index % 2 == 0 else reversed(sides):
            side.ask(text, index)
    bare_entry, our_entry = sides[0].entry(), sides[1].entry()
    bare_times, our_times = sides[0].times, sides[1].times
    if "p50_ms" in our_entry and len(bare_times) == len(our_times):
        differences = [o - b for o, b in zip(our_times, bare_times, strict=True)]
        our_entry["paired_overhead_ms"] = round(percentile(differences, 50) * 1000, 3)
    return bare_entry, our_entry, ids
