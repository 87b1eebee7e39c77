"""Fuzzing the vetting of untrusted queries (kringloop.vetting, kringloop.vetting_targets).

Properties, on arbitrary text and bytes, on token soup and on grammar-built SPARQL
(``sparqlgen``):

- the vetting raises nothing but its documented errors, each a 4xx;
- what it accepts and the engine (pyoxigraph, the parser of the Oxigraph server the
  service runs) parses is checked again by an independent parser, rdflib's, on both
  readings of the text (as written, and with SPARQL's ``\\u`` escapes applied first):
  no ``SERVICE`` but to a registered partner endpoint (never to a variable), no
  ``FROM``/``FROM NAMED`` but a published graph, no update operation; and the graphs
  the vetting reports are the ones the parser finds.

Budget: ``tests/fuzz/fuzzkit.py`` (CI: a few seconds; ``KRINGLOOP_FUZZ=long``: minutes).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import URIRef
from rdflib.plugins.sparql import parser as sparql_grammar
from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parserutils import CompValue

from kringloop.errors import (
    KringloopError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTooLargeError,
    ReadOnlyEndpointError,
)
from kringloop.vetting import VettedQuery, vet_query
from tests.fuzz import fuzzkit, sparqlgen
from tests.fuzz.sparqlgen import PARTNER_ENDPOINTS, PUBLISHED, TARGETS, spec_reading

#: What ``vet_query`` documents it raises (kringloop.errors); nothing else may escape.
DOCUMENTED = (QuerySyntaxError, QueryRefusedError, QueryTooLargeError, ReadOnlyEndpointError)
MAX_BYTES = 32 * 1024
MAX_DEPTH = 64


def vet(text: str) -> VettedQuery:
    """As the public endpoint vets: it predeclares no prefix."""
    return vet_query(
        text,
        published_graphs=PUBLISHED,
        allowed_services=PARTNER_ENDPOINTS,
        max_bytes=MAX_BYTES,
        max_depth=MAX_DEPTH,
        predeclared_prefixes={},
    )


def vet_and_check(harness: str, text: str) -> None:
    """Vet ``text``; a refusal must be documented, an acceptance must hold up."""
    try:
        vetted = vet(text)
    except DOCUMENTED as error:
        assert 400 <= error.status < 500, error
        fuzzkit.count(harness, f"refused {error.extra.get('reason', type(error).__name__)}")
        return
    fuzzkit.count(harness, check_accepted(text, vetted))


# -- the independent check of an accepted query ------------------------------------------


def engine_parses(text: str) -> bool:
    """Whether Oxigraph's parser takes ``text`` as a query (an empty in-memory store).

    SELECT, CONSTRUCT and DESCRIBE are lazy; an ASK runs at once, but only against the
    empty store and the partner endpoints (``.example``, which never resolves).
    """
    try:
        ox.Store().query(text)
    except SyntaxError:
        return False
    except OSError:  # an ASK's SERVICE to a partner endpoint could not be reached
        return True
    return True


def readings(text: str) -> Iterator[tuple[str, str]]:
    yield "as written", text
    unescaped = spec_reading(text)
    if unescaped != text:
        yield "unescaped", unescaped


def check_accepted(text: str, vetted: VettedQuery) -> str:
    """Parse an accepted query independently; fail if it does what vetting refuses.

    Both readings are checked whether or not Oxigraph parses the text: an engine that
    applies ``\\u`` escapes to the whole text (as SPARQL says) reads the second one.
    Returns the outcome to count.
    """
    parsed = 0
    services = False
    for name, reading in readings(text):
        assert not _is_update(reading), f"the vetting accepted an update ({name}):\n{text}"
        try:
            query = translateQuery(sparql_grammar.Query.parse_string(reading, parse_all=True))
        except Exception:  # noqa: S112 - rdflib's parser raises many kinds; all mean "no"
            continue
        parsed += 1
        for term in _services(query.algebra):
            services = True
            assert isinstance(term, URIRef), f"SERVICE {term!r} accepted ({name}):\n{text}"
            assert str(term) in PARTNER_ENDPOINTS, f"SERVICE <{term}> accepted ({name}):\n{text}"
        default, named = _dataset(query.algebra)
        for iri in (*default, *named):
            assert iri in PUBLISHED, f"FROM <{iri}> accepted ({name}):\n{text}"
        if text == spec_reading(text):  # no escapes: the vetting read the same clauses
            assert (tuple(default), tuple(named)) == (
                vetted.from_graphs,
                vetted.from_named_graphs,
            ), f"the vetting misread the dataset clauses of:\n{text}"
    engine = "engine parses" if engine_parses(text) else "engine rejects"
    verified = ("verified with SERVICE" if services else "verified") if parsed else "rdflib cannot"
    return f"accepted, {engine}, {verified}"


def _services(algebra: CompValue) -> list[object]:
    """The target of every SERVICE in ``algebra``."""
    found: list[object] = []

    def visit(node: object) -> None:
        if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
            found.append(node.term)

    traverse(algebra, visit)
    return found


def _dataset(algebra: CompValue) -> tuple[list[str], list[str]]:
    default: list[str] = []
    named: list[str] = []
    for clause in algebra.get("datasetClause") or ():
        if "default" in clause:
            default.append(str(clause["default"]))
        else:
            named.append(str(clause["named"]))
    return default, named


def _is_update(reading: str) -> bool:
    """Whether ``reading`` is a SPARQL Update with at least one operation."""
    try:
        parsed = sparql_grammar.UpdateUnit.parse_string(reading, parse_all=True)[0]
    except Exception:  # rdflib's parser raises many kinds; all mean not an update
        return False
    operations = parsed.get("request") or ()
    return any(isinstance(operation, CompValue) for operation in operations)


# -- the harnesses -----------------------------------------------------------------------------

#: Pieces of SPARQL, shuffled into token soup: most sequences are nonsense, some are queries.
_SOUP = st.one_of(
    st.sampled_from(
        [
            "SELECT",
            "ASK",
            "CONSTRUCT",
            "DESCRIBE",
            "WHERE",
            "*",
            "?s",
            "?p",
            "?o",
            "$x",
            ".",
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            "SERVICE",
            "service",
            "SILENT",
            "FROM",
            "NAMED",
            "LOAD",
            "INSERT",
            "DATA",
            "GRAPH",
            "OPTIONAL",
            "UNION",
            "MINUS",
            "FILTER",
            "EXISTS",
            "NOT",
            "BIND",
            "AS",
            "VALUES",
            "PREFIX",
            "BASE",
            "p:",
            "p:x",
            ":",
            "a",
            ";",
            ",",
            "|",
            "/",
            "^",
            "!",
            "+",
            "?",
            "#",
            "\n",
            " ",
            '"',
            "'",
            '"""',
            "'''",
            "\\",
            "\\u0053ERVICE",
            "\\u0022",
            "\\u003E",
            "\\u003C",
            "<",
            ">",
            "_:b",
            "@en",
            "1",
            "1.5e3",
            "DEFINE",
            "<bif:x>",
            "sql:x",
            "WITH",
            "DELETE",
            "CLEAR",
            "DROP",
            "ALL",
            "LIMIT",
            "SELECT *",
        ]
    ),
    st.sampled_from(TARGETS).map(lambda iri: f"<{iri}>"),
    st.text(max_size=4),
)


@given(st.text(max_size=600))
def _arbitrary_text(text: str) -> None:
    vet_and_check("vetting: arbitrary text", text)


def test_arbitrary_text_raises_only_documented_errors() -> None:
    fuzzkit.run_rounds(fuzzkit.fuzz_settings(150)(_arbitrary_text), share=4)


@given(st.binary(max_size=600), st.sampled_from(["direct", "form"]))
def _arbitrary_bytes(body: bytes, path: str) -> None:
    # As the web layer reads a body: a direct POST strictly (else 400), a form leniently.
    if path == "direct":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            fuzzkit.count("vetting: arbitrary bytes", "not UTF-8 (400 before vetting)")
            return
    else:
        text = body.decode("utf-8", errors="replace")
    vet_and_check("vetting: arbitrary bytes", text)


def test_arbitrary_bytes_raise_only_documented_errors() -> None:
    fuzzkit.run_rounds(fuzzkit.fuzz_settings(150)(_arbitrary_bytes), share=4)


@given(st.lists(_SOUP, max_size=40).map(" ".join))
def _token_soup(text: str) -> None:
    vet_and_check("vetting: token soup", text)


def test_token_soup_never_slips_through() -> None:
    fuzzkit.run_rounds(fuzzkit.fuzz_settings(150)(_token_soup), share=4)


@given(sparqlgen.sparql())
def _generated(text: str) -> None:
    vet_and_check("vetting: generated SPARQL", text)
    if "\\u" in text or "\\U" in text:
        return  # Oxigraph reads escapes only inside strings and IRIs; the vetting refuses more
    try:
        vet(text)
    except DOCUMENTED:
        return
    assert engine_parses(text), f"the vetting accepted what the engine cannot parse:\n{text}"


def test_generated_sparql_never_slips_through() -> None:
    fuzzkit.run_rounds(fuzzkit.fuzz_settings(80, 500)(_generated), share=4)


ESCAPES = [
    ("SERVICE to loopback", "SELECT * { SERVICE <http://127.0.0.1:7878/query> { ?s ?p ?o } }"),
    ("SERVICE to a variable", "SELECT * { BIND(<urn:x> AS ?x) SERVICE ?x { ?s ?p ?o } }"),
    ("SERVICE in the spec reading", "SELECT * { SERVICE <http://\\u0031\\u0032\\u0037.1/> {} }"),
    ("FROM a file", "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }"),
    ("FROM NAMED elsewhere", "ASK FROM NAMED <http://169.254.169.254/> { }"),
    ("an update", "LOAD <http://127.0.0.1/> INTO GRAPH <urn:g>"),
]


@pytest.mark.parametrize("text", [case[1] for case in ESCAPES], ids=[case[0] for case in ESCAPES])
def test_the_check_of_accepted_queries_can_fail(text: str) -> None:
    """Fed what the vetting refuses (as if it had accepted it), the independent check fails."""
    with pytest.raises(AssertionError, match="accepted"):
        check_accepted(text, VettedQuery("SELECT", (), (), 1))


def test_oversized_text_is_the_documented_413() -> None:
    text = "ASK {} #" + "x" * MAX_BYTES
    try:
        vet(text)
    except KringloopError as error:
        assert isinstance(error, QueryTooLargeError)
        assert error.status == 413
    else:
        raise AssertionError("an oversized query was accepted")
