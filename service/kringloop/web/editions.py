"""``/edities``: the agenda editions, and ``/edities/verschil``: what changed between two.

``/edities`` lists the editions (oldest first, the current one marked), also as
``/edities.json``. ``/edities/verschil?van=A&naar=B`` shows the changes per activity,
grouped by theme (without ``van``/``naar``: the previous and the current edition);
``/edities/verschil.json`` and ``.csv`` give the table (then ``van`` and ``naar`` are
required). The format is chosen by the suffix, else ``?format=``, else ``Accept``. An
unknown edition is a 404, a malformed reference a 400, both naming the known editions.

The editions are read from the data directory (:mod:`kringloop.editions`), not from the
engine, so no result cap can cut an edition; reads are cached until a write commits.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, cast

from flask import Blueprint, Response, current_app, render_template, request, url_for

from kringloop.editiondiff import (
    KINDS,
    ActivityChange,
    by_theme,
    change_json,
    changes_csv,
    count_kinds,
    diff_editions,
    field_label,
)
from kringloop.editions import (
    Edition,
    EditionContent,
    current_edition,
    find_edition,
    load_edition_content,
    read_editions,
)
from kringloop.editionsheet import export_edition_csv, export_edition_xlsx
from kringloop.errors import BadRequestError, NotAcceptableError
from kringloop.graphstore.writes import changes_stamp
from kringloop.monitoring.workbook import XLSX_MEDIA_TYPE
from kringloop.resources import local_path
from kringloop.web.editiontexts import TEXTS
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.state import services

blueprint = Blueprint("editions", __name__)

SUFFIXES = ("json", "csv")
MEDIA = {"html": "text/html", "json": "application/json", "csv": "text/csv"}
#: How many computed diffs a worker keeps (each a few hundred rows at most).
CACHED_DIFFS = 16
CACHE_KEY = "kringloop.editions"
_CACHE_LOCK = threading.Lock()


class _Cache:
    """The editions, their contents and computed diffs, until the next committed write."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[int, ...] | None = None
        self._editions: list[Edition] = []
        self._contents: dict[str, EditionContent] = {}
        self._diffs: OrderedDict[tuple[str, str], list[ActivityChange]] = OrderedDict()

    def _fresh(self) -> None:
        writer = services().writer
        stamp = changes_stamp(writer) if writer is not None else (0,)
        if stamp != self._stamp:
            self._editions = read_editions(writer)
            self._contents.clear()
            self._diffs.clear()
            self._stamp = stamp

    def editions(self) -> list[Edition]:
        with self._lock:
            self._fresh()
            return list(self._editions)

    def diff(self, old: str, new: str) -> tuple[Edition, Edition, list[ActivityChange]]:
        with self._lock:
            self._fresh()
            contents = [self._content(ref) for ref in (old, new)]
            key = (old, new)
            if key not in self._diffs:
                self._diffs[key] = diff_editions(contents[0], contents[1])
                while len(self._diffs) > CACHED_DIFFS:
                    self._diffs.popitem(last=False)
            return contents[0].edition, contents[1].edition, self._diffs[key]

    def content(self, ref: str) -> EditionContent:
        with self._lock:
            self._fresh()
            return self._content(ref)

    def _content(self, ref: str) -> EditionContent:
        find_edition(self._editions, ref)  # 400/404 naming the known editions
        if ref not in self._contents:
            self._contents[ref] = load_edition_content(services().writer, ref)
        return self._contents[ref]


def _cache() -> _Cache:
    """This app's cache (an app has one data directory)."""
    with _CACHE_LOCK:
        return cast(_Cache, current_app.extensions.setdefault(CACHE_KEY, _Cache()))


@blueprint.get("/edities")
@blueprint.get("/edities.<suffix>")
def edition_list(suffix: str | None = None) -> Response:
    chosen = _format(suffix, ("html", "json"))
    _refuse_unknown(())
    language = choose_language()
    editions = _cache().editions()
    current = current_edition(editions)
    listed = [_edition_json(edition, edition == current) for edition in editions]
    if chosen == "json":
        return _json({"current": current.ref if current else None, "editions": listed})
    for index, item in enumerate(listed):
        item["page"] = local_path(item["iri"])
        item["xlsx_url"] = url_for(".edition_sheet", ref=item["ref"], kind="xlsx")
        item["csv_url"] = url_for(".edition_sheet", ref=item["ref"], kind="csv")
        if index:
            item["compare_url"] = url_for(
                ".edition_diff", van=editions[index - 1].ref, naar=item["ref"], lang=language
            )
    html = render_template(
        "editions.html",
        **page_context(language, TEXTS),
        editions=listed,
        json_url=url_for(".edition_list", suffix="json"),
    )
    return _vary(html_response(html))


@blueprint.get("/edities/<ref>.<any(xlsx, csv):kind>")
def edition_sheet(ref: str, kind: str) -> Response:
    """An edition's sheet to download (public: the edition is published data)."""
    _refuse_unknown(())
    content = _cache().content(ref)
    if kind == "xlsx":
        body, media_type = export_edition_xlsx(content), XLSX_MEDIA_TYPE
    else:
        body, media_type = export_edition_csv(content), "text/csv; charset=utf-8"
    response = Response(body, content_type=media_type)
    filename = f"editie-{content.edition.ref}.{kind}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/edities/verschil")
@blueprint.get("/edities/verschil.<suffix>")
def edition_diff(suffix: str | None = None) -> Response:
    chosen = _format(suffix, ("html", "json", "csv"))
    _refuse_unknown(("van", "naar", "bom") if chosen == "csv" else ("van", "naar"))
    language = choose_language()
    editions = _cache().editions()
    old, new = _single("van"), _single("naar")
    if chosen != "html" and (old is None or new is None):
        raise BadRequestError("give both editions: ?van=A&naar=B (e.g. van=2021-2022&naar=2023)")
    if old is None and len(editions) >= 2:
        old = editions[-2].ref
    if new is None and editions:
        new = editions[-1].ref
    if old is None or new is None:  # fewer than two editions and nothing asked
        return _diff_page(language, editions, None)
    old_edition, new_edition, changes = _cache().diff(old, new)
    if chosen == "csv":
        bom = request.args.get("bom", "0")
        if bom not in ("0", "1"):
            raise BadRequestError("bom must be 0 or 1", parameter="bom")
        response = Response(
            changes_csv(changes, language, bom=bom == "1"), content_type="text/csv; charset=utf-8"
        )
        name = f"verschil-{old_edition.ref}-{new_edition.ref}.csv"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return _vary(response)
    if chosen == "json":
        return _json(
            {
                "old": _edition_json(old_edition, False),
                "new": _edition_json(new_edition, False),
                "counts": count_kinds(changes),
                "changes": [change_json(change, language) for change in changes],
            }
        )
    return _diff_page(language, editions, (old_edition, new_edition, changes))


def _diff_page(
    language: str,
    editions: list[Edition],
    result: tuple[Edition, Edition, list[ActivityChange]] | None,
) -> Response:
    context: dict[str, Any] = {"editions": editions, "result": None}
    if result is not None:
        old, new, changes = result
        counts = count_kinds(changes)
        arguments: dict[str, Any] = {"van": old.ref, "naar": new.ref, "lang": language}
        context.update(
            old=old,
            new=new,
            result=True,
            total=len(changes),
            activities=len({change.activity for change in changes}),
            counts=[
                (kind.label(language), counts[kind.code]) for kind in KINDS if counts[kind.code]
            ],
            groups=[change_group(theme, members, language) for theme, members in by_theme(changes)],
            json_url=url_for(".edition_diff", suffix="json", **arguments),
            csv_url=url_for(".edition_diff", suffix="csv", **arguments),
        )
    html = render_template(
        "edition_diff.html",
        **page_context(language, TEXTS),
        **context,
        editions_url=url_for(".edition_list", lang=language),
    )
    return _vary(html_response(html))


def change_group(theme: Any, members: list[ActivityChange], language: str) -> dict[str, Any]:
    return {
        "theme": theme.label(language) if theme is not None else None,
        "rows": [
            {
                "activity": change.activity,
                "page": local_path(change.activity),
                "label": change.label.label(language),
                "kind": change.kind.label(language),
                "kind_code": change.kind.code,
                "field": field_label(change.field, language),
                "old": [value.label(language) for value in change.old],
                "new": [value.label(language) for value in change.new],
            }
            for change in members
        ],
    }


def _edition_json(edition: Edition, current: bool) -> dict[str, Any]:
    return {
        "iri": edition.iri,
        "ref": edition.ref,
        "label": edition.label,
        "issued": edition.issued,
        "revisionOf": edition.revision_of,
        "agendaGraph": edition.agenda_graph,
        "interpretationsGraph": edition.interpretations_graph,
        "current": current,
    }


def _format(suffix: str | None, offered: tuple[str, ...]) -> str:
    """The suffix, else ``?format=``, else the best of ``Accept`` (HTML when it is silent)."""
    if suffix is not None:
        if suffix not in offered or suffix == "html":
            raise _not_acceptable(f".{suffix[:20]}", offered)
        return suffix
    asked = request.args.get("format")
    if asked is not None:
        if asked not in offered:
            raise _not_acceptable(f"format={asked[:20]}", offered)
        return asked
    media = [MEDIA[name] for name in offered]
    silent = not request.headers.get("Accept", "").strip()
    best = "text/html" if silent else request.accept_mimetypes.best_match(media)
    if best is None:
        raise _not_acceptable("Accept: " + request.headers.get("Accept", "")[:100], offered)
    return next(name for name in offered if MEDIA[name] == best)


def _not_acceptable(what: str, offered: tuple[str, ...]) -> NotAcceptableError:
    formats = ", ".join(f".{name}" for name in offered if name != "html")
    return NotAcceptableError(
        f"{what} is not offered; this page is HTML, or {formats}",
        available=[MEDIA[name] for name in offered],
    )


def _refuse_unknown(allowed: tuple[str, ...]) -> None:
    known = {*allowed, "lang", "format"}
    for key in request.args:
        if key not in known:
            raise BadRequestError(
                f"unknown parameter {key[:40]!r}; this page takes: {', '.join(sorted(known))}",
                parameter=key[:40],
            )


def _single(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise BadRequestError(f"give {name} once", parameter=name)
    return values[0].strip() if values and values[0].strip() else None


def _json(document: dict[str, Any]) -> Response:
    return _vary(Response(json.dumps(document, ensure_ascii=False), mimetype="application/json"))


def _vary(response: Response) -> Response:
    response.vary.add("Accept")
    return response


# The upload of a changed sheet as a new edition adds its routes to this blueprint.
from kringloop.web import editionupload  # noqa: E402, F401
