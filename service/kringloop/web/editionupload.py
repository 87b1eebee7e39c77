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
from kringloop.errors import BadRequestError, KringloopError
from kringloop.monitoring.importplan import SheetErrorsError
from kringloop.web.editions import blueprint, change_group
from kringloop.web.editiontexts import TEXTS
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.state import services
from kringloop.web.uploadflow import (
    admin_upload,
    admin_writer,
    failure,
    no_store,
    settling,
    wants_json,
)

_REFUSED = "alleen de beheerder maakt een nieuwe editie"


@blueprint.post("/edities/import")
def upload_edition() -> Response:
    try:
        writer, data, filename = admin_upload(
            refused=_REFUSED,
            missing="kies het veranderde blad (.xlsx of .csv) om in te lezen",
        )
        new_ref = request.form.get("nieuw", "").strip()
        if not new_ref:
            raise BadRequestError("geef de nieuwe editie op (veld 'nieuw', bijvoorbeeld 2023)")
        moment = datetime.now(UTC).replace(microsecond=0)
        plan = plan_edition(
            writer,
            data,
            filename,
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
    if wants_json():
        return no_store(
            jsonify({**_summary(plan, language), "plan": plan_id, "commit": commit_url})
        )
    return _page(plan, language, commit_url=commit_url)


@blueprint.post("/edities/import/<plan_id>")
def commit_edition_plan(plan_id: str) -> Response:
    try:
        writer = admin_writer(refused=_REFUSED)
        plans = _plans()
        pending = plans.load(plan_id)
        with settling(plans, plan_id):
            plan = pending.replan(writer)
            if not plan.ok:
                raise SheetErrorsError(plan.errors)
            versions = commit_edition(writer, plan)
    except KringloopError as error:
        return _failed(error)
    language = choose_language()
    if wants_json():
        return no_store(jsonify({**_summary(plan, language), "versions": versions}))
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
    return no_store(html_response(html))


def _failed(error: KringloopError) -> Response:
    """problem+json for API clients; otherwise a page with every message."""

    def context() -> dict[str, Any]:
        language = choose_language()
        return {
            **page_context(language, TEXTS),
            "editions_url": url_for(".edition_list", lang=language),
        }

    return no_store(failure(error, "edition_import.html", context))


def _issued(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequestError(f"'{text[:40]}' is geen datum (jjjj-mm-dd)") from None


def _plans() -> EditionPlanStore:
    return EditionPlanStore(services().settings.data_path() / "imports-edities")
