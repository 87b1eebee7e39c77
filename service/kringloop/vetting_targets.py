"""The targets a query names outside itself: ``SERVICE``, ``FROM`` and ``LOAD``.

Part of the vetting (:mod:`kringloop.vetting` tokenizes and walks the query; this module
decides about each target it meets):

- ``SERVICE <iri>`` and ``SERVICE SILENT <iri>``: allowed only when ``<iri>`` (after
  resolving prefixes, ``BASE`` and ``\\u`` escapes) is exactly a registered partner
  endpoint; ``SERVICE ?var`` and anything else is refused (403) naming the IRI.
- ``FROM`` / ``FROM NAMED``: only a published graph.
- ``LOAD`` (like every update keyword): refused, the endpoint is read-only.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urljoin

from kringloop.errors import QueryRefusedError, ReadOnlyEndpointError

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ESCAPE = re.compile(_UCHAR)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_LOCAL_ESCAPE = re.compile(r"\\(.)")


class Token(NamedTuple):
    kind: str
    text: str
    offset: int


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def unescape_codepoints(text: str) -> str:
    """Apply ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes, as SPARQL does before parsing."""

    def replace(match: re.Match[str]) -> str:
        value = int(match.group()[2:], 16)
        return chr(value) if value <= 0x10FFFF else match.group()

    return _ESCAPE.sub(replace, text)


def resolve(token: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    """The absolute IRI an IRI token or prefixed name stands for; None if unknowable."""
    if token.kind == "iri":
        iri = unescape_codepoints(token.text[1:-1])
    elif token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix not in prefixes or not prefixes[prefix]:
            return None
        iri = prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
    else:
        return None
    if _SCHEME.match(iri):
        return iri
    if base is not None and _SCHEME.match(base):
        return urljoin(base, iri)
    return None


def refuse_update(text: str, token: Token, word: str) -> None:
    """Every update keyword (``LOAD`` included) is refused: the endpoint is read-only."""
    line, column = position(text, token.offset)
    raise ReadOnlyEndpointError(
        f"{word} at line {line}, column {column}: this endpoint is read-only and runs "
        "no SPARQL Update (LOAD included)",
        reason="update",
        line=line,
        column=column,
    )


def check_service(
    text: str,
    tokens: list[Token],
    index: int,
    prefixes: dict[str, str],
    base: str | None,
    services: frozenset[str],
) -> None:
    """``tokens[index]`` is ``SERVICE``: its target must be a registered partner endpoint."""
    line, column = position(text, tokens[index].offset)
    target_index = index + 1
    if target_index < len(tokens) and tokens[target_index].text.upper() == "SILENT":
        target_index += 1
    target = tokens[target_index] if target_index < len(tokens) else None
    if target is None or target.kind not in ("iri", "pname"):
        shown = target.text if target is not None else "nothing"
        raise QueryRefusedError(
            f"SERVICE {shown} at line {line}, column {column}: only registered partner "
            "endpoints are allowed as SERVICE targets, named by their IRI",
            reason="service",
            iri=shown,
            line=line,
            column=column,
        )
    iri = resolve(target, prefixes, base)
    if iri is None or iri not in services:
        shown = f"<{iri}>" if iri else target.text
        raise QueryRefusedError(
            f"SERVICE {shown} at line {line}, column {column} is not a registered partner "
            "endpoint; only registered partner endpoints are allowed as SERVICE targets",
            reason="service",
            iri=iri or target.text,
            line=line,
            column=column,
        )


def graph_target(
    text: str,
    tokens: list[Token],
    index: int,
    prefixes: dict[str, str],
    base: str | None,
    graphs: frozenset[str],
) -> str:
    """``tokens[index]`` follows ``FROM`` (``NAMED``): it must be a published graph."""
    keyword = tokens[index - 1]
    line, column = position(text, keyword.offset)
    target = tokens[index] if index < len(tokens) else None
    iri = resolve(target, prefixes, base) if target is not None else None
    if iri is None or iri not in graphs:
        shown = f"<{iri}>" if iri else (target.text if target is not None else "nothing")
        raise QueryRefusedError(
            f"FROM {shown} at line {line}, column {column} is not a published graph of this "
            "endpoint; FROM and FROM NAMED may only name published graphs",
            reason="from",
            iri=iri or shown,
            line=line,
            column=column,
            published=sorted(graphs),
        )
    return iri
