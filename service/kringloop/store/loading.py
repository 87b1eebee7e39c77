"""Put the bundled graphs into the engine: the files are the truth, each graph is replaced."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kringloop.errors import ConfigurationError
from kringloop.graphs import BUNDLED, GraphSource
from kringloop.logs import get_logger
from kringloop.store.engine import EngineClient

_log = get_logger("loading")


@dataclass(frozen=True)
class LoadedGraph:
    iri: str
    files: tuple[Path, ...]
    triples: int


def read_graph(source: GraphSource, root: Path | None = None) -> tuple[bytes, int]:
    """Every file of ``source`` as one N-Triples document, and its triple count.

    Blank nodes are renamed per file, so ``_:a`` in two files stays two nodes.
    """
    triples: set[ox.Triple] = set()
    for path in source.files(root):
        fresh: dict[ox.BlankNode, ox.BlankNode] = {}

        def rename(
            term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple,
            fresh: dict[ox.BlankNode, ox.BlankNode] = fresh,
        ) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
            if isinstance(term, ox.BlankNode):
                return fresh.setdefault(term, ox.BlankNode())
            return term

        try:
            for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
                subject = rename(quad.subject)
                obj = rename(quad.object)
                triples.add(ox.Triple(subject, quad.predicate, obj))  # type: ignore[arg-type]
        except SyntaxError as error:
            raise ConfigurationError(f"{path} is not valid Turtle: {error}") from None
        except OSError as error:
            raise ConfigurationError(f"cannot read {path}: {error.strerror}") from None
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
    return data or b"", len(triples)


def load_bundled(
    client: EngineClient, root: Path | None = None, timeout: float = 60.0
) -> list[LoadedGraph]:
    """Replace every bundled graph in the engine with the content of its files."""
    loaded: list[LoadedGraph] = []
    for source in BUNDLED:
        started = time.monotonic()
        data, count = read_graph(source, root)
        client.put_graph(str(source.iri), data, "application/n-triples", timeout)
        files = tuple(source.files(root))
        loaded.append(LoadedGraph(str(source.iri), files, count))
        _log.info(
            "graph loaded",
            extra={
                "graph": str(source.iri),
                "files": len(files),
                "triples": count,
                "ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
    return loaded
