"""Helpers for the Graph Store tests: partners in a fresh data directory, and graph hashes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import requests

from kringloop.partners.registry import ADMIN, Registry
from kringloop.paths import project_root
from tests.service.servicekit import Service

TURTLE = "text/turtle"
EXAMPLES = project_root() / "examples" / "partners"
CIRKELREGIO = "cirkelregio-utrecht"
FOODVALLEY = "living-lab-foodvalley"
EXAMPLE_FILES = {CIRKELREGIO: "cirkelregio-utrecht", FOODVALLEY: "foodvalley"}
PARTNER_GRAPH = "https://w3id.org/kringloop/id/graaf/partner-{}"


@dataclass(frozen=True)
class Partners:
    """The data directory's partners and their tokens (shown once, kept by the test)."""

    data_dir: Path
    tokens: dict[str, str]

    def graph(self, ref: str) -> str:
        return PARTNER_GRAPH.format(ref)

    def auth(self, ref: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[ref]}"}


def register_partners(data_dir: Path) -> Partners:
    """Cirkelregio Utrecht and Living Lab Foodvalley, plus the administrator's token."""
    registry = Registry.open(data_dir)
    tokens: dict[str, str] = {}
    _partner, tokens[CIRKELREGIO] = registry.add(CIRKELREGIO, "Cirkelregio Utrecht")
    _partner, tokens[FOODVALLEY] = registry.add(FOODVALLEY, "Living Lab Regio Foodvalley Circulair")
    tokens[ADMIN] = registry.rotate_token(ADMIN)
    return Partners(data_dir, tokens)


def example(name: str) -> bytes:
    """An example partner graph by partner reference (or by file name: ``invalid``)."""
    return (EXAMPLES / f"{EXAMPLE_FILES.get(name, name)}.ttl").read_bytes()


def canonical(data: bytes, media_type: str = "application/n-triples") -> str:
    """A hash of a graph that ignores order and blank node labels (they are renamed)."""
    fmt = ox.RdfFormat.from_media_type(media_type)
    assert fmt is not None
    lines = []
    for quad in ox.parse(data, format=fmt):
        terms = [quad.subject, quad.predicate, quad.object]
        lines.append(" ".join("_:b" if isinstance(t, ox.BlankNode) else str(t) for t in terms))
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def graph_hash(service: Service, graph: str) -> str | None:
    """The canonical hash of a published graph, or None when it is not published."""
    response = requests.get(
        f"{service.url}/graph-store",
        params={"graph": graph},
        headers={"Accept": "application/n-triples"},
        timeout=30,
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return canonical(response.content)


def every_graph(service: Service) -> dict[str, str | None]:
    """Canonical hashes of every named graph the engine holds (published or not)."""
    rows = service.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
    graphs = {row["g"]["value"] for row in rows}
    hashes: dict[str, str | None] = {}
    for graph in sorted(graphs):
        hashes[graph] = graph_hash(service, graph)
    counts = service.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    for row in counts:
        hashes[f"count:{row['g']['value']}"] = row["n"]["value"]
    return hashes


def put(
    service: Service,
    partners: Partners,
    owner: str,
    graph: str,
    body: bytes,
    media_type: str = TURTLE,
    **headers: str,
) -> requests.Response:
    return requests.put(
        f"{service.url}/graph-store",
        params={"graph": graph},
        data=body,
        headers={"Content-Type": media_type, **partners.auth(owner), **headers},
        timeout=120,
    )


def variant(data: bytes, number: int) -> bytes:
    """The Turtle ``data`` plus one comment on its first partner activity: version ``number``."""
    subject = next(
        quad.subject
        for quad in ox.parse(data, format=ox.RdfFormat.TURTLE)
        if isinstance(quad.subject, ox.NamedNode) and "/activiteit/" in quad.subject.value
    )
    comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
    return data + f'\n{subject} {comment} "versie {number}"@nl .\n'.encode()
