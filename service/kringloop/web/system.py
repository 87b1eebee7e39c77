"""Service routes under ``/-/``: health and metrics."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Blueprint, Response, jsonify

from kringloop.errors import KringloopError
from kringloop.web.state import services

blueprint = Blueprint("system", __name__, url_prefix="/-")


@blueprint.get("/health")
def health() -> Response:
    """Engine reachable, graphs loaded with triple counts, versions; 503 when unhealthy.

    While a managed engine (re)loads its graphs, the status is ``loading`` (503) and the
    graphs are not counted: queries are held back until the load is done.
    """
    shared = services()
    client = shared.client
    state = shared.engine_state()
    loading = state is not None and bool(state.get("loading"))
    reachable = client is not None and client.reachable()
    graphs: list[dict[str, Any]] = []
    problem = None if reachable else "the engine is not reachable"
    if reachable and not loading:
        try:
            counts = shared.endpoint.graph_counts()
            graphs = [
                {"iri": iri, "triples": number, "loaded": number > 0}
                for iri, number in counts.items()
            ]
        except KringloopError as error:
            problem = error.detail
    if problem is not None:
        status = "unavailable"
    elif loading:
        status = "loading"
    elif all(graph["loaded"] for graph in graphs):
        status = "ok"
    else:
        status = "degraded"
    engine: dict[str, Any] = {
        "reachable": reachable,
        "managed": shared.settings.engine_state_file != "",
        "server": client.server if client is not None else None,
    }
    if state is not None:
        engine["restarts"] = state.get("restarts", 0)
        engine["pid"] = state.get("pid")
        engine["store"] = state.get("store")
        engine["loading"] = loading
        engine["generation"] = state.get("generation", 0)
    body: dict[str, Any] = {
        "status": status,
        "engine": engine,
        "graphs": graphs,
        "versions": {
            "kringloop": _version("kringloop"),
            "python": platform.python_version(),
            "oxigraph": _version("oxigraph"),
            "flask": _version("flask"),
        },
    }
    if problem is not None:
        body["problem"] = problem
    response = jsonify(body)
    response.status_code = 503 if status in ("unavailable", "loading") else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/metrics")
def metrics() -> Response:
    """Prometheus text format; the web service runs one worker, so these are all requests."""
    shared = services()
    state = shared.engine_state()
    extra = [
        (
            "kringloop_engine_restarts_total",
            "counter",
            "Times the supervisor restarted the managed engine.",
            float(state.get("restarts", 0)) if state else 0.0,
        ),
        (
            "kringloop_engine_up",
            "gauge",
            "Whether the engine accepts connections (1) or not (0).",
            1.0 if shared.client is not None and shared.client.reachable() else 0.0,
        ),
        (
            "kringloop_engine_loading",
            "gauge",
            "Whether the managed engine is (re)loading its graphs (1) or not (0).",
            1.0 if state and state.get("loading") else 0.0,
        ),
        (
            "kringloop_refused_fingerprints",
            "gauge",
            "Queries remembered as crashing the engine.",
            float(len(shared.endpoint.crashes)),
        ),
    ]
    text = shared.metrics.render(extra)
    response = Response(text, content_type="text/plain; version=0.0.4; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None
