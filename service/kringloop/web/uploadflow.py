"""The administrator's upload flow shared by ``/voortgang`` and ``/edities``.

A sheet is sent as a multipart POST (``file`` and the administrator's ``token``, or an
``Authorization: Bearer`` header); what it would change is kept on disk as a plan until a
second POST with the token commits it. These helpers read such a request in one order
(declared size, data directory, token, file), discard a plan that can never pass, answer
API clients (``Accept: application/json``) with JSON and problem+json and browsers with a
page. No cookie carries authority, so the forms need no CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from flask import Response, render_template, request

from kringloop.errors import (
    BadRequestError,
    ForbiddenError,
    KringloopError,
    NotFoundError,
    PayloadTooLargeError,
    UnauthorizedError,
)
from kringloop.graphstore.writes import GraphWriter
from kringloop.monitoring.sheetinput import MAX_FILE_BYTES
from kringloop.partners.registry import ADMIN
from kringloop.web.errors import PROBLEM_JSON, problem_response
from kringloop.web.pages import html_response
from kringloop.web.state import services

#: Room for the multipart envelope and the fields around the file.
ENVELOPE = 64 * 1024
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kringloop"'}


class PlanDiscarder(Protocol):
    def discard(self, plan_id: str) -> None: ...


def admin_upload(*, refused: str, missing: str) -> tuple[GraphWriter, bytes, str]:
    """The writer, the sent file's bytes and name, once size and token are checked.

    ``refused`` is the 403 detail for a token that is not the administrator's; ``missing``
    the 400 detail when no file was chosen.
    """
    declared = request.content_length
    if declared is not None and declared > MAX_FILE_BYTES + ENVELOPE:
        raise PayloadTooLargeError(
            f"het bestand is te groot ({declared} bytes; hooguit {MAX_FILE_BYTES})"
        )
    request.max_content_length = MAX_FILE_BYTES + ENVELOPE
    writer = admin_writer(refused=refused)
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise BadRequestError(missing)
    return writer, sent.read(MAX_FILE_BYTES + 1), sent.filename


def admin_writer(*, refused: str) -> GraphWriter:
    """The service's writer for a request with the administrator's token (form or header).

    401 without a token or with an unknown one, 403 (detail ``refused``) for another's.
    """
    writer = store_writer()
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else request.form.get("token", "").strip()
    if not token:
        raise UnauthorizedError(
            "dit vraagt het beheerderstoken (veld 'token' of Authorization: Bearer)",
            headers=dict(_CHALLENGE),
        )
    owner = writer.registry.authenticate(token)
    if owner is None:
        raise UnauthorizedError("het token is onbekend of ingetrokken", headers=dict(_CHALLENGE))
    if owner != ADMIN:
        raise ForbiddenError(refused, reason="not-admin")
    return writer


def store_writer() -> GraphWriter:
    writer = services().writer
    if writer is None:
        raise NotFoundError("deze dienst bewaart geen gegevens (geen datamap)")
    return writer


@contextmanager
def settling(plans: PlanDiscarder, plan_id: str) -> Iterator[None]:
    """Commit a plan inside: afterwards it is gone, also when it is stale or refused."""
    try:
        yield
    except KringloopError as error:
        if error.status in (409, 422):  # stale or refused: it will never pass
            plans.discard(plan_id)
        raise
    plans.discard(plan_id)


def failure(
    error: KringloopError, template: str, context: Callable[[], dict[str, Any]]
) -> Response:
    """problem+json for API clients; otherwise ``template`` with every message."""
    body = error.problem()
    headers = body.pop("headers", None)
    headers = headers if isinstance(headers, dict) else None
    if wants_json():
        return problem_response(body, headers)
    html = render_template(
        template,
        status=error.status,
        detail=error.detail,
        messages=list(getattr(error, "messages", ())),
        **context(),
    )
    response = html_response(html, status=error.status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def wants_json() -> bool:
    offered = ["text/html", "application/json", PROBLEM_JSON]
    return request.accept_mimetypes.best_match(offered) in offered[1:]


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response
