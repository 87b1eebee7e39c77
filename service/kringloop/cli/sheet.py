"""``kringloop sheet YEAR --out FILE``: the progress sheet of a year, to fill in.

Filled in with the records and indicator values of YEAR stored in the data directory (what
``kringloop import`` or the Graph Store protocol stored), one row per activity of the
agenda. ``.xlsx`` gives one workbook (progress, indicators, explanation, dropdowns);
``.csv`` gives the progress sheet, and when indicators are defined also the indicator sheet
next to it (``NAME-indicatoren.csv``). Fill it in and read it back with ``kringloop
import``. Exit codes: 0 written, 2 error (a bad year or file name, an unwritable file).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from kringloop.durable import atomic_write
from kringloop.errors import EXIT_OK, BadRequestError
from kringloop.monitoring.importing import export_sheet, stored_indicators
from kringloop.monitoring.importplan import check_year
from kringloop.services import build_writer
from kringloop.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sheet",
        help="the progress spreadsheet of a year (.xlsx or .csv), to fill in and import",
        description=__doc__.split("\n\n", 1)[1].replace("``", "") if __doc__ else None,
    )
    parser.add_argument("year", metavar="YEAR", type=int, help="the reporting year, e.g. 2021")
    parser.add_argument(
        "--out", metavar="FILE", type=Path, required=True, help="write to FILE (.xlsx or .csv)"
    )
    parser.add_argument(
        "--delimiter",
        choices=(",", ";"),
        default=",",
        help="the CSV separator (';' for Dutch Excel; default ',')",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory (default: the data_dir setting)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    year = check_year(args.year)
    out: Path = args.out
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise BadRequestError(f"--out must end in .xlsx or .csv, not {out.name}")
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    writer = build_writer(settings, None)
    files = {out: export_sheet(writer, year, suffix[1:], delimiter=args.delimiter)}
    if suffix == ".csv" and stored_indicators(writer)[0]:
        beside = out.with_name(f"{out.stem}-indicatoren.csv")
        files[beside] = export_sheet(writer, year, "indicatoren.csv", delimiter=args.delimiter)
    for path, body in files.items():
        try:
            atomic_write(path, body)
        except OSError as error:
            raise BadRequestError(f"cannot write {path}: {error.strerror}") from error
        print(f"blad {year} geschreven: {path} ({len(body)} bytes)")
    print(f"vul het in en lees het in met: kringloop import {out} --year {year}")
    return EXIT_OK
