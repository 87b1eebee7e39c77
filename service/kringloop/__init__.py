"""Kringloop: the knowledge graph and query service of the Utrecht circular-economy agenda."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from kringloop.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """The web application (application factory; ``kringloop serve`` runs it).

    Without ``settings`` they are read from the environment (``KRINGLOOP_*``), which is
    how ``kringloop serve`` hands them to its gunicorn worker. Nothing here touches the
    network: the engine is first contacted by the first request.
    """
    from flask import Flask

    from kringloop.logs import configure_logging
    from kringloop.services import build_services
    from kringloop.settings import Settings
    from kringloop.web import register

    settings = settings or Settings.from_environment()
    configure_logging(settings.log_level)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_query_bytes * 4 + 64 * 1024
    app.extensions["kringloop"] = build_services(settings)
    register(app)
    return app
