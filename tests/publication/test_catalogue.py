"""The DCAT catalogue validates against the official DCAT-AP 3.0.1 and DCAT-AP-NL 3.0 shapes."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from pyshacl import validate
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH

from kringloop.catalogue import LICENCE, VOID, build_catalogue, modification_dates, triple_counts
from kringloop.dumps import all_dumps
from kringloop.graphs import BUNDLED
from kringloop.localstore import load_bundled_store
from kringloop.paths import project_root
from kringloop.views import load_views
from kringloop.vocab import PROVINCE_UTRECHT

STANDARDS = project_root().parent / "shared" / "standards"
SHAPE_FILES = (
    "dcat-ap-3.0.1/shapes.ttl",
    "dcat-ap-3.0.1/shapes_recommended.ttl",
    "dcat-ap-3.0.1/range.ttl",
    "dcat-ap-3.0.1/mdr-vocabularies.shape.ttl",
    "dcat-ap-nl-3.0.0/dcat-ap-nl-SHACL.ttl",
    "dcat-ap-nl-3.0.0/dcat-ap-nl-SHACL-aanbevolen.ttl",
    "dcat-ap-nl-3.0.0/dcat-ap-nl-SHACL-klassebereik.ttl",
    "dcat-ap-nl-3.0.0/dcat-ap-nl-SHACL-klassebereik-codelijsten.ttl",
)


@pytest.fixture(scope="module")
def catalogue() -> Graph:
    counts = triple_counts(load_bundled_store())
    return build_catalogue(counts, load_views(), modification_dates())


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for name in SHAPE_FILES:
        graph.parse(STANDARDS / name, format="turtle")
    return graph


def top_level_results(report: Graph) -> Counter[tuple[str, str, str]]:
    """Results by severity; nested ``sh:detail`` results explain a top-level one."""
    found: Counter[tuple[str, str, str]] = Counter()
    for result in report.objects(None, SH.result):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        focus = str(report.value(result, SH.focusNode))
        message = str(report.value(result, SH.resultMessage))
        found[(severity, focus, message)] += 1
    return found


def test_catalogue_has_no_violation_of_the_official_shapes(catalogue: Graph, shapes: Graph) -> None:
    _conforms, report, _text = validate(catalogue, shacl_graph=shapes, allow_warnings=True)
    results = top_level_results(report)
    violations = [key for key in results if key[0] == "Violation"]
    assert not violations, "\n".join(f"{focus}: {message}" for _s, focus, message in violations)
    assert results, "the shapes report nothing at all: were they loaded?"


def test_the_shapes_do_catch_a_broken_catalogue(catalogue: Graph, shapes: Graph) -> None:
    broken = Graph()
    for triple in catalogue:
        broken.add(triple)
    broken.remove((None, DCTERMS.license, None))
    broken.remove((None, DCAT.contactPoint, None))
    _conforms, report, _text = validate(broken, shacl_graph=shapes, allow_warnings=True)
    assert any(key[0] == "Violation" for key in top_level_results(report))


def test_every_graph_is_a_dataset_with_counts_and_dumps(catalogue: Graph, bundled: Dataset) -> None:
    datasets = set(catalogue.subjects(RDF.type, DCAT.Dataset))
    for source in BUNDLED:
        iri = URIRef(source.iri)
        assert iri in datasets
        assert int(catalogue.value(iri, VOID.triples)) == len(bundled.graph(source.iri))
        assert catalogue.value(iri, DCTERMS.publisher) == PROVINCE_UTRECHT
        assert catalogue.value(iri, DCTERMS.creator) == PROVINCE_UTRECHT
    downloads = {str(url) for url in catalogue.objects(None, DCAT.downloadURL)}
    for dump in all_dumps():
        assert any(url.endswith("/dumps/" + dump.file_name) for url in downloads), dump.file_name


def test_every_view_and_the_endpoint_are_described(catalogue: Graph) -> None:
    access = {str(url) for url in catalogue.objects(None, DCAT.accessURL)}
    for view in load_views():
        assert any(url.endswith(f"/views/{view.name}") or url.endswith(f"/views/{view.name}.csv")
                   for url in access), view.name  # fmt: skip
    services = list(catalogue.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1
    assert str(catalogue.value(services[0], DCAT.endpointURL)).endswith("/sparql")
    assert (None, DCTERMS.license, LICENCE) in catalogue


def test_the_base_address_is_configurable() -> None:
    graph = build_catalogue({}, (), {}, base="http://127.0.0.1:8000/")
    catalogue = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert str(catalogue) == "http://127.0.0.1:8000/catalogus"
    assert graph.value(catalogue, DCTERMS.modified).toPython() <= date.today()
