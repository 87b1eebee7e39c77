"""One table of the formats the service speaks, and content negotiation over it.

Negotiation follows the project's rule: a URL suffix first, then ``?format=``, then the
``Accept`` header with q-values. Responses that depend on it send ``Vary: Accept``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pyoxigraph as ox

from kringloop.errors import NotAcceptableError


class Kind(Enum):
    """What a format can carry."""

    RESULTS = "results"  # SELECT solutions and ASK booleans
    RDF = "rdf"  # CONSTRUCT / DESCRIBE graphs, service descriptions


@dataclass(frozen=True)
class Format:
    """One format: its short name (also the URL suffix), media types, engine format."""

    name: str
    kind: Kind
    media_types: tuple[str, ...]
    oxigraph: ox.QueryResultsFormat | ox.RdfFormat
    w3c_iri: str
    aliases: tuple[str, ...] = ()
    charset: bool = True

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def suffix(self) -> str:
        return self.name


_W3C = "http://www.w3.org/ns/formats/"

#: Every format, in order of preference within its kind (the first is the default).
FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        Kind.RESULTS,
        ("application/sparql-results+json", "application/json"),
        ox.QueryResultsFormat.JSON,
        _W3C + "SPARQL_Results_JSON",
        charset=False,
    ),
    Format(
        "xml",
        Kind.RESULTS,
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        ox.QueryResultsFormat.XML,
        _W3C + "SPARQL_Results_XML",
        charset=False,
    ),
    Format(
        "csv", Kind.RESULTS, ("text/csv",), ox.QueryResultsFormat.CSV, _W3C + "SPARQL_Results_CSV"
    ),
    Format(
        "tsv",
        Kind.RESULTS,
        ("text/tab-separated-values",),
        ox.QueryResultsFormat.TSV,
        _W3C + "SPARQL_Results_TSV",
    ),
    Format(
        "ttl",
        Kind.RDF,
        ("text/turtle", "application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3"),
        ox.RdfFormat.TURTLE,
        _W3C + "Turtle",
        aliases=("turtle", "n3"),
    ),
    Format(
        "nt",
        Kind.RDF,
        ("application/n-triples", "text/plain"),
        ox.RdfFormat.N_TRIPLES,
        _W3C + "N-Triples",
        aliases=("ntriples", "n-triples"),
    ),
    Format(
        "jsonld",
        Kind.RDF,
        ("application/ld+json", "application/x-json+ld"),
        ox.RdfFormat.JSON_LD,
        _W3C + "JSON-LD",
        aliases=("json-ld", "json"),
        charset=False,
    ),
    Format(
        "rdf",
        Kind.RDF,
        ("application/rdf+xml",),
        ox.RdfFormat.RDF_XML,
        _W3C + "RDF_XML",
        aliases=("rdfxml", "rdf+xml", "xml", "owl"),
        charset=False,
    ),
    Format("trig", Kind.RDF, ("application/trig",), ox.RdfFormat.TRIG, _W3C + "TriG"),
    Format(
        "nq",
        Kind.RDF,
        ("application/n-quads",),
        ox.RdfFormat.N_QUADS,
        _W3C + "N-Quads",
        aliases=("nquads", "n-quads"),
    ),
)


def formats_of(kind: Kind) -> tuple[Format, ...]:
    return tuple(candidate for candidate in FORMATS if candidate.kind is kind)


def by_name(kind: Kind, name: str) -> Format | None:
    """The format of ``kind`` called ``name`` (short name, alias or media type)."""
    wanted = name.strip().lower()
    for candidate in formats_of(kind):
        if wanted == candidate.name or wanted in candidate.aliases:
            return candidate
    for candidate in formats_of(kind):
        if wanted in candidate.media_types:
            return candidate
    return None


def negotiate(
    kind: Kind,
    *,
    suffix: str | None = None,
    format_params: list[str] | None = None,
    accept: str | None = None,
) -> Format:
    """Choose the response format; raise :class:`NotAcceptableError` when none fits."""
    candidates = formats_of(kind)
    if suffix:
        chosen = by_name(kind, suffix)
        if chosen is None or suffix != chosen.name:
            raise _not_acceptable(kind, f"unknown suffix .{suffix}")
        return chosen
    if format_params:
        for value in format_params:
            chosen = by_name(kind, value)
            if chosen is not None:
                return chosen
        raise _not_acceptable(kind, f"unknown format {format_params[0]!r}")
    if not accept or not accept.strip():
        return candidates[0]
    ranges = parse_accept(accept)
    best: Format | None = None
    best_key: tuple[float, int] = (0.0, 0)
    for candidate in candidates:
        quality, specificity = _quality(candidate, ranges)
        if quality > 0 and (quality, specificity) > best_key:
            best, best_key = candidate, (quality, specificity)
    if best is None:
        raise _not_acceptable(kind, f"nothing in Accept: {accept[:200]}")
    return best


def parse_accept(header: str) -> list[tuple[str, float]]:
    """``Accept`` as (media range, q) pairs; malformed parts are skipped."""
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        media_range = pieces[0].lower()
        if "/" not in media_range:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((media_range, quality))
    return ranges


def _quality(candidate: Format, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The q of the most specific range matching any of the format's media types."""
    best_specificity = -1
    best_quality = 0.0
    for media_type in candidate.media_types:
        main_type = media_type.split("/")[0]
        for media_range, quality in ranges:
            if media_range == media_type:
                specificity = 2
            elif media_range == f"{main_type}/*":
                specificity = 1
            elif media_range == "*/*":
                specificity = 0
            else:
                continue
            if specificity > best_specificity or (
                specificity == best_specificity and quality > best_quality
            ):
                best_specificity, best_quality = specificity, quality
    return best_quality, best_specificity


def _not_acceptable(kind: Kind, reason: str) -> NotAcceptableError:
    names = ", ".join(candidate.name for candidate in formats_of(kind))
    media = ", ".join(candidate.media_type for candidate in formats_of(kind))
    return NotAcceptableError(
        f"{reason}; this answer is available as {names} (?format=) or {media} (Accept)",
        available=[candidate.media_type for candidate in formats_of(kind)],
    )
