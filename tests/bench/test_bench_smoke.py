"""The benchmark's generator and query set still work (benchmarks are not tests: no timings).

Generates a tiny synthetic partner graph and checks that it parses, has the shape the
bench promises (agenda-like activities in their own named graph, on the real concepts),
is deterministic, and that every bench view runs on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import RDF, Dataset, Graph, Literal, URIRef

from bench import upload
from bench.synthetic import Concepts, graph_iri, parse_size, size_label, write_partner_graph
from bench.viewset import example_query, load_views
from kringloop.graphs import BUNDLED
from kringloop.store.loading import read_graph
from kringloop.vocab import KL

PROV = "http://www.w3.org/ns/prov#"
TINY = 2_000


@pytest.fixture(scope="module")
def concepts(bundled: Dataset) -> Concepts:
    return Concepts.from_dataset(bundled)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, concepts: Concepts) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("bench")
    made = write_partner_graph(TINY, out, concepts=concepts)
    assert made.label == "2k"
    assert made.graph == "https://w3id.org/kringloop/id/graaf/bench-partner-2k"
    return made.nquads, made.ntriples


@pytest.fixture(scope="module")
def partner(generated: tuple[Path, Path]) -> Graph:
    """The N-Triples file (rdflib's Dataset warns on N-Quads parsing in rdflib 7.6)."""
    graph = Graph()
    with generated[1].open("rb") as source:
        graph.parse(source, format="nt")
    return graph


def union(bundled: Dataset, partner: Graph) -> Dataset:
    """The bundled graphs and the partner's, each in its named graph, queried as their union
    (views attribute rows with ``GRAPH ?g``), as bench.rdflibengine holds them."""
    merged = Dataset(default_union=True)
    for subject, predicate, obj, graph in bundled.quads():
        merged.graph(graph).add((subject, predicate, obj))
    named = merged.graph(URIRef("https://w3id.org/kringloop/id/graaf/bench-partner"))
    for triple in partner:
        named.add(triple)
    return merged


def test_sizes_parse_and_print_back() -> None:
    assert [parse_size(s) for s in ("10k", "100k", "1M", "2500")] == [
        10_000,
        100_000,
        1_000_000,
        2_500,
    ]
    assert [size_label(n) for n in (10_000, 1_000_000, 2_500)] == ["10k", "1M", "2500"]
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")


def test_concepts_come_from_the_bundled_vocabularies(concepts: Concepts) -> None:
    assert concepts.minted == ()
    assert len(concepts.by_kind["thema"]) == 10
    assert any(c.endswith("/kolom/zeker") for c in concepts.by_kind["kolom"])


def test_output_is_one_named_graph_of_the_promised_size(
    partner: Graph, generated: tuple[Path, Path]
) -> None:
    quads = list(pyoxigraph.parse(path=str(generated[0]), format=pyoxigraph.RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in quads} == {graph_iri("2k")}
    assert TINY <= len(quads) < TINY + 100  # ends on a whole activity
    assert len(partner) == len(quads)


def test_activities_have_the_agenda_shape(partner: Graph, concepts: Concepts) -> None:
    graph = partner
    themes = set(concepts.by_kind["thema"])
    columns = set(concepts.by_kind["kolom"])
    activities = set(graph.subjects(RDF.type, KL.Activiteit))
    assert len(activities) >= 25
    for activity in activities:
        assert {str(t) for t in graph.objects(activity, KL.thema)} <= themes
        assert len(set(graph.objects(activity, KL.thema))) == 1
        assert len(set(graph.objects(activity, KL.kolom))) == 1
        assert {str(c) for c in graph.objects(activity, KL.kolom)} <= columns
        labels = list(graph.objects(activity, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
        assert len(labels) == 1 and isinstance(labels[0], Literal) and labels[0].language == "nl"
        assert list(graph.objects(activity, KL.partner))
        assert len(set(graph.objects(activity, KL.bron))) == 1
    used_themes = {str(t) for t in graph.objects(None, KL.thema)}
    assert len(used_themes) >= 5
    groupings = set(graph.objects(None, KL.groepering))
    assert groupings and {str(g) for g in groupings} <= set(concepts.by_kind["groepering"])


def test_interpretations_are_recorded_beside_their_direct_triples(partner: Graph) -> None:
    graph = partner
    records = set(graph.subjects(RDF.type, KL.Interpretatie))
    assert records
    not_applicable = 0
    for record in records:
        activity = graph.value(record, KL.betreft)
        aspect = graph.value(record, KL.aspect)
        assert aspect in (KL.rStrategie, KL.rol, KL.doel, KL.levenscyclusfase)
        assert graph.value(record, URIRef(f"{PROV}wasAttributedTo")) is not None
        assert graph.value(record, URIRef(f"{PROV}wasDerivedFrom")) == graph.value(
            activity, KL.bron
        )
        assert {t.language for t in graph.objects(record, KL.toelichting)} == {"nl", "en"}
        values = set(graph.objects(record, KL.waarde))
        if graph.value(record, KL.nietVanToepassing) == Literal(True):
            not_applicable += 1
            assert not values
        else:
            assert values
        assert values == set(graph.objects(activity, aspect))
    assert 0 < not_applicable < len(records)


def test_nodes_are_typed_as_in_the_bundled_data(partner: Graph) -> None:
    """The views select partners as prov:Agent, as the bundled data types them."""
    for klass, also in (
        (KL.Activiteit, URIRef(f"{PROV}Entity")),
        (KL.Bronverwijzing, URIRef(f"{PROV}Entity")),
        (KL.Interpretatie, URIRef(f"{PROV}Entity")),
        (URIRef("http://www.w3.org/ns/org#Organization"), URIRef(f"{PROV}Agent")),
    ):
        nodes = set(partner.subjects(RDF.type, klass))
        assert nodes, klass
        assert all((node, RDF.type, also) in partner for node in nodes), klass


def test_generation_is_deterministic(
    tmp_path: Path, concepts: Concepts, generated: tuple[Path, Path]
) -> None:
    again = write_partner_graph(TINY, tmp_path, concepts=concepts)
    assert again.nquads.read_bytes() == generated[0].read_bytes()


# rdflib's own evaluation of GRAPH ?g over a Dataset uses its deprecated API.
RDFLIB_GRAPH_WARNING = "ignore:Dataset.*is deprecated:DeprecationWarning"


def test_every_bench_view_runs_on_the_synthetic_graph(generated: tuple[Path, Path]) -> None:
    """Each view answers on the bundled graphs plus the synthetic one (in Oxigraph, as the
    bench's engines hold them: named graphs, queried as their union)."""
    store = pyoxigraph.Store()
    for source in BUNDLED:
        data, _count = read_graph(source)
        store.load(
            data,
            format=pyoxigraph.RdfFormat.N_TRIPLES,
            to_graph=pyoxigraph.NamedNode(str(source.iri)),
        )
    store.load(path=generated[0], format=pyoxigraph.RdfFormat.N_QUADS)
    views = load_views()
    assert {v.name for v in views} >= {
        "activiteiten-per-thema",
        "portfolio-partner",
        "gedeelde-partners-tussen-themas",
        "r-ladder-dekking",
        "thema-doel-matrix",
    }
    for view in views:
        picker = example_query(view)
        values: dict[str, str] = {}
        if picker is not None:
            found = list(store.query(picker, use_default_graph_as_union=True))
            assert found, view.name
            first = found[0][0]
            assert first is not None, view.name
            values = {next(p.name for p in view.params if p.required): first.value}
        answer = store.query(view.bind(values), use_default_graph_as_union=True)
        assert list(answer), f"{view.name} returned no rows on the synthetic graph"


@pytest.mark.filterwarnings(RDFLIB_GRAPH_WARNING)
def test_the_r_ladder_view_lists_every_r_strategy(bundled: Dataset) -> None:
    dataset = union(bundled, Graph())
    view = next(v for v in load_views() if v.name == "r-ladder-dekking")
    listed = {str(row[0]) for row in dataset.query(view.text)}
    strategies = {str(s) for s, _, _, _ in bundled.quads((None, RDF.type, KL.RStrategie, None))}
    assert strategies and listed == strategies


def test_the_upload_bench_runs_on_a_tiny_graph(tmp_path: Path) -> None:
    """``bench.upload`` end to end on a real ``kringloop serve`` (nothing timed is asserted)."""
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n", encoding="utf-8")
    arguments = ["--sizes", "2k", "--runs", "1", "--window", "0.5", "--pause-ms", "20"]
    assert upload.main([*arguments, "--out", str(tmp_path), "--doc", str(doc)]) == 0
    result = json.loads((tmp_path / "upload.json").read_text(encoding="utf-8"))
    assert list(result["uploads"]) == ["2k"]
    assert result["uploads"]["2k"]["triples"] >= TINY
    assert len(result["uploads"]["2k"]["server_s"]) == 1
    probes = [
        result["reads"]["view"],
        result["reads"]["sparql"],
        result["writes"]["other partner PUT"],
    ]
    for probe in probes:
        assert probe["failure_count"] == 0, probe["failures"]
        assert probe["baseline"]["n"] >= 1 and probe["during"]["n"] >= 1
    text = doc.read_text(encoding="utf-8")
    assert "<!-- bench:upload:begin" in text and "`PUT` by `bench-ander`" in text
