# ruff: noqa: S608  (SPARQL text, not SQL)
"""The vetting of untrusted queries: what is refused, what passes, and evasions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kringloop.errors import (
    KringloopError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTooLargeError,
    ReadOnlyEndpointError,
)
from kringloop.vetting import (
    Dataset,
    VettedQuery,
    resolve_dataset,
    tokenize,
    unescape_codepoints,
    vet_dataset,
    vet_query,
)

GRAPH = "https://w3id.org/kringloop/id/graaf/"
PUBLISHED = (f"{GRAPH}ontologie", f"{GRAPH}agenda-2021-2022")
PARTNER = "https://partner.example/sparql"


def vet(query: str, *, services: tuple[str, ...] = (), depth: int = 64) -> VettedQuery:
    """As the public endpoint vets: it predeclares no prefix."""
    return vet_query(
        query,
        published_graphs=PUBLISHED,
        allowed_services=services,
        max_bytes=32 * 1024,
        max_depth=depth,
        predeclared_prefixes={},
    )


ACCEPTED = [
    ("plain", "SELECT * WHERE { ?s ?p ?o }"),
    ("keyword in prefixed name", "PREFIX ex: <http://e/> SELECT * { ?s ex:SERVICE ex:from }"),
    ("prefix named like a keyword", "PREFIX service: <http://e/> ASK { ?s service:x ?o }"),
    ("keyword as variable", "SELECT ?service ?from $load WHERE { ?service ?from $load }"),
    ("keyword in a string", 'SELECT * { ?s ?p "SERVICE <http://evil/> { }" }'),
    ("keyword in a single-quoted string", "SELECT * { ?s ?p 'LOAD <http://evil/>' }"),
    ("keyword in a long string", 'SELECT * { ?s ?p """a " SERVICE <http://e/> {} "" b""" }'),
    ("keyword in a long single string", "SELECT * { ?s ?p '''it's FROM <http://e/>''' }"),
    ("escaped quote in a string", r'SELECT * { ?s ?p "a \" SERVICE <http://e/> {} \" b" }'),
    ("keyword in a comment", "SELECT * { ?s ?p ?o } # SERVICE <http://evil/> { }"),
    ("keyword in an IRI", "SELECT * { ?s <http://e/SERVICE> ?o }"),
    ("keyword in a language tag", 'SELECT * { ?s ?p "x"@service }'),
    ("hash in an IRI", "SELECT * { ?s <http://e/#SERVICE> ?o }"),
    ("escaped hash in a local name", "PREFIX e: <http://e/> SELECT * { ?s e:a\\#b ?o } "),
    ("FROM a published graph", f"SELECT * FROM <{GRAPH}ontologie> {{ ?s ?p ?o }}"),
    (
        "FROM NAMED by prefixed name",
        f"PREFIX g: <{GRAPH}> SELECT * FROM NAMED g:agenda-2021-2022 {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ),
    ("FROM relative to BASE", f"BASE <{GRAPH}> SELECT * FROM <ontologie> {{ ?s ?p ?o }}"),
    ("SERVICE to a registered partner", f"SELECT * {{ SERVICE <{PARTNER}> {{ ?s ?p ?o }} }}"),
    ("less-than is no IRI", "SELECT * { ?s ?p ?o FILTER(?o<3&&?o>1) }"),
    ("nesting within the limit", "ASK " + "{" * 60 + "}" * 60),
    ("declared prefixes", "PREFIX ex: <http://e/> PREFIX : <http://d/> ASK { :s ex:p 1.5e3 }"),
    (
        "declared datatype prefix",
        'PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ASK { ?s ?p "1"^^xsd:integer }',
    ),
    ("extension words in strings", 'ASK { ?s ?p "DEFINE bif:length OPTION <bif:x>" }'),
    ("extension words in a comment", "ASK { ?s ?p ?o } # DEFINE sql:x bif:y"),
    ("extension word in an IRI", "ASK { ?s <http://e/bif:define> ?o }"),
    ("blank node label", "ASK { _:define <urn:p> ?o }"),
]


@pytest.mark.parametrize(
    "query", [case[1] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED]
)
def test_accepted(query: str) -> None:
    vet(query, services=(PARTNER,))


REFUSED: list[tuple[str, str, type[KringloopError], str]] = [
    (
        "SERVICE",
        "SELECT * { SERVICE <http://evil/> { ?s ?p ?o } }",
        QueryRefusedError,
        "http://evil/",
    ),
    ("lower case", "select * { service <http://evil/> { ?s ?p ?o } }", QueryRefusedError, "evil"),
    ("SERVICE SILENT", "SELECT * { SERVICE SILENT <http://evil/> {} }", QueryRefusedError, "evil"),
    ("SERVICE ?var", "SELECT * { BIND(<http://e/> AS ?x) SERVICE ?x {} }", QueryRefusedError, "?x"),
    (
        "SERVICE by prefix",
        "PREFIX e: <http://evil/> SELECT * { SERVICE e:x {} }",
        QueryRefusedError,
        "http://evil/x",
    ),
    (
        "SERVICE relative to BASE",
        "BASE <http://evil/> SELECT * { SERVICE <x> {} }",
        QueryRefusedError,
        "http://evil/x",
    ),
    (
        "unicode-escaped SERVICE",
        "SELECT * { \\u0053ERVICE <http://evil/> {} }",
        QueryRefusedError,
        "evil",
    ),
    (
        "long unicode escape",
        "SELECT * { \\U00000053ERVICE <http://evil/> {} }",
        QueryRefusedError,
        "evil",
    ),
    (
        "escaped IRI",
        "SELECT * { SERVICE <http://\\u0065vil/> {} }",
        QueryRefusedError,
        "http://evil/",
    ),
    (
        "comments between tokens",
        "SELECT * {#a\nSERVICE#b\nSILENT#c\n<http://evil/>#d\n{}}",
        QueryRefusedError,
        "evil",
    ),
    ("no whitespace", "SELECT*{SERVICE<http://evil/>{}}", QueryRefusedError, "evil"),
    (
        "SERVICE in a subquery",
        "SELECT * { { SELECT * { SERVICE <http://evil/> {} } } }",
        QueryRefusedError,
        "evil",
    ),
    (
        "SERVICE inside EXISTS",
        "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://evil/> {} } }",
        QueryRefusedError,
        "evil",
    ),
    (
        "FROM elsewhere",
        "SELECT * FROM <http://evil/g> { ?s ?p ?o }",
        QueryRefusedError,
        "http://evil/g",
    ),
    (
        "FROM a file",
        "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
        QueryRefusedError,
        "file:///etc/passwd",
    ),
    (
        "FROM NAMED elsewhere",
        "SELECT * FROM NAMED <http://evil/g> { ?s ?p ?o }",
        QueryRefusedError,
        "evil",
    ),
    (
        "FROM an unpublished own graph",
        f"SELECT * FROM <{GRAPH}systeem> {{ ?s ?p ?o }}",
        QueryRefusedError,
        "systeem",
    ),
    ("FROM undefined prefix", "SELECT * FROM x:g { ?s ?p ?o }", QueryRefusedError, "x:g"),
    (
        "FROM relative without BASE",
        "SELECT * FROM <ontologie> { ?s ?p ?o }",
        QueryRefusedError,
        "ontologie",
    ),
    ("LOAD", "LOAD <http://evil/>", ReadOnlyEndpointError, "LOAD"),
    (
        "LOAD lower case",
        "load silent <http://evil/> into graph <urn:g>",
        ReadOnlyEndpointError,
        "LOAD",
    ),
    ("INSERT", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", ReadOnlyEndpointError, "INSERT"),
    ("query then update", "ASK {} ; DROP ALL", ReadOnlyEndpointError, "DROP"),
    ("too deep braces", "ASK " + "{" * 65 + "}" * 65, QueryRefusedError, "64"),
    (
        "too deep parentheses",
        "ASK { FILTER(" + "(" * 70 + "1" + ")" * 70 + ") }",
        QueryRefusedError,
        "64",
    ),
    ("unterminated string", 'SELECT * { ?s ?p "abc }', QuerySyntaxError, "line 1"),
    # engine extensions (Virtuoso runs them; docs/engines.md)
    ("DEFINE pragma", 'DEFINE input:same-as "yes" ASK { }', QuerySyntaxError, "DEFINE"),
    ("define lower case", "define sql:log-enable 3 ASK { }", QuerySyntaxError, "define"),
    ("OPTION clause", "SELECT * { ?s ?p ?o OPTION (QUIETCAST) }", QuerySyntaxError, "OPTION"),
    ("undeclared bif:", 'ASK { FILTER(bif:length("abc") = 3) }', QuerySyntaxError, "bif:"),
    ("undeclared sql:", "SELECT (sql:proc(1) AS ?x) {}", QuerySyntaxError, "sql:"),
    ("undeclared xsd:", 'ASK { ?s ?p "1"^^xsd:integer }', QuerySyntaxError, "xsd:"),
    ("undeclared empty prefix", "ASK { :s ?p ?o }", QuerySyntaxError, ":s"),
    ("bif: as IRI", 'ASK { FILTER(<bif:length>("abc") = 3) }', QueryRefusedError, "<bif:length>"),
    ("bif: upper case", 'ASK { FILTER(<BIF:length>("a") = 1) }', QueryRefusedError, "<BIF:"),
    (
        "prefix bound to bif:",
        'PREFIX b: <bif:> ASK { FILTER(b:length("a") = 1) }',
        QueryRefusedError,
        "<bif:>",
    ),
    ("BASE sql:", "BASE <sql:> SELECT (<proc>(1) AS ?x) {}", QueryRefusedError, "<sql:>"),
    (
        "unicode-escaped bif: IRI",
        'ASK { FILTER(<\\u0062if:length>("a") = 1) }',
        QueryRefusedError,
        "built-in function",
    ),
    (
        "unicode-escaped bif: name",
        'ASK { FILTER(\\u0062if:length("a") = 1) }',
        QuerySyntaxError,
        "not declared",
    ),
]


@pytest.mark.parametrize(
    ("query", "error", "named"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_refused(query: str, error: type[KringloopError], named: str) -> None:
    with pytest.raises(error) as raised:
        vet(query)
    assert named in raised.value.detail
    assert 400 <= raised.value.status < 500


def test_refusal_names_the_position() -> None:
    with pytest.raises(QueryRefusedError) as raised:
        vet("SELECT *\nWHERE {\n  SERVICE <http://evil/> {} }")
    assert (raised.value.extra["line"], raised.value.extra["column"]) == (3, 3)


def test_size_limit_in_bytes() -> None:
    query = "ASK {} # " + "é" * 20000  # 2 bytes each in UTF-8
    with pytest.raises(QueryTooLargeError) as raised:
        vet(query)
    assert raised.value.status == 413


def test_predeclared_prefixes_count_as_declared() -> None:
    """``kringloop query`` predeclares the project's prefixes; ``None`` leaves it to the engine."""
    query = "ASK { ?s a kl:Activiteit }"
    with pytest.raises(QuerySyntaxError):
        vet(query)
    common = {"published_graphs": PUBLISHED, "max_bytes": 1024, "max_depth": 8}
    vet_query(query, predeclared_prefixes={"kl": "https://w3id.org/kringloop/def#"}, **common)
    vet_query(query, predeclared_prefixes=None, **common)
    with pytest.raises(QueryRefusedError) as raised:
        vet_query("ASK { SERVICE e:x {} }", predeclared_prefixes={"e": "http://evil/"}, **common)
    assert "<http://evil/x>" in raised.value.detail
    with pytest.raises(QuerySyntaxError):  # extensions stay refused without a prefix check
        vet_query("DEFINE a:b 1 ASK {}", predeclared_prefixes=None, **common)


def test_what_vetting_learns() -> None:
    vetted = vet(
        f"PREFIX g: <{GRAPH}> CONSTRUCT {{ ?s ?p ?o }} FROM g:ontologie WHERE {{ {{ ?s ?p ?o }} }}"
    )
    assert vetted == VettedQuery("CONSTRUCT", (f"{GRAPH}ontologie",), (), 2)
    assert vet("ASK { { SELECT * {} } }").form == "ASK"
    assert vet("# comment\nDESCRIBE <urn:x>").form == "DESCRIBE"


def test_dataset_parameters_only_name_published_graphs() -> None:
    vet_dataset(PUBLISHED, PUBLISHED[:1], PUBLISHED)
    with pytest.raises(QueryRefusedError, match=r"http://127\.0\.0\.1:9/"):
        vet_dataset(["http://127.0.0.1:9/"], [], PUBLISHED)
    with pytest.raises(QueryRefusedError, match="named-graph-uri"):
        vet_dataset([], [f"{GRAPH}systeem"], PUBLISHED)


def test_resolve_dataset_precedence() -> None:
    plain = vet("SELECT * { ?s ?p ?o }")
    assert resolve_dataset(plain, (), (), PUBLISHED) == Dataset(PUBLISHED, PUBLISHED)
    with_from = vet(f"SELECT * FROM <{PUBLISHED[0]}> {{ ?s ?p ?o }}")
    assert resolve_dataset(with_from, (), (), PUBLISHED) == Dataset(PUBLISHED[:1], ())
    # the protocol's parameters beat FROM
    assert resolve_dataset(with_from, (), PUBLISHED[1:], PUBLISHED) == Dataset((), PUBLISHED[1:])


def test_unescape_codepoints() -> None:
    assert unescape_codepoints("\\u0053ERVICE \\U0001F600") == "SERVICE \U0001f600"


def test_tokenizer_skips_literals_and_finds_keywords() -> None:
    with pytest.raises(QuerySyntaxError) as syntax:
        vet("PREFIX ex: <http://e/>\nASK {\n  ?s ex:p bif:x }")
    assert (syntax.value.extra["line"], syntax.value.extra["column"]) == (3, 11)
    assert syntax.value.extra["reason"] == "prefix"
    with pytest.raises(QuerySyntaxError) as pragma:
        vet("# a comment\n  DEFINE input:inference 'x' ASK {}")
    assert (pragma.value.extra["line"], pragma.value.extra["column"]) == (2, 3)
    assert pragma.value.extra["reason"] == "extension"

    tokens = [t for t in tokenize('SELECT ?x { ?x <a:b> "y"@en . } # SERVICE') if t.kind != "ws"]
    assert [t.kind for t in tokens] == [
        "word", "var", "open", "var", "iri", "string", "lang", "other", "close", "comment",
    ]  # fmt: skip


_SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=300, deadline=None)
@given(_SAFE_TEXT)
def test_anything_inside_a_long_string_or_comment_is_inert(text: str) -> None:
    inner = text.replace("\\", "").replace('"', "").replace("\n", " ").replace("\r", " ")
    vet(f'SELECT * {{ ?s ?p """{inner}""" }}')
    vet(f"SELECT * {{ ?s ?p ?o }} # {inner}")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes_the_vetting(text: str) -> None:
    try:
        vet(text)
    except KringloopError as error:
        assert 400 <= error.status < 500


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["SERVICE", "service", "SeRvIcE", "\\u0053ERVICE", "\\u0073ervice"]),
    st.sampled_from([" ", "\n", "\t", "#c\n", " #x\n "]),
    st.sampled_from(["", "SILENT ", "silent#y\n"]),
)
def test_service_is_found_however_it_is_written(keyword: str, gap: str, silent: str) -> None:
    with pytest.raises(QueryRefusedError):
        vet(f"SELECT * {{{gap}{keyword}{gap}{silent}<http://evil/>{gap}{{ ?s ?p ?o }} }}")
