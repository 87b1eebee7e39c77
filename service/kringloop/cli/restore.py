"""``kringloop restore FILE``: restore a ``kringloop backup`` as the data directory.

Verifies the whole backup (every file's SHA-256, no path outside the data layout) before
it writes anything. A non-empty data directory is refused unless ``--force``, which moves
it aside to ``DIR.before-restore-<time>``. Stop the service first; start it afterwards
and it rebuilds its engine from the restored versions. Exit codes: 0 ok, 2 error.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from kringloop.backup import restore
from kringloop.errors import EXIT_OK
from kringloop.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="restore a backup made by 'kringloop backup' as the data directory",
        description=(
            "Verify FILE and restore it as the data directory (stop the service first). "
            "Exit codes: 0 ok, 2 error."
        ),
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="a backup .tar.gz")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory (default: the data_dir setting)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="restore over a non-empty data directory, moving it aside first",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    summary = restore(args.file, settings.data_path(), force=args.force)
    print(
        f"restored {summary.graphs} graph(s), {summary.files} file(s) from the backup of "
        f"{summary.created} into {summary.data_dir}"
    )
    if summary.moved_aside is not None:
        print(f"the previous data directory is now {summary.moved_aside}")
    return EXIT_OK
