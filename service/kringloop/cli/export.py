"""``kringloop export --out DIR``: the publication as static files.

Writes the same files the service offers, under the same paths, so ``DIR`` can be
hosted as it is: ``dumps/<file>`` (every RDF dump and CSV table), ``context.jsonld``,
and the DCAT catalogue as ``catalogus.<suffix>`` in every RDF format, all made from the
bundled files as the service makes them; then the static HTML site
(:mod:`kringloop.web.staticsite`): every minted resource's page ``doc/<path>.html``,
``def/index.html``, ``dumps/index.html`` and ``static/``. The pages are rendered by the
real app over a managed Oxigraph server that the export starts on loopback in a temporary
folder, loads with the bundled graphs (as ``kringloop serve`` does) and stops at the end;
``--no-pages`` skips them (and the engine). Exit codes: 0 ok, 2 error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kringloop.catalogue import (
    CATALOGUE_PREFIXES,
    as_oxigraph,
    build_catalogue,
    modification_dates,
    triple_counts,
)
from kringloop.dumps import (
    CSV_TABLES,
    all_dumps,
    json_ld_context,
    load_publication,
    serialize_dump,
    table_csv,
)
from kringloop.endpoint import serialize_triples
from kringloop.errors import EXIT_OK, BadRequestError
from kringloop.formats import Kind, formats_of
from kringloop.localstore import load_bundled_store
from kringloop.views import load_views
from kringloop.vocab import BASE

#: Subjects of the bundled data that have a resource page.
MINTED_QUERY = f"""SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/")) }} ORDER BY ?s"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write every dump, the CSV tables and the DCAT catalogue as static files",
        description=(
            "Write the publication's files (dumps/, context.jsonld, catalogus.*) and its static "
            "HTML pages (doc/, def/, dumps/index.html, static/) to DIR. "
            "Exit codes: 0 ok, 2 error."
        ),
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="directory to write")
    parser.add_argument(
        "--force", action="store_true", help="write into DIR even when it is not empty"
    )
    parser.add_argument(
        "--base",
        default=BASE,
        metavar="URL",
        help=f"public base address the catalogue's links use (default {BASE})",
    )
    parser.add_argument(
        "--pages",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also write the static HTML pages (needs the oxigraph binary; default: yes)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    base = _check_base(args.base)
    _prepare(out, force=args.force)
    written = export(out, base)
    if args.pages:
        written.extend(export_pages(out, base))
    total = sum(path.stat().st_size for path in written)
    print(f"wrote {len(written)} files ({total} bytes) to {out}", file=sys.stderr)
    return EXIT_OK


def export(out: Path, base: str = BASE) -> list[Path]:
    """Write every file into ``out`` (which exists); return the paths written."""
    written: list[Path] = []
    publication = load_publication()
    store = load_bundled_store()
    for dump in all_dumps():
        written.append(_write(out / "dumps" / dump.file_name, serialize_dump(dump, publication)))
    for table in CSV_TABLES:
        written.append(_write(out / "dumps" / table.file_name, table_csv(table, store)))
    context = json.dumps({"@context": json_ld_context()}, indent=2).encode("utf-8")
    written.append(_write(out / "context.jsonld", context))
    graph = build_catalogue(triple_counts(store), load_views(), modification_dates(), base)
    triples = as_oxigraph(graph)
    for output in formats_of(Kind.RDF):
        if output.name in ("trig", "nq"):
            continue  # the catalogue is one graph
        body = serialize_triples(triples, output, extra_prefixes=CATALOGUE_PREFIXES)
        written.append(_write(out / f"catalogus.{output.suffix}", body))
    return written


def minted_iris(store: ox.Store) -> list[str]:
    """Every ``id/`` IRI the bundled data mints (as a subject)."""
    solutions = store.query(MINTED_QUERY)
    assert isinstance(solutions, ox.QuerySolutions)
    return [str(row["s"].value) for row in solutions if isinstance(row["s"], ox.NamedNode)]


def export_pages(out: Path, base: str = BASE) -> list[Path]:
    """Render the static HTML site into ``out`` over a managed engine started for it."""
    from kringloop import create_app
    from kringloop.resources import prime_findings
    from kringloop.settings import Settings
    from kringloop.supervisor import Supervisor
    from kringloop.web.staticsite import export_pages as render_pages

    iris = minted_iris(load_bundled_store())
    with tempfile.TemporaryDirectory(prefix="kringloop-export-") as folder:
        # The export renders every page through the app itself: no per-client limit applies.
        flags = {
            "data_dir": folder,
            "engine_query_url": "",
            "log_level": "warning",
            "rate_limit_queries": 0,
            "rate_limit_pages": 0,
            "rate_limit_writes": 0,
        }
        supervisor = Supervisor(Settings.load(flags, os.environ), out=lambda _text: None)
        try:
            app = create_app(supervisor.start_engine())
            prime_findings(iris)
            return render_pages(app, out, iris, base, _write)
        finally:
            supervisor.stop()


def _check_base(base: str) -> str:
    if not base.startswith(("http://", "https://")) or any(c in base for c in '<>" {}|\\^`'):
        raise BadRequestError(f"--base must be an http(s) URL, not {base[:80]!r}")
    return base if base.endswith("/") else base + "/"


def _prepare(out: Path, *, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise BadRequestError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise BadRequestError(f"{out} is not empty; use --force to write into it anyway")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BadRequestError(f"cannot create {out}: {error.strerror or error}") from None


def _write(path: Path, body: bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    except OSError as error:
        raise BadRequestError(f"cannot write {path}: {error.strerror or error}") from None
    return path
