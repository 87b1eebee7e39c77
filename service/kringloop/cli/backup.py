"""``kringloop backup OUT``: a consistent snapshot of the data directory, while it runs.

Writes ``OUT`` (a ``.tar.gz`` with ``manifest.json``): the partner registry, its tokens
and harvest status, and every graph's kept versions, taken under the registry's and all
graphs' locks at once (see :mod:`kringloop.backup`). The data directory is ``--data-dir``,
else the ``data_dir`` setting. Exit codes: 0 ok, 2 error.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from kringloop.backup import backup
from kringloop.errors import EXIT_OK
from kringloop.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="back up the partner registry and the graph versions to a .tar.gz",
        description=(
            "Write a consistent backup of the data directory to OUT (a new .tar.gz), also "
            "while the service runs. Exit codes: 0 ok, 2 error."
        ),
    )
    parser.add_argument("out", metavar="OUT", type=Path, help="the backup file to create")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory (default: the data_dir setting)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    summary = backup(settings.data_path(), args.out)
    print(
        f"backed up {summary.graphs} graph(s), {summary.files} file(s) to {summary.path} "
        f"({summary.bytes} bytes, {summary.created})"
    )
    return EXIT_OK
