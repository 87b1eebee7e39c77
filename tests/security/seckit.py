"""What every adversarial case checks: the safe answer, and that nothing changed.

``Unchanged`` takes a snapshot of the service's state (a canonical hash of every named graph,
the version list of each, the partner graphs included) before a case, and afterwards checks
that it is identical, that the service still answers (``/-/health`` and a SPARQL ASK) and
that the loopback ``Listener`` saw no connection.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from typing import Any

import requests

from tests.graphstore.gskit import Partners, graph_hash
from tests.service.servicekit import Listener, Service

__all__ = ["Listener"]

PROBLEM = "application/problem+json"


def versions(service: Service, graph: str) -> Any:
    """A graph's kept version list (JSON), or the status when it has none."""
    response = requests.get(
        f"{service.url}/graph-store/versions", params={"graph": graph}, timeout=30
    )
    return response.json() if response.status_code == 200 else response.status_code


def snapshot(service: Service, partners: Partners) -> dict[str, Any]:
    """Canonical hashes and triple counts of every named graph (as ``every_graph`` gives
    them, fetched in parallel) and every graph's version list, the partners' included."""
    rows = service.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    names = {row["g"]["value"] for row in service.select("SELECT DISTINCT ?g { GRAPH ?g { } }")}
    names |= {partners.graph(ref) for ref in partners.tokens if ref != "admin"}
    with ThreadPoolExecutor(4) as pool:
        hashes = dict(zip(names, pool.map(lambda g: graph_hash(service, g), names), strict=True))
        kept = dict(zip(names, pool.map(lambda g: versions(service, g), names), strict=True))
    counts = {row["g"]["value"]: row["n"]["value"] for row in rows}
    return {"graphs": hashes, "counts": counts, "versions": kept}


def assert_answers(service: Service) -> None:
    health = requests.get(f"{service.url}/-/health", timeout=30)
    assert health.status_code == 200, health.text
    asked = requests.get(
        service.sparql,
        params={"query": "ASK { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["boolean"] is True


class Unchanged:
    """``with Unchanged(service, partners, listener):`` around a case."""

    def __init__(
        self,
        service: Service,
        partners: Partners,
        listener: Listener | None = None,
        before: dict[str, Any] | None = None,
    ) -> None:
        self.service = service
        self.partners = partners
        self.listener = listener
        self.before = before or {}

    def __enter__(self) -> Unchanged:
        if not self.before:  # a known state (the shared service's baseline) saves a snapshot
            self.before = snapshot(self.service, self.partners)
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is not None:
            return
        assert_answers(self.service)
        after = snapshot(self.service, self.partners)
        changed = {
            f"{part}:{name}"
            for part in ("graphs", "counts", "versions")
            for name in set(after[part]) | set(self.before[part])
            if after[part].get(name) != self.before[part].get(name)
        }
        assert not changed, f"the state changed: {sorted(changed)}"
        if self.listener is not None:
            time.sleep(0.1)  # a connection in flight would have arrived by now
            assert self.listener.connections == 0, "the service connected to the listener"


def assert_problem(response: requests.Response, status: int, *words: str) -> dict[str, Any]:
    """A problem+json answer with ``status``, whose detail names each of ``words``."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["title"]
    text = f"{problem['title']} {problem.get('detail', '')}".lower()
    for word in words:
        assert word.lower() in text, (word, problem)
    return problem


class Markup(HTMLParser):
    """Every element and attribute of a page, and the text between them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.script_text if self._in_script else self.text).append(data)


def parse_html(page: str) -> Markup:
    parser = Markup()
    parser.feed(page)
    parser.close()
    return parser
