"""Counters and a latency histogram in the Prometheus text format.

The web service runs one worker process with threads, so one in-process registry
sees every request; a lock keeps the counts exact under threads.
"""

from __future__ import annotations

import threading

#: Upper bounds (seconds) of the request latency histogram.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Labels = tuple[tuple[str, str], ...]


class Metrics:
    """Everything ``/-/metrics`` reports that the web worker itself observes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[Labels, int] = {}
        self._latency_counts: dict[str, list[int]] = {}
        self._latency_sums: dict[str, float] = {}
        self._counters: dict[tuple[str, Labels], int] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        labels = (("route", route), ("method", method), ("status", str(status)))
        with self._lock:
            self._requests[labels] = self._requests.get(labels, 0) + 1
            counts = self._latency_counts.setdefault(route, [0] * (len(LATENCY_BUCKETS) + 1))
            for index, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    counts[index] += 1
            counts[-1] += 1
            self._latency_sums[route] = self._latency_sums.get(route, 0.0) + seconds

    def count(self, name: str, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._counters[key] = self._counters.get(key, 0) + 1

    def value(self, name: str, **labels: str) -> int:
        with self._lock:
            return self._counters.get((name, tuple(sorted(labels.items()))), 0)

    def render(self, extra: list[tuple[str, str, str, float]] | None = None) -> str:
        """The Prometheus text exposition (format 0.0.4); ``extra``: (name, type, help, value)."""
        out: list[str] = []
        with self._lock:
            out += [
                "# HELP kringloop_http_requests_total HTTP requests by route, method and status.",
                "# TYPE kringloop_http_requests_total counter",
            ]
            for labels, number in sorted(self._requests.items()):
                out.append(f"kringloop_http_requests_total{_labels(labels)} {number}")
            out += [
                "# HELP kringloop_http_request_duration_seconds Request latency by route.",
                "# TYPE kringloop_http_request_duration_seconds histogram",
            ]
            for route, counts in sorted(self._latency_counts.items()):
                for bound, number in zip(LATENCY_BUCKETS, counts, strict=False):
                    labels = (("route", route), ("le", _number(bound)))
                    out.append(
                        f"kringloop_http_request_duration_seconds_bucket{_labels(labels)} {number}"
                    )
                labels = (("route", route), ("le", "+Inf"))
                out.append(
                    f"kringloop_http_request_duration_seconds_bucket{_labels(labels)} {counts[-1]}"
                )
                route_label = _labels((("route", route),))
                out.append(
                    f"kringloop_http_request_duration_seconds_sum{route_label} "
                    f"{self._latency_sums[route]:.6f}"
                )
                out.append(
                    f"kringloop_http_request_duration_seconds_count{route_label} {counts[-1]}"
                )
            for name, (help_text, described) in sorted(COUNTERS.items()):
                out += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
                series = [(key[1], n) for key, n in self._counters.items() if key[0] == name]
                if not series and not described:
                    out.append(f"{name} 0")
                for labels, number in sorted(series):
                    out.append(f"{name}{_labels(labels)} {number}")
        for name, kind, help_text, value in extra or []:
            out += [
                f"# HELP {name} {help_text}",
                f"# TYPE {name} {kind}",
                f"{name} {_number(value)}",
            ]
        return "\n".join(out) + "\n"


#: Counters with their help; ``True`` if they only appear with labels.
COUNTERS: dict[str, tuple[str, bool]] = {
    "kringloop_query_timeouts_total": ("Queries stopped at their deadline.", False),
    "kringloop_queries_refused_total": (
        "Queries refused before reaching the engine, by reason.",
        True,
    ),
    "kringloop_queries_truncated_total": ("Answers cut at the result cap.", False),
    "kringloop_engine_failures_total": (
        "Requests that found the engine down or lost it mid-query.",
        False,
    ),
    "kringloop_query_retries_total": ("Queries retried after the engine came back.", False),
}


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape(value)}"' for key, value in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
