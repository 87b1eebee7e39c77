"""The province's graphs: the administrator writes them, no partner can own one."""

from __future__ import annotations

from pathlib import Path

import pytest

from kringloop.errors import BadRequestError
from kringloop.graphs import BUNDLED
from kringloop.partners.model import PROVINCE_GRAPHS, is_edition_graph, is_province_graph
from kringloop.partners.registry import ADMIN, REGISTRY_GRAPH, Registry
from kringloop.vocab import GRAPH

REF = "cirkelregio-utrecht"

PROVINCE = [
    *(str(source.iri) for source in BUNDLED),
    f"{GRAPH}agenda-2023",
    f"{GRAPH}interpretaties-2023",
    f"{GRAPH}agenda-2023-2024",
    f"{GRAPH}interpretaties-2023-2024",
    f"{GRAPH}voortgang-2021",
    f"{GRAPH}indicatoren",
]
NOT_PROVINCE = [
    f"{GRAPH}agenda-23",
    f"{GRAPH}agenda-2023-24",
    f"{GRAPH}agenda-2023-2024-2025",
    f"{GRAPH}agenda-2023/extra",
    f"{GRAPH}agenda-",
    f"{GRAPH}voortgang-21",
    f"{GRAPH}voortgang-2021-2022",
    f"{GRAPH}indicatoren-2021",
    f"{GRAPH}partner-{REF}",
    f"{GRAPH}Agenda-2023",
    "http://w3id.org/kringloop/id/graaf/agenda-2023",
    "https://example.org/graaf/agenda-2023",
    "https://w3id.org/kringloop/id/agenda-2023",
]


@pytest.mark.parametrize("graph", PROVINCE)
def test_a_province_graph(graph: str) -> None:
    assert is_province_graph(graph)


@pytest.mark.parametrize("graph", NOT_PROVINCE)
def test_not_a_province_graph(graph: str) -> None:
    assert not is_province_graph(graph)


def test_edition_graphs_are_the_agenda_and_interpretations_of_an_edition() -> None:
    assert is_edition_graph(f"{GRAPH}agenda-2021-2022")
    assert is_edition_graph(f"{GRAPH}interpretaties-2025")
    assert not is_edition_graph(f"{GRAPH}begrippen")
    assert not is_edition_graph(f"{GRAPH}voortgang-2021")


@pytest.fixture()
def registry(tmp_path: Path) -> Registry:
    registry = Registry.open(tmp_path)
    registry.add(REF, "Cirkelregio Utrecht")
    return registry


@pytest.mark.parametrize("graph", PROVINCE)
def test_the_administrator_writes_and_owns_every_province_graph(
    registry: Registry, graph: str
) -> None:
    assert registry.may_write(ADMIN, graph)
    assert registry.owner_of(graph) == ADMIN
    assert not registry.may_write(REF, graph)


@pytest.mark.parametrize("graph", sorted(PROVINCE_GRAPHS - {str(s.iri) for s in BUNDLED}))
def test_nobody_writes_the_system_graphs(registry: Registry, graph: str) -> None:
    assert graph == REGISTRY_GRAPH or graph.endswith("/herkomst")
    assert not registry.may_write(ADMIN, graph)
    assert registry.owner_of(graph) == ADMIN


def test_the_administrator_writes_no_other_graph(registry: Registry) -> None:
    for graph in (f"{GRAPH}partner-{REF}", f"{GRAPH}agenda-23", "https://example.org/g"):
        assert not registry.may_write(ADMIN, graph)
    assert registry.owner_of(f"{GRAPH}partner-{REF}") == REF
    assert registry.owner_of(f"{GRAPH}agenda-23") is None


@pytest.mark.parametrize(
    "graph", [f"{GRAPH}agenda-2023", f"{GRAPH}interpretaties-2023-2024", f"{GRAPH}voortgang-2022"]
)
def test_no_partner_can_claim_a_province_graph(registry: Registry, graph: str) -> None:
    with pytest.raises(BadRequestError, match="is a province graph in Kringloop's own namespace"):
        registry.add("foodvalley", "Living Lab Regio Foodvalley Circulair", graphs=(graph,))
    assert registry.get("foodvalley") is None
