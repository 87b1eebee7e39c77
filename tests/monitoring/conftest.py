"""The running service the import tests share: each module names its own ``home``.

``partners`` registers the partners (and the administrator) in ``home``'s data directory
before ``service`` starts a real managed service (Oxigraph subprocess) there; both live as
long as the module that asks for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.graphstore.gskit import Partners, register_partners
from tests.service.servicekit import Service, start_managed


@pytest.fixture(scope="module")
def partners(home: Path) -> Partners:
    return register_partners(home / "var")


@pytest.fixture(scope="module")
def service(home: Path, partners: Partners) -> Iterator[Service]:
    running = start_managed(home)
    yield running
    running.stop()
