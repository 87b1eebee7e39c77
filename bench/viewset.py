"""The query set a benchmark runs: every ``*.rq`` of a directory, with its ``#+`` header.

The header is grlc-style YAML in comment lines (``#+ title: ...``). A view that declares
``params`` is run with one example value per parameter, injected as a ``VALUES`` block
at the top of the first group of the WHERE clause (the file is trusted; the value is
rendered as an IRI term, never as raw request text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "queries"

_WHERE_OPEN = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)
_ENDS_WITH_LIMIT = re.compile(r"\b(LIMIT|OFFSET)\s+\d+\s*(\b(LIMIT|OFFSET)\s+\d+\s*)?$", re.I)
#: A comment: ``#`` outside an IRI or a string, to the end of the line (good enough for
#: the trusted view files: they keep ``#`` out of their strings).
_COMMENT = re.compile(r"(?<![<\w])#.*$")
_IRI_OR_STRING = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_IRI_OK = re.compile(r"^[^<>\"{}|^`\\\s]+$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    klass: str | None
    required: bool


@dataclass(frozen=True)
class BenchQuery:
    """What the bench sends: the query text and the media type it asks for."""

    text: str
    accept: str


@dataclass(frozen=True)
class View:
    name: str
    path: Path
    text: str
    title: str
    params: tuple[Param, ...] = field(default=())

    @property
    def form(self) -> str:
        """``SELECT``, ``CONSTRUCT``, ``ASK`` or ``DESCRIBE``: the first query keyword."""
        body = _IRI_OR_STRING.sub(" ", _strip_comments(self.text))
        match = _FORM.search(body)
        if match is None:
            raise ValueError(f"{self.name}: no SELECT, CONSTRUCT, ASK or DESCRIBE")
        return match.group(1).upper()

    @property
    def accept(self) -> str:
        """The media type a bench asks for: SPARQL JSON results, or N-Triples for graphs."""
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            return "application/n-triples"
        return "application/sparql-results+json"

    def bench_query(self, values: dict[str, str], cap: int) -> BenchQuery:
        return BenchQuery(self.bench_text(values, cap), self.accept)

    def bench_text(self, values: dict[str, str], cap: int) -> str:
        """The query the bench sends every engine: bound, and with ``LIMIT cap`` at the end.

        Kringloop answers at most ``cap`` rows; with the limit in the query every engine
        computes and sends the same (complete) answer.
        """
        text = self.bind(values).rstrip()
        if self.form == "ASK" or _ENDS_WITH_LIMIT.search(_strip_comments(text)):
            return text
        return f"{text}\nLIMIT {cap}\n"

    def bind(self, values: dict[str, str]) -> str:
        """The query with a ``VALUES`` block for each given parameter (IRIs only)."""
        if not values:
            return self.text
        rows = []
        for name, iri in sorted(values.items()):
            if not _IRI_OK.match(iri):
                raise ValueError(f"{self.name}: not an IRI for ?{name}: {iri!r}")
            rows.append(f"VALUES ?{name} {{ <{iri}> }}")
        match = _WHERE_OPEN.search(self.text)
        if match is None:
            raise ValueError(f"{self.name}: no WHERE {{ to bind parameters in")
        block = "\n  " + "\n  ".join(rows)
        return self.text[: match.end()] + block + self.text[match.end() :]


def _strip_comments(text: str) -> str:
    return "\n".join(_COMMENT.sub("", line) for line in text.splitlines()).rstrip()


def parse_header(text: str) -> dict[str, Any]:
    lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    if not lines:
        return {}
    loaded = yaml.safe_load("\n".join(line[1:] if line.startswith(" ") else line for line in lines))
    if not isinstance(loaded, dict):
        raise ValueError("the #+ header is not a YAML mapping")
    return loaded


def load_view(path: Path) -> View:
    text = path.read_text(encoding="utf-8")
    try:
        header = parse_header(text)
    except (yaml.YAMLError, ValueError) as error:
        raise ValueError(f"{path.name}: bad #+ header: {error}") from error
    params: list[Param] = []
    for name, spec in (header.get("params") or {}).items():
        spec = spec or {}
        params.append(
            Param(
                name=str(name),
                type=str(spec.get("type", "iri")),
                klass=spec.get("class"),
                required=bool(spec.get("required", False)),
            )
        )
    return View(
        name=path.stem,
        path=path,
        text=text,
        title=str(header.get("title", path.stem)),
        params=tuple(params),
    )


def load_views(directory: Path = DEFAULT_DIR) -> list[View]:
    """Every ``*.rq`` file of ``directory``, sorted by name."""
    paths = sorted(directory.glob("*.rq"))
    if not paths:
        raise ValueError(f"no *.rq files in {directory}")
    return [load_view(path) for path in paths]


def expand_curie(curie: str, text: str) -> str:
    """Expand ``prefix:local`` with the view's own PREFIX lines."""
    prefix, _, local = curie.partition(":")
    match = re.search(rf"PREFIX\s+{re.escape(prefix)}:\s*<([^>]*)>", text, re.IGNORECASE)
    if match is None:
        raise ValueError(f"prefix {prefix!r} is not declared in the view")
    return match.group(1) + local


def example_query(view: View) -> str | None:
    """A SPARQL query that picks an example value for the view's single required parameter.

    The example is the instance of the parameter's class most often referred to by an
    activity (for a partner: the partner with the most activities).
    """
    required = [p for p in view.params if p.required]
    if not required:
        return None
    if len(required) > 1:
        raise ValueError(f"{view.name}: the bench binds at most one required parameter")
    param = required[0]
    if param.klass is None:
        raise ValueError(f"{view.name}: parameter {param.name} has no class to pick from")
    klass = expand_curie(param.klass, view.text) if ":" in param.klass else param.klass
    return (
        "SELECT ?v (COUNT(*) AS ?n) WHERE { "
        f"?v a <{klass}> . ?a a <https://w3id.org/kringloop/def#Activiteit> ; ?p ?v . "
        "} GROUP BY ?v ORDER BY DESC(?n) ?v LIMIT 1"
    )
