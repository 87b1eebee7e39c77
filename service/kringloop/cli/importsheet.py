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

``kringloop import FILE --edition NEW [--from BASE] [--issued DATE]`` reads a changed
edition sheet (``kringloop sheet --edition BASE``; BASE defaults to the current edition)
as the new edition NEW: row errors as above; the preview is the diff of BASE and NEW per
theme; the commit writes NEW's agenda and interpretations graphs in one step. Refused when
NEW exists or is not later than BASE.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Protocol, TypeVar

from kringloop.cli.diff import summary_text
from kringloop.editionimport import commit_edition, plan_edition
from kringloop.errors import EXIT_ERROR, EXIT_NONCONFORMING, EXIT_OK, BadRequestError
from kringloop.graphstore.writes import GraphWriter
from kringloop.harvest import running_engine
from kringloop.monitoring.importing import (
    agenda_activities,
    commit,
    plan_import,
    stored_indicators,
)
from kringloop.monitoring.importplan import ImportPlan, ImportRejectedError, check_year
from kringloop.monitoring.rowcheck import RowError
from kringloop.monitoring.sheetinput import MAX_FILE_BYTES, SheetRefusedError, SheetTooLargeError
from kringloop.services import build_writer
from kringloop.settings import Settings
from kringloop.store.engine import EngineClient

YES = ("j", "ja", "y", "yes")


class _Checked(Protocol):
    @property
    def ok(self) -> bool: ...

    @property
    def errors(self) -> Sequence[RowError]: ...


_Plan = TypeVar("_Plan", bound=_Checked)
_Written = TypeVar("_Written")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="read a filled-in progress sheet (.xlsx or .csv): preview, then store",
        description=__doc__.split("\n\n", 1)[1].replace("``", "") if __doc__ else None,
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="the sheet (.xlsx or .csv)")
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--year", type=int, help="the reporting year the sheet is for")
    kind.add_argument(
        "--edition", metavar="NEW", help="import an edition sheet as the new edition NEW"
    )
    parser.add_argument(
        "--from",
        dest="base",
        metavar="BASE",
        help="with --edition: the edition the sheet was exported from (default: the current)",
    )
    parser.add_argument(
        "--issued",
        metavar="DATE",
        type=_date,
        help="with --edition: the new edition's date of issue, YYYY-MM-DD (default: today)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--yes", action="store_true", help="store without asking")
    mode.add_argument("--dry-run", action="store_true", help="only show what would change")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory (default: the data_dir setting)"
    )
    parser.set_defaults(handler=run)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def run(args: argparse.Namespace) -> int:
    if args.edition is not None:
        return run_edition(args)
    if args.base is not None or args.issued is not None:
        raise BadRequestError("--from and --issued go with --edition, not with --year")
    year = check_year(args.year)
    data = _read(args.file)
    with _store(args) as (writer, client):
        plan = _planned(
            args.file,
            lambda: plan_import(
                writer,
                data,
                args.file.name,
                year,
                agenda_activities(),
                stored_indicators(writer)[0],
            ),
        )
        if plan is None:
            return EXIT_NONCONFORMING
        _preview(plan, args.file)
        if not plan.changes:
            print("Niets te doen: het blad is gelijk aan wat er is opgeslagen.")
            return EXIT_OK
        refused = _not_confirmed(args)
        if refused is not None:
            return refused
        result = _committed(lambda: commit(writer, plan))
        if result is None:
            return EXIT_NONCONFORMING
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


def run_edition(args: argparse.Namespace) -> int:
    """Import an edition sheet as the new edition ``args.edition``."""
    data = _read(args.file)
    with _store(args) as (writer, _client):
        plan = _planned(
            args.file,
            lambda: plan_edition(
                writer, data, args.file.name, args.edition, base_ref=args.base, issued=args.issued
            ),
        )
        if plan is None:
            return EXIT_NONCONFORMING
        assert plan.new is not None
        print(summary_text(plan.changes, plan.base.edition, plan.new.edition, "nl"), end="")
        refused = _not_confirmed(args)
        if refused is not None:
            return refused
        versions = _committed(lambda: commit_edition(writer, plan))
        if versions is None:
            return EXIT_NONCONFORMING
    for graph, number in versions.items():
        print(f"Doorgevoerd: <{graph}> versie {number}")
    print(f"Editie {plan.new_ref} is gemaakt (een herziening van {plan.base.edition.ref}).")
    return EXIT_OK


@contextmanager
def _store(args: argparse.Namespace) -> Iterator[tuple[GraphWriter, EngineClient | None]]:
    """The writer, through the running service's engine unless this is a dry run."""
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    client = None if args.dry_run else running_engine(settings)
    try:
        yield build_writer(settings, client), client
    finally:
        if client is not None:
            client.close()


def _planned(path: Path, make: Callable[[], _Plan]) -> _Plan | None:
    """The plan ``make`` reads from the sheet; None (and every message printed) if refused."""
    try:
        plan = make()
    except (SheetRefusedError, SheetTooLargeError) as refused:
        print(f"{path}: {refused.detail}; er is niets veranderd", file=sys.stderr)
        return None
    if not plan.ok:
        for problem in plan.errors:
            print(problem.message, file=sys.stderr)
        print(f"{len(plan.errors)} fout(en); er is niets veranderd", file=sys.stderr)
        return None
    return plan


def _not_confirmed(args: argparse.Namespace) -> int | None:
    """None to go on: ``--yes``, or "j" at the prompt; else the exit code (a dry run: 0)."""
    if args.dry_run:
        print("Proefrun (--dry-run): er is niets veranderd.")
        return EXIT_OK
    if args.yes:
        return None
    if not sys.stdin.isatty():
        print(
            "niet doorgevoerd: er is geen terminal om te bevestigen; geef --yes om "
            "door te voeren, of --dry-run om alleen te kijken",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if input("Doorvoeren? [j/N] ").strip().lower() not in YES:
        print("Niet doorgevoerd; er is niets veranderd.")
        return EXIT_OK
    return None


def _committed(write: Callable[[], _Written]) -> _Written | None:
    """What ``write`` returns; None (and the shapes' messages printed) if refused."""
    try:
        return write()
    except ImportRejectedError as rejected:
        for message in rejected.messages:
            print(message, file=sys.stderr)
        print(rejected.detail, file=sys.stderr)
        return None
