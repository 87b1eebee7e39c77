"""``kringloop import FILE --year YEAR``: read a filled-in progress sheet into the store.

FILE is a sheet from ``kringloop sheet`` or the web page ``/voortgang`` (.xlsx, or the
.csv of the progress or of the indicator sheet). With errors, every one is printed
(sheet, row, column) and nothing changes. Otherwise the preview: how many records and
values are new, changed or removed (a stored record whose row has no status), one line per
change with old -> new; then, after "Doorvoeren? [j/N]" (or at once with --yes), both
graphs are written in one step, checked against the shapes. --dry-run only previews.
While ``kringloop serve`` runs on the same data directory its engine gets the graphs at
once; otherwise they are loaded at its next start. Exit codes: 0 written (or nothing to
do, or a dry run), 1 the sheet has errors or the shapes refuse it, 2 usage error (also:
no terminal to confirm and no --yes).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from kringloop.errors import EXIT_ERROR, EXIT_NONCONFORMING, EXIT_OK, BadRequestError
from kringloop.harvest import running_engine
from kringloop.monitoring.importing import (
    agenda_activities,
    commit,
    plan_import,
    stored_indicators,
)
from kringloop.monitoring.importplan import ImportPlan, ImportRejectedError, check_year
from kringloop.monitoring.sheetinput import MAX_FILE_BYTES, SheetRefusedError, SheetTooLargeError
from kringloop.services import build_writer
from kringloop.settings import Settings

YES = ("j", "ja", "y", "yes")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="read a filled-in progress sheet (.xlsx or .csv): preview, then store",
        description=__doc__.split("\n\n", 1)[1].replace("``", "") if __doc__ else None,
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="the sheet (.xlsx or .csv)")
    parser.add_argument(
        "--year", type=int, required=True, help="the reporting year the sheet is for"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--yes", action="store_true", help="store without asking")
    mode.add_argument("--dry-run", action="store_true", help="only show what would change")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory (default: the data_dir setting)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    year = check_year(args.year)
    data = _read(args.file)
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    client = None if args.dry_run else running_engine(settings)
    try:
        writer = build_writer(settings, client)
        try:
            plan = plan_import(
                writer,
                data,
                args.file.name,
                year,
                agenda_activities(),
                stored_indicators(writer)[0],
            )
        except (SheetRefusedError, SheetTooLargeError) as refused:
            print(f"{args.file}: {refused.detail}; er is niets veranderd", file=sys.stderr)
            return EXIT_NONCONFORMING
        if not plan.ok:
            for problem in plan.errors:
                print(problem.message, file=sys.stderr)
            print(f"{len(plan.errors)} fout(en); er is niets veranderd", file=sys.stderr)
            return EXIT_NONCONFORMING
        _preview(plan, args.file)
        if not plan.changes:
            print("Niets te doen: het blad is gelijk aan wat er is opgeslagen.")
            return EXIT_OK
        if args.dry_run:
            print("Proefrun (--dry-run): er is niets veranderd.")
            return EXIT_OK
        if not args.yes:
            if not sys.stdin.isatty():
                print(
                    "niet doorgevoerd: er is geen terminal om te bevestigen; geef --yes om "
                    "door te voeren, of --dry-run om alleen te kijken",
                    file=sys.stderr,
                )
                return EXIT_ERROR
            answer = input("Doorvoeren? [j/N] ")
            if answer.strip().lower() not in YES:
                print("Niet doorgevoerd; er is niets veranderd.")
                return EXIT_OK
        try:
            result = commit(writer, plan)
        except ImportRejectedError as rejected:
            for message in rejected.messages:
                print(message, file=sys.stderr)
            print(rejected.detail, file=sys.stderr)
            return EXIT_NONCONFORMING
    finally:
        if client is not None:
            client.close()
    for graph in result.written:
        print(f"Doorgevoerd: <{graph}> versie {result.versions[graph]}")
    if client is None:
        print(
            "geen draaiende kringloop serve gevonden voor deze datamap: de gegevens zijn "
            "opgeslagen en gaan bij de volgende start in de engine",
            file=sys.stderr,
        )
    return EXIT_OK


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadRequestError(f"{path} has {size} bytes; at most {MAX_FILE_BYTES}")
        return path.read_bytes()
    except OSError as error:
        raise BadRequestError(f"cannot read {path}: {error.strerror}") from error


def _preview(plan: ImportPlan, path: Path) -> None:
    print(f"{path.name} ({plan.year}): {plan.summary()}")
    for line in plan.lines():
        print(f"  {line}")
    skipped = []
    if plan.skipped:
        skipped.append(f"{plan.skipped} activiteit(en) zonder status")
    if plan.skipped_values:
        skipped.append(f"{plan.skipped_values} indicator(en) zonder waarde")
    if skipped:
        print(f"Niet ingelezen (leeg): {', '.join(skipped)}.")
