"""Real processes on free loopback ports: ``kringloop serve`` on a managed and on an external
Oxigraph. Session-scoped and shared; every process is torn down at the end.

The two differ in how they ask the engine for SELECT results: the managed one as TSV
(the default), the external one as SPARQL JSON (``--engine-results-format=json``, the
setting Virtuoso needs), so every ``service`` test runs both ways.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Dataset, URIRef
from servicekit import PUBLISHED, Service, start_external, start_managed, start_oxigraph


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
def graph_sizes(bundled: Dataset) -> dict[str, int]:
    """Triples per bundled graph, as rdflib counts the same files."""
    return {iri: len(bundled.graph(URIRef(iri))) for iri in PUBLISHED}
