"""The partner profile of the shapes (docs/model.md, "Partner data").

A partner graph is validated the way the upload gate and ``kringloop validate`` see it:
together with the ontology, the vocabularies and the agenda as context. The example graphs
in ``examples/partners/`` must conform (their only results are the warnings that an activity
has not been interpreted yet), ``invalid.ttl`` must fail with exactly its three deliberate
errors, and the synthetic partner graph of the bench must pass the gate.

The URI rules are checked one class at a time: province URIs keep their exact pattern, URIs
in a partner namespace and URIs outside Kringloop are accepted where the class is one a
partner publishes, and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from bench.synthetic import Concepts, graph_iri, partner_namespace, write_partner_graph
from kringloop.cli.validate import read_rdf_files
from kringloop.graphs import AGENDA, ONTOLOGY, VOCABULARIES
from kringloop.paths import project_root
from kringloop.validation import SHAPES, Severity, ValidationReport, load_shapes, validate
from kringloop.vocab import GRAPH, ID, KL, ORG

EXAMPLES = project_root() / "examples" / "partners"
CIRKELREGIO = f"{ID}partner/cirkelregio-utrecht/activiteit/"

#: The only results a conforming partner graph may have: "not interpreted yet" warnings.
INTERPRETATION_WARNINGS = {
    SHAPES[name]
    for name in (
        "ActiviteitInterpretatieRStrategieShape",
        "ActiviteitInterpretatieRolShape",
        "ActiviteitInterpretatieDoelShape",
        "ActiviteitInterpretatieLevenscyclusfaseShape",
    )
}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def context_files() -> list[Path]:
    """Ontology, vocabularies and agenda: what a partner graph is validated with."""
    return [path for source in (ONTOLOGY, VOCABULARIES, AGENDA) for path in source.files()]


def validate_with_context(
    partner_file: Path, context_files: list[Path], shapes: Graph
) -> ValidationReport:
    return validate(read_rdf_files([*context_files, partner_file]), shapes=shapes)


def subjects_of(path: Path) -> set[URIRef]:
    graph = Graph().parse(path, format="nt" if path.suffix == ".nt" else "turtle")
    return {s for s in graph.subjects() if isinstance(s, URIRef)}


def listing(report: ValidationReport, severity: Severity) -> str:
    return "\n".join(
        f"{r.focus_node}: {r.message_en} ({r.source_shape})"
        for r in report.results
        if r.severity is severity
    )


@pytest.mark.parametrize("name", ["cirkelregio-utrecht.ttl", "foodvalley.ttl"])
def test_example_partner_graph_conforms_with_its_context(
    name: str, context_files: list[Path], shapes: Graph
) -> None:
    path = EXAMPLES / name
    report = validate_with_context(path, context_files, shapes)
    assert report.count(Severity.VIOLATION) == 0, listing(report, Severity.VIOLATION)
    assert report.conforms
    ours = subjects_of(path)
    partner_results = [r for r in report.results if r.focus_node in ours]
    assert partner_results, "the partner's activities are not interpreted: expected warnings"
    assert {r.severity for r in partner_results} == {Severity.WARNING}
    assert {r.source_shape for r in partner_results} <= INTERPRETATION_WARNINGS


@pytest.mark.parametrize(
    ("name", "namespace", "activities"),
    [
        ("cirkelregio-utrecht.ttl", f"{ID}partner/cirkelregio-utrecht/", range(6, 11)),
        ("foodvalley.ttl", f"{ID}partner/living-lab-foodvalley/", range(4, 7)),
    ],
)
def test_example_partner_graph_stays_in_its_namespace(
    name: str, namespace: str, activities: range
) -> None:
    """Every subject is the partner's own (the gate's ownership check would pass)."""
    graph = Graph().parse(EXAMPLES / name, format="turtle")
    assert all(str(s).startswith(namespace) for s in graph.subjects())
    assert len(set(graph.subjects(RDF.type, KL.Activiteit))) in activities


def test_invalid_example_fails_with_exactly_its_three_errors(
    context_files: list[Path], shapes: Graph
) -> None:
    report = validate_with_context(EXAMPLES / "invalid.ttl", context_files, shapes)
    found = {
        (r.source_shape, r.focus_node) for r in report.results if r.severity is Severity.VIOLATION
    }
    assert found == {
        (SHAPES.ActiviteitShape, URIRef(f"{CIRKELREGIO}Pilot_Textielinzameling")),
        (SHAPES.ActiviteitThemaShape, URIRef(f"{CIRKELREGIO}begeleiding-circulaire-startups")),
        (SHAPES.LabelShape, URIRef(f"{CIRKELREGIO}leerlijn-circulaire-economie-mbo")),
    }
    assert report.count(Severity.VIOLATION) == 3
    assert not report.conforms


def test_synthetic_partner_graph_passes_the_gate(
    tmp_path: Path, bundled: Dataset, context_files: list[Path], shapes: Graph
) -> None:
    made = write_partner_graph(
        10_000, tmp_path, concepts=Concepts.from_dataset(bundled), partner="bench"
    )
    assert made.graph == str(GRAPH["partner-bench"]) == graph_iri("10k", "bench")
    namespace = partner_namespace("bench")
    assert all(str(s).startswith(namespace) for s in subjects_of(made.ntriples))
    report = validate_with_context(made.ntriples, context_files, shapes)
    ours = subjects_of(made.ntriples)
    partner_results = [
        f"{r.focus_node}: {r.message_en} ({r.source_shape})"
        for r in report.results
        if r.focus_node in ours
    ]
    assert not partner_results, "\n".join(partner_results)
    assert report.conforms, listing(report, Severity.VIOLATION)


def test_a_bad_partner_reference_is_refused(tmp_path: Path, bundled: Dataset) -> None:
    with pytest.raises(ValueError, match="not a partner reference"):
        write_partner_graph(
            2_000, tmp_path, concepts=Concepts.from_dataset(bundled), partner="Cirkel_Regio"
        )


# ---------------------------------------------------------------------------------------
# URI rules, one class at a time
# ---------------------------------------------------------------------------------------

P = f"{ID}partner/cirkelregio-utrecht/"

#: (class, shape, accepted URIs, refused URIs).
URI_CASES = [
    (
        KL.Activiteit,
        "ActiviteitShape",
        [
            f"{ID}activiteit/repair-cafe",
            f"{P}activiteit/repair-cafe",
            "https://data.example.org/a/1",
        ],
        [
            f"{ID}activiteit/Repair_Cafe",
            f"{P}activiteit/Repair_Cafe",
            f"{P}thema/repair-cafe",
            f"{ID}partner/Cirkel_Regio/activiteit/repair-cafe",
            f"{P}activiteit/repair-cafe/extra",
            "http://w3id.org/kringloop/id/activiteit/repair-cafe",
            "https://W3ID.org/Kringloop/id/activiteit/repair-cafe",
        ],
    ),
    (
        KL.Bronverwijzing,
        "BronverwijzingShape",
        [f"{ID}bron/repair-cafe", f"{P}bron/werkplan-regel-3", "https://data.example.org/bron/1"],
        [f"{ID}bron/Regel_3", f"{P}bron/Regel_3", f"{P}activiteit/werkplan"],
    ),
    (
        KL.Leesnotitie,
        "LeesnotitieShape",
        [f"{ID}leesnotitie/a-kolom", f"{P}leesnotitie/a-kolom", "https://data.example.org/n/1"],
        [f"{P}leesnotitie/A_Kolom", f"{P}bron/a-kolom"],
    ),
    (
        KL.Indicator,
        "IndicatorShape",
        [f"{ID}indicator/inkoop", f"{P}indicator/inkoop", "https://data.example.org/i/1"],
        [f"{P}indicator/Inkoop", f"{ID}indicatoren/inkoop"],
    ),
    (
        KL.Interpretatie,
        "InterpretatieShape",
        [
            f"{ID}interpretatie/a-rol",
            f"{P}interpretatie/repair-cafe-r-strategie",
            "https://data.example.org/int/1",
        ],
        [f"{P}interpretatie/repair-cafe-kleur", f"{P}interpretatie/Repair-rol"],
    ),
    (
        ORG.Organization,
        "OrganisatieShape",
        [
            "https://identifier.overheid.nl/tooi/id/gemeente/gm0356",
            f"{ID}organisatie/rom-regio-utrecht",
            f"{P}organisatie/voorbeeld-bedrijf",
            f"{P}netwerk/voorbeeld-netwerk",
            "https://data.example.org/org/1",
        ],
        [
            "https://identifier.overheid.nl/tooi/id/gemeente/GM0356",
            f"{P}organisatie/Voorbeeld_Bedrijf",
            f"{P}opgaveteam/circulair",
        ],
    ),
    (
        KL.Netwerk,
        "NetwerkShape",
        [f"{ID}netwerk/cirkelregio-utrecht", f"{P}netwerk/repair", "https://data.example.org/n"],
        [f"{P}netwerk/Repair", f"{P}organisatie/repair"],
    ),
    (
        KL.Partnergroep,
        "PartnergroepShape",
        [f"{ID}partnergroep/gemeenten", f"{P}partnergroep/scholen", "https://data.example.org/g"],
        [f"{P}partnergroep/Scholen", f"{ID}partnergroep/alle_gemeenten"],
    ),
    # The agenda document's own structure: province URIs only.
    (
        KL.Hoofdstuk,
        "HoofdstukShape",
        [f"{ID}hoofdstuk/3-2"],
        [f"{P}hoofdstuk/3-2", "https://data.example.org/hoofdstuk/3"],
    ),
    (
        KL.Taak,
        "TaakShape",
        [f"{ID}taak/kennis-delen"],
        [f"{P}taak/kennis-delen", "https://data.example.org/taak/1"],
    ),
    (KL.Thema, "ThemaShape", [f"{ID}thema/economie"], [f"{P}thema/economie"]),
]


def uri_shape_results(klass: URIRef, iris: list[str], shapes: Graph, shape: URIRef) -> set[str]:
    """The IRIs, each typed ``klass`` and nothing else, that ``shape`` reports."""
    graph = Graph()
    for iri in iris:
        graph.add((URIRef(iri), RDF.type, klass))
    report = validate(graph, shapes=shapes, focus_nodes=[URIRef(iri) for iri in iris])
    return {str(r.focus_node) for r in report.results if r.source_shape == shape}


@pytest.mark.parametrize(
    ("klass", "shape", "accepted", "refused"), URI_CASES, ids=[case[1] for case in URI_CASES]
)
def test_uri_rules(
    klass: URIRef, shape: str, accepted: list[str], refused: list[str], shapes: Graph
) -> None:
    reported = uri_shape_results(klass, accepted + refused, shapes, SHAPES[shape])
    assert reported == set(refused)
