"""``/rapport/<year>``: the December progress report as a printable page and as PDF.

The same report ``kringloop report YEAR`` writes (:mod:`kringloop.monitoring.reportsource`
reads the version store, :mod:`kringloop.monitoring.reportrender` renders it). The page
links its style sheet (the site's Content-Security-Policy allows no inline style); the
PDF takes seconds to render, so one is made at a time per worker: another waits briefly,
then gets 503 with Retry-After.
"""

from __future__ import annotations

import threading
from datetime import date

from flask import Blueprint, Response, url_for

from kringloop.errors import BackendUnavailableError, NotFoundError
from kringloop.monitoring.report import Report
from kringloop.monitoring.reportrender import render_html, render_pdf
from kringloop.monitoring.reportsource import report_for
from kringloop.web.pages import choose_language, html_response
from kringloop.web.state import services

blueprint = Blueprint("report", __name__)
_RENDERING = threading.BoundedSemaphore(1)
_WAIT = 10.0
FIRST_YEAR = 2021


@blueprint.get("/rapport/<int:year>")
def report_page(year: int) -> Response:
    html = render_html(
        _report(year), choose_language(), css_href=url_for("static", filename="report.css")
    )
    return html_response(html)


@blueprint.get("/rapport/<int:year>.pdf")
def report_pdf(year: int) -> Response:
    report = _report(year)
    html = render_html(report, choose_language())
    if not _RENDERING.acquire(timeout=_WAIT):
        raise BackendUnavailableError(
            "another report is being rendered; try again in a few seconds",
            headers={"Retry-After": "10"},
        )
    try:
        pdf = render_pdf(html)
    finally:
        _RENDERING.release()
    response = Response(pdf, content_type="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="kringloop-voortgangsrapportage-{year}.pdf"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _report(year: int) -> Report:
    last = date.today().year
    if not FIRST_YEAR <= year <= last:
        raise NotFoundError(f"there is no report for {year}: the years are {FIRST_YEAR}-{last}")
    writer = services().writer
    if writer is None:
        raise NotFoundError("this instance keeps no records (no data directory)")
    return report_for(writer, year)
