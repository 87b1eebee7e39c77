"""One Kringloop service (managed Oxigraph) with two registered partners, for the session.

Tests that must start from an untouched store, or that kill the service, start their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.graphstore.gskit import Partners, register_partners
from tests.service.servicekit import Service, start_managed


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("graphstore")


@pytest.fixture(scope="session")
def partners(store_dir: Path) -> Partners:
    return register_partners(store_dir / "var")


@pytest.fixture(scope="session")
def store(store_dir: Path, partners: Partners) -> Iterator[Service]:
    service = start_managed(store_dir, "--graph-versions", "5")
    yield service
    service.stop()
