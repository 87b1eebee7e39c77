"""``/validate``: anyone checks a graph against Kringloop's shapes without storing it.

``POST /validate`` takes RDF as the request body (its ``Content-Type`` names the format)
or from the form on ``GET /validate`` (a file or pasted text). The check is the one every
write passes (the shapes, with the ontology, vocabularies and agenda as context) and the
one ``kringloop validate`` runs; the report comes back as JSON, Turtle, text or a page.
One validation runs at a time per worker: a second one waits briefly, then gets 503.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for

from kringloop.errors import BackendUnavailableError, BadRequestError, PayloadTooLargeError
from kringloop.graphstore.gate import validate_contents
from kringloop.upload import SUPPORTED_MEDIA_TYPES, UploadLimits, parse_upload
from kringloop.validationcontext import context_for
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.reports import report_response
from kringloop.web.state import services

blueprint = Blueprint("validate", __name__)
_RUNNING = threading.BoundedSemaphore(1)
_WAIT = 5.0
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Gegevens controleren",
        "intro": (
            "Controleer een graaf tegen de vormregels (SHACL) van Kringloop, zonder iets op te "
            "slaan: dezelfde controle die elke publicatie van een partner doorloopt, met de "
            "ontologie, de begrippenkaders en de agenda als context."
        ),
        "file": "Bestand",
        "text": "Of plak de gegevens",
        "format": "Formaat",
        "submit": "Controleren",
        "api": "Vanaf de opdrachtregel",
        "result": "Uitkomst",
        "conforms": "De gegevens voldoen aan de vormregels.",
        "fails": "De gegevens voldoen niet aan de vormregels.",
        "violations": "overtredingen",
        "warnings": "waarschuwingen",
        "infos": "meldingen",
        "node": "Onderwerp",
        "severity": "Ernst",
        "path": "Eigenschap",
        "value": "Waarde",
        "message": "Melding",
        "downloads": "Rapport als",
    },
    "en": {
        "title": "Check data",
        "intro": (
            "Check a graph against Kringloop's shapes (SHACL) without storing anything: the "
            "same check every partner publication passes, with the ontology, the concept "
            "schemes and the agenda as context."
        ),
        "file": "File",
        "text": "Or paste the data",
        "format": "Format",
        "submit": "Check",
        "api": "From the command line",
        "result": "Outcome",
        "conforms": "The data conforms to the shapes.",
        "fails": "The data does not conform to the shapes.",
        "violations": "violations",
        "warnings": "warnings",
        "infos": "infos",
        "node": "Subject",
        "severity": "Severity",
        "path": "Property",
        "value": "Value",
        "message": "Message",
        "downloads": "Report as",
    },
}


@blueprint.get("/validate")
def form() -> Response:
    language = choose_language()
    return html_response(render_template("validate.html", report=None, **_page(language)))


@blueprint.post("/validate")
def validate() -> Response:
    language = choose_language()
    limit = services().settings.max_validate_bytes
    limits = UploadLimits(max_bytes=limit)
    body, content_type = _payload(limit)
    parsed = parse_upload(body, content_type, limits=limits)
    contents: dict[str, list[Any]] = {"urn:kringloop:validate": list(parsed.default)}
    for name, triples in parsed.named.items():
        contents.setdefault(name, []).extend(triples)
    if not _RUNNING.acquire(timeout=_WAIT):
        raise BackendUnavailableError(
            "another validation is running; try again in a few seconds",
            headers={"Retry-After": "5"},
        )
    try:
        report = validate_contents(contents, context_for(services().writer, contents))
    finally:
        _RUNNING.release()
    return report_response(report, page=_page(language))


def _payload(limit: int) -> tuple[bytes, str]:
    """The data and its media type, from the body or from the form."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise PayloadTooLargeError(f"the data has {declared} bytes; at most {limit} are accepted")
    request.max_content_length = limit + 1  # see web/graphstore.py: never a cut body
    content_type = request.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() not in _FORMS:
        data = request.get_data(cache=False)
        if len(data) > limit:
            raise PayloadTooLargeError(f"the data has more than {limit} bytes; that is the limit")
        return data, content_type
    media = request.form.get("format", "text/turtle")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLargeError(f"the file has more than {limit} bytes; that is the limit")
        return data, media
    text = request.form.get("data", "")
    if not text.strip():
        raise BadRequestError("choose a file or paste the data to check")
    return text.encode("utf-8"), media


def _page(language: str) -> dict[str, Any]:
    context = page_context(language, TEXTS)
    context["formats"] = SUPPORTED_MEDIA_TYPES
    context["action"] = url_for("validate.validate", lang=language)
    context["base_url"] = request.host_url.rstrip("/")
    return context
