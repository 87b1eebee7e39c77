"""``kringloop partners add|list|remove|rotate-token``: manage the partner registry.

The registry lives in ``{data_dir}/partners/`` (``--data-dir``, else the ``data_dir``
setting: ``KRINGLOOP_DATA_DIR``, the ``--config`` file in ``KRINGLOOP_CONFIG``, or ``var``).
A new token is printed once on stdout (a note on stderr says it is not shown again); only
its hash is stored. ``rotate-token admin`` creates or replaces the administrator's token.
Exit codes: 0 ok, 2 error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from kringloop.cli.query import format_table
from kringloop.errors import EXIT_OK
from kringloop.partners.registry import ADMIN, Partner, Registry
from kringloop.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "partners",
        help="register partners, list them, remove them, rotate their tokens",
        description=(
            "Manage the partner registry: who owns which named graph, and their tokens. "
            "Exit codes: 0 ok, 2 error."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add", help="register a partner and print its first token", description=_ADD_HELP
    )
    add.add_argument("ref", metavar="REF", help="partner reference, e.g. cirkelregio-utrecht")
    add.add_argument("--label", required=True, help="the organisation's name (Dutch)")
    add.add_argument(
        "--organisation", metavar="IRI", help="organisation IRI (TOOI); default: minted"
    )
    add.add_argument(
        "--graph", action="append", default=[], metavar="IRI", help="another graph it owns"
    )
    add.add_argument(
        "--namespace",
        action="append",
        default=[],
        metavar="PREFIX",
        help="another namespace its subjects may live in (ends with / or #)",
    )
    add.add_argument("--endpoint", metavar="URL", help="its SPARQL endpoint (federation)")
    add.add_argument("--dump", metavar="URL", help="its RDF dump (harvest)")
    add.add_argument("--contact-name", metavar="NAME")
    add.add_argument("--contact-email", metavar="ADDRESS")
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="list the registered partners")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(handler=run_list)

    remove = actions.add_parser("remove", help="unregister a partner and revoke its tokens")
    remove.add_argument("ref", metavar="REF")
    remove.set_defaults(handler=run_remove)

    rotate = actions.add_parser(
        "rotate-token",
        help="revoke a partner's (or the administrator's) tokens and print a new one",
    )
    rotate.add_argument("ref", metavar="REF", help=f"partner reference, or {ADMIN}")
    rotate.set_defaults(handler=run_rotate)

    for sub in (add, listing, remove, rotate):
        sub.add_argument(
            "--data-dir", metavar="DIR", help="data directory (default: the data_dir setting)"
        )


_ADD_HELP = (
    "Register a partner. It owns the graph https://w3id.org/kringloop/id/graaf/partner-REF "
    "(and every --graph) and may describe subjects under "
    "https://w3id.org/kringloop/id/partner/REF/ (and every --namespace)."
)


def open_registry(args: argparse.Namespace) -> Registry:
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    return Registry.open(Path(settings.data_path()))


def run_add(args: argparse.Namespace) -> int:
    registry = open_registry(args)
    partner, token = registry.add(
        args.ref,
        args.label,
        organisation=args.organisation,
        graphs=tuple(args.graph),
        namespaces=tuple(args.namespace),
        endpoint=args.endpoint,
        dump=args.dump,
        contact_name=args.contact_name,
        contact_email=args.contact_email,
    )
    print(f"registered partner {partner.ref}; graphs: {', '.join(partner.graphs)}", file=sys.stderr)
    _print_token(token, partner.ref)
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    registry = open_registry(args)
    rows = [_as_json(partner, registry.live_tokens(partner.ref)) for partner in registry.partners()]
    if args.format == "json":
        document = {"partners": rows, "admin_tokens": registry.live_tokens(ADMIN)}
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    table = [
        [
            row["ref"],
            row["label"],
            " ".join(row["graphs"]),
            row["endpoint"] or "-",
            row["dump"] or "-",
            str(row["tokens"]),
        ]
        for row in rows
    ]
    sys.stdout.write(format_table(["ref", "label", "graphs", "endpoint", "dump", "tokens"], table))
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    partner = open_registry(args).remove(args.ref)
    print(f"removed partner {partner.ref}; its tokens are revoked", file=sys.stderr)
    return EXIT_OK


def run_rotate(args: argparse.Namespace) -> int:
    token = open_registry(args).rotate_token(args.ref)
    _print_token(token, args.ref)
    return EXIT_OK


def _print_token(token: str, owner: str) -> None:
    print(
        f"token for {owner} (it will not be shown again; earlier tokens are revoked):",
        file=sys.stderr,
    )
    print(token)


def _as_json(partner: Partner, tokens: int) -> dict[str, Any]:
    return {
        "ref": partner.ref,
        "label": partner.label,
        "organisation": partner.organisation,
        "graphs": list(partner.graphs),
        "namespaces": list(partner.namespaces),
        "endpoint": partner.endpoint,
        "dump": partner.dump,
        "contact_name": partner.contact_name,
        "contact_email": partner.contact_email,
        "created": partner.created.isoformat(),
        "tokens": tokens,
    }
