"""A SHACL validation report as an HTTP answer: JSON, Turtle, plain text or an HTML page."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, render_template, request

from kringloop.shaclreport import Severity, ValidationReport
from kringloop.web.errors import PROBLEM_JSON
from kringloop.web.pages import choose_language, html_response

#: Media types a report is offered in, the first is the default for API clients.
REPORT_TYPES = ("application/json", PROBLEM_JSON, "text/turtle", "text/plain", "text/html")


def report_response(
    report: ValidationReport,
    *,
    status: int = 200,
    detail: str | None = None,
    page: dict[str, Any] | None = None,
) -> Response:
    """Answer with ``report`` in the format the client asks for.

    With ``status`` >= 400 the JSON form is an RFC 9457 problem with the report inside;
    ``page`` (template context) allows an HTML answer.
    """
    language = choose_language()
    offered = [kind for kind in REPORT_TYPES if page is not None or kind != "text/html"]
    asked = request.args.get("format")
    by_name = {
        "json": "application/json",
        "ttl": "text/turtle",
        "turtle": "text/turtle",
        "text": "text/plain",
        "html": "text/html",
    }
    chosen = by_name.get(asked or "") if asked else request.accept_mimetypes.best_match(offered)
    if chosen not in offered:
        chosen = offered[0] if page is None or asked else "text/html"
    if chosen == "text/turtle":
        response = Response(
            report.to_turtle(), status=status, content_type="text/turtle; charset=utf-8"
        )
    elif chosen == "text/plain":
        response = Response(
            report.to_text(language), status=status, content_type="text/plain; charset=utf-8"
        )
    elif chosen == "text/html" and page is not None:
        html = render_template(
            "validate.html",
            report=report,
            groups=_groups(report, language),
            counts={severity.key: report.count(severity) for severity in Severity},
            **page,
        )
        response = html_response(html, status=status)
    else:
        body: dict[str, Any] = {"report": report.to_dict()}
        media = "application/json"
        if status >= 400:
            media = PROBLEM_JSON
            body = {
                "type": "about:blank",
                "title": "Validation failed",
                "status": status,
                "detail": detail or "the data does not conform",
                **body,
            }
        response = Response(
            json.dumps(body, ensure_ascii=False, indent=2), status=status, content_type=media
        )
    response.vary.add("Accept")
    return response


def _groups(report: ValidationReport, language: str) -> list[dict[str, Any]]:
    """The results per focus node, ready for the template (which escapes every string)."""
    groups = []
    for node, results in report.by_focus_node().items():
        label = report.label(node, language)
        groups.append(
            {
                "node": str(node),
                "label": label,
                "results": [
                    {
                        "severity": result.severity.label(language),
                        "severity_key": result.severity.key,
                        "path": result.path or "",
                        "value": "" if result.value is None else str(result.value),
                        "message": result.message(language),
                    }
                    for result in results
                ],
            }
        )
    return groups
