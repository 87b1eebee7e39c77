"""One answer for every error: ``application/problem+json`` (RFC 9457).

A :class:`KringloopError` says what went wrong; an HTTP error of the framework (404,
405, 413) keeps its status; anything else is logged with its traceback and answered
with a 500 that reveals nothing about the internals.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from kringloop.errors import KringloopError
from kringloop.logs import get_logger

PROBLEM_JSON = "application/problem+json"
_log = get_logger("errors")


def register(app: Flask) -> None:
    app.register_error_handler(KringloopError, _kringloop_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    body.setdefault("instance", request.path)
    request_id = g.get("request_id")
    if request_id:
        body.setdefault("requestId", request_id)
    response = Response(
        json.dumps(body, ensure_ascii=False), status=int(body["status"]), mimetype=PROBLEM_JSON
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _kringloop_error(error: KringloopError) -> Response:
    log_extra = g.get("log_extra")
    if isinstance(log_extra, dict):
        log_extra["error"] = error.title
        if "reason" in error.extra:
            log_extra["reason"] = error.extra["reason"]
    body = error.problem()
    headers = body.pop("headers", None)
    return problem_response(body, headers if isinstance(headers, dict) else None)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": error.name,
        "status": status,
        "detail": error.description or error.name,
    }
    headers = {
        key: value
        for key, value in error.get_headers()
        if key.lower() not in ("content-type", "content-length")
    }
    return problem_response(body, headers)


def _unexpected_error(error: Exception) -> Response:
    _log.error(
        "unexpected error",
        exc_info=error,
        extra={"request_id": g.get("request_id"), "path": request.path},
    )
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": "Internal error",
        "status": 500,
        "detail": "The service failed unexpectedly; the request id identifies it in the log.",
    }
    return problem_response(body)
