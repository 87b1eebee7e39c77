"""``/graph-store``: the SPARQL 1.1 Graph Store HTTP Protocol, and each graph's versions.

Reading is public for the published graphs. Writing (PUT replaces, POST adds, DELETE
removes) needs a bearer token, and reaches only the graphs its owner holds; every write
passes the gate and is stored durably before it is answered (``graphstore.writes``).
``/graph-store/versions`` lists a graph's kept versions; the owner may fetch one and
restore it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from kringloop.endpoint import serialize_triples
from kringloop.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    UnauthorizedError,
)
from kringloop.formats import Kind, negotiate
from kringloop.graphstore.reading import graph_triples, published_graph_set
from kringloop.graphstore.versions import Version
from kringloop.graphstore.writes import GraphWriter, WriteOutcome, WriteRejectedError, parse_stored
from kringloop.partners.registry import ADMIN
from kringloop.upload import UploadLimits, parse_upload
from kringloop.web.reports import report_response
from kringloop.web.state import services

blueprint = Blueprint("graphstore", __name__)


@blueprint.errorhandler(WriteRejectedError)
def _rejected(error: WriteRejectedError) -> Response:
    return report_response(error.report, status=422, detail=error.detail)


@blueprint.route("/graph-store", methods=["GET", "HEAD"])
def read_graph() -> Response:
    graph = _target(allow_default=True)
    state = services()
    if graph is None:
        # The default graph: the published graphs less superseded agenda editions.
        default = state.endpoint.default_graphs
        triples = [t for g in sorted(set(default)) for t in graph_triples(state, g)]
    else:
        if graph not in published_graph_set(state):
            raise NotFoundError(f"no published graph <{graph}>")
        triples = graph_triples(state, graph)
    output = negotiate(
        Kind.RDF,
        format_params=request.args.getlist("format") or None,
        accept=request.headers.get("Accept"),
    )
    body = serialize_triples(triples, output)
    response = Response(body if request.method == "GET" else b"", content_type=output.content_type)
    response.headers["Content-Length"] = str(len(body))
    response.headers["Kringloop-Triples"] = str(len(triples))
    response.vary.add("Accept")
    return response


@blueprint.route("/graph-store", methods=["PUT", "POST"])
def write_graph() -> Response:
    graph = _target(allow_default=False)
    assert graph is not None
    owner = _owner()
    state = services()
    writer = _writer()
    if not writer.registry.may_write(owner, graph):
        raise ForbiddenError(
            f"this token may not write <{graph}>: a token writes only the graphs its owner "
            "holds in the partner registry",
            reason="graph-not-owned",
        )
    limits = UploadLimits(max_bytes=state.settings.max_upload_bytes)
    body = _read_body(limits.max_bytes)
    parsed = parse_upload(
        body, request.headers.get("Content-Type", ""), base_iri=graph, limits=limits
    )
    contents: dict[str, list[Any]] = {graph: list(parsed.default)}
    for name, triples in parsed.named.items():
        contents.setdefault(name, []).extend(triples)
    if request.method == "PUT":
        outcome = writer.replace(contents, owner=owner, action="put")
    else:
        outcome = writer.merge(contents, owner=owner, action="post")
    state.refresh(force=True)
    return _written(outcome)


@blueprint.route("/graph-store", methods=["DELETE"])
def delete_graph() -> Response:
    graph = _target(allow_default=False)
    assert graph is not None
    owner = _owner()
    outcome = _writer().delete(graph, owner=owner)
    services().refresh(force=True)
    return _written(outcome)


@blueprint.get("/graph-store/versions")
def list_versions() -> Response:
    graph = _target(allow_default=False)
    assert graph is not None
    writer = _writer()
    kept = writer.versions.versions(graph)
    if not kept:
        raise NotFoundError(f"graph <{graph}> has no stored versions")
    current = writer.versions.current(graph)
    body = {
        "graph": graph,
        "owner": writer.registry.owner_of(graph),
        "current": current.number if current else None,
        "versions": [_version_json(version) for version in kept],
    }
    return _json(body)


@blueprint.get("/graph-store/versions/<int:number>")
def read_version(number: int) -> Response:
    graph = _target(allow_default=False)
    assert graph is not None
    owner = _owner()
    writer = _writer()
    if not writer.registry.may_write(owner, graph):
        raise ForbiddenError(f"only the owner of <{graph}> may read its earlier versions")
    if number not in {version.number for version in writer.versions.versions(graph)}:
        raise NotFoundError(f"graph <{graph}> has no kept version {number}")
    triples = parse_stored(writer.versions.read(graph, number))
    output = negotiate(
        Kind.RDF,
        format_params=request.args.getlist("format") or None,
        accept=request.headers.get("Accept"),
    )
    return Response(serialize_triples(triples, output), content_type=output.content_type)


@blueprint.post("/graph-store/versions/<int:number>/restore")
def restore_version(number: int) -> Response:
    graph = _target(allow_default=False)
    assert graph is not None
    owner = _owner()
    outcome = _writer().restore(graph, number, owner=owner)
    services().refresh(force=True)
    return _written(outcome)


# -- helpers ---------------------------------------------------------------------------


def _target(*, allow_default: bool) -> str | None:
    """The graph a request names: ``?graph=IRI``, or ``?default`` where that is allowed."""
    graphs = request.args.getlist("graph")
    if "default" in request.args:
        if graphs:
            raise BadRequestError("give either ?graph= or ?default, not both")
        if not allow_default:
            raise ForbiddenError(
                "the default graph is the union of the published graphs and is read-only; "
                "write to a named graph with ?graph=",
                reason="default-graph-read-only",
            )
        return None
    if len(graphs) != 1 or not graphs[0]:
        raise BadRequestError("name one graph: ?graph=<absolute IRI> (or ?default to read)")
    graph = graphs[0]
    if not graph.startswith(("http://", "https://")) or any(
        c in ' <>"{}|\\^`' or c < " " or c == "\x7f" for c in graph
    ):
        raise BadRequestError(f"?graph= must be an absolute http(s) IRI, not {graph[:200]!r}")
    return graph


def _owner() -> str:
    """The owner of the request's bearer token; 401 without a valid one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("this request needs a token: Authorization: Bearer <token>")
    owner = _writer().registry.authenticate(token.strip())
    if owner is None:
        raise _unauthorized("the token is unknown or was revoked")
    return owner


def _unauthorized(detail: str) -> UnauthorizedError:
    return UnauthorizedError(detail, headers={"WWW-Authenticate": 'Bearer realm="kringloop"'})


def _writer() -> GraphWriter:
    writer = services().writer
    if writer is None:
        raise NotFoundError("this service stores no graphs (no data directory)")
    return writer


def _read_body(limit: int) -> bytes:
    declared = request.content_length
    if declared is not None and declared > limit:
        raise PayloadTooLargeError(f"the upload has {declared} bytes; at most {limit} are accepted")
    # A chunked body has no Content-Length: Werkzeug stops reading at the limit without an
    # error, so read one byte more than allowed and refuse when it came (never store a
    # body cut short).
    request.max_content_length = limit + 1
    data = request.get_data(cache=False)
    if len(data) > limit:
        raise PayloadTooLargeError(f"the upload has more than {limit} bytes; that is the limit")
    return data


def _written(outcome: WriteOutcome) -> Response:
    first = outcome.versions[0]
    body: dict[str, Any] = {
        **_version_json(first),
        "graphs": [_version_json(version) for version in outcome.versions],
    }
    if outcome.report is not None:
        body["validation"] = outcome.report.to_dict()["counts"]
    response = _json(body, status=201 if outcome.created else 200)
    response.headers["Location"] = f"/graph-store?graph={first.graph}"
    return response


def _version_json(version: Version) -> dict[str, Any]:
    return {
        "graph": version.graph,
        "version": version.number,
        "action": version.action,
        "agent": version.agent if version.agent != ADMIN else "admin",
        "at": version.at.isoformat(),
        "triples": version.triples,
        "sha256": version.sha256,
        "restoredFrom": version.restored_from,
    }


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        status=status,
        content_type="application/json",
    )
