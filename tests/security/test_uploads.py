"""Hostile uploads to PUT /graph-store (with the owner's token) and POST /validate.

Each is refused with a precise status and a problem+json answer, nothing is stored, no
outbound connection is made, and the service answers afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.graphstore.gskit import CIRKELREGIO, Partners, example, put, register_partners
from tests.security.seckit import Listener, Unchanged, assert_answers, assert_problem
from tests.service.servicekit import Service, start_managed

RDF_XML = "application/rdf+xml"
JSON_LD = "application/ld+json"
TURTLE = "text/turtle"
NS = "https://w3id.org/kringloop/id/partner/cirkelregio-utrecht/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
MIB = 1024 * 1024

Body = Callable[[Listener], bytes]


def entity_bomb(_: Listener) -> bytes:
    levels = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{levels}]>'
        f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:k="{NS}">'
        f'<rdf:Description rdf:about="{NS}x"><k:p>&l9;</k:p></rdf:Description></rdf:RDF>'
    ).encode()


def xxe(target: str) -> Body:
    def body(listener: Listener) -> bytes:
        system = target.format(port=listener.port)
        return (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{system}">]>'
            f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:k="{NS}">'
            f'<rdf:Description rdf:about="{NS}x"><k:p>&x;</k:p></rdf:Description></rdf:RDF>'
        ).encode()

    return body


def parameter_entity(listener: Listener) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM '
        f'"http://127.0.0.1:{listener.port}/p.dtd"> %p;]>'
        f'<rdf:RDF xmlns:rdf="{RDF_NS}"/>'
    ).encode()


def remote_context(template: str) -> Body:
    def body(listener: Listener) -> bytes:
        return template.replace("PORT", str(listener.port)).encode()

    return body


NODE = f'"@id": "{NS}x", "{NS}p": "y"'
CONTEXTS = {
    "plain": '{"@context": "http://127.0.0.1:PORT/ctx", ' + NODE + "}",
    "decimal": '{"@context": "http://2130706433:PORT/ctx", ' + NODE + "}",
    "hex": '{"@context": "http://0x7f000001:PORT/ctx", ' + NODE + "}",
    "ipv6": '{"@context": "http://[::1]:PORT/ctx", ' + NODE + "}",
    "ipv4-mapped": '{"@context": "http://[::ffff:127.0.0.1]:PORT/ctx", ' + NODE + "}",
    "trailing dot": '{"@context": "http://localhost.:PORT/ctx", ' + NODE + "}",
    "escaped": '{"@context": "\\u0068ttp://127.0.0.1:PORT/ctx", ' + NODE + "}",
    "relative": '{"@context": "//127.0.0.1:PORT/ctx", ' + NODE + "}",
    "in a list": '{"@context": [{}, "http://127.0.0.1:PORT/ctx"], ' + NODE + "}",
    "@import": '{"@context": {"@version": 1.1, "@import": "http://127.0.0.1:PORT/c"}, '
    + NODE
    + "}",
    "nested": '{"@context": {}, "@id": "' + NS + 'x", "' + NS + 'p": '
    '{"@context": "http://127.0.0.1:PORT/ctx", "@id": "' + NS + 'y"}}',
    "scoped": '{"@context": {"t": {"@id": "' + NS + 't", "@context": '
    '"http://127.0.0.1:PORT/ctx"}}, "@id": "' + NS + 'x", "t": {"@id": "' + NS + 'y"}}',
    "file": '{"@context": "file:///etc/passwd", ' + NODE + "}",
}


def nested_turtle(_: Listener) -> bytes:
    return f"<{NS}x> <{NS}p> ".encode() + b"[ <p> " * 200 + b'"x"' + b" ]" * 200 + b" ."


def nested_json(_: Listener) -> bytes:
    level = b'{"' + NS.encode() + b'p": '
    return (
        b'{"@id": "'
        + NS.encode()
        + b'x", "'
        + NS.encode()
        + b'p": '
        + level * 200
        + b'"x"'
        + b"}" * 201
    )


def nested_xml(_: Listener) -> bytes:
    inner = '<k:p rdf:parseType="Resource">' * 200 + "</k:p>" * 200
    return (
        f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:k="{NS}">'
        f'<rdf:Description rdf:about="{NS}x">{inner}</rdf:Description></rdf:RDF>'
    ).encode()


def fixed(data: bytes) -> Body:
    return lambda _: data


HUGE_LITERAL = f'<{NS}x> <{NS}p> "'.encode() + b"a" * (5 * MIB) + b'" .\n'

#: name, Content-Type, body, status of PUT, status of POST /validate, words in the problem
CASES: list[tuple[str, str, Body, int, int, str]] = [
    ("entity bomb", RDF_XML, entity_bomb, 400, 400, "DTD"),
    ("XXE file", RDF_XML, xxe("file:///etc/passwd"), 400, 400, "DTD"),
    ("XXE http", RDF_XML, xxe("http://127.0.0.1:{port}/x"), 400, 400, "DTD"),
    ("XXE parameter entity", RDF_XML, parameter_entity, 400, 400, "DTD"),
    *[
        (f"remote context, {name}", JSON_LD, remote_context(template), 400, 400, "context")
        for name, template in CONTEXTS.items()
    ],
    ("5 MB literal", "application/n-triples", fixed(HUGE_LITERAL), 413, 413, "literal"),
    ("IRI with a space", TURTLE, fixed(f'<http://a b> <{NS}p> "x" .'.encode()), 400, 400, "IRI"),
    (
        "IRI with a space (N-Triples)",
        "application/n-triples",
        fixed(f'<http://a b> <{NS}p> "x" .\n'.encode()),
        400,
        400,
        "IRI",
    ),
    (
        "invalid UTF-8",
        TURTLE,
        fixed(f'<{NS}x> <{NS}p> "'.encode() + b'\xff\xfe" .'),
        400,
        400,
        "UTF-8",
    ),
    (
        "overlong UTF-8",
        "application/n-triples",
        fixed(f'<{NS}x> <{NS}p> "'.encode() + b'\xc0\xbc" .\n'),
        400,
        400,
        "UTF-8",
    ),
    (
        "unknown media type",
        "application/x-evil",
        fixed(b"<a:b> <a:c> <a:d> ."),
        415,
        415,
        "media type",
    ),
    ("HTML", "text/html", fixed(b"<html></html>"), 415, 415, "media type"),
    (
        "Latin-1 Turtle",
        "text/turtle; charset=iso-8859-1",
        fixed(b"<a:b> <a:c> <a:d> ."),
        415,
        415,
        "charset",
    ),
    ("no media type", "", fixed(b"<a:b> <a:c> <a:d> ."), 415, 415, "media type"),
    ("deep Turtle", TURTLE, nested_turtle, 400, 400, "deep"),
    ("deep JSON-LD", JSON_LD, nested_json, 400, 400, "deep"),
    ("deep RDF/XML", RDF_XML, nested_xml, 400, 400, "deep"),
]
IDS = [case[0] for case in CASES]


@pytest.mark.parametrize(("name", "media_type", "body", "put_status", "_v", "word"), CASES, ids=IDS)
def test_hostile_put(
    unchanged: Unchanged,
    secured: Service,
    partners: Partners,
    listener: Listener,
    name: str,
    media_type: str,
    body: Body,
    put_status: int,
    _v: int,
    word: str,
) -> None:
    with unchanged:
        response = put(
            secured, partners, CIRKELREGIO, partners.graph(CIRKELREGIO), body(listener), media_type
        )
        assert_problem(response, put_status, *([word] if word else []))


@pytest.mark.parametrize(("name", "media_type", "body", "_p", "status", "word"), CASES, ids=IDS)
def test_hostile_validate(
    unchanged: Unchanged,
    secured: Service,
    partners: Partners,
    listener: Listener,
    name: str,
    media_type: str,
    body: Body,
    _p: int,
    status: int,
    word: str,
) -> None:
    with unchanged:
        response = requests.post(
            f"{secured.url}/validate",
            data=body(listener),
            headers={"Content-Type": media_type, "Accept": "application/json"},
            timeout=120,
        )
        assert_problem(response, status, *([word] if word else []))


def test_javascript_subject_is_not_the_partners(
    unchanged: Unchanged, secured: Service, partners: Partners
) -> None:
    """A well-formed but foreign subject IRI: the gate refuses it (403), nothing stored."""
    data = f'<javascript:alert(1)> <{NS}p> "x" .\n'.encode()
    with unchanged:
        response = put(
            secured,
            partners,
            CIRKELREGIO,
            partners.graph(CIRKELREGIO),
            data,
            "application/n-triples",
        )
        assert_problem(response, 403, "javascript:alert(1)")


def blank_node_chain(count: int) -> Iterator[bytes]:
    """``_:b0 <urn:p> _:b1 . _:b1 <urn:p> _:b2 . ...``: ``count`` triples."""
    chunk = 10_000
    for start in range(0, count, chunk):
        yield b"".join(
            b"_:b%d <urn:p> _:b%d .\n" % (n, n + 1) for n in range(start, min(start + chunk, count))
        )


MILLION = 1_000_000


def test_a_million_blank_nodes_to_validate(
    unchanged: Unchanged, secured: Service, partners: Partners
) -> None:
    """21 MB of N-Triples: over --max-validate-bytes (16 MiB), refused before parsing."""
    with unchanged:
        response = requests.post(
            f"{secured.url}/validate",
            data=b"".join(blank_node_chain(MILLION)),
            headers={"Content-Type": "application/n-triples", "Accept": "application/json"},
            timeout=120,
        )
        assert_problem(response, 413)


LIMIT = 64 * 1024


def aligned_lines(count: int) -> bytes:
    """``count`` N-Triples lines of exactly 64 bytes: a cut at the limit leaves valid data."""
    return b"".join((b"_:b%06d <urn:p> _:c%06d ." % (n, n)).ljust(63) + b"\n" for n in range(count))


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Partners]]:
    """Its own service: uploads and validations of at most 64 KiB, a published graph."""
    directory: Path = tmp_path_factory.mktemp("limited")
    partners = register_partners(directory / "var")
    service = start_managed(
        directory, "--max-upload-bytes", str(LIMIT), "--max-validate-bytes", str(LIMIT)
    )
    try:
        graph = partners.graph(CIRKELREGIO)
        created = put(service, partners, CIRKELREGIO, graph, example(CIRKELREGIO))
        assert created.status_code == 201, created.text
        yield service, partners
    finally:
        service.stop()


@pytest.mark.parametrize("route", ["PUT /graph-store", "POST /validate"])
@pytest.mark.parametrize("chunked", [False, True], ids=["Content-Length", "chunked"])
def test_body_over_the_upload_limit(
    limited: tuple[Service, Partners], route: str, chunked: bool
) -> None:
    """Twice the limit, in lines that a cut at the limit would leave valid: 413, not a
    truncated graph stored (or validated) as if it were the whole."""
    service, partners = limited
    data = aligned_lines(2 * LIMIT // 64)
    assert len(data) == 2 * LIMIT
    body: bytes | Iterator[bytes] = (
        iter([data[i : i + 4096] for i in range(0, len(data), 4096)]) if chunked else data
    )
    method, path = route.split()
    with Unchanged(service, partners):
        response = requests.request(
            method,
            f"{service.url}{path}",
            params={"graph": partners.graph(CIRKELREGIO)} if method == "PUT" else {},
            data=body,
            headers={
                "Content-Type": "application/n-triples",
                "Accept": "application/json",
                **partners.auth(CIRKELREGIO),
            },
            timeout=60,
        )
        assert_problem(response, 413, str(LIMIT))


@pytest.mark.slow
def test_a_million_blank_nodes_put_is_bounded(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A million triples of blank nodes from the owner: a bounded answer, never a crash.

    Its own service, since a 2xx would (legitimately) replace the partner's graph. Measured
    here: 100k such triples take ~27 s to store; a million take more than 120 s.
    """
    directory = tmp_path_factory.mktemp("blank-nodes")
    partners = register_partners(directory / "var")
    service = start_managed(directory)
    try:
        graph = partners.graph(CIRKELREGIO)
        first = put(service, partners, CIRKELREGIO, graph, example(CIRKELREGIO))
        assert first.status_code == 201, first.text
        response = requests.put(
            f"{service.url}/graph-store",
            params={"graph": graph},
            data=b"".join(blank_node_chain(MILLION)),
            headers={"Content-Type": "application/n-triples", **partners.auth(CIRKELREGIO)},
            timeout=600,
        )
        assert_answers(service)
        listed = requests.get(
            f"{service.url}/graph-store/versions", params={"graph": graph}, timeout=60
        ).json()
        if response.status_code == 200:  # stored in full, as one new version
            assert response.json()["triples"] == MILLION
            assert listed["current"] == 2
        else:  # refused: the first version is still current
            assert_problem(response, 413)
            assert listed["current"] == 1
    finally:
        service.stop()
