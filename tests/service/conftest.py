"""Real processes on free loopback ports: ``kringloop serve`` on a managed and on an external
Oxigraph. Session-scoped and shared; every process is torn down at the end.

The two differ in how they ask the engine for SELECT results: the managed one as TSV
(the default), the external one as SPARQL JSON (``--engine-results-format=json``, the
setting Virtuoso needs), so every ``service`` test runs both ways.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Dataset, Graph, URIRef
from servicekit import (
    PUBLISHED,
    Service,
    empty_provenance_graph,
    empty_provenance_size,
    empty_registry_graph,
    start_external,
    start_managed,
    start_oxigraph,
)

from kringloop.graphstore.provenance import PROVENANCE_GRAPH
from kringloop.partners.registry import REGISTRY_GRAPH
from kringloop.services import SYSTEM_GRAPHS


@pytest.fixture(scope="session")
def managed_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_managed(tmp_path_factory.mktemp("managed"))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def external_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    engine = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield engine
    engine.stop()


@pytest.fixture(scope="session")
def external_service(
    tmp_path_factory: pytest.TempPathFactory, external_engine: Service
) -> Iterator[Service]:
    service = start_external(
        tmp_path_factory.mktemp("external"), external_engine, "--engine-results-format=json"
    )
    yield service
    service.stop()


@pytest.fixture(params=["managed", "external"])
def service(request: pytest.FixtureRequest) -> Service:
    """The endpoint under test, once on each kind of engine."""
    found: Service = request.getfixturevalue(f"{request.param}_service")
    return found


@pytest.fixture(scope="session")
def graph_sizes(bundled: Dataset, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Triples per published graph of a fresh instance: the bundled graphs as rdflib counts
    their files, the registry graph of an empty registry, the provenance graph that
    describes only itself."""
    sizes = {iri: len(bundled.graph(URIRef(iri))) for iri in PUBLISHED if iri not in SYSTEM_GRAPHS}
    sizes[REGISTRY_GRAPH] = len(empty_registry_graph(tmp_path_factory))
    sizes[PROVENANCE_GRAPH] = empty_provenance_size(tmp_path_factory)
    return sizes


@pytest.fixture(scope="session")
def registry_graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    """The system graphs a fresh instance publishes: the registry (no partners yet) and
    the provenance graph (no versions yet), as one graph."""
    return empty_registry_graph(tmp_path_factory) + empty_provenance_graph(tmp_path_factory)
