"""Per-request bookkeeping: the request id, one JSON log line, the metrics."""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, g, request

from kringloop.logs import get_logger
from kringloop.web.state import services

REQUEST_ID_HEADER = "X-Request-Id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_log = get_logger("http")


def register(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
    g.log_extra = {}
    services().refresh()  # registry or graphs changed by another process: a stat, no more


def _finish(response: Response) -> Response:
    started: float = g.get("started", time.perf_counter())
    seconds = time.perf_counter() - started
    request_id: str = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    _share_reads(response)
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    services().metrics.observe_request(route, request.method, response.status_code, seconds)
    extra = {
        "request_id": request_id,
        "method": request.method,
        "path": request.path,
        "route": route,
        "status": response.status_code,
        "ms": round(seconds * 1000, 3),
    }
    extra.update(g.get("log_extra") or {})
    _log.info("request", extra=extra)
    return response


def _share_reads(response: Response) -> None:
    """Reads are open to every origin (design: CORS for reads, never for writes): a GET or
    HEAD answer gets ``Access-Control-Allow-Origin``; a write, ``/validate`` and the
    operator's ``/-/`` routes (health, metrics) never."""
    origin = services().settings.cors_origin
    if origin and request.method in ("GET", "HEAD") and not request.path.startswith("/-/"):
        response.headers.setdefault("Access-Control-Allow-Origin", origin)
