"""What every HTML page shares: the language choice, the layout's texts and links, and
the security headers.

Pages are Dutch by default; English by ``?lang=en`` or the browser's
``Accept-Language``. Everything is served by us, under a Content-Security-Policy that
allows only our own origin.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for

from kringloop.errors import BadRequestError
from kringloop.views import LANGUAGES

#: Only our own origin; no inline script or style, no frames, forms only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}

#: The texts of the layout (``base.html``), per language.
LAYOUT_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "skip": "Naar de inhoud",
        "tagline": "Kennisgraaf van de Uitvoeringsagenda Circulaire Samenleving 2021-2022",
        "language": "Taal",
        "navigation": "Menu",
        "nav_browse": "Activiteiten",
        "nav_views": "Overzichten",
        "nav_dumps": "Downloads",
        "nav_query": "SPARQL-query",
        "nav_partners": "Partners",
        "nav_validate": "Gegevens controleren",
        "nav_progress": "Voortgang",
        "nav_editions": "Edities",
        "footer": "Provincie Utrecht · gegevens van de Uitvoeringsagenda Circulaire Samenleving",
        "endpoint": "SPARQL-endpoint",
        "status_page": "Status van de dienst",
    },
    "en": {
        "skip": "Skip to content",
        "tagline": "Knowledge graph of the Circular Society Implementation Agenda 2021-2022",
        "language": "Language",
        "navigation": "Menu",
        "nav_browse": "Activities",
        "nav_views": "Views",
        "nav_dumps": "Downloads",
        "nav_query": "SPARQL query",
        "nav_partners": "Partners",
        "nav_validate": "Check data",
        "nav_progress": "Progress",
        "nav_editions": "Editions",
        "footer": "Province of Utrecht · data of the Circular Society Implementation Agenda",
        "endpoint": "SPARQL endpoint",
        "status_page": "Service status",
    },
}


def choose_language() -> str:
    """``?lang=`` if given, else the best of ``Accept-Language``, else Dutch."""
    asked = request.args.get("lang")
    if asked is not None:
        if asked not in LANGUAGES:
            raise BadRequestError(
                f"unknown language {asked[:20]!r}; use lang=nl or lang=en", parameter="lang"
            )
        return asked
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def page_context(language: str, texts: dict[str, dict[str, str]]) -> dict[str, Any]:
    """What ``base.html`` needs: the language, the texts (layout + ``texts``), the links."""
    switch = []
    for code in LANGUAGES:
        arguments: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
        arguments["lang"] = code
        switch.append(
            {
                "code": code,
                "label": LANGUAGE_NAMES[code],
                "url": url_for(request.endpoint or "query_page.query_page", **arguments),
                "current": code == language,
            }
        )
    return {
        "lang": language,
        "t": {**LAYOUT_TEXTS[language], **texts[language]},
        "language_links": switch,
        "home_url": url_for("browse.home", lang=language),
        "browse_url": url_for("browse.browse", lang=language),
        "views_url": url_for("views.view_list", lang=language),
        "dumps_url": url_for("dumps.index", lang=language),
        "query_url": url_for("query_page.query_page", lang=language),
        "partners_url": url_for("partners.partners_page", lang=language),
        "validate_url": url_for("validate.form", lang=language),
        "nav_progress_url": url_for("monitoring.index", lang=language),
        "nav_editions_url": url_for("editions.edition_list", lang=language),
        "sparql_url": url_for("sparql.sparql"),
        "health_url": url_for("system.health"),
    }


def html_response(html: str, status: int = 200) -> Response:
    """An HTML page with the headers every page of ours carries."""
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    secure_page(response)
    response.vary.add("Accept-Language")
    return response


def secure_page(response: Response) -> None:
    """The headers every HTML page of ours carries."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Query texts travel in page URLs: never hand them to another site as a Referer.
    response.headers["Referrer-Policy"] = "same-origin"
