"""What a view's HTML page shows: its form, results table, downloads, query and checks.

Builds the template context for ``view.html`` (the route is in :mod:`kringloop.web.views`).
Cells that hold an IRI link to the view about that kind of thing where there is one
(an activity to ``activiteit``, a partner to ``portfolio-partner``, a theme to
``activiteiten-per-thema``), else to the IRI itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request, url_for

from kringloop.endpoint import PublicEndpoint
from kringloop.errors import KringloopError
from kringloop.federation import FederatedTable
from kringloop.viewchecks import Row
from kringloop.viewparams import Param, Term
from kringloop.viewrun import Table, bound_query, choices, run_checks
from kringloop.views import View
from kringloop.viewtables import Page, display_columns, short_iri
from kringloop.vocab import ID, TOOI

#: Where the app keeps the loaded views (``web.views`` loads them at start-up).
VIEWS_KEY = "kringloop.views"
#: Longest link to the query page with the query in it (gunicorn takes 8190-byte lines).
MAX_LINK_LENGTH = 6000
#: IRI namespaces whose things have a view of their own: namespace -> (view, parameter).
THING_VIEWS: tuple[tuple[str, str, str], ...] = (
    (f"{ID}activiteit/", "activiteit", "activiteit"),
    (f"{ID}thema/", "activiteiten-per-thema", "thema"),
    (f"{ID}partnergroep/", "portfolio-partner", "partner"),
    (f"{ID}organisatie/", "portfolio-partner", "partner"),
    (f"{ID}netwerk/", "portfolio-partner", "partner"),
    (str(TOOI), "portfolio-partner", "partner"),
)

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Overzichten",
        "intro": (
            "Vaste vragen aan de kennisgraaf, zonder SPARQL: kies een overzicht, vul eventueel "
            "de keuzes in en download het antwoord als CSV (voor een spreadsheet) of JSON."
        ),
        "openapi": "Beschrijving van de data-API (OpenAPI)",
        "tags": "Onderwerpen",
        "form": "Keuzes",
        "any": "(alle)",
        "show": "Toon",
        "missing": "Kies eerst een waarde voor: {names}.",
        "error": "Deze keuze klopt niet",
        "results": "Resultaat",
        "rows": "{total} rijen; hier {first}-{last}.",
        "no_rows": "Geen rijen: niets in de gegevens past bij deze keuzes.",
        "truncated": "Het antwoord is afgekapt bij de resultaatlimiet van de dienst ({cap}).",
        "previous": "Vorige pagina",
        "next": "Volgende pagina",
        "paging": "Pagina's",
        "downloads": "Downloaden",
        "bom": "CSV voor Excel",
        "query": "De query",
        "query_hint": "Zo vraagt dit overzicht het de kennisgraaf (met de gekozen waarden).",
        "open_query": "Open in de querypagina",
        "checks": "Controles",
        "checks_hint": "Wat dit overzicht belooft over de gebundelde gegevens.",
        "check_passed": "geslaagd",
        "check_failed": "mislukt",
        "no_checks": "Dit overzicht heeft geen controles.",
        "checks_error": "De controles konden niet draaien: {reason}",
        "yes": "ja",
        "no": "nee",
        "not_reached": "Niet bereikt",
        "not_reached_hint": "Deze partners ontbreken in het antwoord:",
        "reason_down": "onbereikbaar",
        "reason_slow": "te traag",
        "reason_refused": "geweigerd",
        "reason_invalid": "ongeldig antwoord",
    },
    "en": {
        "title": "Views",
        "intro": (
            "Standing questions to the knowledge graph, without SPARQL: choose a view, fill in "
            "the choices if you like and download the answer as CSV (for a spreadsheet) or JSON."
        ),
        "openapi": "Description of the data API (OpenAPI)",
        "tags": "Topics",
        "form": "Choices",
        "any": "(all)",
        "show": "Show",
        "missing": "First choose a value for: {names}.",
        "error": "This choice is not right",
        "results": "Result",
        "rows": "{total} rows; here {first}-{last}.",
        "no_rows": "No rows: nothing in the data fits these choices.",
        "truncated": "The answer was cut at the service's result cap ({cap}).",
        "previous": "Previous page",
        "next": "Next page",
        "paging": "Pages",
        "downloads": "Download",
        "bom": "CSV for Excel",
        "query": "The query",
        "query_hint": "How this view asks the knowledge graph (with the chosen values).",
        "open_query": "Open in the query page",
        "checks": "Checks",
        "checks_hint": "What this view promises about the bundled data.",
        "check_passed": "passed",
        "check_failed": "failed",
        "no_checks": "This view has no checks.",
        "checks_error": "The checks could not run: {reason}",
        "yes": "yes",
        "no": "no",
        "not_reached": "Not reached",
        "not_reached_hint": "These partners are missing from the answer:",
        "reason_down": "down",
        "reason_slow": "too slow",
        "reason_refused": "refused",
        "reason_invalid": "invalid answer",
    },
}


def view_page_context(
    view: View,
    language: str,
    *,
    endpoint: PublicEndpoint,
    arguments: Mapping[str, Sequence[str]],
    values: Mapping[str, Term],
    table: Table | None,
    page: Page | None,
    missing: list[str],
    error: KringloopError | None,
) -> dict[str, Any]:
    texts = TEXTS[language]
    title, title_lang = view.title_in(language)
    description, description_lang = view.description_in(language)
    given = {name: [value for value in values if value] for name, values in arguments.items()}
    return {
        "view": view,
        "view_title": title,
        "view_title_lang": title_lang,
        "description": description,
        "description_lang": description_lang,
        "fields": [_field(endpoint, param, given, language) for param in view.params],
        "form_action": url_for("views.view", name=view.name),
        "missing": [_param(view, name).label_in(language) for name in missing],
        "error": error.detail if error is not None else None,
        "table": _table(table, page, language) if table is not None and page else None,
        "paging": _paging(view, page, language) if page is not None else None,
        "result_cap": endpoint.settings.result_cap,
        "downloads": _downloads(view, given, texts) if not missing and error is None else [],
        "query_text": bound_query(view, values) if error is None else view.text,
        "query_link": _query_link(view, values, language, error is None),
        "checks": _checks(endpoint, view, texts),
        "missing_partners": _missing_partners(table, texts),
    }


def _missing_partners(table: Table | None, texts: dict[str, str]) -> list[dict[str, str]]:
    """The partners a federated answer left out, with the reason in the page's language."""
    if not isinstance(table, FederatedTable):
        return []
    return [
        {
            "label": item.label,
            "reason": texts[f"reason_{item.reason}"],
            "detail": item.detail,
            "endpoint": item.endpoint,
        }
        for item in table.missing
    ]


def _param(view: View, name: str) -> Param:
    found = view.param(name)
    if found is None:  # missing_required only names declared parameters
        raise LookupError(name)
    return found


def _field(
    endpoint: PublicEndpoint, param: Param, given: Mapping[str, list[str]], language: str
) -> dict[str, Any]:
    current = given.get(param.name, [])
    value = current[0] if current else (param.default.value if param.default else "")
    field: dict[str, Any] = {
        "name": param.name,
        "label": param.label_in(language),
        "required": param.required and param.default is None,
        "value": value,
        "id": f"param-{param.name}",
    }
    options = choices(endpoint, param, language)
    if param.type == "boolean" and not options:
        options = [("true", TEXTS[language]["yes"]), ("false", TEXTS[language]["no"])]
    if options:
        field["kind"] = "select"
        field["options"] = [
            {"value": option, "label": label, "selected": option == value}
            for option, label in options
        ]
    else:
        field["kind"] = "input"
        field["input_type"] = {"integer": "number", "date": "date", "iri": "url"}.get(
            param.type, "text"
        )
    return field


def _table(table: Table, page: Page, language: str) -> dict[str, Any]:
    columns = display_columns(table)
    rows = []
    for row in page.rows:
        rows.append([_cell(row, column.variable, column.label_variable) for column in columns])
    texts = TEXTS[language]
    summary = (
        texts["rows"].format(total=page.total, first=page.first_row, last=page.last_row)
        if page.total
        else texts["no_rows"]
    )
    return {
        "headers": [column.variable for column in columns],
        "rows": rows,
        "summary": summary,
        "truncated": table.truncated,
    }


def _cell(row: Row, variable: str, label_variable: str | None) -> dict[str, Any]:
    binding = row.get(variable)
    if binding is None:
        return {"text": "", "href": None, "lang": None, "title": None}
    value = binding.get("value", "")
    label = row.get(label_variable, {}).get("value") if label_variable else None
    if binding.get("type") == "uri":
        return {
            "text": label or short_iri(value),
            "href": _thing_link(value),
            "lang": None,
            "title": value,
        }
    return {"text": value, "href": None, "lang": binding.get("xml:lang"), "title": None}


def _thing_link(iri: str) -> str:
    names = {view.name: view for view in current_app.extensions[VIEWS_KEY]}
    for namespace, view_name, param_name in THING_VIEWS:
        target = names.get(view_name)
        if iri.startswith(namespace) and target is not None and target.param(param_name):
            arguments: dict[str, Any] = {param_name: iri}
            return url_for("views.view", name=view_name, **arguments)
    return iri


def _paging(view: View, page: Page, language: str) -> dict[str, Any]:
    texts = TEXTS[language]

    def link(number: int) -> str:
        return url_for(
            "views.view", name=view.name, **{**_current_args(), "page": number, "size": page.size}
        )

    return {
        "previous": link(page.number - 1) if page.has_previous else None,
        "next": link(page.number + 1) if page.has_next else None,
        "label": texts["paging"],
    }


def _current_args() -> dict[str, Any]:
    return request.args.to_dict(flat=False)


def _downloads(
    view: View, given: Mapping[str, list[str]], texts: dict[str, str]
) -> list[dict[str, str]]:
    arguments: dict[str, Any] = {name: values for name, values in given.items() if values}
    formats: list[tuple[str, str, dict[str, Any]]]
    if view.form == "CONSTRUCT":
        formats = [("ttl", "Turtle", {}), ("jsonld", "JSON-LD", {})]
    else:
        formats = [("csv", "CSV", {}), ("csv", texts["bom"], {"bom": "1"}), ("json", "JSON", {})]
    return [
        {
            "label": label,
            "url": url_for("views.view", name=f"{view.name}.{suffix}", **{**arguments, **extra}),
        }
        for suffix, label, extra in formats
    ]


def _query_link(view: View, values: Mapping[str, Term], language: str, bound: bool) -> str:
    text = bound_query(view, values) if bound else view.text
    link = url_for("query_page.query_page") + "?" + urlencode({"lang": language, "query": text})
    if len(link) <= MAX_LINK_LENGTH:
        return link
    return url_for("query_page.query_page", lang=language, example=view.name)


def _checks(endpoint: PublicEndpoint, view: View, texts: dict[str, str]) -> dict[str, Any]:
    try:
        results = run_checks(endpoint, view)
    except KringloopError as error:
        return {"error": texts["checks_error"].format(reason=error.detail), "results": []}
    return {
        "error": None,
        "results": [
            {
                "description": result.check.describe(),
                "passed": result.passed,
                "status": texts["check_passed"] if result.passed else texts["check_failed"],
                "failures": result.failures,
            }
            for result in results
        ],
    }
