"""``/voortgang``: the yearly progress sheet to download, and its import with a preview.

``GET /voortgang`` chooses a year and links its sheet (``/voortgang/{year}.xlsx``, ``.csv``
and ``-indicatoren.csv``, public: the records are published data) and its report. ``POST
/voortgang/{year}/import`` (multipart: ``file`` and the administrator's ``token``, or an
``Authorization: Bearer`` header) reads the sheet: its errors give 422 with every message,
otherwise a preview of what would change, kept on disk as a plan
(:class:`~kringloop.monitoring.importstore.PlanStore`); ``POST
/voortgang/{year}/import/{plan}`` with the token commits it (409 when the graphs changed
meanwhile). No cookie carries authority, so the forms need no CSRF token. Pages in Dutch
or English; API clients (``Accept: application/json``) get JSON and problem+json.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from kringloop.errors import BadRequestError, KringloopError, NotFoundError
from kringloop.monitoring.importing import (
    agenda_activities,
    commit,
    export_sheet,
    plan_import,
    stored_indicators,
)
from kringloop.monitoring.importplan import FIRST_YEAR, ImportPlan, SheetErrorsError
from kringloop.monitoring.importstore import PlanStore
from kringloop.monitoring.workbook import XLSX_MEDIA_TYPE
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.state import services
from kringloop.web.uploadflow import (
    admin_upload,
    admin_writer,
    failure,
    no_store,
    settling,
    store_writer,
    wants_json,
)

blueprint = Blueprint("monitoring", __name__)
_REFUSED = "alleen de beheerder leest voortgangsbladen in"

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Voortgang per jaar",
        "intro": (
            "Download het voortgangsblad van een jaar, vul per activiteit de status en wat er "
            "bereikt is in, en lees het hier weer in. U ziet eerst wat er verandert; pas na "
            "'Doorvoeren' wordt het opgeslagen."
        ),
        "year": "Jaar",
        "choose": "Kiezen",
        "downloads": "Blad downloaden",
        "xlsx": "Excel-werkmap (.xlsx)",
        "csv": "Voortgang als CSV",
        "indicators_csv": "Indicatorwaarden als CSV",
        "report": "Rapportage",
        "report_html": "Voortgangsrapportage (webpagina)",
        "report_pdf": "Voortgangsrapportage (PDF)",
        "upload": "Ingevuld blad inlezen",
        "file": "Bestand (.xlsx of .csv)",
        "token": "Beheerderstoken",
        "read": "Inlezen en bekijken",
        "steps": "Zo werkt het",
        "step1": "Download het blad van het jaar (het bevat wat er al is opgeslagen).",
        "step2": "Vul per activiteit de status in, en zo nodig wat bereikt en verwacht is.",
        "step3": "Lees het blad in: u ziet de fouten, of wat er nieuw, gewijzigd of verwijderd is.",
        "step4": "Kies 'Doorvoeren' met het beheerderstoken; daarna staat het in de rapportage.",
        "preview": "Voorstel: wat er verandert",
        "nothing": "Niets te doen: het blad is gelijk aan wat er is opgeslagen.",
        "kind": "Wijziging",
        "sheet": "Blad",
        "subject": "Activiteit of indicator",
        "field": "Kolom",
        "old": "Was",
        "new": "Wordt",
        "empty": "(leeg)",
        "skipped": "Niet ingelezen (leeg): {activities} activiteit(en) zonder status, "
        "{values} indicator(en) zonder waarde.",
        "expires": "Dit voorstel blijft een uur bewaard.",
        "commit": "Doorvoeren",
        "again": "Een ander blad inlezen",
        "done": "Doorgevoerd",
        "versions": "Opgeslagen versies",
        "graph": "Graaf",
        "version": "Versie",
        "error": "Niet gelukt",
        "errors_heading": "Meldingen",
        "back": "Terug naar de voortgang van {year}",
    },
    "en": {
        "title": "Progress per year",
        "intro": (
            "Download a year's progress sheet, fill in each activity's status and what was "
            "achieved, and read it back here. You first see what would change; it is stored "
            "only after 'Commit'."
        ),
        "year": "Year",
        "choose": "Choose",
        "downloads": "Download the sheet",
        "xlsx": "Excel workbook (.xlsx)",
        "csv": "Progress as CSV",
        "indicators_csv": "Indicator values as CSV",
        "report": "Report",
        "report_html": "Progress report (web page)",
        "report_pdf": "Progress report (PDF)",
        "upload": "Read a filled-in sheet",
        "file": "File (.xlsx or .csv)",
        "token": "Administrator token",
        "read": "Read and preview",
        "steps": "How it works",
        "step1": "Download the year's sheet (it holds what is stored already).",
        "step2": "Fill in each activity's status, and what was achieved and is expected.",
        "step3": "Read the sheet in: you see its errors, or what is new, changed or removed.",
        "step4": "Choose 'Commit' with the administrator token; the report then shows it.",
        "preview": "Proposal: what would change",
        "nothing": "Nothing to do: the sheet equals what is stored.",
        "kind": "Change",
        "sheet": "Sheet",
        "subject": "Activity or indicator",
        "field": "Column",
        "old": "Was",
        "new": "Becomes",
        "empty": "(empty)",
        "skipped": "Not read (empty): {activities} activities without a status, "
        "{values} indicators without a value.",
        "expires": "This proposal is kept for an hour.",
        "commit": "Commit",
        "again": "Read another sheet",
        "done": "Committed",
        "versions": "Stored versions",
        "graph": "Graph",
        "version": "Version",
        "error": "Not done",
        "errors_heading": "Messages",
        "back": "Back to the progress of {year}",
    },
}
#: The change kinds (Dutch in the plan) in English.
KINDS_EN = {"nieuw": "new", "gewijzigd": "changed", "verwijderd": "removed"}


@blueprint.errorhandler(KringloopError)
def _failed(error: KringloopError) -> Response:
    def context() -> dict[str, Any]:
        year = (request.view_args or {}).get("year")
        return _page(choose_language(), year if isinstance(year, int) else None)

    return failure(error, "monitoring_error.html", context)


@blueprint.get("/voortgang")
def index() -> Response:
    language = choose_language()
    asked = request.args.get("jaar")
    if asked is None:
        year = _last_year()
    elif asked.isascii() and asked.isdigit() and len(asked) == 4:
        year = _year(int(asked))
    else:
        raise BadRequestError(f"jaar={asked[:20]!r} is geen jaartal", parameter="jaar")
    context = _page(language, year)
    context["years"] = list(range(_last_year(), FIRST_YEAR - 1, -1))
    return html_response(render_template("monitoring.html", **context))


@blueprint.get("/voortgang/<int:year>.xlsx")
def sheet_xlsx(year: int) -> Response:
    return _download(year, "xlsx", XLSX_MEDIA_TYPE, f"kringloop-voortgang-{year}.xlsx")


@blueprint.get("/voortgang/<int:year>.csv")
def sheet_csv(year: int) -> Response:
    return _download(year, "csv", "text/csv; charset=utf-8", f"kringloop-voortgang-{year}.csv")


@blueprint.get("/voortgang/<int:year>-indicatoren.csv")
def indicators_csv(year: int) -> Response:
    name = f"kringloop-indicatoren-{year}.csv"
    return _download(year, "indicatoren.csv", "text/csv; charset=utf-8", name)


@blueprint.post("/voortgang/<int:year>/import")
def upload(year: int) -> Response:
    _year(year)
    writer, data, filename = admin_upload(
        refused=_REFUSED, missing="kies het ingevulde blad (.xlsx of .csv) om in te lezen"
    )
    indicators = stored_indicators(writer)[0]
    plan = plan_import(writer, data, filename, year, agenda_activities(), indicators)
    if not plan.ok:
        raise SheetErrorsError(plan.errors)
    plan_id = _plans().save(plan) if plan.changes else None
    commit_url = (
        url_for("monitoring.confirm", year=year, plan_id=plan_id, lang=choose_language())
        if plan_id
        else None
    )
    if wants_json():
        body = {key: value for key, value in plan.to_json().items() if key != "graphs"}
        body.update({"plan": plan_id, "summary": plan.summary(), "commit": commit_url})
        return no_store(jsonify(body))
    language = choose_language()
    context = _page(language, year)
    context.update(plan=plan, changes=_rows(plan, language), commit_url=commit_url)
    return no_store(html_response(render_template("monitoring_preview.html", **context)))


@blueprint.post("/voortgang/<int:year>/import/<plan_id>")
def confirm(year: int, plan_id: str) -> Response:
    _year(year)
    writer = admin_writer(refused=_REFUSED)
    plans = _plans()
    plan = plans.load(plan_id)
    if plan.year != year:
        raise NotFoundError(f"dit importvoorstel hoort niet bij {year}")
    with settling(plans, plan_id):
        result = commit(writer, plan)
    report_url = url_for("report.report_page", year=year)
    if wants_json():
        body = {"year": year, "versions": dict(result.versions), "written": list(result.written)}
        body.update(summary=plan.summary(), report=report_url)
        return no_store(jsonify(body))
    language = choose_language()
    context = _page(language, year)
    context.update(plan=plan, result=result)
    return no_store(html_response(render_template("monitoring_result.html", **context)))


def _download(year: int, kind: str, media_type: str, filename: str) -> Response:
    body = export_sheet(store_writer(), _year(year), kind)
    response = Response(body, content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _rows(plan: ImportPlan, language: str) -> list[dict[str, Any]]:
    """One row per changed field, the change's first row naming it (the template escapes)."""
    rows = []
    for change in plan.changes:
        kind = change.kind if language == "nl" else KINDS_EN.get(change.kind, change.kind)
        for number, field in enumerate(change.fields):
            rows.append(
                {
                    "first": number == 0,
                    "span": len(change.fields),
                    "kind": kind,
                    "css": change.kind,
                    "sheet": change.sheet,
                    "label": change.label,
                    "subject": change.subject,
                    "field": field.field,
                    "old": field.old,
                    "new": field.new,
                }
            )
    return rows


def _page(language: str, year: int | None) -> dict[str, Any]:
    context = page_context(language, TEXTS)
    for link in context["language_links"]:  # a POST page's switch goes to the year's page
        link["url"] = url_for("monitoring.index", jaar=year, lang=link["code"])
    if year is not None:
        context.update(
            year=year,
            xlsx_url=url_for("monitoring.sheet_xlsx", year=year),
            csv_url=url_for("monitoring.sheet_csv", year=year),
            indicators_url=url_for("monitoring.indicators_csv", year=year),
            report_url=url_for("report.report_page", year=year, lang=language),
            report_pdf_url=url_for("report.report_pdf", year=year, lang=language),
            upload_url=url_for("monitoring.upload", year=year, lang=language),
            index_url=url_for("monitoring.index", jaar=year, lang=language),
        )
    return context


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= _last_year():
        raise NotFoundError(
            f"geen voortgang voor {year}: de jaren zijn {FIRST_YEAR}-{_last_year()}"
        )
    return year


def _last_year() -> int:
    return max(FIRST_YEAR, date.today().year)


def _plans() -> PlanStore:
    return PlanStore(services().settings.data_path() / "imports")
