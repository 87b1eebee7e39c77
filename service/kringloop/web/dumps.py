"""``/dumps/``, ``/context.jsonld`` and ``/catalogus``: the publication as downloadable files.

``/dumps/`` lists every file; ``/dumps/<file>`` streams one (the whole publication or one
named graph in six RDF formats, three CSV tables); ``/context.jsonld`` is the JSON-LD
``@context`` the JSON-LD dumps use; ``/catalogus`` (also ``/catalog``) is the DCAT and VoID
catalogue, in the RDF format chosen by suffix, ``?format=`` or ``Accept``.

The files are made from the bundled graphs (see :mod:`kringloop.dumps` for why), in a
store loaded once per app; each answer is made on request and streamed in chunks.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for

from kringloop.catalogue import (
    CATALOGUE_PREFIXES,
    as_oxigraph,
    build_catalogue,
    modification_dates,
    triple_counts,
)
from kringloop.dumps import (
    ALL,
    CSV_MEDIA_TYPE,
    CSV_TABLES,
    Publication,
    all_dumps,
    find_dump,
    find_table,
    json_ld_context,
    load_publication,
    serialize_dump,
    stream,
    table_csv,
)
from kringloop.endpoint import serialize_triples
from kringloop.errors import NotFoundError
from kringloop.formats import Kind, by_name, negotiate
from kringloop.graphs import BUNDLED
from kringloop.localstore import load_bundled_store
from kringloop.views import load_views
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.state import services

blueprint = Blueprint("dumps", __name__)

STORE_KEY = "kringloop.dumps.store"
PUBLICATION_KEY = "kringloop.dumps.publication"
BODIES_KEY = "kringloop.dumps.bodies"
CATALOGUE_KEY = "kringloop.dumps.catalogue"
_LOCK = threading.Lock()

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Downloads",
        "intro": (
            "De hele publicatie en elke benoemde graaf als bestand, in zes RDF-formaten "
            "(TriG en N-Quads bewaren de grafen), en tabellen als CSV voor een spreadsheet."
        ),
        "whole": "Alle gepubliceerde grafen",
        "graphs": "Per graaf",
        "tables": "Tabellen (CSV)",
        "more": "Beschrijving",
        "catalogue": "DCAT-catalogus (DCAT-AP-NL) met VoID-beschrijving",
        "context": "JSON-LD-context van de JSON-LD-bestanden",
    },
    "en": {
        "title": "Downloads",
        "intro": (
            "The whole publication and each named graph as a file, in six RDF formats "
            "(TriG and N-Quads keep the graphs), and tables as CSV for a spreadsheet."
        ),
        "whole": "Every published graph",
        "graphs": "Per graph",
        "tables": "Tables (CSV)",
        "more": "Description",
        "catalogue": "DCAT catalogue (DCAT-AP-NL) with a VoID description",
        "context": "JSON-LD context of the JSON-LD files",
    },
}


def publication() -> Publication:
    """The bundled graphs as parsed quads, loaded once per app."""
    extensions = current_app.extensions
    with _LOCK:
        if PUBLICATION_KEY not in extensions:
            extensions[PUBLICATION_KEY] = load_publication()
    quads: Publication = extensions[PUBLICATION_KEY]
    return quads


def publication_store() -> ox.Store:
    """The bundled graphs, loaded once per app (reads are thread-safe)."""
    with _LOCK:
        return publication_store_locked()


def publication_store_locked() -> ox.Store:
    extensions = current_app.extensions
    if STORE_KEY not in extensions:
        extensions[STORE_KEY] = load_bundled_store()
    store: ox.Store = extensions[STORE_KEY]
    return store


def catalogue_triples() -> list[ox.Triple]:
    """The catalogue's triples, built once per app (the bundled data does not change)."""
    extensions = current_app.extensions
    with _LOCK:
        if CATALOGUE_KEY not in extensions:
            store = publication_store_locked()
            graph = build_catalogue(triple_counts(store), load_views(), modification_dates())
            extensions[CATALOGUE_KEY] = as_oxigraph(graph)
    triples: list[ox.Triple] = extensions[CATALOGUE_KEY]
    return triples


@blueprint.get("/dumps/")
def index() -> Response:
    language = choose_language()
    links = _links()
    graphs = [
        {
            "title": source.title_nl if language == "nl" else source.title_en,
            "iri": str(source.iri),
            "files": [link for link in links if link["source"] is source],
        }
        for source in BUNDLED
    ]
    html = render_template(
        "dumps.html",
        **page_context(language, TEXTS),
        whole=[link for link in links if link["source"] is None],
        graphs=graphs,
        tables=[
            {
                "title": table.title_nl if language == "nl" else table.title_en,
                "url": url_for(".dump", file_name=table.file_name),
                "file_name": table.file_name,
            }
            for table in CSV_TABLES
        ],
        catalogue_url=url_for(".catalogue"),
        context_url=url_for(".context"),
    )
    return html_response(html)


@blueprint.get("/dumps/<file_name>")
def dump(file_name: str) -> Response:
    """One dump file, streamed, with its media type and a download file name."""
    found = find_dump(file_name)
    if found is not None:
        body = _cached(file_name, lambda: serialize_dump(found, publication()))
        output = by_name(Kind.RDF, found.format.suffix)
        content_type = output.content_type if output else found.format.media_type
        return _download(body, content_type, file_name)
    table = find_table(file_name)
    if table is not None:
        body = _cached(file_name, lambda: table_csv(table, publication_store()))
        return _download(body, f"{CSV_MEDIA_TYPE}; charset=utf-8; header=present", file_name)
    names = ", ".join([dump.file_name for dump in all_dumps() if dump.name == ALL][:3])
    raise NotFoundError(
        f"no dump named {file_name[:80]!r}; see /dumps/ for the list (e.g. {names})"
    )


@blueprint.get("/context.jsonld")
def context() -> Response:
    body = json.dumps({"@context": json_ld_context()}, indent=2).encode("utf-8")
    response = Response(body, content_type="application/ld+json")
    return _cors(response)


@blueprint.get("/catalogus")
@blueprint.get("/catalog")
@blueprint.get("/catalogus.<suffix>")
def catalogue(suffix: str | None = None) -> Response:
    """The DCAT catalogue in the negotiated RDF format (Turtle by default)."""
    output = negotiate(
        Kind.RDF,
        suffix=suffix,
        format_params=request.args.getlist("format"),
        accept=request.headers.get("Accept"),
    )
    body = serialize_triples(catalogue_triples(), output, extra_prefixes=CATALOGUE_PREFIXES)
    response = Response(stream(body), content_type=output.content_type)
    response.headers["Content-Length"] = str(len(body))
    response.headers["Content-Disposition"] = f'inline; filename="catalogus.{output.suffix}"'
    response.vary.add("Accept")
    return _cors(response)


def _cached(file_name: str, make: Callable[[], bytes]) -> bytes:
    """A file's bytes, made once per app: the bundled data does not change while it runs
    (all files together are about 20 MB; JSON-LD takes rdflib seconds to compact)."""
    cache: dict[str, bytes] = current_app.extensions.setdefault(BODIES_KEY, {})
    body = cache.get(file_name)
    if body is None:
        body = make()
        cache[file_name] = body
    return body


def _download(body: bytes, content_type: str, file_name: str) -> Response:
    response = Response(stream(body), content_type=content_type)
    response.headers["Content-Length"] = str(len(body))
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return _cors(response)


def _cors(response: Response) -> Response:
    """Data files may be read from other origins (a JSON-LD processor fetches the context)."""
    origin = services().settings.cors_origin
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


def _links() -> list[dict[str, Any]]:
    return [
        {
            "source": dump.source,
            "label": dump.format.label,
            "file_name": dump.file_name,
            "url": url_for(".dump", file_name=dump.file_name),
            "graphs": dump.format.oxigraph in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS),
        }
        for dump in all_dumps()
    ]
