"""``kringloop``: the command-line interface.

Each command lives in its own module of this package with a ``register(subparsers)``
function; ``main`` dispatches and turns every :class:`KringloopError` into a message on
stderr and exit code 2, never a traceback.

Exit codes: 0 ok (or: conforms), 1 does not conform, 2 error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from kringloop.errors import EXIT_ERROR, KringloopError

#: Command modules, in the order ``kringloop --help`` lists them.
COMMAND_MODULES = (
    "serve", "validate", "query", "stats", "export", "partners", "harvest", "backup", "restore",
    "diff", "report", "sheet", "importsheet",
)  # fmt: skip

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kringloop",
        description="Kringloop: the knowledge graph of the Utrecht circular-economy agenda.",
        epilog="Exit codes: 0 ok / conforms, 1 does not conform, 2 error.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"kringloop.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KringloopError as error:
        print(f"kringloop {args.command}: {error.detail}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
