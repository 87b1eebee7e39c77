"""``kringloop serve``: the SPARQL endpoint on the bundled agenda, ready with no set-up."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from kringloop.errors import EXIT_OK
from kringloop.logs import configure_logging
from kringloop.settings import CONFIG_ENV, Settings, setting_table

DESCRIPTION = """\
Serve the SPARQL 1.1 endpoint (/sparql), /-/health and /-/metrics on the bundled agenda.
Without --engine-query-url, Kringloop starts, loads and supervises its own Oxigraph server
on loopback; with it, the service runs on that engine instead.
"""

EPILOG = f"""\
Every setting can also be given as an environment variable (KRINGLOOP_<NAME>) or in a TOML
file (--config or {CONFIG_ENV}); a flag beats the environment, which beats the file, which
beats the default.
"""


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the SPARQL endpoint",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_setting_arguments(parser)
    parser.add_argument(
        "--dev",
        action="store_true",
        help="use Flask's development server instead of gunicorn",
    )
    parser.set_defaults(handler=run)


def add_setting_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config`` and one flag per setting, generated from the settings table."""
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"TOML file with settings (keys as the flags, without --) [{CONFIG_ENV}]",
    )
    for spec in setting_table():
        default = spec.default if spec.default != "" else "(empty)"
        unit = f", {spec.unit}" if spec.unit and spec.unit not in ("bool",) else ""
        help_text = f"{spec.help} [{spec.env_name}; default {default}{unit}]".replace("%", "%%")
        if spec.kind is bool:
            parser.add_argument(
                f"--{spec.flag}",
                dest=spec.name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help_text,
            )
        else:
            parser.add_argument(
                f"--{spec.flag}",
                dest=spec.name,
                type=spec.kind,
                default=None,
                metavar=(spec.unit or "VALUE").upper().replace(" ", "_"),
                help=help_text,
            )


def settings_from_arguments(args: argparse.Namespace) -> Settings:
    flags = {spec.name: getattr(args, spec.name, None) for spec in setting_table()}
    return Settings.load(flags, os.environ, args.config)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_arguments(args)
    configure_logging(settings.log_level)
    if args.dev:
        return _run_development_server(settings)
    from kringloop.supervisor import Supervisor

    return Supervisor(settings).run()


def _run_development_server(settings: Settings) -> int:
    """Flask's server in this process, the engine supervised from a thread."""
    from kringloop import create_app
    from kringloop.supervisor import Supervisor

    supervisor = Supervisor(settings)
    try:
        worker_settings = supervisor.start_engine()
        app = create_app(worker_settings)
        print(
            f"Kringloop (development server) serves http://{settings.host}:{settings.port}/sparql",
            flush=True,
        )
        app.run(host=settings.host, port=settings.port, threaded=True, use_reloader=False)
    finally:
        supervisor.stop()
    return EXIT_OK
