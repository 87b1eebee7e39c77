"""Fixtures for the curated views: a real ``kringloop serve`` (managed Oxigraph) and the
views as the service loads them. (The view page's browser test is in ``tests/browser``,
which owns the one Chromium.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kringloop.views import View, load_views
from tests.service.servicekit import Service, start_managed


@pytest.fixture(scope="session")
def views_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """``kringloop serve`` on the bundled data, with the default result cap."""
    service = start_managed(tmp_path_factory.mktemp("views"))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def views() -> tuple[View, ...]:
    return load_views()
