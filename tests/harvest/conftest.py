"""Real partner sources on loopback for the harvest tests.

Two partner ``oxigraph serve`` processes: one holding ``examples/partners/
cirkelregio-utrecht.ttl``, one holding ``examples/partners/invalid.ttl``; an in-memory
``oxigraph serve`` standing in for our own engine; and dump servers (``http.server``)
serving files of a temporary directory, typed and untyped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kringloop.store.engine import EngineClient
from kringloop.store.remote import EngineEndpoints
from tests.federation.fedkit import start_partner
from tests.harvest.harvestkit import EXAMPLES, DumpServer
from tests.service.servicekit import Service, start_oxigraph


@pytest.fixture(scope="session")
def cirkelregio_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    partner = start_partner(
        tmp_path_factory.mktemp("cirkelregio"), "cirkelregio", EXAMPLES / "cirkelregio-utrecht.ttl"
    )
    yield partner
    partner.stop()


@pytest.fixture(scope="session")
def invalid_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    partner = start_partner(tmp_path_factory.mktemp("invalid"), "invalid", EXAMPLES / "invalid.ttl")
    yield partner
    partner.stop()


@pytest.fixture(scope="session")
def our_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    engine = start_oxigraph(tmp_path_factory.mktemp("ours"))
    yield engine
    engine.stop()


@pytest.fixture
def our_client(our_engine: Service) -> Iterator[EngineClient]:
    client = EngineClient(EngineEndpoints.oxigraph("127.0.0.1", our_engine.port))
    yield client
    client.close()


@pytest.fixture
def dumps(tmp_path: Path) -> Iterator[DumpServer]:
    directory = tmp_path / "dumps"
    directory.mkdir()
    server = DumpServer(directory)
    yield server
    server.close()


@pytest.fixture
def untyped_dumps(tmp_path: Path) -> Iterator[DumpServer]:
    directory = tmp_path / "untyped"
    directory.mkdir()
    server = DumpServer(directory, typed=False)
    yield server
    server.close()
