"""The static HTML rendering of the publication, for ``kringloop export``.

Every page is rendered by the real app (its test client) over a running engine, in Dutch,
then its links are rewritten so that a plain static web server serves them:

- ``/doc/{rest}`` (``.html``, ``?lang=nl``) -> ``doc/{rest}.html``; page N of its inverse
  links (``?pagina=N``) -> ``doc/{rest}.pagina-N.html`` (``rest`` has no dots, so these
  never meet another resource's file);
- ``/def`` -> ``def/index.html`` (anchors kept); ``/dumps/`` -> ``dumps/index.html``;
  ``/dumps/{file}``, ``/context.jsonld``, ``/static/{file}`` -> the same path;
  ``/catalogus`` -> ``catalogus.ttl``;
- everything else of ours (the resource's RDF formats, English pages, search, views,
  the SPARQL endpoint) -> an absolute link to the live service at ``base``.

Links are written relative to the page, so the folder can be hosted below any path.
Which IRI has which page stays :func:`kringloop.resources.local_path`'s decision: the
pages already link ``/doc/...`` through it; this module only maps service paths to files.
"""

from __future__ import annotations

import html
import posixpath
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask

from kringloop.errors import ConfigurationError
from kringloop.resources import local_path

LANGUAGE = "nl"
_ATTRIBUTE = re.compile(r'(?P<name>\b(?:href|src|action))="(?P<url>[^"]*)"')
_DOC = re.compile(r"^/doc/(?P<rest>[a-z0-9-]+(?:/[a-z0-9-]+)*)(?:\.html)?$")
_DUMP = re.compile(r"^/dumps/[A-Za-z0-9._-]+$")
_STATIC = re.compile(r"^/static/[A-Za-z0-9._-]+$")


def page_file(url: str, resources: frozenset[str]) -> str | None:
    """The exported file (relative to the export folder) for a root-relative service URL,
    with its ``#fragment``; None when the export does not hold it. ``resources`` are the
    ``rest`` of the resources whose pages are exported (a page may link an IRI of ours
    that has no page, e.g. a graph without statements: that link stays live)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if query.pop("lang", LANGUAGE) != LANGUAGE:
        return None
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    path = parts.path
    doc = _DOC.match(path)
    if doc is not None:
        page = query.pop("pagina", "1")
        if (
            query
            or not (page.isascii() and page.isdigit())
            or int(page) < 1
            or doc["rest"] not in resources
        ):
            return None
        suffix = "" if int(page) == 1 else f".pagina-{int(page)}"
        return f"doc/{doc['rest']}{suffix}.html{fragment}"
    if query:
        return None
    if path in ("/def", "/def.html"):
        return f"def/index.html{fragment}"
    if path == "/dumps/":
        return f"dumps/index.html{fragment}"
    if path in ("/catalogus", "/catalog"):
        return "catalogus.ttl"
    if path == "/context.jsonld" or _DUMP.match(path) or _STATIC.match(path):
        return path[1:] + fragment
    return None


def rewrite_links(
    text: str, page: str, base: str, resources: frozenset[str]
) -> tuple[str, list[str]]:
    """``text`` (a page that will live at ``page``) with its links made static, and the
    service URLs of the exported pages it links to (to render them in turn)."""
    wanted: list[str] = []

    def replace(match: re.Match[str]) -> str:
        url = html.unescape(match["url"])
        target = page_file(url, resources)
        if target is not None:
            file_part, _hash, fragment = target.partition("#")
            if file_part.endswith(".html"):
                wanted.append(url.split("#")[0])
            relative = posixpath.relpath(file_part, posixpath.dirname(page) or ".")
            new = relative + (f"#{fragment}" if fragment else "")
        elif url.startswith("/") and not url.startswith("//"):
            new = base.rstrip("/") + url
        else:
            new = url
        return f'{match["name"]}="{html.escape(new, quote=True)}"'

    return _ATTRIBUTE.sub(replace, text), wanted


def export_pages(
    app: Flask,
    out: Path,
    iris: list[str],
    base: str,
    write: Callable[[Path, bytes], Path],
) -> list[Path]:
    """Render the page of every IRI in ``iris``, every inverse-link page they link,
    ``/def`` and ``/dumps/`` into ``out``; copy the static files. The paths written."""
    start = ["/def", "/dumps/"]
    for iri in iris:
        local = local_path(iri)
        if local is None or not local.startswith("/doc/"):
            raise ConfigurationError(f"{iri} has no resource page")
        start.append(local)
    resources = frozenset(url[len("/doc/") :] for url in start[2:])
    written: list[Path] = []
    seen: set[str] = set()
    queue = list(start)
    client = app.test_client()
    while queue:
        url = queue.pop()
        target = page_file(url, resources)
        if target is None or target in seen:
            continue
        seen.add(target)
        response = client.get(_in_language(url))
        if response.status_code != 200:
            raise ConfigurationError(f"{url} answered {response.status_code} during the export")
        text, linked = rewrite_links(response.get_data(as_text=True), target, base, resources)
        written.append(write(out / target, text.encode("utf-8")))
        queue.extend(linked)
    written.extend(_copy_static(app, out / "static"))
    return written


def _in_language(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"]
    return f"{parts.path}?{urlencode([*query, ('lang', LANGUAGE)])}"


def _copy_static(app: Flask, folder: Path) -> list[Path]:
    source = Path(app.static_folder or "")
    if not source.is_dir():
        raise ConfigurationError(f"the app's static folder {source} is missing")
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for path in sorted(source.iterdir()):
        if path.is_file():
            copied.append(Path(shutil.copyfile(path, folder / path.name)))
    return copied
