"""A federated view over real partner engines, in process: rows, sources and the missing.

Expected answers come from the partner files and the bundled graphs read by rdflib,
not from the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fedkit import (
    DATA,
    Counting,
    Hanging,
    Ours,
    invalid_server,
    query_url,
    redirect_server,
    start_partner,
)
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS, SKOS

from kringloop.federation import FederatedTable, run_federated
from kringloop.viewparams import to_term
from kringloop.viewrun import run_checks, run_table
from kringloop.views import View
from tests.service.servicekit import Service

KL = Namespace("https://w3id.org/kringloop/def#")
OURS = "Kringloop / Provincie Utrecht"
ECONOMIE = "https://w3id.org/kringloop/id/thema/economie"


@dataclass(frozen=True)
class Partner:
    ref: str
    label: str
    endpoint: str | None


def our_label(bundled: Dataset, iri: str) -> str | None:
    for _, _, label, _ in bundled.quads((URIRef(iri), SKOS.prefLabel, None, None)):
        if isinstance(label, Literal) and label.language == "nl":
            return str(label)
    return None


def expected_rows(
    bundled: Dataset, data: Path, source: str, theme: str | None = None
) -> set[tuple[str, str, str, str | None, str | None, str]]:
    """(activity, label, theme, theme label, column label, bron) per partner row."""
    graph = Graph().parse(data)
    rows = set()
    for activity in graph.subjects(RDF.type, KL.Activiteit):
        label = str(graph.value(activity, RDFS.label))
        column = graph.value(activity, KL.kolom)
        column_label = our_label(bundled, str(column)) if column is not None else None
        for found in graph.objects(activity, KL.thema):
            if theme is None or str(found) == theme:
                theme_label = our_label(bundled, str(found))
                rows.add((str(activity), label, str(found), theme_label, column_label, source))
    return rows


def shown(rows: list[dict[str, dict[str, str]]]) -> list[tuple[str, ...]]:
    def value(row: dict[str, dict[str, str]], name: str) -> str | None:
        return row[name]["value"] if name in row else None

    return [
        (
            value(row, "activiteit"),
            value(row, "activiteitLabel"),
            value(row, "thema"),
            value(row, "themaLabel"),
            value(row, "kolomLabel"),
            value(row, "bron"),
        )
        for row in rows
    ]


def partner_of(service: Service, ref: str, label: str) -> Partner:
    return Partner(ref, label, query_url(service))


def federate(
    ours: Ours, view: View, partners: list[Partner], timeout: float = 10.0, **values: str
) -> FederatedTable:
    terms = {name: to_term("iri", value) for name, value in values.items()}
    return run_federated(ours.endpoint, view, terms, partners, timeout=timeout, max_bytes=1 << 20)


def test_two_partners_and_ours_attributed(
    ours: Ours, view: View, cirkelregio: Service, foodvalley: Service, bundled: Dataset
) -> None:
    a = partner_of(cirkelregio, "cirkelregio-utrecht", "Cirkelregio Utrecht")
    b = partner_of(foodvalley, "foodvalley", "Living Lab Regio Foodvalley Circulair")
    table = federate(ours, view, [a, b, Partner("thuis", "Zonder endpoint", None)])
    assert table.missing == ()
    assert table.variables == run_table(ours.endpoint, view, {}).variables
    assert "bron" in table.variables
    own = run_table(ours.endpoint, view, {}).rows
    assert len(own) >= 139
    assert table.rows[: len(own)] == [
        {"bron": {"type": "literal", "value": OURS}, **row} for row in own
    ]
    partner_rows = shown(table.rows[len(own) :])
    expected = expected_rows(
        bundled, DATA / "cirkelregio-utrecht.ttl", f"Cirkelregio Utrecht ({a.endpoint})"
    ) | expected_rows(
        bundled, DATA / "foodvalley.ttl", f"Living Lab Regio Foodvalley Circulair ({b.endpoint})"
    )
    assert len(partner_rows) == len(expected) == 4
    assert set(partner_rows) == expected
    # our vocabulary's label, not the one the partner's data gives our theme
    assert ("Verkeerde naam" not in {row[3] for row in partner_rows}) and all(
        row[3] for row in partner_rows
    )


def test_parameters_reach_the_partners(
    ours: Ours, view: View, cirkelregio: Service, bundled: Dataset
) -> None:
    a = partner_of(cirkelregio, "cirkelregio-utrecht", "Cirkelregio Utrecht")
    table = federate(ours, view, [a], thema=ECONOMIE)
    assert {row["thema"]["value"] for row in table.rows} == {ECONOMIE}
    partner_rows = [row for row in shown(table.rows) if row[5] != OURS]
    expected = expected_rows(
        bundled, DATA / "cirkelregio-utrecht.ttl", f"Cirkelregio Utrecht ({a.endpoint})", ECONOMIE
    )
    assert set(partner_rows) == expected and len(expected) == 2


def test_a_stopped_partner_is_named_and_the_other_answers(
    ours: Ours, view: View, cirkelregio: Service, tmp_path: Path
) -> None:
    stopped = start_partner(tmp_path, "stopped", DATA / "foodvalley.ttl")
    stopped.process.terminate()
    stopped.process.wait(20)
    a = partner_of(cirkelregio, "cirkelregio-utrecht", "Cirkelregio Utrecht")
    b = partner_of(stopped, "foodvalley", "Living Lab Regio Foodvalley Circulair")
    table = federate(ours, view, [a, b])
    assert [(item.ref, item.reason) for item in table.missing] == [("foodvalley", "down")]
    assert table.missing[0].endpoint == b.endpoint
    sources = {row["bron"]["value"] for row in table.rows}
    assert sources == {OURS, f"Cirkelregio Utrecht ({a.endpoint})"}


def test_hanging_invalid_and_redirecting_partners(
    ours: Ours, view: View, cirkelregio: Service
) -> None:
    hanging = Hanging()
    invalid = invalid_server()
    target = Counting()
    redirecting = redirect_server(target.url)
    try:
        partners = [
            partner_of(cirkelregio, "cirkelregio-utrecht", "Cirkelregio Utrecht"),
            Partner("hangt", "Hangt", hanging.url),
            Partner("ongeldig", "Ongeldig", invalid.url),
            Partner("verwijst", "Verwijst", redirecting.url),
        ]
        table = federate(ours, view, partners, timeout=1.5)
    finally:
        hanging.close()
        invalid.close()
        redirecting.close()
        target.close()
    reasons = {item.ref: (item.reason, item.detail) for item in table.missing}
    assert {ref: reason for ref, (reason, _) in reasons.items()} == {
        "hangt": "slow",
        "ongeldig": "invalid",
        "verwijst": "refused",
    }
    assert target.url in reasons["verwijst"][1]
    assert target.connections == 0  # the redirect was not followed
    assert "SPARQL JSON" in reasons["ongeldig"][1]
    sources = {row["bron"]["value"] for row in table.rows}
    assert sources == {OURS, f"Cirkelregio Utrecht ({partners[0].endpoint})"}


def test_too_large_and_http_errors(ours: Ours, view: View, cirkelregio: Service) -> None:
    wrong_path = Partner("fout", "Fout pad", f"{cirkelregio.url}/bestaat-niet")
    table = federate(ours, view, [wrong_path])
    assert [(item.reason, item.detail[:8]) for item in table.missing] == [("refused", "HTTP 404")]
    a = partner_of(cirkelregio, "cirkelregio-utrecht", "Cirkelregio Utrecht")
    small = run_federated(ours.endpoint, view, {}, [a], timeout=10.0, max_bytes=100)
    assert [(item.reason, item.detail) for item in small.missing] == [
        ("invalid", "the answer is over 100 bytes")
    ]


def test_unused_port_is_down(ours: Ours, view: View) -> None:
    closed = Counting()
    url = closed.url
    closed.close()  # nothing listens there any more
    table = federate(ours, view, [Partner("weg", "Weg", url)])
    assert [item.reason for item in table.missing] == ["down"]
    assert {row["bron"]["value"] for row in table.rows} == {OURS}


def test_the_views_own_checks_pass_on_our_data(ours: Ours, view: View) -> None:
    """The header's checks are about our data alone (they run through the public endpoint)."""
    results = run_checks(ours.endpoint, view)
    assert len(results) == 2
    assert [result.failures for result in results] == [(), ()]
