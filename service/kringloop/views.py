"""The curated views of ``queries/*.rq``: THE loader of their ``#+`` headers.

Each file is a valid SPARQL query with a grlc-style header of ``#+`` comment lines
holding YAML (the format is documented in ``docs/views.md``)::

    #+ title: Activiteiten per thema
    #+ title_en: Activities per theme
    #+ description: Alle activiteiten van een thema ...
    #+ description_en: Every activity of a theme ...
    #+ params:
    #+   thema: {type: iri, class: kl:Thema, required: true}
    #+ tags: [agenda]
    #+ checks:
    #+   - {params: {thema: "https://..."}, min_rows: 10}
    #+ federated: yes     # also ask every registered partner endpoint (kringloop.federation)

The file name (without ``.rq``) is the view's name and URL segment. Everything is
checked when the views are loaded: the header's keys and types, each parameter's
declaration (:mod:`kringloop.viewparams`), the checks, and the query itself (parsed
by Oxigraph, also with every parameter bound). A broken file raises
:class:`ConfigurationError` naming the file and the reason, so start-up stops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from kringloop.errors import ConfigurationError
from kringloop.paths import project_root
from kringloop.viewchecks import Check, parse_checks
from kringloop.viewparams import Param, bind_values, parse_param, sample_values

HEADER_MARK = "#+"
#: Languages a title or description may be given in; the first is the default.
LANGUAGES = ("nl", "en")
KNOWN_KEYS = frozenset(
    {
        "title",
        "title_en",
        "description",
        "description_en",
        "params",
        "tags",
        "chart",
        "checks",
        "federated",
    }
)
#: The query forms a view may have: a table (SELECT) or a graph (CONSTRUCT).
FORMS = ("SELECT", "CONSTRUCT")
#: One part of a query's prologue: white space, a comment, a PREFIX or BASE declaration.
_PROLOGUE_PART = re.compile(
    r"\s+|#[^\n]*|(?i:PREFIX)\s+[A-Za-z0-9_.-]*:\s*<[^<>\s]*>|(?i:BASE)\s*<[^<>\s]*>"
)
_FORM_KEYWORD = re.compile(r"(?i)(SELECT|CONSTRUCT|DESCRIBE|ASK)\b")
#: Chart types and their (required, optional) keys; each names a variable of the query
#: (``y`` of a bar chart may be a list: one series each; or ``series`` names a column whose
#: values are the series, for a "long" table). A network takes none.
CHART_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bar": (("x", "y"), ("code", "series")),
    "heatmap": (("x", "y", "value"), ()),
    "network": ((), ()),
}
MAX_BAR_SERIES = 3
#: Request parameters the view URLs use themselves; no view parameter may take these names.
RESERVED_PARAMS = frozenset({"page", "size", "lang", "bom", "format"})
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class View:
    """One curated view: its header, its query text and what the query is."""

    name: str
    title: str
    description: str
    text: str
    form: str = "SELECT"
    title_en: str | None = None
    description_en: str | None = None
    params: tuple[Param, ...] = ()
    tags: tuple[str, ...] = ()
    chart: dict[str, Any] | None = None
    checks: tuple[Check, ...] = field(default=())
    #: ``federated: yes``: also asked of every registered partner endpoint (``federation``).
    federated: bool = False

    def title_in(self, language: str) -> tuple[str, str]:
        """The title in ``language`` if the header has it, else the Dutch one; and its language."""
        if language == "en" and self.title_en:
            return self.title_en, "en"
        return self.title, "nl"

    def description_in(self, language: str) -> tuple[str, str]:
        """Like :meth:`title_in`, for the description (empty when the header has none)."""
        if language == "en" and self.description_en:
            return self.description_en, "en"
        return self.description, "nl"

    def param(self, name: str) -> Param | None:
        for param in self.params:
            if param.name == name:
                return param
        return None


def default_directory() -> Path:
    return project_root() / "queries"


def load_views(directory: Path | None = None) -> tuple[View, ...]:
    """Every ``*.rq`` file of ``directory`` (default: the project's ``queries/``), by name."""
    folder = directory if directory is not None else default_directory()
    if not folder.is_dir():
        raise ConfigurationError(f"the curated queries directory {folder} does not exist")
    return tuple(load_view(path) for path in sorted(folder.glob("*.rq")))


def load_view(path: Path) -> View:
    """One view file; :class:`ConfigurationError` naming the file if it is broken."""
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigurationError(f"{path.name}: not valid UTF-8 ({error.reason})") from None
    try:
        return parse_view(path.stem, content)
    except ValueError as error:
        raise ConfigurationError(f"{path.name}: {error}") from None


def split_header(content: str) -> tuple[dict[str, Any], str]:
    """The header of a ``.rq`` text as a mapping, and the query below it."""
    lines = content.splitlines()
    count = 0
    while count < len(lines) and lines[count].startswith(HEADER_MARK):
        count += 1
    for number, line in enumerate(lines[count:], start=count + 1):
        if line.startswith(HEADER_MARK):
            raise ValueError(f"line {number}: a {HEADER_MARK} line below the header")
    query = "\n".join(lines[count:]).strip("\n")
    if count == 0:
        raise ValueError(f"no {HEADER_MARK} header (it needs at least a title)")
    yaml_text = "\n".join(_unmark(line) for line in lines[:count])
    try:
        header = yaml.safe_load(yaml_text)
    except yaml.YAMLError as error:
        raise ValueError(f"the {HEADER_MARK} header is not valid YAML: {error}") from None
    if not isinstance(header, dict):
        raise ValueError(f"the {HEADER_MARK} header is not a YAML mapping of keys to values")
    return header, query


def parse_view(name: str, content: str) -> View:
    """A view from its name and file content; :class:`ValueError` saying what is wrong."""
    if not _NAME.match(name):
        raise ValueError("the file name must be lowercase letters, digits and '-' (+ .rq)")
    header, query = split_header(content)
    unknown = sorted(str(key) for key in header if key not in KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS))
        raise ValueError(f"unknown header key(s) {', '.join(unknown)}; known: {known}")
    if "title" not in header:
        raise ValueError("the header has no title")
    if not query.strip():
        raise ValueError("no query below the header")
    title = _text(header, "title", required=True)
    texts = {key: _text(header, key) for key in ("title_en", "description", "description_en")}
    tags = _tags(header.get("tags"))
    params = _params(header.get("params"), query)
    form = _form(query, params)
    chart = _chart(header.get("chart"), query, form)
    checks = parse_checks(header.get("checks"), params)
    federated = header.get("federated", False)
    if not isinstance(federated, bool):
        raise ValueError("federated must be yes or no")
    if federated and form != "SELECT":
        raise ValueError("a federated view is a SELECT query (rows get a source column)")
    return View(
        name=name,
        title=title,
        title_en=texts["title_en"] or None,
        description=texts["description"],
        description_en=texts["description_en"] or None,
        text=query,
        form=form,
        params=params,
        tags=tags,
        chart=chart,
        checks=checks,
        federated=federated,
    )


def _unmark(line: str) -> str:
    rest = line[len(HEADER_MARK) :]
    return rest[1:] if rest.startswith(" ") else rest


def _text(header: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = header.get(key)
    if value is None:
        if required:
            raise ValueError(f"{key} is empty")
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text, not {type(value).__name__}")
    if required and not value.strip():
        raise ValueError(f"{key} is empty")
    return value.strip()


def _params(value: object, query: str) -> tuple[Param, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ValueError("params must map each variable name to its declaration")
    params: list[Param] = []
    for key, spec in value.items():
        if not isinstance(key, str) or not _VARIABLE.match(key):
            raise ValueError(f"params: {key!r} is not a SPARQL variable name")
        if spec is not None and not isinstance(spec, dict):
            raise ValueError(f"params: the declaration of {key} must be a mapping")
        if key in RESERVED_PARAMS:
            reserved = ", ".join(sorted(RESERVED_PARAMS))
            raise ValueError(f"params: {key} is reserved for the view URLs ({reserved})")
        if not re.search(rf"[?$]{key}(?![A-Za-z0-9_])", query):
            raise ValueError(f"params: the query never uses ?{key}")
        params.append(parse_param(key, spec or {}))
    return tuple(params)


def _form(query: str, params: tuple[Param, ...]) -> str:
    """The query's form, after checking that it parses with and without its parameters.

    Oxigraph's own parser checks the text (an empty in-memory store runs it, which costs
    microseconds), so a view is valid for exactly the engine that will answer it.
    """
    store = ox.Store()
    for text in (query, bind_values(query, sample_values(params))) if params else (query,):
        try:
            store.query(text)
        except SyntaxError as error:
            reason = " ".join(str(error).split())[:300]
            raise ValueError(f"the query is not valid SPARQL: {reason}") from None
    position = 0
    while match := _PROLOGUE_PART.match(query, position):
        position = match.end()
    keyword = _FORM_KEYWORD.match(query, position)
    form = keyword.group(1).upper() if keyword else "?"
    if form not in FORMS:
        raise ValueError(f"a view is a {' or '.join(FORMS)} query, not {form}")
    return form


def _chart(value: object, query: str, form: str) -> dict[str, Any] | None:
    """The ``chart`` header, checked against :data:`CHART_KEYS` and the query's variables."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("chart must be a mapping, e.g. {type: bar, x: label, y: count}")
    kind = value.get("type")
    if kind not in CHART_KEYS:
        raise ValueError(f"chart: type must be one of {', '.join(CHART_KEYS)}, not {kind!r}")
    wanted_form = "CONSTRUCT" if kind == "network" else "SELECT"
    if form != wanted_form:
        raise ValueError(f"chart: a {kind} chart draws a {wanted_form} view, this is {form}")
    required, optional = CHART_KEYS[kind]
    unknown = sorted(str(key) for key in value if key != "type" and key not in required + optional)
    if unknown:
        allowed = ", ".join(("type", *required, *optional))
        listed = ", ".join(unknown)
        raise ValueError(f"chart: unknown key(s) {listed}; a {kind} chart takes {allowed}")
    for key in (*required, *optional):
        if key not in value:
            if key in required:
                raise ValueError(f"chart: a {kind} chart needs {key}")
            continue
        names = value[key] if key == "y" and isinstance(value[key], list) else [value[key]]
        if not names or (kind == "bar" and key == "y" and len(names) > MAX_BAR_SERIES):
            raise ValueError(f"chart: y takes 1 to {MAX_BAR_SERIES} variables")
        for name in names:
            if not isinstance(name, str) or not _VARIABLE.match(name):
                raise ValueError(f"chart: {key} must name a variable of the query, not {name!r}")
            if not re.search(rf"[?$]{name}(?![A-Za-z0-9_])", query):
                raise ValueError(f"chart: {key}: the query has no ?{name}")
    if "series" in value and not isinstance(value["y"], str):
        raise ValueError("chart: with series (one bar per value of a column) y is one variable")
    return value


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValueError("tags must be a list of words, e.g. [agenda, partners]")
    return tuple(value)
