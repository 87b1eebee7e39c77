"""``/partners`` and ``/partners.json``: each registered partner's status.

Per partner: its label and organisation, the graphs it owns with their triple counts
(from the engine), whether its SPARQL endpoint answers (a live ``ASK {}`` probe with a
short timeout, cached :data:`PROBE_TTL` seconds, see :class:`ReachabilityCache`), and
its last harvest as ``kringloop harvest`` records it in
``{data_dir}/partners/status.json`` (see :mod:`kringloop.harvest`: besides the counts, the
source harvested and the stored version after the attempt, shown when present).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Lock
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, url_for

from kringloop.errors import KringloopError
from kringloop.federation import PartnerError, ask_partner
from kringloop.outbound import short_error
from kringloop.web.pages import choose_language, html_response, page_context
from kringloop.web.state import services

# -- endpoint reachability ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reachability:
    """The answer of one probe: reachable, or the reason and detail it was not."""

    reachable: bool
    reason: str | None
    detail: str | None
    checked: float  # time.time() of the probe


class ReachabilityCache:
    """Live ``ASK {}`` probes of partner endpoints, each result kept ``ttl`` seconds."""

    def __init__(self, ttl: float = 30.0, timeout: float = 2.0) -> None:
        self.ttl = ttl
        self.timeout = timeout
        self._lock = Lock()
        self._known: dict[str, tuple[float, Reachability]] = {}

    def check(self, url: str) -> Reachability:
        now = time.monotonic()
        with self._lock:
            cached = self._known.get(url)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        found = probe(url, self.timeout)
        with self._lock:
            self._known[url] = (time.monotonic(), found)
        return found


def probe(url: str, timeout: float) -> Reachability:
    """Whether ``url`` answers ``ASK {}`` with a SPARQL JSON boolean within ``timeout``."""
    try:
        body = ask_partner(url, "ASK {}", timeout, 64 * 1024)
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if not isinstance(results, ox.QueryBoolean):
            raise PartnerError("invalid", "ASK {} was not answered with a boolean")
    except PartnerError as failure:
        return Reachability(False, failure.reason, failure.detail, time.time())
    except SyntaxError as error:
        return Reachability(False, "invalid", f"not SPARQL JSON: {short_error(error)}", time.time())
    return Reachability(True, None, None, time.time())


blueprint = Blueprint("partners", __name__)

PROBE_TTL = 30.0
PROBE_TIMEOUT = 2.0
STATUS_FILE = "status.json"
_reachability = ReachabilityCache(ttl=PROBE_TTL, timeout=PROBE_TIMEOUT)

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Partners",
        "intro": (
            "De geregistreerde partners: hun grafen in Kringloop, of hun SPARQL-endpoint nu "
            "antwoordt (hooguit een halve minuut oud) en hun laatste oogst."
        ),
        "none": "Er zijn nog geen partners geregistreerd.",
        "organisation": "Organisatie",
        "graphs": "Grafen",
        "triples": "triples",
        "endpoint": "SPARQL-endpoint",
        "no_endpoint": "geen",
        "reachable": "bereikbaar",
        "unreachable": "niet bereikbaar",
        "harvest": "Laatste oogst",
        "no_harvest": "nog niet geoogst",
        "last_success": "laatst gelukt",
        "from_dump": "uit de dump",
        "from_endpoint": "van het endpoint",
        "stored_version": "bewaarde versie",
        "never": "nooit",
        "violations": "overtredingen",
        "warnings": "waarschuwingen",
        "error": "fout",
        "counts_error": "De aantallen triples konden niet worden opgehaald: {reason}",
        "status_error": "De oogststatus kon niet worden gelezen: {reason}",
        "json": "Als JSON",
        "reason_down": "onbereikbaar",
        "reason_slow": "te traag",
        "reason_refused": "geweigerd",
        "reason_invalid": "ongeldig antwoord",
    },
    "en": {
        "title": "Partners",
        "intro": (
            "The registered partners: their graphs in Kringloop, whether their SPARQL endpoint "
            "answers now (at most half a minute old) and their last harvest."
        ),
        "none": "No partners are registered yet.",
        "organisation": "Organisation",
        "graphs": "Graphs",
        "triples": "triples",
        "endpoint": "SPARQL endpoint",
        "no_endpoint": "none",
        "reachable": "reachable",
        "unreachable": "not reachable",
        "harvest": "Last harvest",
        "no_harvest": "not harvested yet",
        "last_success": "last success",
        "from_dump": "from the dump",
        "from_endpoint": "from the endpoint",
        "stored_version": "stored version",
        "never": "never",
        "violations": "violations",
        "warnings": "warnings",
        "error": "error",
        "counts_error": "The triple counts could not be read: {reason}",
        "status_error": "The harvest status could not be read: {reason}",
        "json": "As JSON",
        "reason_down": "down",
        "reason_slow": "too slow",
        "reason_refused": "refused",
        "reason_invalid": "invalid answer",
    },
}


@blueprint.get("/partners.json")
def partners_json() -> Response:
    return Response(json.dumps(partner_status(), ensure_ascii=False), mimetype="application/json")


@blueprint.get("/partners")
def partners_page() -> Response:
    language = choose_language()
    status = partner_status()
    html = render_template(
        "partners.html",
        **page_context(language, TEXTS),
        status=status,
        json_url=url_for(".partners_json"),
    )
    return html_response(html)


def partner_status() -> dict[str, Any]:
    """The status document (``/partners.json``; the page shows the same)."""
    shared = services()
    registry = shared.registry
    partners = registry.partners() if registry is not None else []
    harvests, status_error = _harvest_status()
    counts: dict[str, int] | None = None
    counts_error = None
    graphs = [graph for partner in partners for graph in partner.graphs]
    if graphs:
        try:
            counts = shared.endpoint.graph_counts(graphs=graphs)
        except KringloopError as error:
            counts_error = error.detail
    urls = sorted({partner.endpoint for partner in partners if partner.endpoint})
    with ThreadPoolExecutor(max_workers=max(len(urls), 1)) as pool:
        probes = dict(zip(urls, pool.map(_reachability.check, urls), strict=True))
    listed = []
    for partner in partners:
        harvest = harvests.get(partner.ref)
        listed.append(
            {
                "ref": partner.ref,
                "label": partner.label,
                "organisation": partner.organisation,
                "graphs": [
                    {"iri": graph, "triples": counts.get(graph, 0) if counts else None}
                    for graph in partner.graphs
                ],
                "endpoint": partner.endpoint,
                "dump": partner.dump,
                "reachability": (
                    _probe_json(probes[partner.endpoint]) if partner.endpoint else None
                ),
                "harvest": harvest if isinstance(harvest, dict) else None,
            }
        )
    return {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "partners": listed,
        "countsError": counts_error,
        "statusError": status_error,
    }


def _probe_json(found: Reachability) -> dict[str, Any]:
    return {
        "reachable": found.reachable,
        "reason": found.reason,
        "detail": found.detail,
        "checked": datetime.fromtimestamp(found.checked, UTC).isoformat(timespec="seconds"),
    }


def _harvest_status() -> tuple[dict[str, Any], str | None]:
    """``status.json`` (absent: nothing harvested yet), or the reason it is unreadable."""
    path = services().settings.data_path() / "partners" / STATUS_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return {}, f"{path.name}: {error}"
    if not isinstance(document, dict):
        return {}, f"{path.name}: not a JSON object of partner references"
    return document, None
