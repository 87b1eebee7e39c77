"""SERVICE, FROM, FROM NAMED, LOAD and the protocol's graph parameters aimed at loopback in
spellings that tests/service/test_resilience.py does not try: decimal, hex, octal and short
IPv4, IPv6 and IPv4-mapped IPv6, a trailing dot, percent- and SPARQL-escaped hosts, user
info, link-local and ``file:``. Every one is refused before the engine sees it, and the
listeners (IPv4 and IPv6) see no connection.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from tests.security.seckit import Listener, Unchanged, assert_problem
from tests.service.servicekit import Service

SPELLINGS = {
    "decimal": "http://2130706433:{port}/sparql",
    "hex": "http://0x7f000001:{port}/sparql",
    "dotted hex": "http://0x7f.0x0.0x0.0x1:{port}/sparql",
    "octal": "http://0177.0.0.1:{port}/sparql",
    "short": "http://127.1:{port}/sparql",
    "any address": "http://0.0.0.0:{port}/sparql",
    "IPv6 loopback": "http://[::1]:{port6}/sparql",
    "IPv4-mapped IPv6": "http://[::ffff:127.0.0.1]:{port}/sparql",
    "IPv4-mapped IPv6, hex": "http://[::ffff:7f00:1]:{port}/sparql",
    "trailing dot": "http://localhost.:{port}/sparql",
    "upper case": "HTTP://LOCALHOST:{port}/sparql",
    "percent-encoded host": "http://%31%32%37.0.0.1:{port}/sparql",
    "SPARQL-escaped host": "http://\\u0031\\u0032\\u0037.0.0.1:{port}/sparql",
    "user info": "http://kringloop@127.0.0.1:{port}/sparql",
    "link-local": "http://169.254.169.254/latest/meta-data/",
    "file": "file:///etc/passwd",
}


def forms(target: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("SERVICE", {"query": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"}),
        ("SERVICE SILENT", {"query": f"ASK {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}"}),
        ("FROM", {"query": f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}"}),  # noqa: S608
        ("FROM NAMED", {"query": f"ASK FROM NAMED <{target}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"}),
        ("LOAD", {"query": f"LOAD <{target}>"}),
        ("LOAD update", {"update": f"LOAD <{target}> INTO GRAPH <urn:g>"}),
        ("default-graph-uri", {"query": "ASK { ?s ?p ?o }", "default-graph-uri": target}),
        ("named-graph-uri", {"query": "ASK { GRAPH ?g { } }", "named-graph-uri": target}),
    ]


@pytest.fixture
def listener6() -> Iterator[Listener | None]:
    if not socket.has_ipv6:
        yield None
        return
    try:
        server = Listener("::1")
    except OSError:  # no IPv6 loopback here
        yield None
        return
    yield server
    server.close()


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=list(SPELLINGS))
def test_outbound_spellings_are_refused(
    unchanged: Unchanged,
    secured: Service,
    listener: Listener,
    listener6: Listener | None,
    spelling: str,
) -> None:
    if "{port6}" in spelling and listener6 is None:
        pytest.skip("no IPv6 loopback on this machine")
    target = spelling.format(port=listener.port, port6=listener6.port if listener6 else 0)
    with unchanged:
        for name, params in forms(target):
            for response in (
                requests.get(secured.sparql, params=params, timeout=60),
                requests.post(secured.sparql, data=params, timeout=60),
            ):
                problem = assert_problem(response, 403)
                assert problem["detail"], name
        if listener6 is not None:
            assert listener6.connections == 0
