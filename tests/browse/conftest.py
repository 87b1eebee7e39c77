"""Fixtures for the activity browser: a real ``kringloop serve`` with a small result cap
(so the catalogue is read in several pages) and the bundled files in rdflib."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Graph

from kringloop.graphs import iter_bundled_files
from tests.browse.browsekit import RESULT_CAP
from tests.service.servicekit import Service, start_managed


@pytest.fixture(scope="session")
def merged() -> Graph:
    """Every bundled file in one rdflib graph (the public default graph is their union)."""
    graph = Graph()
    for _source, path in iter_bundled_files():
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="session")
def browse_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_managed(tmp_path_factory.mktemp("browse"), "--result-cap", str(RESULT_CAP))
    yield service
    service.stop()
