"""``kringloop validate [PATHS...]``: check RDF files (default: the bundled data) with SHACL.

Exit codes: 0 conforms (warnings allowed), 1 does not conform, 2 error (a file that cannot be
read or parsed: ``kringloop validate: FILE: line L, column C: reason``).

Reading untrusted files safely: RDF/XML with a DOCTYPE is refused before any XML parser
sees it (no entity expansion), and JSON-LD that names a remote ``@context`` is refused (no
outbound request).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.sax import SAXParseException

import pyoxigraph
from rdflib import Dataset, Graph, URIRef

from kringloop.errors import (
    EXIT_NONCONFORMING,
    EXIT_OK,
    BadRequestError,
    KringloopError,
    RdfSyntaxError,
)
from kringloop.graphs import BUNDLED, ONTOLOGY
from kringloop.graphstore.gate import validate_contents
from kringloop.shaclreport import ValidationReport
from kringloop.upload import parse_upload
from kringloop.validation import load_shapes, validate

#: File suffix -> (rdflib format, Oxigraph format, holds quads).
FORMATS: dict[str, tuple[str, pyoxigraph.RdfFormat, bool]] = {
    ".ttl": ("turtle", pyoxigraph.RdfFormat.TURTLE, False),
    ".trig": ("trig", pyoxigraph.RdfFormat.TRIG, True),
    ".nt": ("nt", pyoxigraph.RdfFormat.N_TRIPLES, False),
    ".nq": ("nquads", pyoxigraph.RdfFormat.N_QUADS, True),
    ".jsonld": ("json-ld", pyoxigraph.RdfFormat.JSON_LD, True),
    ".json": ("json-ld", pyoxigraph.RdfFormat.JSON_LD, True),
    ".rdf": ("xml", pyoxigraph.RdfFormat.RDF_XML, False),
    ".xml": ("xml", pyoxigraph.RdfFormat.RDF_XML, False),
    ".owl": ("xml", pyoxigraph.RdfFormat.RDF_XML, False),
}

_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_POSITION = re.compile(r"^Parser error (?:at|between) [^:]*: ")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check RDF files (default: the bundled data) against the SHACL shapes",
        description=(
            "Validate RDF files against Kringloop's SHACL shapes. Without PATHS, validate the "
            "bundled vocabularies, agenda and interpretations. Formats by suffix: "
            + ", ".join(sorted(FORMATS))
            + ". Exit codes: 0 conforms (warnings allowed), 1 does not conform, 2 error."
        ),
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="RDF files")
    parser.add_argument(
        "--format", choices=("text", "turtle", "json"), default="text", help="report format"
    )
    parser.add_argument("--lang", choices=("nl", "en"), default="nl", help="text language")
    parser.add_argument(
        "--shapes", type=Path, help="a shapes file or folder (default: the project's shapes/)"
    )
    parser.add_argument(
        "--context",
        action="store_true",
        help=(
            "check PATHS the way an upload is checked (POST /validate, PUT /graph-store): "
            "with the ontology, vocabularies and agenda as context, only the files' own "
            "subjects, with the upload's size and safety limits"
        ),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.context:
        if not args.paths or args.shapes:
            raise BadRequestError("--context checks the given PATHS with the project's shapes")
        report = validate_as_upload(args.paths)
    else:
        shapes = _read_shapes(args.shapes) if args.shapes else load_shapes()
        data = read_rdf_files(args.paths) if args.paths else load_bundled_data()
        report = validate(data, shapes=shapes)
    if args.format == "turtle":
        sys.stdout.write(report.to_turtle())
    elif args.format == "json":
        sys.stdout.write(report.to_json() + "\n")
    else:
        sys.stdout.write(report.to_text(args.lang))
    return EXIT_OK if report.conforms else EXIT_NONCONFORMING


def validate_as_upload(paths: Sequence[Path]) -> ValidationReport:
    """The upload check of ``POST /validate`` on files (their format from the suffix)."""
    contents: dict[str, list[pyoxigraph.Triple]] = {}
    for path in paths:
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise RdfSyntaxError(f"{path}: unknown RDF format (suffix {suffix or 'missing'})")
        try:
            body = path.read_bytes()
        except OSError as error:
            raise RdfSyntaxError(f"{path}: cannot read: {error.strerror}") from None
        try:
            parsed = parse_upload(body, FORMATS[suffix][1].media_type)
        except KringloopError as error:
            raise type(error)(f"{path}: {error.detail}") from None
        contents[str(path)] = list(parsed.default)
        for graph, triples in parsed.named.items():
            contents.setdefault(graph, []).extend(triples)
    return validate_contents(contents)


def load_bundled_data(root: Path | None = None) -> Dataset:
    """The project's own data: every bundled graph except the ontology, in its named graph."""
    dataset = Dataset()
    for source in BUNDLED:
        if source is ONTOLOGY:
            continue
        for path in source.files(root):
            _read_rdf_file(dataset, path, graph_iri=source.iri)
    return dataset


def _read_shapes(path: Path) -> Graph:
    if path.is_dir():
        return load_shapes(path)
    shapes = Graph()
    shapes.addN((s, p, o, shapes) for s, p, o, _ in read_rdf_files([path]).quads())
    return shapes


def read_rdf_files(paths: Sequence[Path]) -> Dataset:
    """Parse files into one dataset: triples into a graph named after the file."""
    dataset = Dataset()
    for path in paths:
        _read_rdf_file(dataset, path)
    return dataset


def _read_rdf_file(dataset: Dataset, path: Path, graph_iri: URIRef | None = None) -> None:
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise RdfSyntaxError(
            f"{name}: unknown RDF format (suffix {suffix or 'missing'}); "
            f"use one of {', '.join(sorted(FORMATS))}"
        )
    rdflib_format, oxigraph_format, quads = FORMATS[suffix]
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise RdfSyntaxError(f"{name}: no such file") from None
    except OSError as error:
        raise RdfSyntaxError(f"{name}: cannot read: {error.strerror or error}") from None
    if rdflib_format == "xml":
        _refuse_doctype(name, content)
    if rdflib_format == "json-ld":
        _refuse_remote_context(name, content)
    file_iri = path.resolve().as_uri()
    target: Graph = (
        dataset if quads and graph_iri is None else dataset.graph(graph_iri or URIRef(file_iri))
    )
    try:
        with warnings.catch_warnings():
            # rdflib's quad parsers call its own deprecated Dataset API (rdflib 7.x).
            warnings.simplefilter("ignore", DeprecationWarning)
            target.parse(data=content, format=rdflib_format, publicID=file_iri)
    except SAXParseException as error:
        raise RdfSyntaxError(
            f"{name}: line {error.getLineNumber()}, column {error.getColumnNumber()}: "
            f"{error.getMessage()}"
        ) from None
    except Exception as error:  # rdflib's parsers raise many types; all mean bad input
        raise RdfSyntaxError(f"{name}: {_locate(content, oxigraph_format, error)}") from None


def _locate(content: bytes, oxigraph_format: pyoxigraph.RdfFormat, error: Exception) -> str:
    """Where and why the content is malformed: Oxigraph's parser names line and column."""
    try:
        for _quad in pyoxigraph.parse(content, format=oxigraph_format):
            pass
    except SyntaxError as located:
        reason = _POSITION.sub("", located.msg or str(located))
        reason = re.sub(r" \(<string>, line \d+\)$", "", reason)
        if located.lineno:
            return f"line {located.lineno}, column {located.offset or 1}: {reason}"
        return reason
    return _rdflib_reason(content, error)


def _rdflib_reason(content: bytes, error: Exception) -> str:
    """rdflib's own account, with a line and column where it gives an offset."""
    offset = getattr(error, "_i", None)
    why = getattr(error, "_why", None)
    if isinstance(offset, int) and offset >= 0 and isinstance(why, str):
        line, column = _line_column(content, offset)
        return f"line {line}, column {column}: {why}"
    return " ".join(str(error).split()) or type(error).__name__


def _line_column(content: bytes, offset: int) -> tuple[int, int]:
    before = content[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


def _refuse_doctype(name: str, content: bytes) -> None:
    """RDF/XML never needs a DTD; refusing it rules out entity expansion (billion laughs)."""
    # Dropping NUL bytes makes UTF-16 and UTF-32 text searchable as ASCII.
    flat = content.replace(b"\x00", b"")
    match = _DOCTYPE.search(flat)
    if match:
        line, column = _line_column(flat, match.start())
        raise RdfSyntaxError(
            f"{name}: line {line}, column {column}: DOCTYPE and ENTITY declarations are not "
            "accepted in RDF/XML (entities are never expanded)"
        )


def _refuse_remote_context(name: str, content: bytes) -> None:
    """JSON-LD may only use inline contexts: Kringloop makes no outbound requests."""
    try:
        document = json.loads(content)
    except UnicodeDecodeError as error:
        raise RdfSyntaxError(f"{name}: not UTF-8 text: {error.reason}") from None
    except json.JSONDecodeError as error:
        raise RdfSyntaxError(
            f"{name}: line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    for reference in _remote_contexts(document):
        raise RdfSyntaxError(
            f"{name}: remote JSON-LD context {reference!r} is not fetched; put the context "
            "inline in the document"
        )


def _remote_contexts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                yield from _context_references(value)
            yield from _remote_contexts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _remote_contexts(item)


def _context_references(context: Any) -> Iterator[str]:
    if isinstance(context, str):
        yield context
    elif isinstance(context, list):
        for item in context:
            yield from _context_references(item)
    elif isinstance(context, dict) and isinstance(context.get("@import"), str):
        yield context["@import"]
