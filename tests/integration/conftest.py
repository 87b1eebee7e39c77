"""A real Virtuoso 7.2 on loopback, ``kringloop serve`` pointed at it, and a managed one.

Session-scoped and torn down at the end. Without Virtuoso installed every test here
fails (never skips) with the package to install.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from enginekit import DEADLINE, SECRET, SECRET_GRAPH, start_service
from second_engine import MISSING, Virtuoso, available

from kringloop.graphs import BUNDLED
from kringloop.graphstore.provenance import PROVENANCE_GRAPH
from kringloop.partners.registry import REGISTRY_GRAPH
from kringloop.store.loading import read_graph
from tests.service.servicekit import Listener, Service, empty_provenance_size, empty_registry_graph


@pytest.fixture(scope="session")
def file_sizes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Triples per published graph of a fresh instance: each bundled graph as Kringloop
    reads its files, the registry graph of an empty registry, the provenance graph that
    describes only itself."""
    sizes = {str(source.iri): read_graph(source)[1] for source in BUNDLED}
    sizes[REGISTRY_GRAPH] = len(empty_registry_graph(tmp_path_factory))
    sizes[PROVENANCE_GRAPH] = empty_provenance_size(tmp_path_factory)
    return sizes


@pytest.fixture(scope="session")
def result_cap(file_sizes: dict[str, int]) -> int:
    """Both services' cap: the next 10 000 above the largest graph, so a
    whole graph fits in one answer and a cross product still passes the cap quickly."""
    return (max(file_sizes.values()) // 10_000 + 1) * 10_000


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    if not available():
        pytest.fail(MISSING, pytrace=False)
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    server.start()
    try:
        status = server.put_graph(SECRET_GRAPH, SECRET)
        assert status in (200, 201, 204), f"storing the unpublished graph: HTTP {status}"
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def on_virtuoso(
    tmp_path_factory: pytest.TempPathFactory, virtuoso: Virtuoso, result_cap: int
) -> Iterator[Service]:
    """``kringloop serve`` on Virtuoso; it loads the bundled graphs through the graph store."""
    service = start_service(
        tmp_path_factory.mktemp("on-virtuoso"),
        "virtuoso",
        *virtuoso.endpoints.serve_flags(),
        "--load-bundled",
        f"--query-deadline={DEADLINE}",
        f"--result-cap={result_cap}",
        environment=virtuoso.endpoints.serve_environment(),
    )
    yield service
    service.stop()


@pytest.fixture(scope="session")
def managed(tmp_path_factory: pytest.TempPathFactory, result_cap: int) -> Iterator[Service]:
    """``kringloop serve`` on its managed Oxigraph, with the same deadline and cap."""
    directory = tmp_path_factory.mktemp("managed-for-virtuoso")
    service = start_service(
        directory,
        "managed",
        f"--data-dir={directory / 'var'}",
        f"--query-deadline={DEADLINE}",
        f"--result-cap={result_cap}",
    )
    yield service
    service.stop()


@pytest.fixture(params=["virtuoso", "oxigraph"])
def kringloop(request: pytest.FixtureRequest) -> Service:
    """The service under test, on Virtuoso and on the managed Oxigraph."""
    name = "on_virtuoso" if request.param == "virtuoso" else "managed"
    found: Service = request.getfixturevalue(name)
    return found


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fails_on(engine, reason): a strict xfail where the `kringloop` fixture runs on "
        "that engine (virtuoso or oxigraph) only",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Turn ``fails_on`` into a strict xfail for the named engine's parametrisation."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("kringloop") if callspec is not None else None
        for mark in item.iter_markers("fails_on"):
            if engine is not None and mark.args[0] == engine:
                reason = f"{engine}: {mark.kwargs['reason']}"
                item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback listener that must receive no connection."""
    found = Listener()
    yield found
    found.close()
