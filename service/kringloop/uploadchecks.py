"""Checks on an uploaded RDF body before any parser sees it.

Each check is a bounded, linear scan that refuses what a parser should never be asked
to do: undecodable text, nesting deeper than a limit, XML document type declarations
(entity expansion), and JSON-LD contexts that would be fetched or copied per node.
Measured on pyoxigraph 0.5.13 (see ``tests/partners/test_upload.py``):

- RDF/XML: internal DTD entities *are* expanded (a three-level "billion laughs" gives a
  1000-fold literal), external ones are a syntax error; element nesting costs quadratic
  time (10 000 levels: 1 s; 100 000: over a minute).
- JSON-LD: remote contexts are never fetched (no document loader is set: syntax error),
  but a property- or type-scoped context is copied at every use (a 3 000-term scoped
  context used 2 000 times in a 168 KB body: 30 s), and an embedded context in a nested
  node object copies the active context. So contexts are allowed only at the top level
  (of the document, or of each member of a top-level array); a JSON literal
  (``"@type": "@json"``) holding an ``@context`` member is refused with them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kringloop.errors import RdfSyntaxError


def position(body: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of ``offset`` in ``body``."""
    line = body.count(b"\n", 0, offset) + 1
    column = offset - (body.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def decode_utf8(body: bytes) -> str:
    """The body as text; invalid UTF-8 is a 400 naming the byte offset."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = position(body, error.start)
        raise RdfSyntaxError(
            f"the body is not valid UTF-8: byte 0x{body[error.start]:02x} at offset "
            f"{error.start} (line {line}, column {column})",
            offset=error.start,
            line=line,
            column=column,
        ) from None


def _too_deep(body: bytes, offset: int, max_depth: int, what: str) -> RdfSyntaxError:
    line, column = position(body, offset)
    return RdfSyntaxError(
        f"{what} nested more than {max_depth} levels deep at line {line}, column {column}; "
        f"the limit is {max_depth}",
        limit=max_depth,
        line=line,
        column=column,
    )


# Turtle, TriG, N-Triples, N-Quads: brackets outside comments, IRIs, strings and
# escaped characters of prefixed names. Each `<`/`>` left over counts as a level, so an
# RDF 1.2 triple term `<<( )>>` counts three (it is refused after parsing anyway).
_TURTLE_SKIP = rb"""\#[^\r\n]*
    | <[^<>"{}|^`\\\s]*>
    | \"\"\"[^"\\]*(?:(?:\\[\s\S]|"(?!""(?!")))[^"\\]*)*\"\"\"
    | '''[^'\\]*(?:(?:\\[\s\S]|'(?!''(?!')))[^'\\]*)*'''
    | "[^"\\\r\n]*(?:\\[\s\S][^"\\\r\n]*)*"
    | '[^'\\\r\n]*(?:\\[\s\S][^'\\\r\n]*)*'
    | \\[\s\S]"""
_JSON_SKIP = rb'"[^"\\]*(?:\\[\s\S][^"\\]*)*"'


class _Nesting:
    """Nesting depth of brackets outside the tokens a syntax's ``skip`` pattern matches."""

    def __init__(self, skip: bytes, opening: bytes, closing: bytes, what: str) -> None:
        self.skip = re.compile(skip, re.VERBOSE)
        self.token = re.compile(
            rb"(?P<skip>" + skip + rb")"
            rb"|(?P<open>[" + re.escape(opening) + rb"])"
            rb"|(?P<close>[" + re.escape(closing) + rb"])",
            re.VERBOSE,
        )
        self.opening = opening
        self.others = bytes(byte for byte in range(256) if byte not in opening + closing)
        self.what = what

    def check(self, body: bytes, max_depth: int, *, openers: int | None = None) -> None:
        """Refuse nesting beyond ``max_depth``, naming the line and column where it starts.

        ``openers``: an upper bound of the opening brackets, if the caller knows a better
        one than the count of every opening byte.
        """
        if openers is None:
            openers = sum(body.count(byte) for byte in self.opening)
        if openers <= max_depth:
            return
        # Fast: drop what is skipped and every byte but brackets (loops in C), then count.
        brackets = self.skip.sub(b"", body).translate(None, self.others)
        if _deepest(brackets, self.opening) <= max_depth:
            return
        depth = 0
        for match in self.token.finditer(body):  # slow, only to say where
            if match.lastgroup == "open":
                depth += 1
                if depth > max_depth:
                    raise _too_deep(body, match.start(), max_depth, self.what)
            elif match.lastgroup == "close":
                depth = max(depth - 1, 0)
        raise _too_deep(body, len(body), max_depth, self.what)  # both loops count alike


def _deepest(brackets: bytes, opening: bytes) -> int:
    deepest = depth = 0
    for byte in brackets:
        if byte in opening:
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


_TURTLE_NESTING = _Nesting(_TURTLE_SKIP, b"[({<", b"])}>", "brackets are")
_JSON_NESTING = _Nesting(_JSON_SKIP, b"[{", b"]}", "JSON arrays and objects are")


def check_turtle_depth(body: bytes, max_depth: int, *, line_based: bool = False) -> None:
    """Refuse blank-node, collection, graph or triple-term nesting beyond ``max_depth``.

    ``line_based`` (N-Triples, N-Quads): only triple terms ``<<( )>>`` nest there; deep
    ones crash pyoxigraph 0.5.13 (100 000 levels: a segmentation fault), so they are
    counted too, and only ``<<`` can open a level.
    """
    if line_based:
        openers = body.count(b"<<")
    else:
        openers = sum(body.count(byte) for byte in b"[({") + body.count(b"<<")
    _TURTLE_NESTING.check(body, max_depth, openers=openers)


def check_json_depth(body: bytes, max_depth: int) -> None:
    """Refuse JSON arrays and objects nested beyond ``max_depth``."""
    _JSON_NESTING.check(body, max_depth)


_XML_TOKEN = re.compile(
    rb"""<!--.*?(?:-->|\Z)
      | <!\[CDATA\[.*?(?:\]\]>|\Z)
      | (?P<decl><!)
      | <\?.*?(?:\?>|\Z)
      | (?P<close></[^>]*>)
      | (?P<open><[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>)
    """,
    re.VERBOSE | re.DOTALL,
)


def check_xml(body: bytes, max_depth: int) -> None:
    """Refuse any DTD (``<!DOCTYPE``, ``<!ENTITY``, ...) and element nesting beyond ``max_depth``.

    Comments and CDATA sections are skipped, so a ``<!`` inside them is harmless text.
    """
    depth = 0
    for match in _XML_TOKEN.finditer(body):
        kind = match.lastgroup
        if kind == "decl":
            line, column = position(body, match.start())
            found = body[match.start() : match.start() + 12].split(maxsplit=1)[0]
            raise RdfSyntaxError(
                "DTDs are not allowed in RDF/XML (no DOCTYPE or ENTITY declarations): "
                f"found {found.decode('utf-8', 'replace')!r} at line {line}, column {column}",
                line=line,
                column=column,
            )
        if kind == "open" and not match.group().endswith(b"/>"):
            depth += 1
            if depth > max_depth:
                raise _too_deep(body, match.start(), max_depth, "XML elements are")
        elif kind == "close":
            depth = max(depth - 1, 0)


class _Node:
    """What the JSON-LD context check keeps of a parsed JSON object."""

    __slots__ = ("has_context",)

    def __init__(self, has_context: bool) -> None:
        self.has_context = has_context


_PLAIN = _Node(False)
_WITH_CONTEXT = _Node(True)


def _contains_context(value: Any) -> bool:
    if isinstance(value, _Node):
        return value.has_context
    if isinstance(value, list):
        return any(_contains_context(item) for item in value)
    return False


def _is_remote(context: Any) -> bool:
    if isinstance(context, str):
        return True
    if isinstance(context, list):
        return any(isinstance(item, str) for item in context)
    return False


def _check_object(pairs: list[tuple[str, Any]]) -> _Node:
    has_context = False
    for key, value in pairs:
        if key == "@import":
            raise RdfSyntaxError(
                "JSON-LD: remote contexts are not allowed (@import); give the context inline"
            )
        if _contains_context(value):
            raise RdfSyntaxError(
                "JSON-LD: @context is allowed only at the top level of the document (no "
                "scoped contexts in term definitions, no contexts in nested objects)"
            )
        if key == "@context":
            if _is_remote(value):
                raise RdfSyntaxError(
                    "JSON-LD: remote contexts are not allowed; give the @context inline as "
                    "an object"
                )
            has_context = True
    return _WITH_CONTEXT if has_context else _PLAIN


def check_jsonld_contexts(text: str) -> None:
    """Refuse remote (string) contexts, ``@import`` and contexts below the top level.

    The JSON is parsed (its depth already bounded) keeping only a marker per object,
    so a member spelled with escapes (``"\\u0040context"``) is seen as well.
    """
    try:
        json.loads(text, object_pairs_hook=_check_object, parse_int=str, parse_float=str)
    except json.JSONDecodeError as error:
        raise RdfSyntaxError(
            f"JSON-LD: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            line=error.lineno,
            column=error.colno,
        ) from None
