"""Dereferencing: ``/id/...`` answers 303 to ``/doc/...``; ``/doc/...`` is a resource's page
or its data (Turtle, JSON-LD, N-Triples, RDF/XML); ``/def`` documents the ontology.

The format comes from a suffix (``/doc/x.ttl``), else ``?format=``, else ``Accept`` (HTML
unless an RDF type is preferred). Every such answer says ``Vary: Accept`` and links its
alternates in a ``Link`` header. The core is :mod:`kringloop.resources`.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for
from rdflib import Graph

from kringloop.endpoint import TRUNCATED_HEADER, serialize_triples
from kringloop.errors import BadRequestError, KringloopError, NotAcceptableError, NotFoundError
from kringloop.formats import Format, Kind, by_name, negotiate, parse_accept
from kringloop.removals import Removal, load_removals, removals_path
from kringloop.resources import (
    ONTOLOGY_IRI,
    Description,
    compact,
    describe,
    findings,
    link_of,
    ontology_graph,
    ontology_terms,
    resource_data,
    resource_iri,
    similar,
)
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.state import services

blueprint = Blueprint("resources", __name__)

#: ``app.config`` key: the removals file (default ``data/removed-uris.ttl``).
REMOVED_CONFIG = "KRINGLOOP_REMOVED_URIS"
_REMOVALS_KEY = "kringloop.resources.removals"
_removals_lock = threading.Lock()

#: The RDF formats of a resource (suffix = format name), in the order the page lists them.
RDF_NAMES = ("ttl", "jsonld", "nt", "rdf")
HTML_TYPES = ("text/html", "application/xhtml+xml")
_REST = re.compile(r"^[a-z0-9-]+(/[a-z0-9-]+)*$")
_SUFFIX = re.compile(r"^(?P<rest>.+)\.(?P<suffix>[a-z]+)$")

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "types": "Soort",
        "iri": "URI",
        "formats": "Andere formaten",
        "graph": "Graaf",
        "document": "Wat het document zegt",
        "interpretation": "Interpretatie van de redactie van Kringloop",
        "vocabulary": "Begrippenkader",
        "ontology": "Ontologie",
        "other": "Andere graaf",
        "provenance": "Herkomst van deze graaf",
        "property": "Eigenschap",
        "value": "Waarde",
        "inverse": "Wat hiernaar verwijst",
        "inverse_none": "Niets verwijst hiernaar.",
        "count": "aantal",
        "page": "Pagina {n} van {m}",
        "previous": "Vorige",
        "next": "Volgende",
        "findings": "SHACL-bevindingen",
        "findings_none": "Geen bevindingen: deze bron voldoet aan de vormregels.",
        "truncated": "Deze bron heeft zeer veel uitspraken; niet alle worden getoond.",
        "notfound_title": "Niet gevonden",
        "notfound": "Kringloop kent geen bron met deze URI:",
        "search": "Zoeken in de activiteiten",
        "search_button": "Zoeken",
        "similar": "Lijkt op",
        "def_title": "Kringloop-ontologie",
        "classes": "Klassen",
        "properties": "Eigenschappen",
        "individuals": "Individuen",
        "domain": "Domein",
        "range": "Bereik",
        "parent_class": "Subklasse van",
        "parent_property": "Subeigenschap van",
        "parent_individual": "Soort",
        "gone_title": "Verwijderd",
        "gone": "Kringloop publiceert deze bron niet meer:",
        "gone_when": "Verwijderd op",
        "gone_replacement": "Vervangen door",
        "gone_none": "Er is geen vervanger.",
    },
    "en": {
        "types": "Type",
        "iri": "URI",
        "formats": "Other formats",
        "graph": "Graph",
        "document": "What the document states",
        "interpretation": "Interpretation by Kringloop's editors",
        "vocabulary": "Concept scheme",
        "ontology": "Ontology",
        "other": "Other graph",
        "provenance": "Provenance of this graph",
        "property": "Property",
        "value": "Value",
        "inverse": "What points here",
        "inverse_none": "Nothing points here.",
        "count": "count",
        "page": "Page {n} of {m}",
        "previous": "Previous",
        "next": "Next",
        "findings": "SHACL findings",
        "findings_none": "No findings: this resource conforms to the shapes.",
        "truncated": "This resource has very many statements; not all are shown.",
        "notfound_title": "Not found",
        "notfound": "Kringloop knows no resource with this URI:",
        "search": "Search the activities",
        "search_button": "Search",
        "similar": "Similar",
        "def_title": "Kringloop ontology",
        "classes": "Classes",
        "properties": "Properties",
        "individuals": "Individuals",
        "domain": "Domain",
        "range": "Range",
        "parent_class": "Subclass of",
        "parent_property": "Subproperty of",
        "parent_individual": "Type",
        "gone_title": "Removed",
        "gone": "Kringloop no longer publishes this resource:",
        "gone_when": "Removed on",
        "gone_replacement": "Replaced by",
        "gone_none": "There is no replacement.",
    },
}


@blueprint.get("/id/<path:rest>")
def identifier(rest: str) -> Response:
    """The thing itself cannot be sent: 303 See Other to the document about it (410 Gone
    for a removed resource)."""
    removal = removals().get(resource_iri(rest))
    if removal is not None:
        return _gone(removal, None if _prefers_html() else _format("ttl"))
    arguments: dict[str, Any] = {"lang": request.args["lang"]} if "lang" in request.args else {}
    response = Response(status=303)
    response.headers["Location"] = url_for(".document", rest=rest, **arguments)
    response.vary.add("Accept")
    return response


@blueprint.get("/doc/<path:rest>")
def document(rest: str) -> Response:
    rest, suffix = _split_suffix(rest)
    chosen = _choose(suffix)
    language = choose_language()
    if not _REST.match(rest):
        return _not_found(rest, language, chosen)
    removal = removals().get(resource_iri(rest))
    if removal is not None:
        return _gone(removal, chosen)
    endpoint = services().endpoint
    iri = resource_iri(rest)
    if chosen is not None:
        triples, truncated, exists = resource_data(endpoint, iri)
        if not exists:
            return _not_found(rest, language, chosen)
        response = Response(serialize_triples(triples, chosen), content_type=chosen.content_type)
        response.headers[TRUNCATED_HEADER] = "true" if truncated else "false"
        return _negotiated(response, ".document", rest=rest)
    page = _page_number()
    described = describe(endpoint, iri, language, page)
    if not described.exists:
        return _not_found(rest, language, chosen)
    html = render_template(
        "resource.html",
        **page_context(language, TEXTS),
        d=described,
        link_of=link_of,
        findings=findings(described.iri),
        alternates=_alternates(".document", rest=rest),
        previous_url=_inverse_url(rest, described, page - 1, language),
        next_url=_inverse_url(rest, described, page + 1, language),
    )
    response = html_response(html)
    return _negotiated(response, ".document", rest=rest)


@blueprint.get("/def")
@blueprint.get("/def.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    chosen = _choose(suffix)
    graph = ontology_graph()
    if chosen is not None:
        triples = serialize_triples(_as_oxigraph(graph), chosen)
        response = Response(triples, content_type=chosen.content_type)
    else:
        language = choose_language()
        terms = ontology_terms(graph)
        html = render_template(
            "def.html",
            **page_context(language, TEXTS),
            classes=[term for term in terms if term.kind == "class"],
            properties=[term for term in terms if term.kind == "property"],
            individuals=[term for term in terms if term.kind == "individual"],
            iri=ONTOLOGY_IRI,
            link_of=link_of,
            name_of=compact,
            alternates=_alternates(".ontology"),
        )
        response = html_response(html)
    return _negotiated(response, ".ontology")


@blueprint.get("/def/<path:rest>")
def ontology_part(rest: str) -> Response:
    """Nothing is published below ``/def`` (``/def/shapes`` included): a helpful 404."""
    return _not_found("def/" + rest, choose_language(), None)


# -- helpers -------------------------------------------------------------------------------


def _split_suffix(rest: str) -> tuple[str, str | None]:
    match = _SUFFIX.match(rest)
    if match is None:
        return rest, None
    return match["rest"], match["suffix"]


def _choose(suffix: str | None) -> Format | None:
    """The RDF format asked for, or None for HTML."""
    if suffix is not None:
        if suffix == "html":
            return None
        if suffix not in RDF_NAMES:
            raise _refusal(f"unknown suffix .{suffix[:20]}")
        return _format(suffix)
    asked = request.args.getlist("format")
    if asked:
        if asked[0].strip().lower() in ("html", *HTML_TYPES):
            return None
        found = by_name(Kind.RDF, asked[0])
        if found is None or found.name not in RDF_NAMES:
            raise _refusal(f"unknown format {asked[0][:20]!r}")
        return found
    accept = request.headers.get("Accept", "")
    if not accept.strip():
        return None
    ranges = parse_accept(accept)
    html_q = _quality(HTML_TYPES, ranges)
    try:
        rdf = negotiate(Kind.RDF, accept=accept)
    except NotAcceptableError:
        rdf = None
    rdf_q = _quality(rdf.media_types, ranges) if rdf is not None else (0.0, -1)
    if rdf is not None and rdf_q > html_q:
        return rdf
    if html_q[0] > 0:
        return None
    raise _refusal(f"nothing in Accept: {accept[:200]}")


def _refusal(reason: str) -> NotAcceptableError:
    media = ["text/html", *(_format(name).media_type for name in RDF_NAMES)]
    return NotAcceptableError(
        f"{reason}; this is available as html, {', '.join(RDF_NAMES)} (suffix or ?format=) "
        f"or {', '.join(media)} (Accept)",
        available=media,
    )


def _quality(media_types: tuple[str, ...], ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """(q, specificity) of the most specific range that matches one of ``media_types``."""
    best = (0.0, -1)
    for media_type in media_types:
        main = media_type.split("/")[0]
        for media_range, quality in ranges:
            specificity = {media_type: 2, f"{main}/*": 1, "*/*": 0}.get(media_range)
            if specificity is not None and (specificity, quality) > (best[1], best[0]):
                best = (quality, specificity)
    return best


def _format(name: str) -> Format:
    found = by_name(Kind.RDF, name)
    assert found is not None
    return found


def _alternates(endpoint: str, **arguments: str) -> list[tuple[str, str, str]]:
    """(label, URL, media type) of every representation, HTML first."""
    found = [("HTML", url_for(endpoint, **_with_suffix(arguments, "html")), "text/html")]
    names = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}
    for name in RDF_NAMES:
        url = url_for(endpoint, **_with_suffix(arguments, name))
        found.append((names[name], url, _format(name).media_type))
    return found


def _with_suffix(arguments: dict[str, str], suffix: str) -> dict[str, Any]:
    if "rest" in arguments:
        return {"rest": f"{arguments['rest']}.{suffix}"}
    return {"suffix": suffix}


def _negotiated(response: Response, endpoint: str, **arguments: str) -> Response:
    response.vary.add("Accept")
    links = [
        f'<{url}>; rel="alternate"; type="{media}"'
        for _l, url, media in _alternates(endpoint, **arguments)
    ]
    response.headers["Link"] = ", ".join(links)
    return response


def _page_number() -> int:
    text = request.args.get("pagina", "1")
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 100_000:
        raise BadRequestError("pagina must be a whole number from 1", parameter="pagina")
    return int(text)


def _inverse_url(rest: str, described: Description, page: int, language: str) -> str | None:
    if not 1 <= page <= described.inverse_pages or page == described.inverse_page:
        return None
    return url_for(".document", rest=rest, pagina=page, lang=language)


def _not_found(rest: str, language: str, chosen: Format | None) -> Response:
    if chosen is not None:
        raise NotFoundError(f"no resource {resource_iri(rest)[:300]}")
    html = render_template(
        "notfound.html",
        **page_context(language, TEXTS),
        missing=resource_iri(rest) if not rest.startswith("def/") else ONTOLOGY_IRI + rest[3:],
        similar=similar(services().endpoint, rest, language),
        search_url=url_for("browse.browse"),
    )
    response = html_response(html, status=404)
    response.vary.add("Accept")
    return response


def _as_oxigraph(graph: Graph) -> list[ox.Triple]:
    data = graph.serialize(format="nt", encoding="utf-8")
    parsed = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    return [ox.Triple(quad.subject, quad.predicate, quad.object) for quad in parsed]


# -- removed resources -----------------------------------------------------------------------


class GoneError(KringloopError):
    status = 410
    title = "Gone"


def removals() -> dict[str, Removal]:
    """The removals of ``app.config[REMOVED_CONFIG]`` (default ``data/removed-uris.ttl``),
    read again when the file changes."""
    path = Path(current_app.config.get(REMOVED_CONFIG) or removals_path())
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1
    with _removals_lock:
        cached = current_app.extensions.get(_REMOVALS_KEY)
        if cached is None or cached[0] != (path, stamp):
            cached = ((path, stamp), load_removals(path))
            current_app.extensions[_REMOVALS_KEY] = cached
    found: dict[str, Removal] = cached[1]
    return found


def _prefers_html() -> bool:
    """Whether a request to ``/id/`` would be answered with a page (see ``_choose``)."""
    try:
        return _choose(None) is None
    except NotAcceptableError:
        return False


def _gone(removal: Removal, chosen: Format | None) -> Response:
    replacement = link_of(removal.replaced_by) if removal.replaced_by else None
    if chosen is not None:
        extra: dict[str, Any] = {"iri": removal.iri, "removed": removal.removed_at}
        if removal.replaced_by:
            extra["replaced_by"] = removal.replaced_by
        raise GoneError(f"{removal.iri} was removed on {removal.removed_at}", **extra)
    language = choose_language()
    html = render_template(
        "gone.html",
        **page_context(language, TEXTS),
        removal=removal,
        comment=removal.comments.get(language) or removal.comments.get("nl"),
        replacement=replacement,
    )
    response = html_response(html, status=410)
    response.vary.add("Accept")
    if replacement is not None:
        response.headers["Link"] = f'<{replacement}>; rel="successor-version"'
    return response
