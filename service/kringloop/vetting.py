"""What an untrusted query may do, decided before it reaches the engine.

Pure functions over the query text; no parser library (rdflib takes 20-60 ms per query,
this takes tens of microseconds). A small tokenizer skips comments, the four forms of
string literal, IRIs, variables, prefixed names and language tags, so that only real
keywords count: ``ex:SERVICE``, ``?service`` and ``"SERVICE"`` are not keywords.

SPARQL says ``\\uXXXX`` escapes apply to the whole text before parsing; Oxigraph only
applies them inside strings and IRIs. The tokenizer therefore looks at both readings,
the raw text and the unescaped one, and refuses what either reveals.

Refused: any update operation (``LOAD``, ``INSERT`` ...); ``FROM``/``FROM NAMED`` naming
anything but a published graph; ``SERVICE`` to anything but an allowed endpoint
(``SERVICE ?var`` always); text over the size limit; nesting deeper than the limit.

What a ``SERVICE``, ``FROM`` or ``LOAD`` target may be is decided in
:mod:`kringloop.vetting_targets`.

A flat chain builds a tree as deep as a nested one: 650 ``MINUS {}`` in a row, 1600
``UNION``s, 2000 ``||``, ``+``, ``/`` or ``;`` overflow the stack of ``oxigraph serve``
(measured, each well under the size limit), while the bracket depth stays 1. So every
operator and chaining keyword counts as a level of the bracket level it is in, and the
open levels with their chains may add up to at most :data:`CHAIN_FACTOR` times the depth
limit (256 by default; the curated views reach 22).

Engine extensions never reach the engine either (Virtuoso runs them): the non-SPARQL
keywords ``DEFINE`` and ``OPTION`` and prefixed names whose prefix the query does not
declare are syntax errors (400; the endpoint predeclares no prefix, and SPARQL 1.1
makes an undeclared one an error, while Virtuoso predeclares ``bif:``, ``sql:`` and
more); IRIs in Virtuoso's built-in function schemes ``bif:`` and ``sql:``, however
spelt, are refused (403).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from kringloop.errors import QueryRefusedError, QuerySyntaxError, QueryTooLargeError
from kringloop.vetting_targets import (
    Token,
    check_service,
    graph_target,
    position,
    refuse_update,
    resolve,
    unescape_codepoints,
)

__all__ = [
    "Dataset",
    "Token",
    "VettedQuery",
    "position",
    "resolve_dataset",
    "tokenize",
    "unescape_codepoints",
    "vet_dataset",
    "vet_query",
]

#: Words that only occur in SPARQL Update requests.
UPDATE_KEYWORDS = frozenset(
    {"LOAD", "INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
#: Engine keywords that are not SPARQL 1.1 (Virtuoso's pragmas and query options).
EXTENSION_KEYWORDS = frozenset({"DEFINE", "OPTION"})
#: Keywords that chain their neighbours into a deeper tree (each also counts as a level).
CHAIN_KEYWORDS = frozenset({"UNION", "MINUS", "OPTIONAL", "FILTER", "BIND"})
#: Operators and separators that chain their neighbours (``||`` and ``&&`` count once).
CHAIN_MARKS = frozenset("|&/+-*=!<>,;.^")
#: Open levels plus the operators chained in them: at most this many times the depth limit.
CHAIN_FACTOR = 4
#: IRI schemes an engine maps to its own built-in functions (Virtuoso: ``bif:``, ``sql:``).
EXTENSION_SCHEMES = ("bif:", "sql:")

_PN_CHARS_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PLX = rf"(?:%[0-9A-Fa-f]{{2}}|{_PN_CHARS_ESCAPE})"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_LONG2 = '"""(?:[^"\\\\]|\\\\.|"(?!""))*"""'
_LONG1 = "'''(?:[^'\\\\]|\\\\.|'(?!''))*'''"
_SHORT2 = '"(?:[^"\\\\\\n\\r]|\\\\.)*"'
_SHORT1 = "'(?:[^'\\\\\\n\\r]|\\\\.)*'"

_TOKEN = re.compile(
    "|".join(
        (
            r"(?P<ws>\s+)",
            r"(?P<comment>#[^\n\r]*)",
            f"(?P<string>{_LONG2}|{_LONG1}|{_SHORT2}|{_SHORT1})",
            r"(?P<badstring>[\"'])",
            rf"(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)",
            r"(?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]*)",
            rf"(?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:(?:[\w:\-]|{_PLX})(?:[\w.:\-]|{_PLX})*)?)",
            r"(?P<bnode>_:[\w.\-]*)",
            r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
            r"(?P<word>[^\W\d]\w*)",
            r"(?P<number>[0-9]+)",
            r"(?P<open>[{(\[])",
            r"(?P<close>[})\]])",
            r"(?P<other>.)",
        )
    ),
    re.DOTALL,
)


@dataclass(frozen=True)
class VettedQuery:
    """What the vetting learnt about an accepted query."""

    form: str | None  # SELECT, CONSTRUCT, DESCRIBE, ASK; None if not recognisable
    from_graphs: tuple[str, ...]
    from_named_graphs: tuple[str, ...]
    depth: int

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a query runs against, passed to the engine explicitly."""

    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]


def tokenize(text: str, *, strict: bool = True) -> Iterator[Token]:
    """Every token of ``text``, whitespace and comments included.

    A quote that starts no complete string literal is a syntax error; with
    ``strict=False`` it is passed over as an ``other`` token instead.
    """
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "badstring" and not strict:
            kind = "other"
        elif kind == "badstring":
            line, column = position(text, match.start())
            raise QuerySyntaxError(
                f"unterminated string literal at line {line}, column {column}",
                line=line,
                column=column,
            )
        yield Token(kind, match.group(), match.start())


def vet_query(
    text: str,
    *,
    published_graphs: Iterable[str],
    allowed_services: Iterable[str] = (),
    max_bytes: int,
    max_depth: int,
    predeclared_prefixes: Mapping[str, str] | None = None,
) -> VettedQuery:
    """Refuse what the public endpoint never runs; describe what it will run.

    ``predeclared_prefixes``: the prefixes the caller declares for every query (the
    public endpoint: none, ``{}``); a prefixed name with any other prefix the query does
    not declare is a syntax error. ``None`` leaves undeclared prefixes to the engine
    (``kringloop query`` predeclares the project's on its own, local store).
    """
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise QueryTooLargeError(
            f"the query is {size} bytes; the limit is {max_bytes}", limit=max_bytes
        )
    graphs = frozenset(published_graphs)
    services = frozenset(allowed_services)
    predeclared = None if predeclared_prefixes is None else dict(predeclared_prefixes)
    vetted = _vet_reading(text, graphs, services, max_depth, predeclared, strict=True)
    if "\\u" in text or "\\U" in text:
        unescaped = unescape_codepoints(text)
        _vet_reading(unescaped, graphs, services, max_depth, predeclared, strict=False)
    return vetted


def vet_dataset(
    default_graph_uris: Iterable[str],
    named_graph_uris: Iterable[str],
    published_graphs: Iterable[str],
) -> None:
    """``default-graph-uri`` and ``named-graph-uri`` may only name published graphs."""
    allowed = frozenset(published_graphs)
    for parameter, values in (
        ("default-graph-uri", default_graph_uris),
        ("named-graph-uri", named_graph_uris),
    ):
        for iri in values:
            if iri not in allowed:
                raise QueryRefusedError(
                    f"{parameter} <{iri}> is not a published graph of this endpoint",
                    iri=iri,
                    reason="dataset",
                    published=sorted(allowed),
                )


def resolve_dataset(
    vetted: VettedQuery,
    default_graph_uris: tuple[str, ...],
    named_graph_uris: tuple[str, ...],
    published_graphs: tuple[str, ...],
    default_graphs: tuple[str, ...] | None = None,
) -> Dataset:
    """The dataset to pass to the engine: the request's, the query's, or all published.

    The protocol parameters take precedence over ``FROM`` (SPARQL 1.1 Protocol 2.1.4);
    without either, the default graph is the union of ``default_graphs`` (the published
    graphs less superseded agenda editions; by default all published) and the named graphs
    are the published graphs, never the rest of the store.
    """
    if default_graph_uris or named_graph_uris:
        return Dataset(default_graph_uris, named_graph_uris)
    if vetted.has_dataset_clause:
        return Dataset(vetted.from_graphs, vetted.from_named_graphs)
    return Dataset(published_graphs if default_graphs is None else default_graphs, published_graphs)


# -- the tokenizer's reading of one text -----------------------------------------


def _vet_reading(
    text: str,
    graphs: frozenset[str],
    services: frozenset[str],
    max_depth: int,
    predeclared: dict[str, str] | None,
    *,
    strict: bool,
) -> VettedQuery:
    tokens = [
        token for token in tokenize(text, strict=strict) if token.kind not in ("ws", "comment")
    ]
    prefixes: dict[str, str] = dict(predeclared or {})
    base: str | None = None
    form: str | None = None
    from_graphs: list[str] = []
    from_named: list[str] = []
    depth = 0
    deepest = 0
    chains = [0]  # the operators chained so far in each open level (the top one first)
    chained = 0  # their sum
    previous: Token | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.kind
        if _chains(token, previous):
            chains[-1] += 1
            chained += 1
            if depth + chained > max_depth * CHAIN_FACTOR:
                _refuse_chain(text, token, max_depth * CHAIN_FACTOR)
        previous = token
        if kind == "open":
            chains.append(0)
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > max_depth:
                    line, column = position(text, token.offset)
                    raise QueryRefusedError(
                        f"the query nests deeper than {max_depth} levels "
                        f"(at line {line}, column {column})",
                        reason="depth",
                        limit=max_depth,
                        line=line,
                        column=column,
                    )
        elif kind == "close":
            if len(chains) > 1:
                chained -= chains.pop()
            depth = max(depth - 1, 0)
        elif kind == "pname" and predeclared is not None:
            _check_prefix(text, token, prefixes)
        elif kind == "iri":
            _check_scheme(text, token)
        elif kind == "word":
            word = token.text.upper()
            if word in UPDATE_KEYWORDS:
                refuse_update(text, token, word)
            elif word in EXTENSION_KEYWORDS:
                line, column = position(text, token.offset)
                raise QuerySyntaxError(
                    f"{token.text} at line {line}, column {column} is not SPARQL 1.1 but an "
                    "engine extension; this endpoint accepts standard SPARQL only",
                    reason="extension",
                    line=line,
                    column=column,
                )
            elif word in QUERY_FORMS and form is None and depth == 0:
                form = word
            elif word == "PREFIX":
                index = _declare_prefix(text, tokens, index, prefixes, base)
            elif word == "BASE" and index + 1 < len(tokens) and tokens[index + 1].kind == "iri":
                _check_scheme(text, tokens[index + 1])
                base = resolve(tokens[index + 1], prefixes, base)
                index += 1
            elif word == "SERVICE":
                check_service(text, tokens, index, prefixes, base, services)
            elif word == "FROM":
                named = index + 1 < len(tokens) and tokens[index + 1].text.upper() == "NAMED"
                target_index = index + 2 if named else index + 1
                iri = graph_target(text, tokens, target_index, prefixes, base, graphs)
                (from_named if named else from_graphs).append(iri)
                index = target_index
        index += 1
    return VettedQuery(form, tuple(from_graphs), tuple(from_named), deepest)


def _chains(token: Token, previous: Token | None) -> bool:
    """Whether ``token`` chains what is around it (``||`` and ``&&`` count once)."""
    if token.kind == "word":
        return token.text.upper() in CHAIN_KEYWORDS
    if token.kind != "other" or token.text not in CHAIN_MARKS:
        return False
    return not (
        previous is not None
        and previous.text == token.text
        and previous.offset + 1 == token.offset
        and token.text in "|&"
    )


def _refuse_chain(text: str, token: Token, limit: int) -> None:
    line, column = position(text, token.offset)
    raise QueryRefusedError(
        f"the query nests deeper than {limit} levels, counting its chained operators and "
        f"UNION, MINUS, OPTIONAL, FILTER and BIND as levels (at line {line}, column {column})",
        reason="depth",
        limit=limit,
        line=line,
        column=column,
    )


def _declare_prefix(
    text: str, tokens: list[Token], index: int, prefixes: dict[str, str], base: str | None
) -> int:
    if (
        index + 2 < len(tokens)
        and tokens[index + 1].kind == "pname"
        and tokens[index + 1].text.endswith(":")
        and tokens[index + 2].kind == "iri"
    ):
        _check_scheme(text, tokens[index + 2])
        name = tokens[index + 1].text[:-1]
        prefixes[name] = resolve(tokens[index + 2], prefixes, base) or ""
        return index + 2
    return index


def _check_prefix(text: str, token: Token, prefixes: dict[str, str]) -> None:
    """A prefixed name must use a prefix the query declared before it."""
    prefix = token.text.partition(":")[0]
    if prefix in prefixes:
        return
    line, column = position(text, token.offset)
    raise QuerySyntaxError(
        f"the prefix {prefix}: of {token.text} at line {line}, column {column} is not "
        f"declared; add PREFIX {prefix}: <...> before the query (this endpoint predeclares "
        "no prefixes)",
        reason="prefix",
        prefix=prefix,
        line=line,
        column=column,
    )


def _check_scheme(text: str, token: Token) -> None:
    """Refuse IRIs an engine reads as its own built-in functions (``<bif:length>``)."""
    iri = unescape_codepoints(token.text[1:-1]).strip().lower()
    if not iri.startswith(EXTENSION_SCHEMES):
        return
    line, column = position(text, token.offset)
    raise QueryRefusedError(
        f"{token.text} at line {line}, column {column} names an engine's built-in function "
        "(bif: and sql: IRIs); this endpoint runs standard SPARQL functions only",
        reason="extension",
        line=line,
        column=column,
    )
