"""Running a curated view: read its arguments, bind them, ask the public endpoint.

Every view runs through :class:`~kringloop.endpoint.PublicEndpoint`, exactly like a
query sent to ``/sparql``: the same vetting, the same deadline, the same result cap and
the same dataset (the published graphs). There is no second path to the engine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kringloop.endpoint import PublicEndpoint, QueryAnswer, QueryRequest
from kringloop.errors import BadRequestError, EngineError
from kringloop.viewchecks import CheckResult, Row, evaluate
from kringloop.viewparams import Param, Term, bind_values, parse_value, to_term
from kringloop.views import View


@dataclass(frozen=True)
class Table:
    """A view's answer as a table: its columns and rows (SPARQL JSON bindings)."""

    variables: tuple[str, ...]
    rows: list[Row]
    truncated: bool


def read_arguments(view: View, arguments: Mapping[str, Sequence[str]]) -> dict[str, Term]:
    """The view's parameter values from a request (name -> given values), as RDF terms.

    An empty value counts as not given; then the default applies. A missing required
    value, a repeated one or one of the wrong type raises :class:`BadRequestError`
    naming the parameter.
    """
    values: dict[str, Term] = {}
    for param in view.params:
        given = [value for value in arguments.get(param.name, ()) if value != ""]
        if len(given) > 1:
            raise BadRequestError(
                f"parameter {param.name}: give one value, not {len(given)}", parameter=param.name
            )
        if given:
            try:
                values[param.name] = parse_value(param, given[0])
            except ValueError as error:
                raise BadRequestError(
                    f"parameter {param.name}: {error}", parameter=param.name
                ) from None
        elif param.default is not None:
            values[param.name] = param.default
        elif param.required:
            raise BadRequestError(
                f"parameter {param.name} is required: {_hint(param)}", parameter=param.name
            )
    return values


def missing_required(view: View, arguments: Mapping[str, Sequence[str]]) -> list[str]:
    """The required parameters without a value or default in ``arguments``."""
    return [
        param.name
        for param in view.params
        if param.required
        and param.default is None
        and not any(value != "" for value in arguments.get(param.name, ()))
    ]


def bound_query(view: View, values: Mapping[str, Term]) -> str:
    return bind_values(view.text, values)


def run_table(endpoint: PublicEndpoint, view: View, values: Mapping[str, Term]) -> Table:
    """A SELECT view's answer (CONSTRUCT: its triples as rows of s, p, o)."""
    if view.form == "CONSTRUCT":
        answer = run_graph(endpoint, view, values, "nt")
        triples = ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)
        rows: list[Row] = [
            {"s": _binding(quad.subject), "p": _binding(quad.predicate), "o": _binding(quad.object)}
            for quad in triples
        ]
        return Table(("s", "p", "o"), rows, answer.truncated)
    answer = endpoint.answer(QueryRequest(query=bound_query(view, values), format_params=("json",)))
    try:
        document: dict[str, Any] = json.loads(answer.body)
        variables = tuple(str(name) for name in document["head"]["vars"])
        bindings: list[Row] = document["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        raise EngineError("the engine's answer to a view is not SPARQL JSON results") from None
    return Table(variables, bindings, answer.truncated)


def run_graph(
    endpoint: PublicEndpoint, view: View, values: Mapping[str, Term], format_name: str
) -> QueryAnswer:
    """A CONSTRUCT view's answer in an RDF format (``ttl``, ``jsonld``, ``nt``)."""
    return endpoint.answer(
        QueryRequest(query=bound_query(view, values), format_params=(format_name,))
    )


def run_checks(endpoint: PublicEndpoint, view: View) -> list[CheckResult]:
    """Every check of ``view`` on the data the endpoint serves."""
    results = []
    for check in view.checks:
        values = read_arguments(view, {name: [value] for name, value in check.params.items()})
        table = run_table(endpoint, view, values)
        results.append(evaluate(check, table.rows))
    return results


def choices(endpoint: PublicEndpoint, param: Param, language: str) -> list[tuple[str, str]]:
    """The values a form offers for ``param``: (value, label) pairs.

    From its ``in`` list, or all instances of its class in the data with their labels
    (in ``language``, else Dutch, else any), ordered by label.
    """
    if param.choices:
        return [(choice.value, choice.value) for choice in param.choices]
    if param.class_iri is None:
        return []
    wanted = str(ox.Literal(language))
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?value (COALESCE(SAMPLE(?wanted), SAMPLE(?dutch), SAMPLE(?any)) AS ?label)\n"
        "WHERE {\n"
        f"  ?value a {to_term('iri', param.class_iri)} .\n"
        "  OPTIONAL { ?value skos:prefLabel|rdfs:label ?wanted "
        f"FILTER(LANGMATCHES(LANG(?wanted), {wanted})) }}\n"
        "  OPTIONAL { ?value skos:prefLabel|rdfs:label ?dutch "
        'FILTER(LANGMATCHES(LANG(?dutch), "nl")) }\n'
        "  OPTIONAL { ?value skos:prefLabel|rdfs:label ?any }\n"
        "  FILTER(ISIRI(?value))\n"
        "}\n"
        "GROUP BY ?value\n"
        "ORDER BY LCASE(STR(?label)) ?value\n"
    )
    answer = endpoint.answer(QueryRequest(query=query, format_params=("json",)))
    document = json.loads(answer.body)
    found = []
    for row in document["results"]["bindings"]:
        value = row["value"]["value"]
        found.append((value, row.get("label", {}).get("value", value)))
    return found


def _hint(param: Param) -> str:
    if param.class_iri:
        return f"an IRI of a {param.class_iri}"
    return f"a {param.type} value"


def _binding(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        binding = {"type": "literal", "value": term.value}
        if term.language:
            binding["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            binding["datatype"] = term.datatype.value
        return binding
    return {"type": "triple", "value": str(term)}
