"""The December report as a printable HTML document and as PDF.

One Jinja template (``templates/report.html``, autoescaped) serves the CLI, the PDF and
the web page. The CLI and the PDF get the style sheet inline, so the file stands alone;
the web page links ``static/report.css`` (the site's Content-Security-Policy allows no
inline style). The PDF is made by WeasyPrint with a URL fetcher that refuses every URL:
rendering a report never makes a request, whatever a record's text holds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jinja2

from kringloop.chartstack import render_stacked
from kringloop.errors import KringloopError
from kringloop.monitoring.report import Report, Tally, change, status_labels
from kringloop.paths import package_dir
from kringloop.vocab import KL

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Voortgangsrapportage {year}",
        "subtitle": "Jaarlijkse monitoring van de {edition}",
        "made": "Gemaakt op {day} met Kringloop.",
        "demo": "DEMONSTRATIEGEGEVENS: de voortgang in dit verslag is verzonnen om Kringloop te "
        "laten zien. Het is geen verslag van de provincie.",
        "summary": "Samenvatting",
        "summary_text": "Voor {recorded} van de {total} activiteiten is over {year} voortgang "
        "gemeld; {missing} activiteiten hebben (nog) geen verslag.",
        "by_theme": "Voortgang per thema",
        "by_column": "Voortgang per kolom (zeker of mogelijk)",
        "by_strategy": "Voortgang per R-strategiegroep",
        "strategy_note": "De R-strategie per activiteit is een interpretatie van de redactie "
        "van Kringloop, geen uitspraak van de agenda. Een activiteit kan in meer groepen "
        "tellen.",
        "theme": "thema",
        "column": "kolom",
        "group": "R-strategiegroep",
        "status": "status",
        "total": "totaal",
        "indicators": "Indicatoren",
        "indicator": "Indicator",
        "kind": "Soort",
        "unit": "Eenheid",
        "baseline": "Nulwaarde",
        "target": "Streefwaarde {year}",
        "measured": "Meetwaarde {year}",
        "change": "Verschil met {year}",
        "no_indicators": "Er zijn (nog) geen indicatoren vastgelegd.",
        "activities": "Voortgang per activiteit",
        "achieved": "Bereikt",
        "expected": "Verwacht volgend jaar",
        "merged": "Samengevoegd met",
        "by": "Door",
        "on": "op",
        "no_record": "Geen verslag over {year}.",
        "output": "prestatie-indicator",
        "outcome": "effectindicator",
        "page": "pagina",
    },
    "en": {
        "title": "Progress report {year}",
        "subtitle": "Yearly monitoring of the {edition}",
        "made": "Made on {day} with Kringloop.",
        "demo": "DEMONSTRATION DATA: the progress in this report is made up to show Kringloop. "
        "It is not a report of the province.",
        "summary": "Summary",
        "summary_text": "Progress over {year} was recorded for {recorded} of the {total} "
        "activities; {missing} activities have no record (yet).",
        "by_theme": "Progress per theme",
        "by_column": "Progress per column (certain or possible)",
        "by_strategy": "Progress per R-strategy group",
        "strategy_note": "The R-strategy per activity is an interpretation by Kringloop's "
        "editors, not a statement of the agenda. An activity may count in several groups.",
        "theme": "theme",
        "column": "column",
        "group": "R-strategy group",
        "status": "status",
        "total": "total",
        "indicators": "Indicators",
        "indicator": "Indicator",
        "kind": "Kind",
        "unit": "Unit",
        "baseline": "Baseline",
        "target": "Target {year}",
        "measured": "Measured {year}",
        "change": "Change since {year}",
        "no_indicators": "No indicators have been recorded (yet).",
        "activities": "Progress per activity",
        "achieved": "Achieved",
        "expected": "Expected next year",
        "merged": "Merged into",
        "by": "By",
        "on": "on",
        "no_record": "No record for {year}.",
        "output": "output indicator",
        "outcome": "outcome indicator",
        "page": "page",
    },
}

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(package_dir() / "templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class ReportRenderError(KringloopError):
    status = 500
    title = "The report could not be rendered"


def style_sheet() -> str:
    return (package_dir() / "static" / "report.css").read_text(encoding="utf-8")


def render_html(report: Report, language: str = "nl", *, css_href: str | None = None) -> str:
    """The report as one HTML document; with ``css_href`` it links its style sheet."""
    texts = TEXTS[language]
    statuses = status_labels(language)
    charts = {
        "by_theme": _chart(report.by_theme, statuses, texts, "by_theme", "theme", language),
        "by_column": _chart(report.by_column, statuses, texts, "by_column", "column", language),
        "by_strategy": _chart(
            report.by_strategy, statuses, texts, "by_strategy", "group", language
        ),
    }
    template = _ENVIRONMENT.get_template("report.html")
    return template.render(
        report=report,
        lang=language,
        t=texts,
        statuses=statuses,
        charts=charts,
        css_href=css_href,
        inline_css=None if css_href else style_sheet(),
        kind_label=lambda iri: (
            texts["output"] if iri == str(KL["prestatie-indicator"]) else texts["outcome"]
        ),
        number=_number,
        change=change,
    )


def render_pdf(html: str) -> bytes:
    """The HTML document as PDF; every URL it names is refused (no request is ever made)."""
    import weasyprint  # heavy: imported only when a PDF is asked for
    from weasyprint.urls import URLFetcher

    class RefuseEveryURL(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"the report fetches nothing: {url[:80]}")

    try:
        document = weasyprint.HTML(string=html, url_fetcher=RefuseEveryURL(), base_url=None)
        pdf: bytes = document.write_pdf()
    except OSError as error:
        raise ReportRenderError(f"PDF rendering failed: {error}") from error
    return pdf


def _chart(
    tally: Tally,
    statuses: list[str],
    texts: dict[str, str],
    title_key: str,
    x_key: str,
    language: str,
) -> str:
    return render_stacked(
        tally.rows,
        statuses,
        title=texts[title_key],
        x_name=texts[x_key],
        parts_name=texts["status"],
        language=language,
        identifier=f"report-{x_key}",
    )


def _number(value: Decimal | None) -> str:
    """A decimal the Dutch way (comma, no trailing zeros); empty for an unknown value."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")
