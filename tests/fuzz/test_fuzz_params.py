"""Fuzzing the curated views' parameter binding (kringloop.viewparams, kringloop.viewrun).

For every view of ``queries/`` with parameters (and one made-up view with a parameter of
each type, since the real ones use only ``iri`` and ``string``), arbitrary request values
(text, IRI-like text, prefixed names, numbers, dates, the declared choices, attacks on
the quoting, repeated values) go through :func:`kringloop.viewrun.read_arguments` and
:func:`kringloop.viewrun.bound_query`, as a request to ``/views/<name>.json`` does. Either
the documented 400 (:class:`BadRequestError` naming the parameter) is raised, or the
bound query

(a) parses in Oxigraph;
(b) has exactly the structure of the view's query bound to benign values: rdflib parses
    both into SPARQL algebra, which is equal once the bound values are set aside, and
    the values it read are exactly the request's terms (no injection);
(c) runs without error on pyoxigraph over the bundled graphs (in memory, the union of
    the named graphs as the default graph, as the service's dataset).

Budget: ``tests/fuzz/fuzzkit.py`` (CI: a few seconds; ``KRINGLOOP_FUZZ=long``: minutes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.plugins.sparql import parser as sparql_grammar
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from kringloop.errors import BadRequestError
from kringloop.localstore import load_bundled_store
from kringloop.viewparams import MAX_VALUE_LENGTH, Term, to_term
from kringloop.viewrun import bound_query, read_arguments
from kringloop.views import View, load_views, parse_view
from tests.fuzz import fuzzkit
from tests.fuzz.sparqlgen import spec_reading

#: A view with one parameter of every type, over the real data.
TYPED_VIEW = """#+ title: Alle soorten parameters
#+ params:
#+   n: {type: integer}
#+   b: {type: boolean}
#+   d: {type: date}
#+   i: {type: iri}
#+   s: {type: string, in: [a, "b c", "d\\"e"]}
PREFIX kl: <https://w3id.org/kringloop/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?activiteit ?label ?n ?b ?d ?i ?s WHERE {
  ?activiteit a kl:Activiteit ; rdfs:label ?label .
  FILTER(!BOUND(?i) || ?activiteit = ?i)
  FILTER(!BOUND(?s) || CONTAINS(STR(?label), ?s))
  FILTER(!BOUND(?n) || ?n > 0 || !?b || YEAR(?d) > 2000)
}
ORDER BY ?label
"""
#: A value of each type that binds harmlessly: what the template is compared to.
BENIGN = {
    "iri": "https://w3id.org/kringloop/id/fuzz",
    "string": "fuzz",
    "integer": "7",
    "boolean": "false",
    "date": "2022-01-01",
}


@cache
def views_with_params() -> tuple[View, ...]:
    views = tuple(view for view in load_views() if view.params)
    assert len(views) >= 5, "queries/ has views with parameters"
    return (*views, parse_view("alle-soorten", TYPED_VIEW))


@cache
def bundled_store() -> ox.Store:
    return load_bundled_store()


# -- what a request may send -------------------------------------------------------------------

_ATTACKS = (
    '" } UNION { ?s ?p ?o } #',
    "> } ; DROP ALL ; <x:",
    "https://x.org/a> } UNION { ?s ?p ?o",
    "https://x.org/a>\n} SERVICE <http://127.0.0.1/> { ?s ?p ?o",
    'x" . ?s ?p ?o . FILTER("',
    "\\u0022 } INSERT DATA { <a:b> <a:c> <a:d> } #",
    "\\\\u0022",
    "kl:Thema",
    "id:thema/economie",
    "kl:Thema> } #",
    "urn:x:y",
    "file:///etc/passwd",
    "http://[::1]/",
    "1 UNION",
    "0x10",
    "+007",
    "-0",
    "99999999999999999999",
    "2021-02-30",
    "2024-02-29",
    " true ",
    "TRUE",
    "",
    " ",
    "x" * (MAX_VALUE_LENGTH + 1),
)


#: Characters an IRI may hold (RFC 3987 and more: Oxigraph decides), no quoting ones.
_IRI_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc", "Zs"), exclude_characters='<>"{}|^`\\'
)


@st.composite
def iri_like(draw: st.DrawFn) -> str:
    """Mostly absolute IRIs with odd characters; sometimes prefixed names or broken ones."""
    scheme = draw(
        st.sampled_from(
            ["https://w3id.org/kringloop/id/", "http://", "urn:x:", "kl:", "id:thema/", "", "1:"]
        )
    )
    body = draw(st.one_of(st.text(_IRI_CHARS, max_size=40), st.text(max_size=10)))
    return draw(st.sampled_from(["", " "])) + scheme + body


_VALUE = st.one_of(
    st.text(max_size=80),
    iri_like(),
    st.sampled_from(_ATTACKS),
    st.integers().map(str),
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["true", "false", "1", "0"]),
)


@st.composite
def request_arguments(draw: st.DrawFn, view: View) -> dict[str, list[str]]:
    """Arbitrary values for one of ``view``'s parameters, plain ones (or none) for the rest.

    Sometimes a value comes twice (a 400).
    """
    fuzzed = draw(st.sampled_from(view.params))
    arguments: dict[str, list[str]] = {}
    for param in view.params:
        plain = [choice.value for choice in param.choices] or [BENIGN[param.type]]
        if param is not fuzzed:
            arguments[param.name] = draw(st.sampled_from([[], [plain[0]], [plain[-1]]]))
            continue
        if param.choices:
            value = st.one_of(st.sampled_from(plain), _VALUE)
        elif param.type == "iri":
            value = st.one_of(iri_like(), iri_like(), _VALUE)
        else:
            value = _VALUE
        count = draw(st.sampled_from([1, 1, 1, 1, 1, 2]))
        arguments[param.name] = [draw(value) for _ in range(count)]
    return arguments


# -- the checks ---------------------------------------------------------------------------------


def rdflib_term(term: Term) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def algebra(text: str) -> CompValue | None:
    """rdflib's algebra of ``text`` as written, else of its \\u-unescaped reading."""
    for reading in (text, spec_reading(text)):
        try:
            parsed: CompValue = translateQuery(
                sparql_grammar.Query.parse_string(reading, parse_all=True)
            ).algebra
        except Exception:  # noqa: S112 - rdflib's parser raises many kinds; try the other
            continue
        return parsed
    return None


def shape(node: Any, values: list[dict[str, Node]]) -> Any:
    """``node`` as plain nested data, with the rows of every VALUES block moved to ``values``."""
    if isinstance(node, CompValue):
        if node.name == "values":
            values.extend({str(var): term for var, term in row.items()} for row in node["res"])
            return ("values", tuple(sorted(str(var) for row in node["res"] for var in row)))
        return (node.name, tuple((key, shape(value, values)) for key, value in node.items()))
    if isinstance(node, dict):
        return tuple(sorted((str(key), shape(value, values)) for key, value in node.items()))
    if isinstance(node, (list, tuple)):
        return tuple(shape(item, values) for item in node)
    if isinstance(node, (set, frozenset)):
        return tuple(sorted(str(item) for item in node))
    return node


@cache
def shape_of(text: str) -> tuple[Any, list[dict[str, Node]]]:
    """The algebra of ``text`` (a view bound to benign values) and its VALUES rows."""
    parsed = algebra(text)
    assert parsed is not None, f"rdflib cannot parse a view bound to benign values:\n{text}"
    rows: list[dict[str, Node]] = []
    return shape(parsed, rows), rows


Binder = Callable[[View, Mapping[str, Term]], str]


def check_bound(view: View, values: Mapping[str, Term], bind: Binder = bound_query) -> str:
    """(a), (b) and (c) for one bound query; the outcome to count."""
    text = bind(view, values)
    store = bundled_store()
    try:  # (a) and (c): Oxigraph parses and runs it over the bundled graphs
        results = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as error:
        raise AssertionError(f"view {view.name}: the bound query does not parse: {error}") from None
    answered = len(list(results)) if not isinstance(results, ox.QueryBoolean) else 1
    if not values:
        return "defaults only"
    parsed = algebra(text)  # (b)
    if parsed is None:  # rdflib has no reading (its \u handling); Oxigraph's was checked
        return "bound, rdflib cannot read it"
    rows: list[dict[str, Node]] = []
    bound_shape = shape(parsed, rows)
    types = {param.name: param.type for param in view.params}
    benign = {name: to_term(types[name], BENIGN[types[name]]) for name in values}
    expected_shape, benign_rows = shape_of(bind(view, benign))
    assert bound_shape == expected_shape, f"view {view.name}: the structure changed:\n{text}"
    assert len(rows) == len(benign_rows)
    top = {name: rdflib_term(term) for name, term in values.items()}
    expected_rows = [top if set(row) == set(top) else row for row in benign_rows]
    if text == spec_reading(text):  # rdflib read the values as Oxigraph does
        assert rows == expected_rows, f"view {view.name}: the values changed:\n{text}"
    return f"bound, {'rows' if answered else 'no rows'}"


@given(st.data())
def _binding(data: st.DataObject) -> None:
    view = data.draw(st.sampled_from(views_with_params()), label="view")
    arguments = data.draw(request_arguments(view), label="arguments")
    try:
        values = read_arguments(view, arguments)
    except BadRequestError as error:
        assert error.status == 400
        assert error.extra["parameter"] in {param.name for param in view.params}
        assert error.extra["parameter"] in error.detail
        fuzzkit.count("params: binding", "400")
        return
    fuzzkit.count("params: binding", check_bound(view, values))


def test_binding_is_a_400_or_the_same_query_with_terms() -> None:
    fuzzkit.run_rounds(fuzzkit.fuzz_settings(50, 200)(_binding))


@pytest.mark.parametrize("raw", ['" } UNION { ?s ?p ?o } #', "x\u0000\n\\u0022y", "ﬁ\u2028"])
def test_the_structure_check_sees_a_bound_string_as_one_term(raw: str) -> None:
    view = next(view for view in views_with_params() if view.name == "activiteiten-zoeken")
    values = read_arguments(view, {"tekst": [raw]})
    assert check_bound(view, values).startswith("bound")


def test_the_structure_check_fails_on_pasted_text() -> None:
    """The harness can fail: a value pasted into the text (grlc's way) changes the algebra."""
    view = next(view for view in views_with_params() if view.name == "activiteiten-zoeken")

    def paste(view: View, values: Mapping[str, Term]) -> str:
        pasted = " ".join(f'"{term.value}"' for term in values.values())
        return view.text.replace("WHERE {", f"WHERE {{ VALUES ?tekst {{ {pasted} }}", 1)

    values = read_arguments(view, {"tekst": ['water" "zon']})
    assert check_bound(view, read_arguments(view, {"tekst": ["water"]}), paste) == "bound, rows"
    with pytest.raises(AssertionError, match="structure changed"):
        check_bound(view, values, paste)
