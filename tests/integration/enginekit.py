"""What the second-engine tests share: their settings, small protocol helpers, a listener."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pyoxigraph as ox
import requests

from tests.service.servicekit import (
    START_TIMEOUT,
    Service,
    clean_environment,
    free_port,
    http,
)

#: A graph stored in Virtuoso beside the published ones; it must never show.
SECRET_GRAPH = "https://w3id.org/kringloop/id/graaf/systeem-test"
SECRET = b'<urn:x:token> <urn:x:value> "secret" .\n'
#: The services' deadline: short, so the deadline test is quick; long enough that the
#: result-cap tests finish on a busy CI machine (3 s was not).
DEADLINE = 8.0

#: Longer than any deadline: a three-way cross product with a filter nothing passes.
CROSS_PRODUCT = (
    'ASK { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), "x")) }'
)

SRX = "{http://www.w3.org/2005/sparql-results#}"
COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def start_service(
    directory: Path, name: str, *arguments: str, environment: dict[str, str] | None = None
) -> Service:
    """``kringloop serve`` as a subprocess, once ``/-/health`` answers.

    Like ``servicekit.start_kringloop``, but a slow first answer is waited for rather
    than taken for a failure (the worker builds the app on its first request).
    """
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = directory / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kringloop", "serve", "--port", str(port), *arguments],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=clean_environment(**(environment or {})),
        )
    service = Service(name, process, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited at start: {log.read_text()[-2000:]}")
            try:
                requests.get(f"{service.url}/-/health", timeout=START_TIMEOUT)
                return service
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.05)
    except BaseException:
        service.stop()
        raise


def parse_ntriples(data: bytes) -> set[ox.Triple]:
    return {quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}


def ntriples(service: Service, query: str, **params: Any) -> set[ox.Triple]:
    """A CONSTRUCT or DESCRIBE through ``/sparql``, as a set of triples."""
    response = http.get(
        service.sparql,
        params={"query": query, **params},
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200, response.text
    return parse_ntriples(response.content)


def value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The IRI, label or lexical form of a term (never a quoted triple here)."""
    assert not isinstance(term, ox.Triple), term
    return term.value


def ground(triples: set[ox.Triple]) -> set[ox.Triple]:
    """The triples without a blank node (those compare across stores)."""
    return {
        t for t in triples if not any(isinstance(x, ox.BlankNode) for x in (t.subject, t.object))
    }


def graph_triple_counts(service: Service) -> dict[str, int]:
    """Triples per named graph, asked as a CONSTRUCT (no SELECT answer is parsed)."""
    found = ntriples(
        service,
        "CONSTRUCT { ?g <urn:x:triples> ?n } WHERE { "
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g }",
    )
    return {value(t.subject): int(value(t.object)) for t in found}


def nonempty(sizes: dict[str, int]) -> dict[str, int]:
    return {iri: size for iri, size in sizes.items() if size}


def counts_from(name: str, body: bytes) -> dict[str, int]:
    """Parse a COUNT_PER_GRAPH answer in any results format."""
    text = body.decode("utf-8")
    if name == "json":
        rows = json.loads(text)["results"]["bindings"]
        return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
    if name == "xml":
        found = {}
        for result in ElementTree.fromstring(body).iter(f"{SRX}result"):  # noqa: S314 (ours)
            values = {b.get("name"): "".join(b.itertext()).strip() for b in result}
            found[str(values["g"])] = int(str(values["n"]))
        return found
    if name == "csv":
        return {row["g"]: int(row["n"]) for row in csv.DictReader(io.StringIO(text))}
    lines = text.rstrip("\n").split("\n")
    assert lines[0].split("\t") == ["?g", "?n"], lines[0]
    return {g.strip("<>"): int(n) for g, n in (line.split("\t") for line in lines[1:])}


def boolean_from(media_type: str, body: bytes) -> bool:
    """The answer of an ASK in SPARQL JSON or XML."""
    if "json" in media_type:
        answer: bool = json.loads(body)["boolean"]
        return answer
    node = ElementTree.fromstring(body).find(f"{SRX}boolean")  # noqa: S314 (ours)
    assert node is not None
    return node.text == "true"


def at_engine(endpoint: str, query: str, accept: str, **params: Any) -> requests.Response:
    """A query straight to an engine's query endpoint (form POST), bypassing Kringloop."""
    return http.post(endpoint, data={"query": query, **params}, headers={"Accept": accept})


def solutions(body: bytes, results_format: ox.QueryResultsFormat) -> list[dict[str, str]]:
    """Each solution as variable -> N-Triples term, sorted (ties in ORDER BY may differ)."""
    parsed = ox.parse_query_results(body, format=results_format)
    assert isinstance(parsed, ox.QuerySolutions)
    names = [variable.value for variable in parsed.variables]
    rows = [{name: str(row[name]) for name in names if row[name] is not None} for row in parsed]
    return sorted(rows, key=repr)
