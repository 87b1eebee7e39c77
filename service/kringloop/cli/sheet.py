"""``kringloop sheet YEAR --out FILE``: the progress sheet of a year, to fill in.

The sheet holds the records and indicator values of YEAR stored in the data directory
(what ``kringloop import`` or the Graph Store protocol stored), one row per activity of the
agenda. ``.xlsx`` gives one workbook (progress, indicators, explanation, dropdowns);
``.csv`` gives the progress sheet, and when indicators are defined also the indicator sheet
next to it (``NAME-indicatoren.csv``). Fill it in and read it back with ``kringloop
import``. ``--edition REF`` writes edition REF's sheet instead (one row per activity: name,
theme, grouping, column, Kringloop's interpretations), to change and import as a new
edition with ``kringloop import FILE --edition NEW``. Exit codes: 0 written, 2 error (a bad
year or file name, an unwritable file).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kringloop.durable import atomic_write
from kringloop.editions import load_edition_content
from kringloop.editionsheet import export_edition_csv, export_edition_xlsx
from kringloop.errors import EXIT_OK, BadRequestError
from kringloop.monitoring.importing import export_sheet, stored_indicators
from kringloop.monitoring.importplan import check_year
from kringloop.services import build_writer
from kringloop.settings import Settings

if TYPE_CHECKING:
    from kringloop.graphstore.writes import GraphWriter


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sheet",
        help="the progress spreadsheet of a year (.xlsx or .csv), to fill in and import",
        description=__doc__.split("\n\n", 1)[1].replace("``", "") if __doc__ else None,
    )
    parser.add_argument(
        "year", metavar="YEAR", type=int, nargs="?", help="the reporting year, e.g. 2021"
    )
    parser.add_argument(
        "--edition",
        metavar="REF",
        help="write this agenda edition's sheet instead (e.g. 2021-2022)",
    )
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
    if (args.year is None) == (args.edition is None):
        raise BadRequestError("give either a YEAR (progress sheet) or --edition REF, not both")
    out: Path = args.out
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise BadRequestError(f"--out must end in .xlsx or .csv, not {out.name}")
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    writer = build_writer(settings, None)
    if args.edition is not None:
        return _edition_sheet(writer, args.edition, out, args.delimiter)
    year = check_year(args.year)
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


def _edition_sheet(writer: GraphWriter, ref: str, out: Path, delimiter: str) -> int:
    content = load_edition_content(writer, ref)
    if out.suffix.lower() == ".xlsx":
        body = export_edition_xlsx(content)
    else:
        body = export_edition_csv(content, delimiter=delimiter)
    _write(out, body)
    print(f"blad van editie {ref} geschreven: {out} ({len(body)} bytes)")
    print(f"verander het en lees het in met: kringloop import {out} --edition NIEUW --from {ref}")
    return EXIT_OK


def _write(path: Path, body: bytes) -> None:
    try:
        atomic_write(path, body)
    except OSError as error:
        raise BadRequestError(f"cannot write {path}: {error.strerror}") from error
