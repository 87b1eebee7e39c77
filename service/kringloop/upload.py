"""Parse an uploaded RDF body safely: one entry point for Graph Store writes and ``/validate``.

``parse_upload`` checks the media type, the size, the encoding and the nesting depth
before a parser runs (``uploadchecks``), parses with pyoxigraph (blank nodes renamed
apart per upload, IRIs validated), then checks every term against the limits. Every
failure is a :class:`~kringloop.errors.KringloopError`: 415 for a media type or charset
we do not read, 413 for a body, literal, IRI or triple count over its limit, 400 for
anything malformed (with ``line``/``column`` where the parser gives them).

Decisions:

- ``application/json`` is refused (415), not read as JSON-LD: a plain JSON document
  without ``@context`` yields no triples, and a ``PUT`` would then silently empty the graph.
  N3 and ``text/plain`` are refused too.
- Only UTF-8: another ``charset`` parameter is a 415; a leading byte-order mark is dropped.
- RDF 1.2 triple terms and directional language strings are refused (400): the validation
  and publication pipeline (rdflib, pyshacl, N-Triples 1.1 dumps) does not carry them.
- JSON-LD (a dataset format) may carry named graphs, like TriG and N-Quads; they land in
  ``named``, for the caller to check against what the token owns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kringloop.errors import (
    BadRequestError,
    PayloadTooLargeError,
    RdfSyntaxError,
    UnsupportedMediaTypeError,
)
from kringloop.uploadchecks import (
    check_json_depth,
    check_jsonld_contexts,
    check_turtle_depth,
    check_xml,
    decode_utf8,
)

MIB = 1024 * 1024

#: Media types read, with their aliases; the first of each format is its canonical name.
MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/x-trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "text/x-nquads": ox.RdfFormat.N_QUADS,
}

#: The canonical media types, one per format (for forms and the 415 answer).
SUPPORTED_MEDIA_TYPES: tuple[str, ...] = tuple(
    dict.fromkeys(fmt.media_type for fmt in MEDIA_TYPES.values())
)
_ALIASES = ", ".join(name for name in MEDIA_TYPES if name not in SUPPORTED_MEDIA_TYPES)

_TURTLE_FAMILY = (
    ox.RdfFormat.TURTLE,
    ox.RdfFormat.TRIG,
    ox.RdfFormat.N_TRIPLES,
    ox.RdfFormat.N_QUADS,
)
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may hold. Sizes in bytes (UTF-8)."""

    max_bytes: int = 50 * MIB
    max_depth: int = 64
    max_triples: int = 2_000_000
    #: Blank nodes cost the SHACL gate a marker each (kringloop.shaclfast): 100k take ~26 s.
    #: Partner resources have IRIs in the partner's namespace; blank nodes are for details.
    max_blank_nodes: int = 20_000
    max_literal_bytes: int = 1 * MIB
    max_iri_bytes: int = 8 * 1024


@dataclass(frozen=True)
class ParsedUpload:
    """The triples of an upload: the default graph's, and each named graph's."""

    default: list[ox.Triple]
    named: dict[str, list[ox.Triple]]
    media_type: str
    bytes: int

    @property
    def triple_count(self) -> int:
        return len(self.default) + sum(len(triples) for triples in self.named.values())


def rdf_format(content_type: str) -> ox.RdfFormat:
    """The format of a ``Content-Type`` value; 415 for what we do not read."""
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    supported = f"{', '.join(SUPPORTED_MEDIA_TYPES)} (also read: {_ALIASES})"
    if not media_type:
        raise UnsupportedMediaTypeError(
            f"no Content-Type given; send one of: {supported}",
            supported=list(SUPPORTED_MEDIA_TYPES),
        )
    fmt = MEDIA_TYPES.get(media_type)
    if fmt is None:
        hint = " (send JSON-LD as application/ld+json)" if media_type == "application/json" else ""
        raise UnsupportedMediaTypeError(
            f"cannot read {media_type!r}{hint}; send one of: {supported}",
            supported=list(SUPPORTED_MEDIA_TYPES),
        )
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            if charset != "utf-8":
                raise UnsupportedMediaTypeError(
                    f"charset {charset!r} is not accepted; send UTF-8 (charset=utf-8)",
                    supported=list(SUPPORTED_MEDIA_TYPES),
                )
    return fmt


def parse_upload(
    body: bytes,
    content_type: str,
    *,
    base_iri: str | None = None,
    limits: UploadLimits = UploadLimits(),
) -> ParsedUpload:
    """Parse ``body`` as ``content_type`` under ``limits``; see the module text."""
    fmt = rdf_format(content_type)
    if len(body) > limits.max_bytes:
        raise PayloadTooLargeError(
            f"the body is {len(body)} bytes; the limit is {limits.max_bytes}",
            limit=limits.max_bytes,
        )
    size = len(body)
    text = decode_utf8(body)
    if body.startswith(_UTF8_BOM):
        body, text = body[len(_UTF8_BOM) :], text[1:]
    if fmt in _TURTLE_FAMILY:
        line_based = fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
        check_turtle_depth(body, limits.max_depth, line_based=line_based)
    elif fmt == ox.RdfFormat.JSON_LD:
        check_json_depth(body, limits.max_depth)
        check_jsonld_contexts(text)
    elif fmt == ox.RdfFormat.RDF_XML:
        check_xml(body, limits.max_depth)
    default, named = _parse(body, fmt, base_iri, limits)
    return ParsedUpload(default, named, fmt.media_type, size)


def _parse(
    body: bytes, fmt: ox.RdfFormat, base_iri: str | None, limits: UploadLimits
) -> tuple[list[ox.Triple], dict[str, list[ox.Triple]]]:
    """The triples per graph; every term within the limits (a fast test, then a close look)."""
    default: list[ox.Triple] = []
    named: dict[str, list[ox.Triple]] = {}
    try:
        quads = ox.parse(body, format=fmt, base_iri=base_iri, rename_blank_nodes=True)
    except ValueError as error:  # only an invalid base IRI gets here
        raise BadRequestError(f"invalid base IRI {base_iri!r}: {error}") from None
    # A string of n characters has at most 4n UTF-8 bytes: shorter ones need no encoding.
    iri_chars = limits.max_iri_bytes // 4
    literal_chars = limits.max_literal_bytes // 4
    dataset = fmt.supports_datasets
    count = 0
    blanks: set[ox.BlankNode] = set()
    try:
        for quad in quads:
            count += 1
            triple = quad.triple
            subject, predicate, obj = triple
            kind = type(obj)
            if type(subject) is ox.BlankNode or kind is ox.BlankNode:
                _count_blank_nodes(blanks, (subject, obj), count, limits)
            if (
                count > limits.max_triples
                or type(subject) is ox.Triple
                or len(subject.value) > iri_chars
                or len(predicate.value) > iri_chars
                or (kind is ox.NamedNode and len(obj.value) > iri_chars)
                or (
                    kind is ox.Literal
                    and (
                        len(obj.value) > literal_chars
                        or obj.direction is not None
                        or len(obj.datatype.value) > iri_chars
                        or len(obj.language or "") > iri_chars
                    )
                )
                or kind is ox.Triple
            ):
                _check_closely(triple, count, limits)
            if not dataset:
                default.append(triple)
                continue
            graph = quad.graph_name
            if type(graph) is ox.DefaultGraph:
                default.append(triple)
            elif type(graph) is ox.NamedNode:
                named.setdefault(graph.value, []).append(triple)
            else:
                raise RdfSyntaxError(
                    f"{fmt.name}: a graph must be named by an IRI, not a blank node "
                    f"(triple {count})"
                )
    except SyntaxError as error:
        raise _syntax_error(fmt, error) from None
    return default, named


def _syntax_error(fmt: ox.RdfFormat, error: SyntaxError) -> RdfSyntaxError:
    detail = f"{fmt.name}: {error.msg}"
    if error.lineno is None or error.offset is None:
        return RdfSyntaxError(detail)
    return RdfSyntaxError(detail, line=error.lineno, column=error.offset)


def _check_closely(triple: ox.Triple, number: int, limits: UploadLimits) -> None:
    """Raise the error the fast test suspected, if it is real (multi-byte text may pass)."""
    if number > limits.max_triples:
        raise PayloadTooLargeError(
            f"the body holds more than {limits.max_triples} triples; "
            f"the limit is {limits.max_triples}",
            limit=limits.max_triples,
        )
    for term in triple:
        if isinstance(term, ox.NamedNode):
            _check_iri(term.value, number, limits)
        elif isinstance(term, ox.Literal):
            _check_literal(term, number, limits)
        elif isinstance(term, ox.Triple):
            raise RdfSyntaxError(
                f"RDF 1.2 triple terms (<<( )>>, << >>) are not supported (triple {number})"
            )


def _count_blank_nodes(
    blanks: set[ox.BlankNode], terms: tuple[object, object], number: int, limits: UploadLimits
) -> None:
    blanks.update(term for term in terms if isinstance(term, ox.BlankNode))
    if len(blanks) > limits.max_blank_nodes:
        raise PayloadTooLargeError(
            f"the body holds more than {limits.max_blank_nodes} blank nodes (at triple "
            f"{number}); give resources IRIs in your namespace",
            limit=limits.max_blank_nodes,
        )


def _utf8_longer_than(text: str, limit: int) -> bool:
    return len(text) > limit or (len(text) * 4 > limit and len(text.encode("utf-8")) > limit)


def _check_iri(iri: str, number: int, limits: UploadLimits) -> None:
    if _utf8_longer_than(iri, limits.max_iri_bytes):
        raise PayloadTooLargeError(
            f"an IRI in triple {number} is longer than {limits.max_iri_bytes} bytes "
            f"(starts {iri[:60]!r}); the limit is {limits.max_iri_bytes}",
            limit=limits.max_iri_bytes,
        )


def _check_literal(literal: ox.Literal, number: int, limits: UploadLimits) -> None:
    if literal.direction is not None:
        raise RdfSyntaxError(
            f"RDF 1.2 directional language strings (@lang--ltr) are not supported (triple {number})"
        )
    if _utf8_longer_than(literal.value, limits.max_literal_bytes):
        raise PayloadTooLargeError(
            f"a literal in triple {number} is longer than {limits.max_literal_bytes} bytes "
            f"(starts {literal.value[:60]!r}); the limit is {limits.max_literal_bytes}",
            limit=limits.max_literal_bytes,
        )
    _check_iri(literal.datatype.value, number, limits)
    language = literal.language
    if language is not None and len(language) > limits.max_iri_bytes:
        raise PayloadTooLargeError(
            f"a language tag in triple {number} is longer than {limits.max_iri_bytes} "
            f"bytes; the limit is {limits.max_iri_bytes}",
            limit=limits.max_iri_bytes,
        )
