"""``/``, the start page, and ``/activiteiten``, the faceted activity browser.

The browser is a GET form (facet checkboxes with counts, a search box) and a results
table; it works without JavaScript. ``/activiteiten.csv``, ``.json`` and ``.ttl`` give
the filtered set. The core is :mod:`kringloop.facets` and :mod:`kringloop.search`.
"""

from __future__ import annotations

import json
import threading
from typing import Any, cast

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for

from kringloop.endpoint import TRUNCATED_HEADER, QueryRequest
from kringloop.errors import BadRequestError, NotFoundError
from kringloop.facets import (
    FACET_NAMES,
    SOURCE,
    Activity,
    Catalogue,
    CatalogueCache,
    Selection,
    read_filters,
    select,
)
from kringloop.search import SearchIndex
from kringloop.viewchecks import Row
from kringloop.viewtables import to_csv
from kringloop.vocab import PREFIXES
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.state import services

blueprint = Blueprint("browse", __name__)

SUFFIXES = ("csv", "json", "ttl")
#: The download's columns (the activity's IRI, its label, facets' value labels).
COLUMNS = ("activiteit", "label", "thema", "kolom", "partner", "rstrategie")
#: The extra column when the activities come from more than one source.
SOURCE_COLUMN = "bron"

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Activiteiten",
        "intro": (
            "Zoek en filter de activiteiten van de agenda. Binnen een filter betekenen meer "
            "keuzes 'of', tussen filters 'en'. Het getal bij een keuze is het aantal "
            "activiteiten dat je met die keuze krijgt."
        ),
        "search": "Zoeken in naam en brontekst",
        "search_hint": "Hoofdletters en accenten tellen niet; 'verkenning' vindt ook 'verkennen'.",
        "search_button": "Zoeken",
        "apply": "Toon activiteiten",
        "clear_all": "Alle filters wissen",
        "interpretation": "volgens de redactie",
        "interpretation_note": (
            "R-strategie, rol, doel en levenscyclusfase zijn interpretaties van de redactie "
            "van Kringloop, geen uitspraken van de agenda."
        ),
        "group": "groep",
        "results": "Resultaat",
        "count_one": "1 activiteit",
        "count_many": "{n} activiteiten",
        "none": "Geen activiteiten met deze filters.",
        "downloads": "Downloaden",
        "csv_excel": "CSV voor Excel",
        "col_label": "Activiteit",
        "col_thema": "Thema",
        "col_kolom": "Kolom",
        "col_partner": "Partners",
        "col_rstrategie": "R-strategieën (volgens de redactie)",
        "col_bron": "Bron",
        "source_note": "De organisatie die de gegevens publiceert: de provincie of een partner.",
        "error": "De filters kloppen niet",
        "filters": "Filters",
    },
    "en": {
        "title": "Activities",
        "intro": (
            "Search and filter the agenda's activities. Within a filter several choices mean "
            "'or', between filters 'and'. The number beside a choice is how many activities "
            "that choice gives."
        ),
        "search": "Search in name and source text",
        "search_hint": "Case and accents do not matter; 'verkenning' also finds 'verkennen'.",
        "search_button": "Search",
        "apply": "Show activities",
        "clear_all": "Clear all filters",
        "interpretation": "per the editors",
        "interpretation_note": (
            "R-strategy, role, goal and life-cycle phase are interpretations by Kringloop's "
            "editors, not statements of the agenda."
        ),
        "group": "group",
        "results": "Result",
        "count_one": "1 activity",
        "count_many": "{n} activities",
        "none": "No activities with these filters.",
        "downloads": "Download",
        "csv_excel": "CSV for Excel",
        "col_label": "Activity",
        "col_thema": "Theme",
        "col_kolom": "Column",
        "col_partner": "Partners",
        "col_rstrategie": "R-strategies (per the editors)",
        "col_bron": "Source",
        "source_note": "The organisation that publishes the data: the province or a partner.",
        "error": "The filters are not right",
        "filters": "Filters",
    },
}

HOME_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Start",
        "intro": (
            "De Uitvoeringsagenda Circulaire Samenleving 2021-2022 van de provincie Utrecht als "
            "kennisgraaf: de activiteiten, thema's, partners en de interpretaties van de "
            "redactie. Waar wil je beginnen?"
        ),
        "browse": "Activiteiten zoeken en filteren",
        "browse_text": (
            "Filter op thema, kolom, partner, R-strategie, rol, doel en levenscyclusfase, zoek "
            "in de tekst en download het resultaat als spreadsheet."
        ),
        "views": "Overzichten",
        "views_text": "Kant-en-klare vragen over de agenda, met tabellen en downloads.",
        "query": "SPARQL-query",
        "query_text": "Stel zelf een vraag in SPARQL, voor wie die taal kent.",
    },
    "en": {
        "title": "Start",
        "intro": (
            "The Province of Utrecht's Circular Society Implementation Agenda 2021-2022 as a "
            "knowledge graph: the activities, themes, partners and the editors' "
            "interpretations. Where would you like to start?"
        ),
        "browse": "Search and filter activities",
        "browse_text": (
            "Filter by theme, column, partner, R-strategy, role, goal and life-cycle phase, "
            "search the text and download the result as a spreadsheet."
        ),
        "views": "Views",
        "views_text": "Ready-made questions about the agenda, with tables and downloads.",
        "query": "SPARQL query",
        "query_text": "Ask your own question in SPARQL, for those who know the language.",
    },
}

#: Per app: the catalogue cache and the search index of its current catalogue.
CACHE_KEY = "kringloop.catalogue"
INDEX_KEY = "kringloop.search-index"
_index_lock = threading.Lock()


@blueprint.get("/")
def home() -> Response:
    language = choose_language()
    html = render_template(
        "home.html",
        **page_context(language, HOME_TEXTS),
        views_link=url_for("views.view_list", lang=language),
        query_link=url_for("query_page.query_page", lang=language),
    )
    return html_response(html)


@blueprint.get("/activiteiten")
def browse() -> Response:
    language = choose_language()
    _refuse_unknown(allow_bom=False)
    catalogue = _catalogue()
    error: BadRequestError | None = None
    try:
        selection, chosen, query = _selection(catalogue, language)
    except BadRequestError as problem:
        error = problem
        selection, chosen, query = select(catalogue, {}, language), {}, ""
    rows = [_row(catalogue, activity, language) for activity in selection.activities]
    for row in rows:
        row["url"] = url_for("views.view", name="activiteit", activiteit=row["activiteit"])
    arguments: dict[str, Any] = request.args.to_dict(flat=False)
    downloads = [
        (label, url_for(".download", suffix=suffix, **{**arguments, **extra}))
        for label, suffix, extra in (
            ("CSV", "csv", {}),
            (TEXTS[language]["csv_excel"], "csv", {"bom": "1"}),
            ("JSON", "json", {}),
            ("Turtle", "ttl", {}),
        )
    ]
    html = render_template(
        "browse.html",
        **page_context(language, TEXTS),
        facets=selection.facets,
        chosen=chosen,
        search=query,
        rows=rows,
        show_source=catalogue.several_sources,
        downloads=downloads,
        error=error,
        clear_url=url_for(".browse", lang=language),
    )
    return html_response(html, status=error.status if error is not None else 200)


@blueprint.get("/activiteiten.<suffix>")
def download(suffix: str) -> Response:
    if suffix not in SUFFIXES:
        raise NotFoundError(
            f"the activities are available as .csv, .json, .ttl, not .{suffix[:20]}"
        )
    language = choose_language()
    _refuse_unknown(allow_bom=suffix == "csv")
    catalogue = _catalogue()
    selection, chosen, query = _selection(catalogue, language)
    if suffix == "ttl":
        return _turtle(selection)
    rows = [_row(catalogue, activity, language) for activity in selection.activities]
    if suffix == "json":
        document = {
            "filters": {name: sorted(values) for name, values in chosen.items()},
            "search": query,
            "count": len(rows),
            "activities": rows,
            "facets": {
                result.facet.name: [
                    {"value": v.iri, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in result.values
                ]
                for result in selection.facets
            },
        }
        return Response(json.dumps(document, ensure_ascii=False), mimetype="application/json")
    bom = request.args.get("bom", "0")
    if bom not in ("0", "1"):
        raise BadRequestError("bom must be 0 or 1", parameter="bom")
    columns = (*COLUMNS, SOURCE_COLUMN) if catalogue.several_sources else COLUMNS
    bindings: list[Row] = [{key: {"value": str(row[key])} for key in columns} for row in rows]
    body = to_csv(columns, bindings, bom=bom == "1")
    response = Response(body, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="activiteiten.csv"'
    return response


# -- helpers -------------------------------------------------------------------------------


def _catalogue() -> Catalogue:
    cache = current_app.extensions.setdefault(CACHE_KEY, CatalogueCache())
    return cast(CatalogueCache, cache).get(services().endpoint)


def _search_index(catalogue: Catalogue) -> SearchIndex:
    """The index of ``catalogue``, built again when the catalogue was read again."""
    with _index_lock:
        cached = cast(tuple[Catalogue, SearchIndex] | None, current_app.extensions.get(INDEX_KEY))
        if cached is None or cached[0] is not catalogue:
            built = SearchIndex.build((a.iri, a.texts) for a in catalogue.activities)
            current_app.extensions[INDEX_KEY] = (catalogue, built)
            return built
        return cached[1]


def _selection(catalogue: Catalogue, language: str) -> tuple[Selection, dict[str, set[str]], str]:
    arguments = {name: request.args.getlist(name) for name in FACET_NAMES}
    chosen = read_filters(arguments, catalogue)
    queries = request.args.getlist("q")
    if len(queries) > 1:
        raise BadRequestError("give one search text q=, not several", parameter="q")
    query = queries[0].strip() if queries else ""
    among = None
    if query:
        try:
            among = _search_index(catalogue).search(query)
        except ValueError as problem:
            raise BadRequestError(str(problem), parameter="q") from None
    return select(catalogue, chosen, language, among), chosen, query


def _refuse_unknown(*, allow_bom: bool) -> None:
    known = {*FACET_NAMES, "q", "lang", *(("bom",) if allow_bom else ())}
    for key in request.args:
        if key not in known:
            allowed = ", ".join(sorted(known))
            raise BadRequestError(
                f"unknown parameter {key[:40]!r}; the browser takes: {allowed}", parameter=key[:40]
            )


def _row(catalogue: Catalogue, activity: Activity, language: str) -> dict[str, Any]:
    def labels(facet: str) -> str:
        found = sorted(catalogue.label(value, language) for value in activity.values[facet])
        return "; ".join(found)

    row = {
        "activiteit": activity.iri,
        "label": catalogue.label(activity.iri, "nl"),
        "thema": labels("thema"),
        "kolom": labels("kolom"),
        "partner": labels("partner"),
        "rstrategie": labels("rstrategie"),
    }
    if catalogue.several_sources:
        row[SOURCE_COLUMN] = labels(SOURCE)
    return row


def _turtle(selection: Selection) -> Response:
    """The statements about the matching activities and their source references, each
    from the graph that states the activity (the agenda's, or a partner's): no
    interpretations of the editors."""
    values = " ".join(str(ox.NamedNode(activity.iri)) for activity in selection.activities)
    query = (
        f"PREFIX kl: <{PREFIXES['kl']}>\n"
        "CONSTRUCT { ?s ?p ?o } WHERE {\n"
        f"  VALUES ?a {{ {values} }}\n"
        "  GRAPH ?g {\n"
        "    ?a a kl:Activiteit .\n"
        "    { ?a ?p ?o BIND(?a AS ?s) } UNION { ?a kl:bron ?s . ?s ?p ?o }\n"
        "  }\n}\n"
    )
    answer = services().endpoint.answer(QueryRequest(query=query, format_params=("ttl",)))
    response = Response(answer.body, content_type=answer.format.content_type)
    response.headers[TRUNCATED_HEADER] = "true" if answer.truncated else "false"
    response.headers["Content-Disposition"] = 'attachment; filename="activiteiten.ttl"'
    return response
