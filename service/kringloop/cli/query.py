"""``kringloop query QUERY-or-FILE``: read-only SPARQL over the bundled graphs, locally.

The bundled files are loaded into an in-memory Oxigraph store; the default graph is the
union of the named graphs and the project's prefixes (``kl:``, ``skos:``, ...) are
predeclared. ``SERVICE``, ``LOAD``, every update form and ``FROM`` beyond the bundled graphs
are refused before the query runs (by :mod:`kringloop.vetting`): local querying makes no
outbound requests and changes nothing.

Exit codes: 0 ok, 2 error (a malformed or refused query, with the parser's line and column).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
)
from pyoxigraph import serialize as serialize_rdf

from kringloop.errors import EXIT_OK, BadRequestError
from kringloop.graphs import BUNDLED
from kringloop.localstore import QueryResults, load_bundled_store, run_query
from kringloop.settings import Settings
from kringloop.vetting import vet_query
from kringloop.vocab import PREFIXES

Term = NamedNode | BlankNode | Literal | Triple

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "query",
        help="run a read-only SPARQL query over the bundled graphs",
        description=(
            "Run a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query (text, a file, or - for "
            "stdin) over the bundled graphs; the default graph is their union and the "
            "project's prefixes are predeclared. SERVICE, LOAD and updates are refused. "
            "Exit codes: 0 ok, 2 error."
        ),
    )
    parser.add_argument("query", metavar="QUERY-or-FILE", help="SPARQL text, a file or -")
    parser.add_argument(
        "--format",
        choices=("table", "csv", "json", "turtle"),
        default="table",
        help="table (aligned, prefixed names), csv, json (SPARQL JSON results; JSON-LD "
        "for CONSTRUCT/DESCRIBE) or turtle (CONSTRUCT/DESCRIBE)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    text = read_query(args.query)
    refuse_unsafe(text)
    results = run_query(load_bundled_store(), text)
    sys.stdout.write(render(results, args.format))
    return EXIT_OK


def read_query(argument: str) -> str:
    """The query text: ``-`` reads stdin, an existing file is read, anything else is SPARQL."""
    if argument == "-":
        return sys.stdin.read()
    path = _existing_file(argument)
    if path is not None:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise BadRequestError(f"{argument}: cannot read the query: {error}") from None
    if "\n" not in argument and Path(argument).suffix in {".rq", ".sparql"}:
        raise BadRequestError(f"{argument}: no such file")
    return argument


def _existing_file(argument: str) -> Path | None:
    if "\n" in argument or "{" in argument:
        return None
    try:
        path = Path(argument)
        return path if path.is_file() else None
    except (OSError, ValueError):  # a name too long, or with a NUL byte: not a file
        return None


def refuse_unsafe(query: str) -> None:
    """Refuse what a local read-only query never needs (:mod:`kringloop.vetting` decides).

    No ``SERVICE`` at all, no update, no ``FROM`` beyond the bundled graphs, bounded size
    and nesting (Oxigraph's parser recurses).
    """
    settings = Settings.from_environment()
    vet_query(
        query,
        published_graphs=[str(source.iri) for source in BUNDLED],
        allowed_services=(),
        max_bytes=settings.max_query_bytes,
        max_depth=settings.max_query_depth,
    )


def render(results: QueryResults, output_format: str) -> str:
    if isinstance(results, QueryBoolean):
        return _render_boolean(results, output_format)
    if isinstance(results, QuerySolutions):
        return _render_solutions(results, output_format)
    return _render_triples(results, output_format)


def _render_boolean(results: QueryBoolean, output_format: str) -> str:
    if output_format == "json":
        return _results_bytes(results, QueryResultsFormat.JSON) + "\n"
    if output_format == "turtle":
        raise BadRequestError("turtle output needs a CONSTRUCT or DESCRIBE query")
    if output_format == "csv":
        return "boolean\r\n" + ("true" if bool(results) else "false") + "\r\n"
    return ("true" if bool(results) else "false") + "\n"


def _render_solutions(results: QuerySolutions, output_format: str) -> str:
    if output_format == "json":
        return _results_bytes(results, QueryResultsFormat.JSON) + "\n"
    if output_format == "csv":
        return _results_bytes(results, QueryResultsFormat.CSV)
    if output_format == "turtle":
        raise BadRequestError("turtle output needs a CONSTRUCT or DESCRIBE query")
    names = [variable.value for variable in results.variables]
    rows = [[_compact(solution[name]) for name in names] for solution in results]
    return format_table(names, rows)


def _render_triples(results: QueryTriples, output_format: str) -> str:
    triples = list(results)
    if output_format == "turtle":
        return _rdf_text(triples, RdfFormat.TURTLE)
    if output_format == "json":
        return _rdf_text(triples, RdfFormat.JSON_LD) + "\n"
    header = ["subject", "predicate", "object"]
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        for triple in triples:
            writer.writerow(
                [_plain(triple.subject), _plain(triple.predicate), _plain(triple.object)]
            )
        return buffer.getvalue()
    rows = [[_compact(t.subject), _compact(t.predicate), _compact(t.object)] for t in triples]
    return format_table(header, rows)


def _results_bytes(
    results: QuerySolutions | QueryBoolean, results_format: QueryResultsFormat
) -> str:
    output = results.serialize(format=results_format)
    assert output is not None
    return output.decode("utf-8")


def _rdf_text(triples: Iterable[Triple], rdf_format: RdfFormat) -> str:
    output = serialize_rdf(triples, format=rdf_format, prefixes=PREFIXES)
    assert output is not None
    return output.decode("utf-8")


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, a rule under the header, and a row count."""
    widths = [len(name) for name in header]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    out = [line(header), line(["-" * width for width in widths])]
    out.extend(line(row) for row in rows)
    out.append(f"({len(rows)} {'row' if len(rows) == 1 else 'rows'})")
    return "\n".join(out) + "\n"


def _compact(term: Term | None) -> str:
    """A term for the table: a prefixed name where a prefix fits, a literal's text."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return compact_iri(term.value)
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        text = term.value.replace("\n", "\\n")
        if term.language:
            return f"{text}@{term.language}"
        return text
    return f"<< {_compact(term.subject)} {_compact(term.predicate)} {_compact(term.object)} >>"


def _plain(term: Term) -> str:
    if isinstance(term, NamedNode | Literal):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return str(term)


def compact_iri(iri: str) -> str:
    """``kl:Activiteit`` for a known namespace (longest match), else ``<iri>``."""
    best = max(
        (name for name, namespace in PREFIXES.items() if iri.startswith(namespace)),
        key=lambda name: len(PREFIXES[name]),
        default=None,
    )
    if best is None or iri == PREFIXES[best]:
        return f"<{iri}>"
    return f"{best}:{iri[len(PREFIXES[best]) :]}"
