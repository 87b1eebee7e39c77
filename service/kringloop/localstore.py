"""The bundled graphs in an in-memory Oxigraph store, for local read-only querying.

Each bundled file is loaded by Oxigraph's own parser into its named graph (the manifest in
:mod:`kringloop.graphs`); queries see the union of the named graphs as their default graph.
Nothing here uses rdflib: results stay Oxigraph terms.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
)

from kringloop.errors import ConfigurationError, QuerySyntaxError
from kringloop.graphs import BUNDLED, GraphSource
from kringloop.vocab import PREFIXES

QueryResults = QuerySolutions | QueryBoolean | QueryTriples


def load_bundled_store(
    root: Path | None = None, sources: tuple[GraphSource, ...] = BUNDLED
) -> Store:
    """A new in-memory store holding every bundled graph as a named graph."""
    store = Store()
    for source in sources:
        graph = NamedNode(str(source.iri))
        for path in source.files(root):
            try:
                store.load(path=str(path), format=RdfFormat.TURTLE, to_graph=graph)
            except SyntaxError as error:
                raise ConfigurationError(f"{path}: {error}") from error
    return store


def run_query(store: Store, query: str) -> QueryResults:
    """Run a SPARQL query over the union of the named graphs, with the project's prefixes.

    A malformed query raises :class:`QuerySyntaxError` with the parser's message (it names
    the line and column).
    """
    try:
        return store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from error
