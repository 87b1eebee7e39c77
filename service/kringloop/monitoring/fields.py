"""Reading the fields of RDF subjects: one value or many, of the expected kind.

:class:`FieldReader` collects what is wrong with a subject (a missing or second value, a
wrong datatype) instead of stopping at the first problem, so a caller can report every
problem of a graph at once. Used by :mod:`kringloop.monitoring.rdf`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

__all__ = ["FieldReader", "Fields", "Subject", "by_subject", "typed"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DCT_SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
_GYEAR = ox.NamedNode(f"{_XSD}gYear")
_DATE = ox.NamedNode(f"{_XSD}date")
_DECIMAL = ox.NamedNode(f"{_XSD}decimal")
_STRING = ox.NamedNode(f"{_XSD}string")

Subject = ox.NamedNode | ox.BlankNode
Fields = dict[ox.NamedNode, list[ox.NamedNode | ox.BlankNode | ox.Literal]]


def by_subject(triples: Iterable[ox.Triple]) -> dict[Subject, Fields]:
    subjects: dict[Subject, Fields] = {}
    for triple in triples:
        if isinstance(triple.object, ox.Triple) or isinstance(triple.subject, ox.Triple):
            continue  # RDF 1.2 triple terms are never ours
        subjects.setdefault(triple.subject, {}).setdefault(triple.predicate, []).append(
            triple.object
        )
    return subjects


class FieldReader:
    """Reads the fields of one subject, collecting what is wrong instead of stopping."""

    def __init__(self, subject: Subject, fields: Fields) -> None:
        self.subject = subject
        self.fields = fields
        self.problems: list[str] = []

    def _values(self, predicate: ox.NamedNode) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return list(dict.fromkeys(self.fields.get(predicate, [])))

    def _one(
        self, predicate: ox.NamedNode, required: bool, *, dutch: bool = False
    ) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
        values = self._values(predicate)
        if dutch:  # a translation beside the Dutch text is not read
            values = [
                v for v in values if not isinstance(v, ox.Literal) or v.language in {None, "nl"}
            ]
        if len(values) > 1 or (required and not values):
            self.problems.append(f"needs {'exactly' if required else 'at most'} one {predicate}")
            return None
        return values[0] if values else None

    def iri(self, predicate: ox.NamedNode, *, required: bool = False) -> str | None:
        value = self._one(predicate, required)
        if value is not None and not isinstance(value, ox.NamedNode):
            self.problems.append(f"{predicate} is not an IRI")
            return None
        return value.value if value is not None else None

    def iris(self, predicate: ox.NamedNode) -> tuple[str, ...]:
        values = self._values(predicate)
        if any(not isinstance(value, ox.NamedNode) for value in values):
            self.problems.append(f"{predicate} is not an IRI")
        return tuple(sorted(v.value for v in values if isinstance(v, ox.NamedNode)))

    def literal(
        self, predicate: ox.NamedNode, datatype: ox.NamedNode | None, *, required: bool = False
    ) -> str | None:
        """The lexical form; ``datatype`` None means an ``nl``-tagged string."""
        value = self._one(predicate, required, dutch=datatype is None)
        if value is None:
            return None
        wrong = not isinstance(value, ox.Literal) or (
            value.language != "nl" if datatype is None else value.datatype != datatype
        )
        if wrong:
            wanted = "an nl-tagged string" if datatype is None else str(datatype)
            self.problems.append(f"{predicate} is not {wanted}: {value}")
            return None
        assert isinstance(value, ox.Literal)
        return value.value

    def text(self, predicate: ox.NamedNode, *, tagged: bool = False) -> str:
        value = self.literal(predicate, None if tagged else _STRING)
        return value or ""

    def year(self, predicate: ox.NamedNode) -> int:
        value = self.literal(predicate, _GYEAR, required=True)
        if value is not None and not (len(value) == 4 and value.isascii() and value.isdigit()):
            self.problems.append(f"{predicate} is not a four-digit year: {value}")
            return 0
        return int(value) if value is not None else 0

    def date(self, predicate: ox.NamedNode) -> date | None:
        value = self.literal(predicate, _DATE)
        try:
            return date.fromisoformat(value) if value is not None else None
        except ValueError:
            self.problems.append(f"{predicate} is not a date: {value}")
            return None

    def decimal(self, predicate: ox.NamedNode) -> Decimal | None:
        value = self.literal(predicate, _DECIMAL)
        try:
            return Decimal(value) if value is not None else None
        except InvalidOperation:
            self.problems.append(f"{predicate} is not a decimal: {value}")
            return None

    def source(self) -> str:
        value = self._one(_DCT_SOURCE, False)
        if isinstance(value, ox.NamedNode):
            return value.value
        if isinstance(value, ox.BlankNode):
            self.problems.append(f"{_DCT_SOURCE} is a blank node")
            return ""
        return value.value if value is not None else ""


def typed(subjects: dict[Subject, Fields], cls: ox.NamedNode) -> list[tuple[Subject, Fields]]:
    return [(s, fields) for s, fields in subjects.items() if cls in fields.get(_RDF_TYPE, [])]
