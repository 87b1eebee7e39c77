"""``kringloop diff A B``: what changed per activity from agenda edition A to edition B.

A and B are edition references (``2021-2022``, ``2023``): the bundled edition, or one
the administrator stored in the data directory (``--data-dir``, else the ``data_dir``
setting). ``--format text`` (default) prints a summary per theme, in Dutch or with
``--lang en`` in English; ``csv`` and ``json`` print the table (see
:mod:`kringloop.editiondiff`). Exit codes: 0 ok (also when nothing changed), 2 error
(an unknown edition: the message names the known ones).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from kringloop.editiondiff import (
    ActivityChange,
    by_theme,
    change_json,
    changes_csv,
    count_kinds,
    diff_editions,
    field_label,
)
from kringloop.editions import Edition, load_edition_content
from kringloop.errors import EXIT_OK
from kringloop.services import build_writer
from kringloop.settings import Settings

FORMATS = ("text", "csv", "json")

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "heading": "Verschil tussen {old} en {new}",
        "none": "Geen verschillen.",
        "total": "{changes} wijziging(en) bij {activities} activiteit(en):",
        "no_theme": "Zonder thema",
        "arrow": "→",
        "empty": "(geen)",
    },
    "en": {
        "heading": "Differences between {old} and {new}",
        "none": "No differences.",
        "total": "{changes} change(s) to {activities} activities:",
        "no_theme": "Without a theme",
        "arrow": "→",
        "empty": "(none)",
    },
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="what changed per activity between two agenda editions",
        description=(
            "Compare agenda edition A with edition B (e.g. 2021-2022 and 2023): activities "
            "added or removed, label, theme, grouping, column, partners, interpretations and "
            "other texts changed. Exit codes: 0 ok, 2 error."
        ),
    )
    parser.add_argument("old", metavar="A", help="the earlier edition, e.g. 2021-2022")
    parser.add_argument("new", metavar="B", help="the later edition, e.g. 2023")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl", help="language of labels")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory (default: the data_dir setting)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.load({"data_dir": args.data_dir}, os.environ)
    writer = build_writer(settings, None)
    old = load_edition_content(writer, args.old)
    new = load_edition_content(writer, args.new)
    changes = diff_editions(old, new)
    if args.format == "csv":
        sys.stdout.write(changes_csv(changes, args.lang))
    elif args.format == "json":
        document = {
            "old": old.edition.ref,
            "new": new.edition.ref,
            "counts": count_kinds(changes),
            "changes": [change_json(change, args.lang) for change in changes],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(summary_text(changes, old.edition, new.edition, args.lang), end="")
    return EXIT_OK


def summary_text(
    changes: Sequence[ActivityChange], old: Edition, new: Edition, language: str
) -> str:
    """A readable summary: totals per kind, then per theme each change on one line."""
    texts = TEXTS[language]
    lines = [texts["heading"].format(old=old.label, new=new.label), ""]
    if not changes:
        return "\n".join([*lines, texts["none"], ""])
    activities = len({change.activity for change in changes})
    lines.append(texts["total"].format(changes=len(changes), activities=activities))
    for code, count in count_kinds(changes).items():
        if count:
            kind = next(change.kind for change in changes if change.kind.code == code)
            lines.append(f"  {kind.label(language)}: {count}")
    for theme, members in by_theme(changes):
        name = theme.label(language) if theme is not None else texts["no_theme"]
        lines.extend(["", f"{name} ({len(members)})"])
        for change in members:
            line = f"  - {change.label.label(language)}: {change.kind.label(language)}"
            if change.field:
                before = "; ".join(v.label(language) for v in change.old) or texts["empty"]
                after = "; ".join(v.label(language) for v in change.new) or texts["empty"]
                line += (
                    f" ({field_label(change.field, language)}: {before} {texts['arrow']} {after})"
                )
            lines.append(line)
    return "\n".join([*lines, ""])
