"""Hypothesis strategies that compose real SPARQL: queries, updates and their targets.

The queries are built from grammar fragments (the four query forms, nested groups,
``OPTIONAL``, ``UNION``, ``MINUS``, ``FILTER`` with ``EXISTS``, property paths, subqueries,
``GRAPH``, ``BIND``, ``VALUES``) and carry what the vetting must find: ``SERVICE``,
``FROM``, ``FROM NAMED`` and update operations (``LOAD``, ``INSERT`` ...) whose targets
are drawn from loopback, link-local and ``file:`` addresses (also spelt in decimal, hex,
octal, IPv6 and percent-encoded), the published graphs, the registered partner endpoints
and near misses of both. A target is written as an IRI, a prefixed name, an IRI relative
to ``BASE`` or with ``\\u`` escapes; keywords in any case or escaped; decoys (keywords in
strings, comments, IRIs and variable names) everywhere.

Every generated text is valid SPARQL 1.1 when no keyword or IRI is escaped (checked by
``test_fuzz_vetting``: rdflib parses what the vetting accepts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hypothesis import strategies as st

from kringloop.services import SYSTEM_GRAPHS, bundled_graphs

PUBLISHED: tuple[str, ...] = (*bundled_graphs(), *SYSTEM_GRAPHS)
#: The registered partner endpoints the harness allows as SERVICE targets.
PARTNER_ENDPOINTS = (
    "https://data.cirkelregio-utrecht.example/sparql",
    "https://foodvalley.example/query",
)
_OWN = "https://w3id.org/kringloop/id/graaf/"

#: Addresses a SERVICE, FROM or LOAD must never reach, spelt every way a resolver reads.
HOSTILE = (
    "http://127.0.0.1:7878/query",
    "http://localhost/sparql",
    "http://LOCALHOST:8080/",
    "http://127.1/",
    "http://0/",
    "http://0.0.0.0:7878/store",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://%31%32%37.0.0.1/",
    "http://[::1]:7878/query",
    "http://[::ffff:127.0.0.1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://127.0.0.1.nip.io/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://2852039166/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "file:///etc/passwd",
    "file:/etc/passwd",
    "FILE:///var/lib/kringloop/",
    "http://user@127.0.0.1/",
)
#: Almost a partner endpoint or a published graph: must be refused all the same.
NEAR_MISSES = (
    *(f"{endpoint}/" for endpoint in PARTNER_ENDPOINTS),
    *(endpoint.upper() for endpoint in PARTNER_ENDPOINTS),
    *(f"{endpoint}#x" for endpoint in PARTNER_ENDPOINTS),
    PARTNER_ENDPOINTS[0].replace("https:", "http:"),
    f"{_OWN}systeem",
    f"{_OWN}ontologie/",
    f"{_OWN}ONTOLOGIE",
)
TARGETS = (*HOSTILE, *NEAR_MISSES, *PARTNER_ENDPOINTS, *PUBLISHED)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def spec_reading(text: str) -> str:
    """``text`` with SPARQL's codepoint escapes applied to the whole text, once."""

    def replace(match: re.Match[str]) -> str:
        value = int(match.group(1) or match.group(2), 16)
        return chr(value) if value <= 0x10FFFF else match.group()

    return _CODEPOINT.sub(replace, text)


@dataclass
class Prologue:
    """The PREFIX and BASE declarations a fragment needs, in order of first use.

    It also numbers the variables ``BIND`` introduces: SPARQL refuses a second
    ``BIND(... AS ?x)`` of the same variable in one group.
    """

    lines: list[str] = field(default_factory=list)
    bound: int = 0
    #: Whether keywords and IRIs may be \\u-escaped (Oxigraph reads no such query).
    escapes: bool = False

    def fresh_variable(self) -> str:
        self.bound += 1
        return f"?bound{self.bound}"

    def declare(self, line: str) -> None:
        if line not in self.lines:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(f"{line}\n" for line in self.lines)


def keyword(word: str, prologue: Prologue) -> st.SearchStrategy[str]:
    """``word`` in upper, lower or mixed case; or with its first letter \\u-escaped."""
    first = word[0]
    plain = [
        word,
        word.lower(),
        word.capitalize(),
        "".join(c.lower() if i % 2 else c for i, c in enumerate(word)),
    ]
    if not prologue.escapes:
        return st.sampled_from(plain)
    escaped = [f"\\u{ord(first):04X}{word[1:]}", f"\\U{ord(first.lower()):08x}{word[1:].lower()}"]
    return st.sampled_from([*plain, *escaped])


@st.composite
def spelt_iri(draw: st.DrawFn, iri: str, prologue: Prologue) -> str:
    """``iri`` as ``<iri>``, a prefixed name, relative to BASE, or with \\u escapes."""
    way = draw(st.sampled_from(["plain", "plain", "prefixed", "base", "escaped"]))
    head, slash, local = iri.rpartition("/")
    simple_local = bool(local) and local.replace("-", "").replace("_", "").isalnum()
    if way == "prefixed" and slash and simple_local and local[0].isalpha():
        name = draw(st.sampled_from(["t", "service", "from", "x1"]))
        prologue.declare(f"PREFIX {name}: <{head}/>")
        return f"{name}:{local}"
    # Only one BASE per query keeps the reading simple: use it if it is the first.
    first_base = not any(line.startswith("BASE") for line in prologue.lines)
    if way == "base" and slash and simple_local and "://" in head and first_base:
        prologue.declare(f"BASE <{head}/>")
        return f"<{local}>"
    if way == "escaped" and prologue.escapes and len(iri) > 8:
        index = draw(st.integers(min_value=0, max_value=len(iri) - 1))
        if iri[index] not in '<>"{}|^`\\ ':
            return f"<{iri[:index]}\\u{ord(iri[index]):04x}{iri[index + 1 :]}>"
    return f"<{iri}>"


_DECOY_STRINGS = (
    '"SERVICE <http://127.0.0.1/> { }"',
    "'LOAD <file:///etc/passwd>'",
    '"""FROM <http://evil.example/> \n INSERT"""',
    "'''}} SERVICE <http://[::1]/> {{'''",
    '"\\"SERVICE\\" "',
)
#: How many elements a group holds besides its triple, and how deep groups nest.
MAX_ELEMENTS = 2
MAX_DEPTH = 3


@st.composite
def triple(draw: st.DrawFn, prologue: Prologue) -> str:
    subject = draw(st.sampled_from(["?s", "?service", "<urn:x:SERVICE>"]))
    path = draw(
        st.sampled_from(
            [
                "?p",
                "<http://www.w3.org/2000/01/rdf-schema#label>",
                "(<urn:p>|<urn:q>)/<urn:r>*",
                "^<urn:p>+",
                "!(<urn:p>|^<urn:q>)",
                "<urn:p>?/<urn:q>",
                "a",
            ]
        )
    )
    if path == "?p" and draw(st.booleans()):  # a declared prefix, used
        prologue.declare("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>")
        path = "rdfs:label"
    obj = draw(st.sampled_from(["?o", "?from", "$load", "42", "true", *_DECOY_STRINGS]))
    return f"{subject} {path} {obj} ."


def _group(inner: str) -> str:
    return f"{{ {inner} }}"


@st.composite
def pattern(draw: st.DrawFn, prologue: Prologue, depth: int = 0) -> str:
    """A group graph pattern's content, nested up to a few levels."""
    parts = [draw(triple(prologue))]
    for _ in range(
        draw(st.integers(min_value=0, max_value=MAX_ELEMENTS if depth < MAX_DEPTH else 0))
    ):
        parts.append(draw(_element(prologue, depth + 1)))
    if draw(st.booleans()):
        parts.append(f"# {draw(st.sampled_from(['SERVICE <http://127.0.0.1/>', 'LOAD', 'x']))}\n")
    return " ".join(parts)


@st.composite
def _element(draw: st.DrawFn, prologue: Prologue, depth: int) -> str:
    kind = draw(
        st.sampled_from(
            [
                "optional",
                "union",
                "minus",
                "filter",
                "exists",
                "graph",
                "service",
                "service",
                "subquery",
                "bind",
                "values",
                "group",
            ]
        )
    )
    if kind == "filter":
        return 'FILTER(?o != "SERVICE" && regex(str(?s), "^http://127\\\\.0"))'
    if kind in ("bind", "values"):
        iri = draw(spelt_iri(draw(st.sampled_from(TARGETS)), prologue))
        if kind == "bind":
            return f"BIND({iri} AS {prologue.fresh_variable()})"
        return f"VALUES ?endpoint {{ {iri} }}"
    inner = draw(pattern(prologue, depth))
    if kind == "optional":
        return f"{draw(keyword('OPTIONAL', prologue))} {_group(inner)}"
    if kind == "union":
        other = draw(pattern(prologue, depth))
        return f"{_group(inner)} {draw(keyword('UNION', prologue))} {_group(other)}"
    if kind == "minus":
        return f"MINUS {_group(inner)}"
    if kind == "exists":
        negation = draw(st.sampled_from(["", "NOT "]))
        return f"{draw(keyword('FILTER', prologue))} {negation}EXISTS {_group(inner)}"
    if kind == "graph":
        name = draw(st.one_of(st.just("?g"), st.sampled_from(PUBLISHED).map(lambda g: f"<{g}>")))
        return f"GRAPH {name} {_group(inner)}"
    if kind == "service":
        return draw(service_clause(prologue, inner))
    if kind == "subquery":
        return f"{{ SELECT * WHERE {_group(inner)} LIMIT 5 }}"
    return _group(inner)


@st.composite
def service_clause(draw: st.DrawFn, prologue: Prologue, inner: str) -> str:
    silent = draw(st.sampled_from(["", "SILENT ", "silent "]))
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        target = draw(st.sampled_from(["?endpoint", "?bound1", "$service"]))
    else:
        # Half to a partner endpoint, so that accepted queries with SERVICE are common.
        endpoints = st.sampled_from(PARTNER_ENDPOINTS) | st.sampled_from(TARGETS)
        target = draw(spelt_iri(draw(endpoints), prologue))
    gap = draw(st.sampled_from([" ", "\n", "\t", " #c\n "]))
    return f"{draw(keyword('SERVICE', prologue))}{gap}{silent}{target}{gap}{_group(inner)}"


@st.composite
def dataset_clauses(draw: st.DrawFn, prologue: Prologue) -> str:
    clauses = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        named = draw(st.sampled_from(["", "NAMED ", "named "]))
        published = st.sampled_from(PUBLISHED)
        graph = draw(st.one_of(published, published, st.sampled_from((*NEAR_MISSES, *HOSTILE))))
        word = draw(keyword("FROM", prologue))
        clauses.append(f"{word} {named}{draw(spelt_iri(graph, prologue))}")
    return " ".join(clauses)


@st.composite
def query(draw: st.DrawFn) -> str:
    """A SPARQL query of any form, with targets, decoys and nested patterns."""
    prologue = Prologue(escapes=draw(st.integers(min_value=0, max_value=3)) == 0)
    where = draw(pattern(prologue))
    form = draw(
        st.sampled_from(
            [
                "SELECT *",
                "SELECT DISTINCT ?s ?o",
                "SELECT (COUNT(*) AS ?n)",
                "ASK",
                "CONSTRUCT { ?s <urn:p> ?o }",
                "DESCRIBE ?s",
            ]
        )
    )
    head = draw(keyword(form.split()[0], prologue)) + form[len(form.split()[0]) :]
    dataset = draw(dataset_clauses(prologue))
    where_word = draw(st.sampled_from(["WHERE ", "where ", ""])) if form != "ASK" else ""
    tail = (
        ""
        if form.startswith(("ASK", "SELECT (COUNT"))
        else draw(st.sampled_from(["", " LIMIT 10", " ORDER BY ?s", " OFFSET 1 LIMIT 2"]))
    )
    return f"{prologue.text()}{head} {dataset} {where_word}{_group(where)}{tail}"


@st.composite
def update(draw: st.DrawFn) -> str:
    """A SPARQL Update (alone, or after a query) the read-only endpoint must refuse."""
    prologue = Prologue(escapes=draw(st.booleans()))
    target = draw(spelt_iri(draw(st.sampled_from(TARGETS)), prologue))
    graph = draw(spelt_iri(draw(st.sampled_from(PUBLISHED)), prologue))
    operation = draw(
        st.sampled_from(
            [
                f"{{LOAD}} {target}",
                f"{{LOAD}} SILENT {target} INTO GRAPH {graph}",
                f"{{INSERT}} DATA {{ GRAPH {graph} {{ <urn:a> <urn:b> <urn:c> }} }}",
                f"{{DELETE}} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}",
                f"{{CLEAR}} GRAPH {graph}",
                "{DROP} SILENT ALL",
                f"{{WITH}} {graph} DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
                f"{{COPY}} {graph} TO {target}",
                f"{{ADD}} DEFAULT TO {graph}",
                f"{{CREATE}} GRAPH {target}",
            ]
        )
    )
    word = operation[1 : operation.index("}")]
    operation = draw(keyword(word, prologue)) + operation[operation.index("}") + 1 :]
    if draw(st.booleans()):
        return f"{prologue.text()}{operation}"
    before = draw(query())
    return f"{before} ;\n{prologue.text()}{operation}"


def sparql() -> st.SearchStrategy[str]:
    """Queries mostly, updates sometimes."""
    return st.one_of(query(), query(), query(), update())
