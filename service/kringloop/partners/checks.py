"""Checks of what the administrator enters for a partner; each failure says what is wrong."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from kringloop.errors import BadRequestError
from kringloop.partners.model import (
    ADMIN,
    PROVINCE_GRAPHS,
    default_graph,
    default_namespace,
    is_province_graph,
)
from kringloop.vocab import BASE

REF_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_REF = 60
MAX_TEXT = 200
MAX_IRI = 2000
#: Characters an IRI may not contain (RFC 3987 excludes them; Turtle cannot write them).
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def check_ref(ref: str) -> str:
    if ref == ADMIN:
        raise BadRequestError(f"partner reference {ref!r} is reserved for the administrator")
    if len(ref) > MAX_REF or not REF_PATTERN.match(ref):
        raise BadRequestError(
            f"partner reference {ref!r} is not valid: use lowercase letters, digits and "
            f"single hyphens (regex {REF_PATTERN.pattern}), at most {MAX_REF} characters"
        )
    return ref


def check_text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise BadRequestError(f"{what} must not be empty")
    if len(text) > MAX_TEXT:
        raise BadRequestError(f"{what} is longer than {MAX_TEXT} characters")
    if any(unicodedata.category(char).startswith("C") for char in text):
        raise BadRequestError(f"{what} contains control characters")
    return text


def check_iri(value: str, what: str, noun: str = "IRI") -> str:
    """An absolute http(s) IRI with a host, without userinfo or forbidden characters."""
    if len(value) > MAX_IRI:
        raise BadRequestError(f"{what} is longer than {MAX_IRI} characters")
    if _IRI_FORBIDDEN.search(value) or any(
        unicodedata.category(char).startswith("C") for char in value
    ):
        raise BadRequestError(
            f"{what} {value!r} contains spaces or characters not allowed in an {noun}"
        )
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError as error:
        raise BadRequestError(f"{what} {value!r} is not a valid {noun}: {error}") from error
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BadRequestError(f"{what} {value!r} must be an absolute http:// or https:// {noun}")
    if parts.username is not None or parts.password is not None:
        raise BadRequestError(f"{what} {value!r} must not contain a user name or password")
    return value


def check_url(value: str, what: str) -> str:
    """An http(s) URL to fetch from: as :func:`check_iri`, and without a fragment."""
    check_iri(value, what, "URL")
    if "#" in value:
        raise BadRequestError(f"{what} {value!r} must not contain a fragment (#...)")
    return value


def check_email(value: str) -> str:
    text = value.strip()
    if len(text) > MAX_TEXT or not _EMAIL.match(text):
        raise BadRequestError(f"contact e-mail {value!r} is not a valid e-mail address")
    return text


def check_graph(ref: str, graph: str) -> str:
    """A graph IRI that partner ``ref`` may own (another owner is checked elsewhere)."""
    check_iri(graph, "graph IRI")
    if graph in PROVINCE_GRAPHS or is_province_graph(graph):
        raise BadRequestError(
            f"graph <{graph}> is a province graph in Kringloop's own namespace {BASE}; "
            "no partner can own it"
        )
    own = (default_graph(ref), default_namespace(ref))
    if graph.startswith(BASE) and graph != own[0] and not graph.startswith(own[1]):
        raise BadRequestError(
            f"graph <{graph}> lies in Kringloop's own namespace {BASE}; a partner's graph "
            f"there must be <{own[0]}> or lie under <{own[1]}>"
        )
    return graph


def check_namespace(ref: str, namespace: str) -> str:
    """A namespace partner ``ref`` may mint subjects in: ends with / or #, not ours."""
    check_iri(namespace, "namespace")
    if not namespace.endswith(("/", "#")):
        raise BadRequestError(f"namespace {namespace!r} must end with '/' or '#'")
    own = default_namespace(ref)
    if (namespace.startswith(BASE) or BASE.startswith(namespace)) and not namespace.startswith(own):
        raise BadRequestError(
            f"namespace {namespace!r} overlaps Kringloop's own namespace {BASE}; "
            f"a partner's namespace there must lie under {own}"
        )
    return namespace


def overlapping(first: str, second: str) -> bool:
    """Whether one namespace contains the other."""
    return first.startswith(second) or second.startswith(first)
