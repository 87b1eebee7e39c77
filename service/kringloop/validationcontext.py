"""What a write is validated against: the ontology, the concept schemes and one agenda.

A graph's links point into the agenda (a partner's activity names a theme, a progress
record an activity), so the SHACL gate validates it together with an agenda edition. Which
edition depends on what is written: a new edition's own agenda graph brings its agenda
itself (adding another edition would give every restated activity two themes, two
chapters...); an edition's interpretations alone are checked against that edition's agenda;
everything else against the current edition.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from kringloop.editions import agenda_graph, current_edition, graph_content, read_editions
from kringloop.graphstore.writes import GraphWriter
from kringloop.partners.model import EDITION_GRAPH
from kringloop.shaclfast import schema_triples


def context_for(writer: GraphWriter | None, graphs: Iterable[str]) -> list[ox.Triple]:
    """The context of a write of ``graphs`` in ``writer``'s data directory (None: bundled)."""
    editions = [match for graph in graphs if (match := EDITION_GRAPH.match(graph)) is not None]
    if any(match["kind"] == "agenda" for match in editions):
        return schema_triples()
    if editions:
        agenda = graph_content(writer, agenda_graph(editions[0]["ref"]))
    else:
        current = current_edition(read_editions(writer))
        agenda = graph_content(writer, current.agenda_graph) if current is not None else []
    return [*schema_triples(), *agenda]
