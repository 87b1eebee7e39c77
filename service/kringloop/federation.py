"""Federated curated views: a view asked of our engine and of every partner endpoint.

A view whose header says ``federated: yes`` runs as usual on our engine (through the
public endpoint) and, in parallel threads, directly on each registered partner's SPARQL
endpoint. Our rows are attributed per graph by the view itself: its ``bron`` is the
publisher of the graph that states the activity (the province, or a partner whose graph
is stored here), with its label in ``bronLabel``; a row the view leaves unattributed
gets :data:`OWN_SOURCE`. A partner is asked
with :func:`kringloop.outbound.fetch` (no proxy from the environment, no redirect
followed, a connect timeout and a deadline over the whole answer, headers included, the
answer streamed under a byte cap) and its SPARQL
JSON is parsed strictly by Oxigraph. Every row gets a :data:`SOURCE_VARIABLE` column
(``bron``); a partner's rows get the partner's label and endpoint there (and in
``bronLabel``, when the view has that column). A partner that does not give a usable
answer is listed as *missing*, with a reason:

- ``down``: no connection (refused, unreachable);
- ``slow``: no complete answer within the deadline;
- ``refused``: an HTTP error status, or a redirect (never followed);
- ``invalid``: an answer that is not SPARQL JSON solutions, or too large.

Partners hold their own data, not our vocabularies: for a partner row, a column ``x``
holding one of our IRIs gets its label column ``xLabel`` from our engine (Dutch label,
else any), so themes and columns read the same for every source.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

from kringloop.endpoint import PublicEndpoint, QueryRequest
from kringloop.outbound import OutboundError, fetch, short_error
from kringloop.viewchecks import Row
from kringloop.viewparams import Term
from kringloop.viewrun import Table, bound_query, run_table
from kringloop.views import View

#: How rows from our own engine are attributed when the view does not attribute them.
OWN_SOURCE = "Kringloop / Provincie Utrecht"
#: The column every row of a federated view gets.
SOURCE_VARIABLE = "bron"
#: The source's label column, when the view has one.
SOURCE_LABEL = SOURCE_VARIABLE + "Label"
REASONS = ("down", "slow", "refused", "invalid")
LABEL_SUFFIX = "Label"
_ACCEPT = "application/sparql-results+json"
#: Time given to a partner's thread beyond its own deadline before it counts as slow.
_GRACE = 0.5
#: Most characters of IRIs in one label lookup (the public query size limit is 32 KiB).
_LOOKUP_CHARS = 12000
#: The IRIs whose labels are looked up: plain http(s) IRIs of reasonable length.
_PLAIN_IRI = re.compile(r"^https?://[^\s<>\"{}|^`\\]{1,2000}$")
_LABELS = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?x (COALESCE(SAMPLE(?nl), SAMPLE(?any)) AS ?label) WHERE {\n"
    "  VALUES ?x { %s }\n"
    '  OPTIONAL { ?x skos:prefLabel|rdfs:label ?nl FILTER(LANGMATCHES(LANG(?nl), "nl")) }\n'
    "  OPTIONAL { ?x skos:prefLabel|rdfs:label ?any }\n"
    "} GROUP BY ?x\n"
)


class PartnerLike(Protocol):
    """What federation needs of a registered partner (``partners.registry.Partner``)."""

    @property
    def ref(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def endpoint(self) -> str | None: ...


class PartnerDirectory(Protocol):
    """What federation needs of the registry (``partners.registry.Registry``)."""

    def reload_if_changed(self) -> bool: ...

    def partners(self) -> Sequence[PartnerLike]: ...


@dataclass(frozen=True)
class Missing:
    """A partner left out of a federated answer, and why."""

    ref: str
    label: str
    endpoint: str
    reason: str  # one of REASONS
    detail: str

    def as_json(self) -> dict[str, str]:
        return {
            "partner": self.ref,
            "label": self.label,
            "endpoint": self.endpoint,
            "reason": self.reason,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class FederatedTable(Table):
    """A federated view's answer: every source's rows, and the partners left out."""

    missing: tuple[Missing, ...] = ()


class PartnerError(Exception):
    """A partner endpoint gave no usable answer; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# -- wiring --------------------------------------------------------------------------------


def partner_endpoints(directory: PartnerDirectory) -> Callable[[], frozenset[str]]:
    """The allow-list for ``SERVICE`` (:class:`PublicEndpoint`'s ``allowed_services``):
    the registered endpoints, re-read whenever the registry file changed."""

    def endpoints() -> frozenset[str]:
        directory.reload_if_changed()
        return frozenset(p.endpoint for p in directory.partners() if p.endpoint)

    return endpoints


def federated_table(
    endpoint: PublicEndpoint,
    view: View,
    values: Mapping[str, Term],
    directory: PartnerDirectory | None,
) -> FederatedTable:
    """:func:`run_federated` over the registry's current partners, with the settings."""
    partners: Sequence[PartnerLike] = ()
    if directory is not None:
        directory.reload_if_changed()
        partners = directory.partners()
    return run_federated(
        endpoint,
        view,
        values,
        partners,
        timeout=endpoint.settings.federation_timeout,
        max_bytes=endpoint.settings.federation_max_bytes,
    )


# -- the federated answer --------------------------------------------------------------------


def run_federated(
    endpoint: PublicEndpoint,
    view: View,
    values: Mapping[str, Term],
    partners: Iterable[PartnerLike],
    *,
    timeout: float,
    max_bytes: int,
) -> FederatedTable:
    """``view`` on our engine and on each partner with an endpoint, in parallel."""
    query = bound_query(view, values)
    asked = [partner for partner in partners if partner.endpoint]
    cap = endpoint.settings.result_cap
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(len(asked), 1), thread_name_prefix="federation")
    futures = {
        pool.submit(ask_partner, str(partner.endpoint), query, timeout, max_bytes): partner
        for partner in asked
    }
    try:
        own = run_table(endpoint, view, values)
        done, _ = wait(futures, timeout=max(0.0, started + timeout + _GRACE - time.monotonic()))
    finally:
        # A slow partner's thread ends on its own read timeout; nobody waits for it.
        pool.shutdown(wait=False, cancel_futures=True)
    # The view's own attribution (per graph) wins; OWN_SOURCE only where it gave none.
    rows: list[Row] = [{SOURCE_VARIABLE: _literal(OWN_SOURCE), **row} for row in own.rows]
    variables = own.variables
    if SOURCE_VARIABLE not in variables:
        variables = (*variables, SOURCE_VARIABLE)
    truncated = own.truncated
    partner_rows: list[dict[str, Mapping[str, str]]] = []
    missing: list[Missing] = []
    for future, partner in futures.items():
        where = str(partner.endpoint)
        if future not in done:
            detail = f"no complete answer within {timeout:g} s"
            missing.append(Missing(partner.ref, partner.label, where, "slow", detail))
            continue
        try:
            body = future.result()
            solutions, cut = partner_solutions(body, own.variables, cap)
        except PartnerError as failure:
            missing.append(
                Missing(partner.ref, partner.label, where, failure.reason, failure.detail)
            )
            continue
        truncated = truncated or cut
        # The source as in our own rows: the organisation's IRI where the registry has
        # one, and "label (endpoint)" as its label (not what the partner's engine says).
        source = _literal(f"{partner.label} ({where})")
        organisation = getattr(partner, "organisation", None)
        attribution = {
            SOURCE_VARIABLE: {"type": "uri", "value": organisation} if organisation else source
        }
        if SOURCE_LABEL in variables:
            attribution[SOURCE_LABEL] = source
        partner_rows.extend({**solution, **attribution} for solution in solutions)
    fill_labels(endpoint, own.variables, partner_rows)
    return FederatedTable(variables, rows + list(partner_rows), truncated, tuple(missing))


def ask_partner(url: str, query: str, timeout: float, max_bytes: int) -> bytes:
    """A partner endpoint's answer to ``query`` (the body); :class:`PartnerError` else.

    Through :func:`kringloop.outbound.fetch`: ``timeout`` bounds the connection and the
    whole answer, at most ``max_bytes`` are read, redirects are refused, proxies from the
    environment are not used. An answer too large or broken off is ``invalid``.
    """
    try:
        body, _media_type = fetch(
            "POST", url, accept=_ACCEPT, timeout=timeout, max_bytes=max_bytes, form={"query": query}
        )
    except OutboundError as error:
        reason = "invalid" if error.reason in ("too-large", "unreadable") else error.reason
        raise PartnerError(reason, error.detail) from None
    return body


def partner_solutions(
    body: bytes, variables: Sequence[str], cap: int
) -> tuple[list[dict[str, Mapping[str, str]]], bool]:
    """The solutions of a partner's SPARQL JSON answer (only ``variables``), at most
    ``cap`` of them, and whether there were more; :class:`PartnerError` if invalid."""
    try:
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if not isinstance(results, ox.QuerySolutions):
            raise PartnerError("invalid", "the answer is a boolean, not solutions")
        wanted = [name for name in variables if name != SOURCE_VARIABLE]
        rows: list[dict[str, Mapping[str, str]]] = []
        for solution in results:
            if len(rows) >= cap:
                return rows, True
            row: dict[str, Mapping[str, str]] = {}
            for name in wanted:
                term = solution[name]
                if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
                    row[name] = binding(term)
            rows.append(row)
    except SyntaxError as error:
        raise PartnerError("invalid", f"not SPARQL JSON results: {short_error(error)}") from None
    return rows, False


def fill_labels(
    endpoint: PublicEndpoint, variables: Sequence[str], rows: list[dict[str, Mapping[str, str]]]
) -> None:
    """Set ``xLabel`` of each row from our engine where ``x`` is an IRI we have a label for."""
    pairs = [(name, name + LABEL_SUFFIX) for name in variables if name + LABEL_SUFFIX in variables]
    wanted = sorted(
        {
            row[name]["value"]
            for row in rows
            for name, _ in pairs
            if row.get(name, {}).get("type") == "uri" and _PLAIN_IRI.match(row[name]["value"])
        }
    )
    labels = _our_labels(endpoint, wanted)
    for row in rows:
        for name, label_name in pairs:
            iri = row.get(name, {}).get("value")
            if row.get(name, {}).get("type") == "uri" and iri in labels:
                row[label_name] = labels[iri]


def _our_labels(endpoint: PublicEndpoint, iris: list[str]) -> dict[str, Mapping[str, str]]:
    labels: dict[str, Mapping[str, str]] = {}
    batch: list[str] = []
    size = 0
    for position, iri in enumerate(iris):
        term = str(ox.NamedNode(iri))
        batch.append(term)
        size += len(term) + 1
        if size < _LOOKUP_CHARS and position + 1 < len(iris):
            continue
        answer = endpoint.answer(
            QueryRequest(query=_LABELS % " ".join(batch), format_params=("json",))
        )
        for solution in json.loads(answer.body)["results"]["bindings"]:
            if "label" in solution:
                labels[solution["x"]["value"]] = solution["label"]
        batch, size = [], 0
    return labels


# -- terms ------------------------------------------------------------------------------------


def binding(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    """A term as a SPARQL JSON binding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    found = {"type": "literal", "value": term.value}
    if term.language:
        found["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        found["datatype"] = term.datatype.value
    return found


def _literal(text: str) -> dict[str, str]:
    return {"type": "literal", "value": text}
