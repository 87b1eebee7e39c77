"""Fixtures for the resource pages: a real ``kringloop serve`` over an external Oxigraph
(so the tests can add statements to a published graph behind the service's back) with a
small result cap, so that every list is read in several pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.resources.resourcekit import RESULT_CAP, Site, add_test_statements
from tests.service.servicekit import start_external, start_oxigraph


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("resources")
    engine = start_oxigraph(folder / "engine")
    try:
        service = start_external(folder / "service", engine, "--result-cap", str(RESULT_CAP))
    except BaseException:
        engine.stop()
        raise
    try:
        add_test_statements(engine.url)
        yield Site(service, engine)
    finally:
        service.stop()
        engine.stop()
