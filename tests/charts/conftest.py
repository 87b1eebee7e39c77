"""Fixtures for the chart tests: a real ``kringloop serve`` (managed Oxigraph) and the views."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kringloop.views import View, load_views
from tests.service.servicekit import Service, start_managed


@pytest.fixture(scope="session")
def charts_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """``kringloop serve`` on the bundled data, with the default result cap."""
    service = start_managed(tmp_path_factory.mktemp("charts"))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def chart_views() -> dict[str, View]:
    return {view.name: view for view in load_views() if view.chart is not None}
