"""Rate limiting of every request, before it does any work (:mod:`kringloop.ratelimit`).

Requests fall into three classes with their own budgets (settings ``rate_limit_*``):
``write`` (``/graph-store`` changes and restores, ``POST /validate``), ``query`` (data:
``/sparql``, ``/graph-store`` reads, dumps, ``/openapi.json`` and every URL with a format
suffix such as ``/views/<name>.csv``) and ``page`` (HTML). Static files, ``/-/health``,
``/-/metrics`` and CORS preflights are never limited. A refused request is answered 429
``application/problem+json`` with ``Retry-After``, in Dutch or English.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from kringloop.errors import TooManyRequestsError
from kringloop.ratelimit import Budget, RateLimiter, client_key
from kringloop.settings import Settings
from kringloop.views import LANGUAGES
from kringloop.web.state import services

LIMITER_KEY = "kringloop.ratelimit"
QUERY, PAGE, WRITE = "query", "page", "write"
#: Never limited: what a page needs to render, and what monitoring polls.
EXEMPT_PREFIXES = ("/static/", "/-/")
#: Paths whose reads are data whatever their form.
DATA_PREFIXES = ("/sparql", "/graph-store", "/dumps/", "/openapi.json")
READS = ("GET", "HEAD")

_DETAIL = {
    "nl": "Te veel verzoeken ({kind}) van uw adres; probeer het over {seconds} s opnieuw.",
    "en": "Too many requests ({kind}) from your address; try again in {seconds} s.",
}
_KIND = {
    "nl": {QUERY: "gegevens", PAGE: "pagina's", WRITE: "schrijven"},
    "en": {QUERY: "data", PAGE: "pages", WRITE: "writes"},
}


def register(app: Flask) -> None:
    app.extensions[LIMITER_KEY] = build_limiter(services_settings(app))
    app.before_request(_limit)


def services_settings(app: Flask) -> Settings:
    settings: Settings = app.extensions["kringloop"].settings
    return settings


def build_limiter(settings: Settings) -> RateLimiter:
    """The budgets the settings give; a rate of 0 leaves its class unlimited."""
    rates = {
        QUERY: settings.rate_limit_queries,
        PAGE: settings.rate_limit_pages,
        WRITE: settings.rate_limit_writes,
    }
    budgets = {}
    for name, per_minute in rates.items():
        if per_minute > 0:
            burst = settings.rate_limit_burst
            budgets[name] = Budget(per_minute, min(burst, per_minute) if name == WRITE else burst)
    return RateLimiter(budgets)


def request_class(method: str, path: str) -> str | None:
    """The class a request is counted in; ``None`` for what is never limited."""
    if method == "OPTIONS" or path.startswith(EXEMPT_PREFIXES):
        return None
    if method not in READS:
        if path == "/sparql":  # a query sent by POST
            return QUERY
        return WRITE
    last_segment = path.rsplit("/", 1)[-1]
    if path.startswith(DATA_PREFIXES) and path != "/dumps/":
        return QUERY
    if "." in last_segment:
        return QUERY
    return PAGE


def _limit() -> None:
    kind = request_class(request.method, request.path)
    if kind is None:
        return
    limiter: RateLimiter = current_app.extensions[LIMITER_KEY]
    if kind not in limiter.classes:
        return
    settings = services().settings
    key = client_key(
        request.remote_addr or "",
        ",".join(request.headers.getlist("X-Forwarded-For")),
        settings.trusted_proxies,
    )
    decision = limiter.check(kind, key)
    if decision.allowed:
        return
    language = _language()
    detail = _DETAIL[language].format(kind=_KIND[language][kind], seconds=decision.retry_after)
    raise TooManyRequestsError(detail, decision.retry_after, limit=kind, lang=language)


def _language() -> str:
    """Like the pages' choice, but never an error: an unknown ``lang`` is ignored."""
    asked = request.args.get("lang")
    if asked is not None and asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
