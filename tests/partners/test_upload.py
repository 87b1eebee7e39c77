"""Parsing uploaded RDF safely (kringloop.upload): every format, every refusal."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kringloop.errors import (
    BadRequestError,
    KringloopError,
    PayloadTooLargeError,
    RdfSyntaxError,
    UnsupportedMediaTypeError,
)
from kringloop.upload import MEDIA_TYPES, ParsedUpload, UploadLimits, parse_upload

P = "https://w3id.org/kringloop/id/partner/cirkelregio-utrecht/activiteit/"
KL = "https://w3id.org/kringloop/def#"
THEMA = "https://w3id.org/kringloop/id/thema/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
GRAPH = "https://w3id.org/kringloop/id/graaf/partner-cirkelregio-utrecht"

TURTLE = f"""@prefix kl: <{KL}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix thema: <{THEMA}> .
@prefix act: <{P}> .

act:repair-cafe-netwerk a kl:Activiteit ;
    rdfs:label "Netwerk van repaircafés"@nl ;
    kl:thema thema:economie .
act:zonnepanelen-hergebruik a kl:Activiteit ;
    rdfs:label "Hergebruik van zonnepanelen"@nl ;  # a comment with ( and [
    kl:thema thema:energietransitie .
"""

_LINES = [
    f"<{P}repair-cafe-netwerk> <{RDF_TYPE}> <{KL}Activiteit>",
    f'<{P}repair-cafe-netwerk> <{RDFS_LABEL}> "Netwerk van repaircafés"@nl',
    f"<{P}repair-cafe-netwerk> <{KL}thema> <{THEMA}economie>",
    f"<{P}zonnepanelen-hergebruik> <{RDF_TYPE}> <{KL}Activiteit>",
    f'<{P}zonnepanelen-hergebruik> <{RDFS_LABEL}> "Hergebruik van zonnepanelen"@nl',
    f"<{P}zonnepanelen-hergebruik> <{KL}thema> <{THEMA}energietransitie>",
]
N_TRIPLES = "".join(f"{line} .\n" for line in _LINES)
N_QUADS = "".join(f"{line} <{GRAPH}> .\n" for line in _LINES)
TRIG = f"<{GRAPH}> {{\n{N_TRIPLES}}}\n"

JSON_LD = f"""{{
  "@context": {{
    "kl": "{KL}", "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "thema": "{THEMA}",
    "thema_van": {{"@id": "kl:thema", "@type": "@id"}}
  }},
  "@graph": [
    {{"@id": "{P}repair-cafe-netwerk", "@type": "kl:Activiteit",
      "rdfs:label": {{"@value": "Netwerk van repaircafés", "@language": "nl"}},
      "thema_van": "thema:economie"}},
    {{"@id": "{P}zonnepanelen-hergebruik", "@type": "kl:Activiteit",
      "rdfs:label": {{"@value": "Hergebruik van zonnepanelen", "@language": "nl"}},
      "thema_van": "thema:energietransitie"}}
  ]
}}"""

RDF_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#" xmlns:kl="{KL}">
  <!-- a comment that mentions <!DOCTYPE is only text -->
  <kl:Activiteit rdf:about="{P}repair-cafe-netwerk">
    <rdfs:label xml:lang="nl">Netwerk van repaircafés</rdfs:label>
    <kl:thema rdf:resource="{THEMA}economie"/>
  </kl:Activiteit>
  <kl:Activiteit rdf:about="{P}zonnepanelen-hergebruik">
    <rdfs:label xml:lang="nl">Hergebruik van zonnepanelen</rdfs:label>
    <kl:thema rdf:resource="{THEMA}energietransitie"/>
  </kl:Activiteit>
</rdf:RDF>
"""

SAMPLES = {
    "text/turtle": TURTLE,
    "application/n-triples": N_TRIPLES,
    "application/ld+json": JSON_LD,
    "application/rdf+xml": RDF_XML,
    "application/trig": TRIG,
    "application/n-quads": N_QUADS,
}
QUAD_FORMATS = {"application/trig", "application/n-quads"}


def expected_triples() -> set[ox.Triple]:
    return {quad.triple for quad in ox.parse(N_TRIPLES, format=ox.RdfFormat.N_TRIPLES)}


def test_the_sample_uses_real_themes(root: Path) -> None:
    themes = {
        quad.subject
        for quad in ox.parse(
            path=str(root / "data/vocabularies/themes.ttl"), format=ox.RdfFormat.TURTLE
        )
    }
    used = {t.object for t in expected_triples() if t.predicate == ox.NamedNode(f"{KL}thema")}
    assert used and used <= themes


@pytest.mark.parametrize("media_type", list(SAMPLES))
def test_each_format_parses_the_partner_graph(media_type: str) -> None:
    body = SAMPLES[media_type].encode()
    parsed = parse_upload(body, f"{media_type}; charset=utf-8")
    assert isinstance(parsed, ParsedUpload)
    assert parsed.media_type == media_type
    assert parsed.bytes == len(body)
    if media_type in QUAD_FORMATS:
        assert parsed.default == []
        assert list(parsed.named) == [GRAPH]
        assert set(parsed.named[GRAPH]) == expected_triples()
    else:
        assert parsed.named == {}
        assert set(parsed.default) == expected_triples()
        assert len(parsed.default) == 6


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("application/x-turtle", "text/turtle"),
        ("TEXT/Turtle ; charset=UTF-8", "text/turtle"),
        ("application/x-trig", "application/trig"),
        ("text/x-nquads", "application/n-quads"),
        ('application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"', None),
    ],
)
def test_aliases_and_parameters(alias: str, canonical: str | None) -> None:
    body = SAMPLES[canonical or "application/ld+json"].encode()
    parsed = parse_upload(body, alias)
    assert parsed.media_type == (canonical or "application/ld+json")


def test_default_and_named_graphs_are_kept_apart() -> None:
    body = f"{N_TRIPLES}\n{TRIG}".encode()
    parsed = parse_upload(body, "application/trig")
    assert set(parsed.default) == expected_triples()
    assert set(parsed.named[GRAPH]) == expected_triples()


def test_jsonld_named_graph_goes_to_named() -> None:
    body = f'{{"@id": "{GRAPH}", "@graph": [{{"@id": "{P}a", "{RDFS_LABEL}": "a"}}]}}'
    parsed = parse_upload(body.encode(), "application/ld+json")
    assert parsed.default == []
    assert [str(t.subject) for t in parsed.named[GRAPH]] == [f"<{P}a>"]


def test_blank_node_graph_name_is_refused() -> None:
    with pytest.raises(RdfSyntaxError, match="named by an IRI, not a blank node"):
        parse_upload(b'_:g { <http://x/a> <http://x/p> "x" }', "application/trig")


def test_blank_nodes_are_fresh_per_upload() -> None:
    body = b"_:b <http://x/p> _:b . <http://x/a> <http://x/p> [ <http://x/q> 1 ] ."
    first = parse_upload(body, "text/turtle").default
    second = parse_upload(body, "text/turtle").default
    assert first[0].subject == first[0].object  # the same label is one node within an upload
    assert first[0].subject.value != "b"
    blank_first = {t.subject for t in first if isinstance(t.subject, ox.BlankNode)}
    blank_second = {t.subject for t in second if isinstance(t.subject, ox.BlankNode)}
    assert len(blank_first) == len(blank_second) == 2
    assert blank_first.isdisjoint(blank_second)


def test_relative_iris_resolve_against_the_base() -> None:
    parsed = parse_upload(b"<a> <p> <#b> .", "text/turtle", base_iri=f"{GRAPH}/")
    assert str(parsed.default[0].subject) == f"<{GRAPH}/a>"
    with pytest.raises(RdfSyntaxError, match="line 1") as error:
        parse_upload(b"<a> <p> <b> .", "text/turtle")
    assert error.value.extra["line"] == 1
    with pytest.raises(BadRequestError, match="invalid base IRI"):
        parse_upload(b"<a> <p> <b> .", "text/turtle", base_iri="not an iri")


def test_bom_is_dropped() -> None:
    parsed = parse_upload(b"\xef\xbb\xbf" + TURTLE.encode(), "text/turtle")
    assert set(parsed.default) == expected_triples()
    assert parsed.bytes == len(TURTLE.encode()) + 3


# Refusals: media type, charset, size.


@pytest.mark.parametrize(
    "content_type",
    ["", "text/n3", "application/json", "text/plain", "application/xml", "image/png"],
)
def test_unknown_media_type_is_415_listing_the_supported(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaTypeError) as error:
        parse_upload(TURTLE.encode(), content_type)
    assert error.value.status == 415
    for media_type in SAMPLES:
        assert media_type in error.value.detail
    if content_type == "application/json":
        assert "application/ld+json" in error.value.detail.split(";")[0]


@pytest.mark.parametrize("charset", ["iso-8859-1", "utf-16", "us-ascii"])
def test_other_charsets_are_415(charset: str) -> None:
    with pytest.raises(UnsupportedMediaTypeError, match=f"charset '{charset}'") as error:
        parse_upload(TURTLE.encode(), f"text/turtle; charset={charset}")
    assert error.value.status == 415


def test_oversized_body_is_413() -> None:
    body = TURTLE.encode()
    with pytest.raises(PayloadTooLargeError, match=f"{len(body)} bytes; the limit is 100"):
        parse_upload(body, "text/turtle", limits=UploadLimits(max_bytes=100))
    huge = b"#" * (50 * 1024 * 1024 + 1)
    with pytest.raises(PayloadTooLargeError) as error:
        parse_upload(huge, "text/turtle")
    assert error.value.status == 413
    assert error.value.extra["limit"] == 50 * 1024 * 1024


def test_too_many_triples_is_413() -> None:
    with pytest.raises(PayloadTooLargeError, match="more than 5 triples"):
        parse_upload(
            N_TRIPLES.encode(), "application/n-triples", limits=UploadLimits(max_triples=5)
        )
    assert len(parse_upload(N_TRIPLES.encode(), "application/n-triples").default) == 6


def test_huge_literal_is_413() -> None:
    big = "é" * 600_000  # 1.2 MB in UTF-8, 600 000 characters
    body = f'<http://x/a> <http://x/p> "{big}" .'.encode()
    with pytest.raises(PayloadTooLargeError, match="literal in triple 1 is longer than 1048576"):
        parse_upload(body, "application/n-triples")
    small = UploadLimits(max_literal_bytes=10)
    with pytest.raises(PayloadTooLargeError, match="longer than 10 bytes"):
        parse_upload(
            b'<http://x/a> <http://x/p> "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9x" .',
            "text/turtle",
            limits=small,
        )
    assert parse_upload(b'<http://x/a> <http://x/p> "0123456789" .', "text/turtle", limits=small)


def test_huge_iri_is_413() -> None:
    iri = "http://x/" + "a" * 9000
    with pytest.raises(PayloadTooLargeError, match="IRI in triple 1 is longer than 8192"):
        parse_upload(f"<{iri}> <http://x/p> 1 .".encode(), "text/turtle")
    with pytest.raises(PayloadTooLargeError, match="IRI in triple 1"):
        parse_upload(f'<http://x/a> <http://x/p> "1"^^<{iri}> .'.encode(), "text/turtle")


# Refusals: encoding and syntax.


def test_invalid_utf8_names_the_byte_offset() -> None:
    body = b'<http://x/a> <http://x/p> "ok" .\n<http://x/a> <http://x/p> "\xff" .'
    for media_type in SAMPLES:
        with pytest.raises(RdfSyntaxError, match="byte 0xff at offset 60") as error:
            parse_upload(body, media_type)
        assert error.value.status == 400
        assert (error.value.extra["line"], error.value.extra["column"]) == (2, 28)


@pytest.mark.parametrize(
    ("media_type", "body", "line"),
    [
        ("text/turtle", '<http://x/a> <http://x/p> "x .\n', 1),
        ("application/n-triples", '<http://x/a> <http://x/p> "x" .\n<http://x/a> <p> 1 .', 2),
        ("application/ld+json", '{"@id": "http://x/a",\n "http://x/p": }', 2),
        ("application/trig", "<http://x/g> { <http://x/a> <http://x/p> 1 .", 1),
    ],
)
def test_syntax_errors_carry_line_and_column(media_type: str, body: str, line: int) -> None:
    with pytest.raises(RdfSyntaxError) as error:
        parse_upload(body.encode(), media_type)
    assert error.value.status == 400
    assert error.value.extra["line"] == line
    assert isinstance(error.value.extra["column"], int)


def test_rdf12_terms_are_refused() -> None:
    for body in (
        b"<http://x/a> <http://x/p> <<( <http://x/a> <http://x/p> <http://x/b> )>> .",
        b"<< <http://x/a> <http://x/p> <http://x/b> >> <http://x/p> 1 .",
    ):
        with pytest.raises(RdfSyntaxError, match="triple terms"):
            parse_upload(body, "text/turtle")
    with pytest.raises(RdfSyntaxError, match="directional"):
        parse_upload(b'<http://x/a> <http://x/p> "x"@en--ltr .', "text/turtle")


# Refusals: depth.


def nest(media_type: str, depth: int) -> bytes:
    if media_type in ("text/turtle", "application/trig"):
        trig = media_type == "application/trig"
        blanks = depth - 2 if trig else depth - 1  # the graph's braces are a level too
        inner = "[ <http://x/p> " * blanks + "( 1 )" + " ]" * blanks
        text = f"<http://x/a> <http://x/p> {inner} ."
        return (f"<http://x/g> {{ {text} }}" if trig else text).encode()
    if media_type == "application/ld+json":
        inner = '{"p": ' * (depth - 2) + "[1]" + "}" * (depth - 2)
        return (
            '{"@context": {"@vocab": "http://x/"}, "@id": "http://x/a", "p": ' + inner + "}"
        ).encode()
    if media_type == "application/rdf+xml":
        opening = (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://x/">'
        )
        pairs = (depth - 3) // 2  # rdf:RDF, the outer rdf:Description and ex:q are three
        inner = "<ex:p><rdf:Description>" * pairs + "<ex:q>1</ex:q>"
        inner += "</rdf:Description></ex:p>" * pairs
        return f'{opening}<rdf:Description rdf:about="http://x/a">{inner}</rdf:Description></rdf:RDF>'.encode()
    raise AssertionError(media_type)


@pytest.mark.parametrize(
    "media_type", ["text/turtle", "application/trig", "application/ld+json", "application/rdf+xml"]
)
def test_nesting_up_to_the_limit_parses_beyond_is_400(media_type: str) -> None:
    limits = UploadLimits(max_depth=64)
    assert parse_upload(nest(media_type, 64), media_type, limits=limits).default is not None
    with pytest.raises(RdfSyntaxError, match=r"more than 64 levels deep.*the limit is 64") as error:
        parse_upload(nest(media_type, 66), media_type, limits=limits)
    assert error.value.extra["limit"] == 64
    with pytest.raises(RdfSyntaxError, match="the limit is 64"):
        parse_upload(nest(media_type, 5000), media_type)


DEEP_TRIPLE_TERMS = """
import sys
from kringloop.upload import parse_upload
from kringloop.errors import KringloopError
n = 100_000
body = b"<http://x/a> <http://x/p> " + b"<<( <http://x/a> <http://x/p> " * n
body += b"<http://x/b>" + b" )>>" * n + b" ."
for media_type in ("application/n-triples", "application/n-quads", "text/turtle"):
    try:
        parse_upload(body, media_type)
    except KringloopError as error:
        print(type(error).__name__, error.status, error.extra.get("limit"))
"""


def test_deep_triple_terms_are_refused_before_they_crash_the_parser() -> None:
    """pyoxigraph 0.5.13 dies (SIGSEGV) on 100 000 nested triple terms; run it apart."""
    done = subprocess.run(
        [sys.executable, "-c", DEEP_TRIPLE_TERMS], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["RdfSyntaxError 400 64"] * 3


def test_brackets_in_strings_iris_and_comments_do_not_count() -> None:
    noise = '"[[[((((" , """ (( [[ "" ]]""" , \'[(\' , <http://x/((((> , ex:a\\(\\( , # [[[[[[\n'
    body = ("@prefix ex: <http://x/> .\n<http://x/a> <http://x/p> " + noise * 30 + " 1 .").encode()
    parsed = parse_upload(body, "text/turtle", limits=UploadLimits(max_depth=2))
    assert len(parsed.default) == 30 * 5 + 1


# Refusals: RDF/XML entities.


class Listener:
    """A loopback TCP listener that counts the connections it receives."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n\r\n{}")
            connection.close()

    def probe(self) -> None:
        """Connect once ourselves: proves the listener would have seen a fetch."""
        with socket.create_connection(("127.0.0.1", self.port)) as connection:
            connection.recv(100)


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
    server.socket.close()
    server.thread.join(5)
    assert not server.thread.is_alive()


XML_HEAD = '<?xml version="1.0"?>\n'
XML_BODY = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://x/">'
    '<rdf:Description rdf:about="http://x/a"><ex:p>&x;</ex:p></rdf:Description></rdf:RDF>'
)
BOMB = (
    XML_HEAD
    + "<!DOCTYPE lolz [\n"
    + ' <!ENTITY l0 "lol">\n'
    + "".join(f' <!ENTITY l{i} "{f"&l{i - 1};" * 10}">\n' for i in range(1, 10))
    + ' <!ENTITY x "&l9;">\n]>\n'
    + XML_BODY
)


def test_entity_bomb_is_refused() -> None:
    with pytest.raises(
        RdfSyntaxError, match=r"DTDs are not allowed.*'<!DOCTYPE' at line 2"
    ) as error:
        parse_upload(BOMB.encode(), "application/rdf+xml")
    assert error.value.status == 400


def test_xxe_is_refused_and_fetches_nothing(listener: Listener) -> None:
    for target in ("file:///etc/passwd", f"http://127.0.0.1:{listener.port}/x"):
        body = f'{XML_HEAD}<!DOCTYPE r [ <!ENTITY x SYSTEM "{target}"> ]>\n{XML_BODY}'
        with pytest.raises(RdfSyntaxError, match="DTDs are not allowed"):
            parse_upload(body.encode(), "application/rdf+xml")
    # An ENTITY declaration without a DOCTYPE around it, in odd case, is refused too.
    with pytest.raises(RdfSyntaxError, match="'<!ENTITY'"):
        parse_upload(f'<!ENTITY x "y">{XML_BODY}'.encode(), "application/rdf+xml")
    assert listener.connections == 0
    listener.probe()
    assert listener.connections == 1


def test_pyoxigraph_expands_internal_entities_so_the_guard_matters() -> None:
    """Regression guard: the reason DTDs are refused before the parser sees them."""
    small = XML_HEAD + '<!DOCTYPE r [ <!ENTITY a "ab"> <!ENTITY x "&a;&a;&a;"> ]>\n' + XML_BODY
    quads = list(ox.parse(small.encode(), format=ox.RdfFormat.RDF_XML))
    assert quads[0].object == ox.Literal("ababab")


# Refusals: JSON-LD contexts.

JSONLD_DOC = '{{"@context": {context}, "@id": "http://x/a", "name": "x"}}'


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ('"http://127.0.0.1:{port}/ctx"', "remote contexts are not allowed"),
        ('["http://127.0.0.1:{port}/ctx"]', "remote contexts are not allowed"),
        ('[{{"@vocab": "http://x/"}}, "http://127.0.0.1:{port}/ctx"]', "remote contexts"),
        ('{{"@import": "http://127.0.0.1:{port}/ctx"}}', "remote contexts are not allowed"),
        (
            '{{"@vocab": "http://x/", "name": {{"@id": "http://x/n", '
            '"@context": "http://127.0.0.1:{port}/ctx"}}}}',
            "remote contexts are not allowed",
        ),
        (
            '{{"@vocab": "http://x/", "name": {{"@id": "http://x/n", '
            '"@context": {{"@vocab": "http://y/"}}}}}}',
            "only at the top level",
        ),
    ],
)
def test_remote_or_scoped_jsonld_contexts_are_refused(
    listener: Listener, context: str, message: str
) -> None:
    body = JSONLD_DOC.format(context=context.format(port=listener.port))
    with pytest.raises(RdfSyntaxError, match=message) as error:
        parse_upload(body.encode(), "application/ld+json")
    assert error.value.status == 400
    assert listener.connections == 0
    listener.probe()
    assert listener.connections == 1


def test_remote_context_in_a_nested_node_or_escaped_key_is_refused(listener: Listener) -> None:
    url = f"http://127.0.0.1:{listener.port}/ctx"
    nested = f'{{"@graph": [{{"@id": "http://x/a", "http://x/p": {{"@context": "{url}"}}}}]}}'
    escaped = f'{{"\\u0040context": "{url}", "@id": "http://x/a", "http://x/p": 1}}'
    with pytest.raises(RdfSyntaxError, match="remote contexts are not allowed"):
        parse_upload(nested.encode(), "application/ld+json")
    inline = nested.replace(f'"{url}"', '{"@vocab": "http://y/"}')
    with pytest.raises(RdfSyntaxError, match="only at the top level"):
        parse_upload(inline.encode(), "application/ld+json")
    with pytest.raises(RdfSyntaxError, match="remote contexts are not allowed"):
        parse_upload(escaped.encode(), "application/ld+json")
    assert listener.connections == 0


def test_inline_contexts_at_the_top_level_are_read() -> None:
    body = (
        '[{"@context": {"@vocab": "http://x/"}, "@id": "http://x/a", "name": "a"},'
        ' {"@context": [null, {"@vocab": "http://y/"}], "@id": "http://x/b", "name": "b"}]'
    )
    parsed = parse_upload(body.encode(), "application/ld+json")
    assert sorted(str(t.predicate) for t in parsed.default) == [
        "<http://x/name>",
        "<http://y/name>",
    ]


# Anything else is a KringloopError, never a crash.


_FRAGMENTS = [
    *(sample[i : i + 7] for sample in SAMPLES.values() for i in range(0, len(sample), 7)),
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    "<<",
    ">>",
    '"',
    "'''",
    "\\",
    "@prefix",
    "_:b",
    "<!DOCTYPE",
    "<!--",
    "&x;",
    "@context",
    ":",
    ",",
    "\n",
    "\x00",
    "\ud7ff",
    "é",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    media_type=st.sampled_from(sorted(MEDIA_TYPES)),
    body=st.one_of(
        st.binary(max_size=400),
        st.lists(st.sampled_from(_FRAGMENTS), max_size=80).map(
            lambda parts: "".join(parts).encode()
        ),
    ),
)
def test_arbitrary_bytes_raise_only_kringloop_errors(media_type: str, body: bytes) -> None:
    limits = UploadLimits(max_depth=8, max_literal_bytes=64, max_iri_bytes=64)
    try:
        parsed = parse_upload(body, media_type, base_iri="http://x/", limits=limits)
    except KringloopError as error:
        assert error.status in (400, 413)
        assert error.detail
    else:
        assert parsed.bytes <= len(body)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(media_type=st.sampled_from(sorted(SAMPLES)), data=st.data())
def test_damaged_samples_raise_only_kringloop_errors(media_type: str, data: st.DataObject) -> None:
    body = bytearray(SAMPLES[media_type].encode())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body)))
        edit = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        if edit == "insert":
            body[at:at] = data.draw(st.sampled_from(_FRAGMENTS)).encode()
        elif edit == "delete":
            del body[at : at + data.draw(st.integers(1, 20))]
        else:
            body[at : at + 1] = bytes([data.draw(st.integers(0, 255))])
    limits = UploadLimits(max_depth=8, max_literal_bytes=64, max_iri_bytes=64)
    try:
        parsed = parse_upload(bytes(body), media_type, base_iri="http://x/", limits=limits)
    except KringloopError as error:
        assert error.status in (400, 413)
    else:
        assert parsed.triple_count <= 6 + 10  # the sample's six, and a few an edit can add
