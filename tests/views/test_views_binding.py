"""Binding parameter values: terms in a VALUES block, never text in the query.

The property tests run the bound query in Oxigraph (an in-memory store of the same
engine the service runs): whatever the value, it arrives as exactly that value and
the query keeps its shape.
"""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kringloop.viewparams import Param, bind_values, parse_value, to_term, where_group_start
from kringloop.views import View, load_views

ECHO = "SELECT ?echo WHERE { BIND(?q AS ?echo) }"
#: Texts aimed at breaking out of a string literal, an IRI or the group.
ATTACKS = [
    '" } UNION { ?s ?p ?o } #',
    "' } ; DROP ALL ; #",
    '"""\n} SELECT * WHERE { ?s ?p ?o',
    '\\" ) } ',
    "> } <https://example.org/x",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
    "\u0000\u2028\ud7ff",
    "",
]


def echo(text: str) -> list[str]:
    query = bind_values(ECHO, {"q": to_term("string", text)})
    results = ox.Store().query(query)
    assert isinstance(results, ox.QuerySolutions)
    values = []
    for solution in results:
        term = solution["echo"]
        assert isinstance(term, ox.Literal)
        values.append(term.value)
    return values


@pytest.mark.parametrize("text", ATTACKS)
def test_attacks_arrive_as_plain_values(text: str) -> None:
    assert echo(text) == [text]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_arrives_as_exactly_that_value(text: str) -> None:
    assert echo(text) == [text]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_keeps_every_real_view_parseable(text: str) -> None:
    store = ox.Store()
    for view in _string_views():
        values = {param.name: to_term("string", text) for param in view.params}
        store.query(bind_values(view.text, values))  # raises SyntaxError if the shape broke


@cache
def _string_views() -> list[View]:
    views = load_views()
    found = [view for view in views if view.params and all(p.type == "string" for p in view.params)]
    assert found, "queries/ has a view with only free-text parameters"
    return found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE {"),
        ("SELECT * { ?s ?p ?o }", "SELECT * {"),
        ("PREFIX a: <https://x.org/a#{>\nSELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE {"),
        ('SELECT ("{" AS ?x) WHERE { ?s ?p ?o }', 'SELECT ("{" AS ?x) WHERE {'),
        ("# WHERE { in a comment\nSELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE {"),
        ("SELECT ?where WHERE { ?s ?p ?where }", "SELECT ?where WHERE {"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE {"),
        ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }", "SELECT * WHERE {"),
        ("SELECT * WHERE { FILTER(1 < 2) }", "SELECT * WHERE {"),
    ],
)
def test_values_go_to_the_top_of_the_where_group(query: str, expected: str) -> None:
    assert query[: where_group_start(query)].endswith(expected)


def test_bound_query_has_one_values_block() -> None:
    query = "SELECT ?a WHERE { ?a ?p ?thema }"
    thema = to_term("iri", "https://w3id.org/kringloop/id/thema/economie")
    bound = bind_values(query, {"thema": thema})
    assert bound.startswith("SELECT ?a WHERE {\n  VALUES (?thema) { (<https://w3id.org/")
    assert bound.endswith("?a ?p ?thema }")
    assert bind_values(query, {}) == query


INTEGER = Param("n", "integer")
BOOLEAN = Param("b", "boolean")
DAY = Param("d", "date")
IRI = Param("i", "iri")
CHOICE = Param("c", "string", choices=(ox.Literal("a"), ox.Literal("b")))


@pytest.mark.parametrize(
    ("param", "raw", "expected"),
    [
        (INTEGER, " 42 ", '"42"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        (INTEGER, "-7", '"-7"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        (BOOLEAN, "true", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
        (DAY, "2021-12-31", '"2021-12-31"^^<http://www.w3.org/2001/XMLSchema#date>'),
        (IRI, "kl:Thema", "<https://w3id.org/kringloop/def#Thema>"),
        (IRI, "id:thema/economie", "<https://w3id.org/kringloop/id/thema/economie>"),
        (IRI, "urn:isbn:123", "<urn:isbn:123>"),
        (CHOICE, "b", '"b"'),
    ],
)
def test_values_become_terms_of_their_type(param: Param, raw: str, expected: str) -> None:
    assert str(parse_value(param, raw)) == expected


@pytest.mark.parametrize(
    ("param", "raw", "reason"),
    [
        (INTEGER, "4.2", "not a whole number"),
        (INTEGER, "1 UNION", "not a whole number"),
        (BOOLEAN, "ja", "use true or false"),
        (DAY, "2021-02-30", "YYYY-MM-DD"),
        (DAY, "1 jan", "YYYY-MM-DD"),
        (IRI, "thema/economie", "must be absolute"),
        (IRI, "https://x.org/a> } UNION { ?s ?p ?o", "not a valid IRI"),
        (IRI, 'https://x.org/"', "not a valid IRI"),
        (CHOICE, "c", "one of: a, b"),
        (CHOICE, "x" * 3000, "longer than"),
    ],
)
def test_bad_values_say_why(param: Param, raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_value(param, raw)
