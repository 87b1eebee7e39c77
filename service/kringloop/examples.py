"""The curated queries of ``queries/*.rq`` as examples: name, titles, descriptions, text.

Each file starts with a grlc-style header: ``#+`` comment lines holding YAML::

    #+ title: Activiteiten per thema
    #+ title_en: Activities per theme
    #+ description: Hoeveel activiteiten elk thema heeft ...
    #+ description_en: How many activities each theme has ...
    #+ params:
    #+   thema: {type: iri, class: kl:Thema, required: true}
    #+ tags: [agenda]

``title`` (Dutch) is required; ``title_en``, ``description``, ``description_en``,
``params`` and ``tags`` are optional. The example text is the query below the header,
as written (a parameter stays an unbound variable the user can fix by editing). A file
whose header cannot be read raises :class:`ConfigurationError` naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kringloop.errors import ConfigurationError
from kringloop.paths import project_root

HEADER_MARK = "#+"
#: Languages a title or description may be given in; the first is the default.
LANGUAGES = ("nl", "en")
KNOWN_KEYS = frozenset({"title", "title_en", "description", "description_en", "params", "tags"})
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Example:
    """One curated query, ready to be offered on the query page."""

    name: str
    title: str
    description: str
    text: str
    title_en: str | None = None
    description_en: str | None = None
    params: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

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


def default_directory() -> Path:
    return project_root() / "queries"


def load_examples(directory: Path | None = None) -> tuple[Example, ...]:
    """Every ``*.rq`` file of ``directory`` (default: the project's ``queries/``), by name."""
    folder = directory if directory is not None else default_directory()
    if not folder.is_dir():
        raise ConfigurationError(f"the curated queries directory {folder} does not exist")
    return tuple(load_example(path) for path in sorted(folder.glob("*.rq")))


def load_example(path: Path) -> Example:
    """One curated query file; :class:`ConfigurationError` naming the file if it is broken."""
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigurationError(f"{path.name}: not valid UTF-8 ({error.reason})") from None
    try:
        return _example(path.stem, content)
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


def _unmark(line: str) -> str:
    rest = line[len(HEADER_MARK) :]
    return rest[1:] if rest.startswith(" ") else rest


def _example(name: str, content: str) -> Example:
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
    return Example(
        name=name,
        title=_text(header, "title", required=True),
        title_en=_text(header, "title_en") or None,
        description=_text(header, "description"),
        description_en=_text(header, "description_en") or None,
        text=query,
        params=_params(header.get("params")),
        tags=_tags(header.get("tags")),
    )


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


def _params(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ValueError("params must map each variable name to its declaration")
    names: list[str] = []
    for key, spec in value.items():
        if not isinstance(key, str) or not _VARIABLE.match(key):
            raise ValueError(f"params: {key!r} is not a SPARQL variable name")
        if spec is not None and not isinstance(spec, dict):
            raise ValueError(f"params: the declaration of {key} must be a mapping")
        names.append(key)
    return tuple(names)


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValueError("tags must be a list of words, e.g. [agenda, partners]")
    return tuple(value)
