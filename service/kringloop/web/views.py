"""``/views``: the curated views as pages, data downloads and an OpenAPI description.

``/views`` lists them; ``/views/<name>`` is a view's page (a form from its parameters,
the results table, the query, its checks); ``/views/<name>.json`` and ``.csv`` give a
table's data, ``.ttl`` and ``.jsonld`` a graph's, ``.svg`` the picture of a view with a
``chart`` (:mod:`kringloop.charts`; also inline on the page, beside its table);
``/openapi.json`` describes the data API. Everything runs through the public endpoint
(``kringloop.viewrun``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from typing import Any, cast

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup

from kringloop.charts import render_chart
from kringloop.endpoint import TRUNCATED_HEADER
from kringloop.errors import BadRequestError, KringloopError, NotAcceptableError, NotFoundError
from kringloop.federation import FederatedTable, federated_table
from kringloop.viewapi import MAX_PAGE_SIZE, openapi_document
from kringloop.viewparams import Term
from kringloop.viewrun import Table, missing_required, read_arguments, run_graph, run_table
from kringloop.views import View, load_views
from kringloop.viewtables import page_of, to_csv
from kringloop.web.pages import choose_language, html_response, page_context, secure_page
from kringloop.web.state import services
from kringloop.web.viewpage import TEXTS, VIEWS_KEY, view_page_context

blueprint = Blueprint("views", __name__)

#: Rows per page of the HTML table unless ``size=`` says otherwise.
HTML_PAGE_SIZE = 100
TABLE_SUFFIXES = ("json", "csv")
#: The partners a federated view's answer left out, in a CSV download: ``ref=reason; ...``.
MISSING_HEADER = "Kringloop-Missing-Partners"
GRAPH_SUFFIXES = ("ttl", "jsonld")
CHART_SUFFIX = "svg"


@blueprint.record_once
def _load_views(state: BlueprintSetupState) -> None:
    """Read ``queries/*.rq`` once, when the app is made: a broken file stops the start."""
    if VIEWS_KEY not in state.app.extensions:
        state.app.extensions[VIEWS_KEY] = load_views()


def all_views() -> tuple[View, ...]:
    return cast(tuple[View, ...], current_app.extensions[VIEWS_KEY])


def find_view(name: str) -> View:
    for view in all_views():
        if view.name == name:
            return view
    names = ", ".join(view.name for view in all_views())
    raise NotFoundError(f"no view named {name[:80]!r}; there are: {names}")


@blueprint.get("/views")
def view_list() -> Response:
    language = choose_language()
    listed = []
    for view in all_views():
        title, title_lang = view.title_in(language)
        description, description_lang = view.description_in(language)
        listed.append(
            {
                "name": view.name,
                "title": title,
                "title_lang": title_lang,
                "description": description,
                "description_lang": description_lang,
                "tags": view.tags,
                "url": url_for(".view", name=view.name, lang=language),
            }
        )
    html = render_template(
        "views.html",
        **page_context(language, TEXTS),
        views=listed,
        openapi_url=url_for(".openapi"),
    )
    return html_response(html)


@blueprint.get("/views/<name>")
def view(name: str) -> Response:
    base, dot, suffix = name.partition(".")
    found = find_view(base)
    if not dot:
        return _html(found)
    if suffix == CHART_SUFFIX and found.chart is not None:
        return _svg(found)
    picture = (CHART_SUFFIX,) if found.chart is not None else ()
    if found.form == "CONSTRUCT":
        if suffix not in GRAPH_SUFFIXES:
            raise _wrong_suffix(found, suffix, (*GRAPH_SUFFIXES, *picture))
        return _graph(found, suffix)
    if suffix not in TABLE_SUFFIXES:
        raise _wrong_suffix(found, suffix, (*TABLE_SUFFIXES, *picture))
    return _data(found, suffix)


@blueprint.get("/openapi.json")
def openapi() -> Response:
    document = openapi_document(all_views(), version("kringloop"))
    return Response(json.dumps(document, ensure_ascii=False), mimetype="application/json")


# -- the formats ---------------------------------------------------------------------------


def _html(view: View) -> Response:
    language = choose_language()
    arguments = _arguments(view, extra=("page", "size", "lang"))
    endpoint = services().endpoint
    error: KringloopError | None = None
    table: Table | None = None
    missing = missing_required(view, arguments)
    values = {}
    page_number, size = 1, HTML_PAGE_SIZE
    if not missing:
        try:
            page_number, size = _paging(HTML_PAGE_SIZE)
            values = read_arguments(view, arguments)
        except BadRequestError as problem:
            error = problem
        else:
            table = _table(view, values)
    context = view_page_context(
        view,
        language,
        endpoint=endpoint,
        arguments=arguments,
        values=values,
        table=table,
        page=page_of(table.rows, page_number, size) if table is not None else None,
        missing=missing,
        error=error,
    )
    html = render_template(
        "view.html",
        **page_context(language, TEXTS),
        **context,
        chart=_chart_figure(view, table, language),
    )
    return html_response(html, status=error.status if error is not None else 200)


def _chart_figure(view: View, table: Table | None, language: str) -> dict[str, Any] | None:
    """The page's picture (inline SVG, drawn from every row) and the link to its .svg."""
    if view.chart is None or table is None or not table.rows:
        return None
    svg = _drawn(view, table, language)
    arguments: dict[str, Any] = request.args.to_dict(flat=False)
    arguments.pop("page", None)
    arguments.pop("size", None)
    # The SVG is ElementTree's serialisation: every label in it is escaped.
    return {
        "svg": Markup(svg),  # noqa: S704
        "url": url_for(".view", name=f"{view.name}.{CHART_SUFFIX}", **arguments),
    }


def _svg(view: View) -> Response:
    arguments = _arguments(view, extra=("lang",))
    values = read_arguments(view, arguments)
    table = _table(view, values)
    response = Response(_drawn(view, table, choose_language()), mimetype="image/svg+xml")
    secure_page(response)
    response.headers[TRUNCATED_HEADER] = "true" if table.truncated else "false"
    return response


def _drawn(view: View, table: Table, language: str) -> str:
    assert view.chart is not None  # the callers check
    title, _ = view.title_in(language)
    try:
        return render_chart(view.chart, table.rows, title=title, language=language)
    except ValueError as error:
        raise KringloopError(f"the chart of view {view.name} cannot be drawn: {error}") from None


def _data(view: View, suffix: str) -> Response:
    extra = ("page", "size", "lang", "bom") if suffix == "csv" else ("page", "size", "lang")
    arguments = _arguments(view, extra=extra)
    values = read_arguments(view, arguments)
    table = _table(view, values)
    paged = "page" in request.args or "size" in request.args
    number, size = _paging(len(table.rows) or 1) if paged else (1, max(len(table.rows), 1))
    page = page_of(table.rows, number, size)
    if suffix == "csv":
        bom = request.args.get("bom", "0")
        if bom not in ("0", "1"):
            raise BadRequestError("bom must be 0 or 1", parameter="bom")
        body = to_csv(table.variables, page.rows, bom=bom == "1")
        response = Response(body, content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="{view.name}.csv"'
    else:
        links = {
            "next": _page_url(view, suffix, number + 1, size) if paged and page.has_next else None,
            "previous": _page_url(view, suffix, number - 1, size) if page.has_previous else None,
        }
        document = {
            "head": {"vars": list(table.variables)},
            "results": {"bindings": page.rows},
            "kringloop": {
                "view": view.name,
                "page": number,
                "size": size,
                "total": page.total,
                "truncated": table.truncated,
                **links,
            },
        }
        if isinstance(table, FederatedTable):
            document["missing"] = [missing.as_json() for missing in table.missing]
        response = Response(
            json.dumps(document, ensure_ascii=False), mimetype="application/sparql-results+json"
        )
    response.headers[TRUNCATED_HEADER] = "true" if table.truncated else "false"
    if isinstance(table, FederatedTable):
        missing = "; ".join(f"{item.ref}={item.reason}" for item in table.missing)
        response.headers[MISSING_HEADER] = missing
    return response


def _table(view: View, values: Mapping[str, Term]) -> Table:
    """A view's table; a federated view's also from every registered partner endpoint."""
    if view.federated:
        return federated_table(services().endpoint, view, values, services().registry)
    return run_table(services().endpoint, view, values)


def _graph(view: View, suffix: str) -> Response:
    arguments = _arguments(view, extra=("lang",))
    values = read_arguments(view, arguments)
    answer = run_graph(services().endpoint, view, values, suffix)
    response = Response(answer.body, content_type=answer.format.content_type)
    response.headers[TRUNCATED_HEADER] = "true" if answer.truncated else "false"
    return response


# -- request parsing ---------------------------------------------------------------------------


def _arguments(view: View, *, extra: Sequence[str]) -> Mapping[str, list[str]]:
    """The request's values per view parameter; an unknown parameter is a 400."""
    known = {param.name for param in view.params} | set(extra)
    for key in request.args:
        if key not in known:
            allowed = ", ".join(sorted(known))
            raise BadRequestError(
                f"unknown parameter {key[:40]!r} for view {view.name}; it takes: {allowed}",
                parameter=key[:40],
            )
    choose_language()  # a bad lang= is a 400 on every format
    return {param.name: request.args.getlist(param.name) for param in view.params}


def _paging(default_size: int) -> tuple[int, int]:
    number = _positive("page", 1)
    size = _positive("size", min(default_size, MAX_PAGE_SIZE))
    if size > MAX_PAGE_SIZE:
        raise BadRequestError(f"size must be at most {MAX_PAGE_SIZE}", parameter="size")
    return number, size


def _positive(name: str, default: int) -> int:
    values = request.args.getlist(name)
    if not values:
        return default
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses (a 500).
    if len(values) > 1 or not (values[0].isascii() and values[0].isdigit()) or int(values[0]) < 1:
        raise BadRequestError(f"{name} must be one whole number from 1", parameter=name)
    return int(values[0])


def _page_url(view: View, suffix: str, number: int, size: int) -> str:
    arguments: dict[str, Any] = request.args.to_dict(flat=False)
    arguments.update({"page": number, "size": size})
    return url_for(".view", name=f"{view.name}.{suffix}", **arguments)


def _wrong_suffix(view: View, suffix: str, offered: Sequence[str]) -> NotAcceptableError:
    kind = "graph" if view.form == "CONSTRUCT" else "table"
    formats = ", ".join(f".{name}" for name in offered)
    return NotAcceptableError(
        f"view {view.name} is a {kind}; it is available as {formats}, not .{suffix[:20]}",
        available=list(offered),
    )
