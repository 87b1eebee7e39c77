"""Real engines on loopback for the federation tests.

``ours``: a plain ``oxigraph serve`` holding the bundled graphs, asked through a
:class:`PublicEndpoint` in this process (the same path a view takes in the service);
its ``SERVICE`` allow-list is the mutable set ``allowed``. Two partner engines hold
their own data (``data/*.ttl``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fedkit import DATA, Ours, start_partner

from kringloop.endpoint import PublicEndpoint
from kringloop.graphs import BUNDLED
from kringloop.settings import Settings
from kringloop.store.engine import EngineClient
from kringloop.store.loading import load_bundled
from kringloop.store.remote import EngineEndpoints
from kringloop.views import View, load_view
from tests.service.servicekit import Service, start_oxigraph

VIEW_FILE = Path(__file__).parents[2] / "queries" / "partneractiviteiten.rq"


@pytest.fixture(scope="session")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ours]:
    engine = start_oxigraph(tmp_path_factory.mktemp("ours"))
    client = EngineClient(EngineEndpoints.oxigraph("127.0.0.1", engine.port))
    load_bundled(client)
    allowed: set[str] = set()
    settings = Settings(query_deadline=20.0)
    endpoint = PublicEndpoint(
        settings, client, [str(s.iri) for s in BUNDLED], allowed_services=lambda: tuple(allowed)
    )
    yield Ours(engine, endpoint, allowed)
    client.close()
    engine.stop()


@pytest.fixture(autouse=True)
def _nothing_allowed(ours: Ours) -> Iterator[None]:
    yield
    ours.allowed.clear()


@pytest.fixture(scope="session")
def cirkelregio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    partner = start_partner(
        tmp_path_factory.mktemp("cirkelregio"), "cirkelregio", DATA / "cirkelregio-utrecht.ttl"
    )
    yield partner
    partner.stop()


@pytest.fixture(scope="session")
def foodvalley(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    partner = start_partner(
        tmp_path_factory.mktemp("foodvalley"), "foodvalley", DATA / "foodvalley.ttl"
    )
    yield partner
    partner.stop()


@pytest.fixture(scope="session")
def view() -> View:
    return load_view(VIEW_FILE)
