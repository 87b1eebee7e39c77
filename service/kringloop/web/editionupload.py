"""``/edities/import``: an edition's changed sheet read as a new edition (administrator).

``POST /edities/import`` (multipart: ``file``, ``nieuw`` the new edition, ``van`` the
edition the sheet came from (default: the current), ``uitgegeven`` the date of issue
(default: today), and the administrator's ``token`` or an ``Authorization: Bearer``
header) reads the sheet: its errors give 422 with every message (sheet, row, column);
otherwise a preview, the diff per theme, kept on disk as a pending plan
(:class:`~kringloop.editionimport.EditionPlanStore`). ``POST /edities/import/{plan}`` with
the token commits it: both graphs of the new edition in one step, through the SHACL gate
(409 when the base edition changed or the new one exists by then). No cookie carries
authority, so the forms need no CSRF token. API clients (``Accept: application/json``) get
JSON and problem+json. The routes belong to the editions blueprint.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Response, jsonify, render_template, request, url_for

from kringloop.editiondiff import KINDS, by_theme, change_json, count_kinds
from kringloop.editionimport import (
    EditionPlan,
    EditionPlanStore,
    PendingEdition,
    commit_edition,
    plan_edition,
)
from kringloop.errors import (
    BadRequestError,
    ForbiddenError,
    KringloopError,
    NotFoundError,
    PayloadTooLargeError,
    UnauthorizedError,
)
from kringloop.graphstore.writes import GraphWriter
from kringloop.monitoring.importplan import SheetErrorsError
from kringloop.monitoring.sheetinput import MAX_FILE_BYTES
from kringloop.partners.registry import ADMIN
from kringloop.web.editions import blueprint, change_group
from kringloop.web.editiontexts import TEXTS
from kringloop.web.errors import PROBLEM_JSON, problem_response
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.state import services

#: Room for the multipart envelope and the fields around the file.
_ENVELOPE = 64 * 1024


@blueprint.post("/edities/import")
def upload_edition() -> Response:
    try:
        declared = request.content_length
        if declared is not None and declared > MAX_FILE_BYTES + _ENVELOPE:
            raise PayloadTooLargeError(
                f"het bestand is te groot ({declared} bytes; hooguit {MAX_FILE_BYTES})"
            )
        request.max_content_length = MAX_FILE_BYTES + _ENVELOPE
        writer = _writer()
        _authorize(writer)
        sent = request.files.get("file")
        if sent is None or not sent.filename:
            raise BadRequestError("kies het veranderde blad (.xlsx of .csv) om in te lezen")
        new_ref = request.form.get("nieuw", "").strip()
        if not new_ref:
            raise BadRequestError("geef de nieuwe editie op (veld 'nieuw', bijvoorbeeld 2023)")
        data = sent.read(MAX_FILE_BYTES + 1)
        moment = datetime.now(UTC).replace(microsecond=0)
        plan = plan_edition(
            writer,
            data,
            sent.filename,
            new_ref,
            base_ref=request.form.get("van", "").strip() or None,
            issued=_issued(request.form.get("uitgegeven", "")),
            moment=moment,
        )
        if not plan.ok:
            raise SheetErrorsError(plan.errors)
        plan_id = _plans().save(PendingEdition.of(writer, plan, data, moment))
    except KringloopError as error:
        return _failed(error)
    language = choose_language()
    commit_url = url_for(".commit_edition_plan", plan_id=plan_id, lang=language)
    if _wants_json():
        return _no_store(
            jsonify({**_summary(plan, language), "plan": plan_id, "commit": commit_url})
        )
    return _page(plan, language, commit_url=commit_url)


@blueprint.post("/edities/import/<plan_id>")
def commit_edition_plan(plan_id: str) -> Response:
    try:
        writer = _writer()
        _authorize(writer)
        plans = _plans()
        pending = plans.load(plan_id)
        try:
            plan = pending.replan(writer)
            if not plan.ok:
                raise SheetErrorsError(plan.errors)
            versions = commit_edition(writer, plan)
        except KringloopError as error:
            if error.status in (409, 422):  # stale or refused: it will never pass
                plans.discard(plan_id)
            raise
        plans.discard(plan_id)
    except KringloopError as error:
        return _failed(error)
    language = choose_language()
    if _wants_json():
        return _no_store(jsonify({**_summary(plan, language), "versions": versions}))
    return _page(plan, language, versions=versions)


def _summary(plan: EditionPlan, language: str) -> dict[str, Any]:
    return {
        "old": plan.base.edition.ref,
        "new": plan.new_ref,
        "issued": plan.issued.isoformat(),
        "counts": count_kinds(plan.changes),
        "changes": [change_json(change, language) for change in plan.changes],
    }


def _page(
    plan: EditionPlan,
    language: str,
    *,
    commit_url: str | None = None,
    versions: dict[str, int | None] | None = None,
) -> Response:
    counts = count_kinds(plan.changes)
    html = render_template(
        "edition_import.html",
        **page_context(language, TEXTS),
        plan=plan,
        total=len(plan.changes),
        activities=len({change.activity for change in plan.changes}),
        counts=[(k.label(language), counts[k.code]) for k in KINDS if counts[k.code]],
        groups=[
            change_group(theme, members, language) for theme, members in by_theme(plan.changes)
        ],
        commit_url=commit_url,
        versions=versions,
        editions_url=url_for(".edition_list", lang=language),
    )
    return _no_store(html_response(html))


def _failed(error: KringloopError) -> Response:
    """problem+json for API clients; otherwise a page with every message."""
    body = error.problem()
    headers = body.pop("headers", None)
    headers = headers if isinstance(headers, dict) else None
    if _wants_json():
        response = problem_response(body, headers)
    else:
        language = choose_language()
        html = render_template(
            "edition_import.html",
            **page_context(language, TEXTS),
            status=error.status,
            detail=error.detail,
            messages=list(getattr(error, "messages", ())),
            editions_url=url_for(".edition_list", lang=language),
        )
        response = html_response(html, status=error.status)
        for key, value in (headers or {}).items():
            response.headers[key] = value
    return _no_store(response)


def _issued(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequestError(f"'{text[:40]}' is geen datum (jjjj-mm-dd)") from None


def _authorize(writer: GraphWriter) -> None:
    """The administrator's token from the form or the header; 401 without, 403 for another's."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else request.form.get("token", "").strip()
    challenge = {"WWW-Authenticate": 'Bearer realm="kringloop"'}
    if not token:
        raise UnauthorizedError(
            "dit vraagt het beheerderstoken (veld 'token' of Authorization: Bearer)",
            headers=challenge,
        )
    owner = writer.registry.authenticate(token)
    if owner is None:
        raise UnauthorizedError("het token is onbekend of ingetrokken", headers=challenge)
    if owner != ADMIN:
        raise ForbiddenError("alleen de beheerder maakt een nieuwe editie", reason="not-admin")


def _writer() -> GraphWriter:
    writer = services().writer
    if writer is None:
        raise NotFoundError("deze dienst bewaart geen gegevens (geen datamap)")
    return writer


def _plans() -> EditionPlanStore:
    return EditionPlanStore(services().settings.data_path() / "imports-edities")


def _wants_json() -> bool:
    offered = ["text/html", "application/json", PROBLEM_JSON]
    return request.accept_mimetypes.best_match(offered) in offered[1:]


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response
