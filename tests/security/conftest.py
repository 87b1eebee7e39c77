"""One managed service with two registered partners, shared by the read-only cases.

Cases that change state (a revoked token, a small upload limit, a published hostile graph)
start their own service.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.graphstore.gskit import (
    CIRKELREGIO,
    FOODVALLEY,
    Partners,
    example,
    put,
    register_partners,
)
from tests.security.seckit import Listener, Unchanged, snapshot
from tests.service.servicekit import Service, start_managed


@pytest.fixture(scope="session")
def secured_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("secured")


@pytest.fixture(scope="session")
def partners(secured_dir: Path) -> Partners:
    return register_partners(secured_dir / "var")


@pytest.fixture(scope="session")
def secured(secured_dir: Path, partners: Partners) -> Iterator[Service]:
    service = start_managed(secured_dir)
    try:
        for ref in (CIRKELREGIO, FOODVALLEY):  # both partners have published a version
            assert put(service, partners, ref, partners.graph(ref), example(ref)).status_code == 201
    except BaseException:
        service.stop()
        raise
    yield service
    service.stop()


@pytest.fixture(scope="session")
def baseline(secured: Service, partners: Partners) -> dict[str, Any]:
    """The shared service's state, which no case may change."""
    return snapshot(secured, partners)


@pytest.fixture
def unchanged(
    secured: Service, partners: Partners, baseline: dict[str, Any], listener: Listener
) -> Unchanged:
    """``with unchanged:`` around a case on the shared service."""
    return Unchanged(secured, partners, listener, before=baseline)


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()
