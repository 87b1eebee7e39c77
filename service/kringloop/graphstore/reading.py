"""What the published graphs hold, read from where each is kept, never cut by a cap.

A stored graph (written through the Graph Store Protocol) is read from its current
version; a bundled graph nobody has written is read from its files (they are what the
engine was loaded with); the registry and provenance graphs are made from the files
they describe. The engine is not asked, so no result cap or deadline can cut a graph.
"""

from __future__ import annotations

import threading
from typing import Protocol

import pyoxigraph as ox

from kringloop.graphs import BUNDLED
from kringloop.graphstore.provenance import PROVENANCE_GRAPH
from kringloop.graphstore.writes import GraphWriter, parse_stored
from kringloop.partners.registry import REGISTRY_GRAPH
from kringloop.store.loading import read_graph

_BUNDLED_CACHE: dict[str, list[ox.Triple]] = {}
_LOCK = threading.Lock()


class HasWriter(Protocol):
    writer: GraphWriter | None

    def published_graphs(self) -> tuple[str, ...]: ...


def published_graph_set(state: HasWriter) -> set[str]:
    return set(state.published_graphs())


def bundled_triples(graph: str) -> list[ox.Triple] | None:
    """The triples of a bundled graph's files, parsed once per process."""
    for source in BUNDLED:
        if str(source.iri) == graph:
            with _LOCK:
                if graph not in _BUNDLED_CACHE:
                    data, _count = read_graph(source)
                    _BUNDLED_CACHE[graph] = parse_stored(data)
                return _BUNDLED_CACHE[graph]
    return None


def graph_triples(state: HasWriter, graph: str) -> list[ox.Triple]:
    """Every triple of one published graph (empty if it holds none)."""
    writer = state.writer
    if writer is not None:
        if graph == REGISTRY_GRAPH:
            return parse_stored(writer.registry.public_graph())
        if graph == PROVENANCE_GRAPH:
            return parse_stored(writer.provenance())
        if writer.versions.current(graph) is not None:
            return writer.current_triples(graph)
    return bundled_triples(graph) or []
