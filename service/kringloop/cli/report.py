"""``kringloop report YEAR``: the December progress report as PDF or HTML.

Reads the edition's activities and interpretations from the bundled files and the year's
progress records and indicator values from the data directory's version store (what
``kringloop import`` or the Graph Store protocol stored), so it works with or without a
running service. ``--out`` names the file; its suffix (``.pdf`` or ``.html``) chooses the
format unless ``--format`` does; without ``--out`` the HTML goes to standard output.
Exit codes: 0 ok, 2 error (a bad year, an unwritable file, stored records that do not read).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from kringloop.durable import atomic_write
from kringloop.errors import EXIT_OK, BadRequestError
from kringloop.monitoring.reportrender import render_html, render_pdf
from kringloop.monitoring.reportsource import report_for
from kringloop.services import build_writer
from kringloop.settings import Settings

#: Years a report may cover: the agenda starts in 2021.
FIRST_YEAR, LAST_YEAR = 2021, 2100


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="the December progress report of a year, as PDF or HTML",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("year", metavar="YEAR", type=int, help="the reporting year, e.g. 2021")
    parser.add_argument("--out", metavar="FILE", type=Path, help="write to FILE (.pdf or .html)")
    parser.add_argument("--format", choices=("pdf", "html"), help="default: from --out's suffix")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl", help="headings' language")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory (default: the data_dir setting)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not FIRST_YEAR <= args.year <= LAST_YEAR:
        raise BadRequestError(
            f"YEAR must lie between {FIRST_YEAR} and {LAST_YEAR}, not {args.year}"
        )
    kind = args.format or _format_of(args.out)
    if kind == "pdf" and args.out is None:
        raise BadRequestError("a PDF needs --out FILE")
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    report = report_for(build_writer(settings, None), args.year)
    html = render_html(report, args.lang)
    body = render_pdf(html) if kind == "pdf" else html.encode("utf-8")
    if args.out is None:
        sys.stdout.write(html)
        return EXIT_OK
    try:
        atomic_write(args.out, body)
    except OSError as error:
        raise BadRequestError(f"cannot write {args.out}: {error.strerror}") from error
    print(
        f"report {args.year}: {report.recorded} of {len(report.entries)} activities with a "
        f"record, {len(report.indicators)} indicator(s) -> {args.out} ({kind}, {len(body)} bytes)"
    )
    return EXIT_OK


def _format_of(out: Path | None) -> str:
    if out is None:
        return "html"
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise BadRequestError(f"--out must end in .pdf or .html (or give --format), not {out.name}")
    return "pdf" if suffix == ".pdf" else "html"
