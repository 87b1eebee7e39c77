"""``/sparql``: the SPARQL 1.1 Protocol for queries (read-only), and the service description.

GET with ``query=``, POST form-encoded, POST direct (``application/sparql-query``);
``default-graph-uri`` / ``named-graph-uri``; the format by ``?format=`` or ``Accept``.
GET without a query answers the Service Description. Updates are refused (403).
CORS headers go on read responses only.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, g, request
from werkzeug.datastructures import MultiDict

from kringloop.endpoint import (
    DESCRIPTION_PREFIXES,
    TRUNCATED_HEADER,
    QueryRequest,
    serialize_triples,
)
from kringloop.errors import (
    BadRequestError,
    ReadOnlyEndpointError,
    UnsupportedMediaTypeError,
)
from kringloop.formats import Kind, negotiate
from kringloop.web.state import services

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


@blueprint.after_request
def _cors(response: Response) -> Response:
    origin = services().settings.cors_origin
    if origin and g.get("cors_read", False):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = (
            f"{TRUNCATED_HEADER}, X-Request-Id, Content-Type"
        )
        if origin != "*":
            response.vary.add("Origin")
    return response


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def sparql() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    params = _parameters()
    if "update" in params or request.mimetype == UPDATE:
        raise ReadOnlyEndpointError(
            "this endpoint is read-only: SPARQL Update is not accepted here",
            reason="update",
        )
    g.cors_read = True
    queries = params.getlist("query")
    if not queries:
        if request.method == "GET":
            return _service_description(params)
        raise BadRequestError("no query: send query=... (or POST it as application/sparql-query)")
    if len(queries) > 1:
        raise BadRequestError("more than one query parameter; send exactly one query")
    query = queries[0]
    if not query.strip():
        raise BadRequestError("the query is empty")
    answer = services().endpoint.answer(
        QueryRequest(
            query=query,
            default_graph_uris=tuple(params.getlist("default-graph-uri")),
            named_graph_uris=tuple(params.getlist("named-graph-uri")),
            accept=request.headers.get("Accept"),
            format_params=tuple(params.getlist("format")),
        )
    )
    g.log_extra.update(
        {"form": answer.form, "format": answer.format.name, "truncated": answer.truncated}
    )
    response = Response(answer.body, content_type=answer.format.content_type)
    response.headers[TRUNCATED_HEADER] = "true" if answer.truncated else "false"
    response.vary.add("Accept")
    return response


def _parameters() -> MultiDict[str, str]:
    """The protocol's parameters, wherever this kind of request carries them."""
    _check_utf8(request.query_string)
    params: MultiDict[str, str] = MultiDict(request.args)
    if request.method != "POST":
        return params
    mimetype = request.mimetype
    if mimetype == FORM:
        # Bounded by MAX_CONTENT_LENGTH; cached, so the form is parsed from the same bytes.
        _check_utf8(request.get_data(cache=True))
        for key, values in request.form.lists():
            params.setlist(key, params.getlist(key) + values)
    elif mimetype == DIRECT:
        try:
            text = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequestError("the query is not valid UTF-8") from None
        if "query" in params:
            raise BadRequestError("a direct POST carries the query in its body, not in the URL")
        params.setlist("query", [text])
    elif mimetype != UPDATE:
        shown = mimetype or "no Content-Type"
        raise UnsupportedMediaTypeError(
            f"cannot take a query as {shown}; POST it as {FORM} (query=...) or as {DIRECT}",
            accepted=[FORM, DIRECT],
        )
    return params


def _check_utf8(encoded: bytes) -> None:
    """Refuse URL-encoded parameters that are not UTF-8 (Werkzeug would replace the bad
    bytes with U+FFFD and so run another query than the one sent)."""
    for pair in encoded.split(b"&"):
        try:
            unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequestError("the query is not valid UTF-8 (percent-encode UTF-8)") from None


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Allow"] = "GET, POST, OPTIONS"
    origin = services().settings.cors_origin
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, X-Request-Id"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _service_description(params: MultiDict[str, str]) -> Response:
    output = negotiate(
        Kind.RDF, format_params=params.getlist("format"), accept=request.headers.get("Accept")
    )
    triples = services().endpoint.describe(request.base_url)
    body = serialize_triples(triples, output, DESCRIPTION_PREFIXES)
    response = Response(body, content_type=output.content_type)
    response.vary.add("Accept")
    return response
