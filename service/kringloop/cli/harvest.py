"""``kringloop harvest [REF ...]``: pull partners' endpoints or dumps through the write gate.

Without REF, every partner registered with an endpoint or a dump. While ``kringloop serve``
runs on the same data directory, its engine gets the harvested graphs at once; otherwise
they are stored, and the next ``kringloop serve`` loads them. One line per partner; the
status is recorded for ``/partners``. Exit codes: 0 all harvested, 1 some failed (their
stored copy stays), 2 usage error (an unknown partner, one with nothing to harvest).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from kringloop.errors import EXIT_NONCONFORMING, EXIT_OK, BadRequestError
from kringloop.harvest import harvest_all, harvest_source, harvestable, running_engine
from kringloop.services import build_writer
from kringloop.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "harvest",
        help="pull partners' SPARQL endpoints or dumps into their graphs (validated)",
        description=__doc__.split("\n\n", 1)[1].replace("``", "") if __doc__ else None,
    )
    parser.add_argument(
        "refs",
        nargs="*",
        metavar="REF",
        help="partner reference(s); default: every partner with an endpoint or dump",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory (default: the data_dir setting)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    client = running_engine(settings)
    try:
        writer = build_writer(settings, client)
        for ref in args.refs:
            partner = writer.registry.get(ref)
            if partner is None:
                known = ", ".join(p.ref for p in writer.registry.partners()) or "none"
                raise BadRequestError(f"unknown partner {ref!r} (registered: {known})")
            if harvest_source(partner) is None:
                raise BadRequestError(
                    f"partner {ref!r} has no endpoint or dump to harvest "
                    "(kringloop partners add --endpoint URL or --dump URL)"
                )
        if not args.refs and not harvestable(writer.registry.partners()):
            print("no partner has an endpoint or dump to harvest", file=sys.stderr)
            return EXIT_OK
        results = harvest_all(writer, settings, args.refs)
    finally:
        if client is not None:
            client.close()
    for result in results:
        print(result.line())
    if client is None:
        print(
            "no running kringloop serve found for this data directory: the graphs are stored "
            "and go into the engine at its next start",
            file=sys.stderr,
        )
    return EXIT_OK if all(result.ok for result in results) else EXIT_NONCONFORMING
