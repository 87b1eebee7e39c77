"""Loopback sources for the harvest tests: a dump server, and reading what was stored."""

from __future__ import annotations

import functools
import hashlib
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import requests

from kringloop.paths import project_root
from tests.federation.fedkit import Canned

EXAMPLES = project_root() / "examples" / "partners"
CIRKELREGIO = "cirkelregio-utrecht"
FOODVALLEY = "living-lab-foodvalley"
PARTNER_GRAPH = "https://w3id.org/kringloop/id/graaf/partner-{}"


def graph_of(ref: str) -> str:
    return PARTNER_GRAPH.format(ref)


def triples_in(path: Path) -> int:
    return len(list(ox.parse(path=path, format=ox.RdfFormat.TURTLE)))


def canonical(data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> str:
    """A hash of a graph that ignores order and blank node labels."""
    lines = sorted(
        " ".join(
            "_:b" if isinstance(term, ox.BlankNode) else str(term)
            for term in (quad.subject, quad.predicate, quad.object)
        )
        for quad in ox.parse(data, format=fmt)
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def example_hash(name: str) -> str:
    return canonical((EXAMPLES / f"{name}.ttl").read_bytes(), ox.RdfFormat.TURTLE)


class DumpServer:
    """``http.server`` on loopback serving the files of ``directory``.

    ``typed``: ``.ttl`` as ``text/turtle``; otherwise as ``application/octet-stream``
    (the harvester must take the format from the URL's suffix).
    """

    def __init__(self, directory: Path, *, typed: bool = True) -> None:
        self.directory = directory
        content_type = "text/turtle" if typed else "application/octet-stream"

        class Handler(SimpleHTTPRequestHandler):
            extensions_map = {".ttl": content_type, "": "application/octet-stream"}  # noqa: RUF012

            def log_message(self, format: str, *args: object) -> None:
                return

        handler = functools.partial(Handler, directory=str(directory))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def publish(self, example: str, as_name: str) -> str:
        """Copy ``examples/partners/{example}.ttl`` to ``as_name``; its URL."""
        shutil.copyfile(EXAMPLES / f"{example}.ttl", self.directory / as_name)
        return self.url(as_name)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


def engine_graph(base_url: str, graph: str) -> bytes | None:
    """A graph of an ``oxigraph serve`` (Graph Store GET), or None when it has none."""
    response = requests.get(
        f"{base_url}/store",
        params={"graph": graph},
        headers={"Accept": "application/n-triples"},
        timeout=30,
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.content


def Recorder(body: bytes, content_type: str) -> Canned:  # noqa: N802 (reads as a server)
    """An HTTP server answering every request with one fixed RDF body, recording requests."""
    return Canned(200, body, {"Content-Type": content_type})


def turtle_as_ntriples(path: Path) -> bytes:
    triples = [quad.triple for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE)]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
