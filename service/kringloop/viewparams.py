"""A view's parameters: their declarations, typed values, and safe binding.

A request value never becomes query text. It is read as an RDF term of the declared
type (an IRI, a plain string, an ``xsd:integer``, ``xsd:boolean`` or ``xsd:date``),
serialised by pyoxigraph (N-Triples syntax, which escapes quotes, newlines and
backslashes and is valid SPARQL), and bound in a ``VALUES`` block placed at the top
of the query's WHERE group. Whatever the value holds (quotes, ``>``, ``}``, SPARQL
keywords), the query's structure stays what the file says; at worst the answer is
empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyoxigraph as ox

from kringloop.vocab import PREFIXES

TYPES = ("iri", "string", "integer", "boolean", "date")
KNOWN_KEYS = frozenset({"type", "class", "in", "default", "required", "label", "label_en"})
_XSD = "http://www.w3.org/2001/XMLSchema#"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PREFIXED = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):([A-Za-z0-9_][A-Za-z0-9_./-]*)$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,18}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: The longest value a parameter takes (a request line is limited anyway).
MAX_VALUE_LENGTH = 2000

Term = ox.NamedNode | ox.Literal


@dataclass(frozen=True)
class Param:
    """One declared parameter of a view (a variable of its query)."""

    name: str
    type: str = "string"
    class_iri: str | None = None
    choices: tuple[Term, ...] = ()
    default: Term | None = None
    required: bool = False
    label: str | None = None
    label_en: str | None = None

    def label_in(self, language: str) -> str:
        if language == "en" and self.label_en:
            return self.label_en
        return self.label or self.name


def parse_param(name: str, spec: Mapping[str, Any]) -> Param:
    """A declaration from the header; :class:`ValueError` saying what is wrong."""
    unknown = sorted(str(key) for key in spec if key not in KNOWN_KEYS)
    if unknown:
        raise ValueError(
            f"params: {name} has unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(KNOWN_KEYS))}"
        )
    kind = spec.get("type", "string")
    if kind not in TYPES:
        raise ValueError(f"params: {name} has type {kind!r}; use one of {', '.join(TYPES)}")
    class_iri = None
    if "class" in spec:
        if kind != "iri":
            raise ValueError(f"params: {name} has a class but is not of type iri")
        class_iri = _header_term(name, "class", "iri", spec["class"]).value
    choices: tuple[Term, ...] = ()
    if "in" in spec:
        if not isinstance(spec["in"], list) or not spec["in"]:
            raise ValueError(f"params: {name}: 'in' must be a non-empty list of values")
        choices = tuple(_header_term(name, "in", kind, value) for value in spec["in"])
    default = None
    if spec.get("default") is not None:
        default = _header_term(name, "default", kind, spec["default"])
        if choices and default not in choices:
            raise ValueError(f"params: {name}: the default is not one of its 'in' values")
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise ValueError(f"params: {name}: required must be true or false")
    labels = [spec.get(key) for key in ("label", "label_en")]
    if any(label is not None and not isinstance(label, str) for label in labels):
        raise ValueError(f"params: {name}: label and label_en must be text")
    return Param(name, kind, class_iri, choices, default, required, labels[0], labels[1])


def parse_value(param: Param, raw: str) -> Term:
    """The request value ``raw`` as a term of the parameter's type.

    :class:`ValueError` with a reason fit for the user when it is not one.
    """
    if len(raw) > MAX_VALUE_LENGTH:
        raise ValueError(f"the value is longer than {MAX_VALUE_LENGTH} characters")
    term = to_term(param.type, raw)
    if param.choices and term not in param.choices:
        allowed = ", ".join(display_value(choice) for choice in param.choices)
        raise ValueError(f"the value must be one of: {allowed}")
    return term


def to_term(kind: str, raw: str) -> Term:
    """``raw`` read as a value of type ``kind`` (one of :data:`TYPES`)."""
    if kind == "string":
        return ox.Literal(raw)
    text = raw.strip()
    if kind == "iri":
        expanded = _expand(text)
        if not _SCHEME.match(expanded):
            raise ValueError("an IRI must be absolute, e.g. https://w3id.org/kringloop/id/...")
        try:
            return ox.NamedNode(expanded)
        except ValueError:
            raise ValueError("not a valid IRI") from None
    if kind == "integer":
        if not _INTEGER.match(text):
            raise ValueError("not a whole number")
        return ox.Literal(str(int(text)), datatype=ox.NamedNode(_XSD + "integer"))
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValueError("use true or false")
        return ox.Literal(text, datatype=ox.NamedNode(_XSD + "boolean"))
    if kind == "date":
        try:
            if not _DATE.match(text):
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError("not a date of the form YYYY-MM-DD") from None
        return ox.Literal(day.isoformat(), datatype=ox.NamedNode(_XSD + "date"))
    raise ValueError(f"unknown parameter type {kind!r}")


def display_value(term: Term) -> str:
    """The text a person types for ``term`` (an IRI as is, a literal's lexical form)."""
    return term.value


def bind_values(query: str, values: Mapping[str, Term]) -> str:
    """``query`` with ``values`` bound in a ``VALUES`` block at the top of its WHERE group."""
    if not values:
        return query
    position = where_group_start(query)
    names = " ".join(f"?{name}" for name in values)
    terms = " ".join(str(term) for term in values.values())
    return f"{query[:position]}\n  VALUES ({names}) {{ ({terms}) }}\n{query[position:]}"


def sample_values(params: tuple[Param, ...]) -> dict[str, Term]:
    """A value of the right type for every parameter (to check the bound query parses)."""
    samples = {
        "iri": "https://example.org/x",
        "string": 'x"}',
        "integer": "1",
        "boolean": "true",
        "date": "2021-01-01",
    }
    return {param.name: to_term(param.type, samples[param.type]) for param in params}


def where_group_start(query: str) -> int:
    """The index just after the ``{`` that opens the query's WHERE group.

    Comments, strings and IRIs are skipped; the group is the one after the keyword
    ``WHERE`` at the top level, or (``SELECT ... {``, no keyword) the first top-level
    group of a SELECT query.
    """
    depth = 0
    after_where = False
    first_group: int | None = None
    index = 0
    length = len(query)
    while index < length:
        char = query[index]
        if char == "#":
            end = query.find("\n", index)
            index = length if end < 0 else end
            continue
        if char in "\"'":
            index = _skip_string(query, index)
            continue
        if char == "<":
            match = _IRIREF.match(query, index)
            if match:
                index = match.end()
                continue
        if char == "{":
            depth += 1
            if depth == 1:
                if after_where:
                    return index + 1
                if first_group is None:
                    first_group = index + 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and _is_where(query, index):
            after_where = True
            index += len("WHERE")
            continue
        index += 1
    if first_group is None:
        raise ValueError("the query has no WHERE group to bind its parameters in")
    return first_group


_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WHERE = re.compile(r"(?i)where(?![A-Za-z0-9_:-])")


def _is_where(query: str, index: int) -> bool:
    """Whether the keyword WHERE starts at ``index`` (not a part of a name or variable)."""
    if not _WHERE.match(query, index):
        return False
    return index == 0 or not (query[index - 1].isalnum() or query[index - 1] in "_?$:")


def _skip_string(query: str, index: int) -> int:
    quote = query[index]
    triple = query.startswith(quote * 3, index)
    delimiter = quote * 3 if triple else quote
    position = index + len(delimiter)
    while position < len(query):
        if query[position] == "\\":
            position += 2
            continue
        if query.startswith(delimiter, position):
            return position + len(delimiter)
        if not triple and query[position] == "\n":
            break
        position += 1
    return position


def _expand(text: str) -> str:
    match = _PREFIXED.match(text)
    if match and match.group(1) in PREFIXES:
        return PREFIXES[match.group(1)] + match.group(2)
    return text


def _header_term(name: str, key: str, kind: str, value: object) -> Term:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (str, int, date)):
        text = value.isoformat() if isinstance(value, date) else str(value)
    else:
        raise ValueError(f"params: {name}: {key} {value!r} is not a {kind} value")
    try:
        return to_term(kind, text)
    except ValueError as error:
        raise ValueError(f"params: {name}: {key} {text!r}: {error}") from None
