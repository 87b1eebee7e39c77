"""The web layer: one blueprint per surface, the request hooks and the error handler."""

from __future__ import annotations

from flask import Flask

from kringloop.web import (
    browse,
    dumps,
    editions,
    errors,
    graphstore,
    hooks,
    monitoring,
    partners,
    query_page,
    ratelimit,
    report,
    resources,
    sparql,
    system,
    validate,
    views,
)


def register(app: Flask) -> None:
    hooks.register(app)
    ratelimit.register(app)
    errors.register(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(system.blueprint)
    app.register_blueprint(query_page.blueprint)
    app.register_blueprint(views.blueprint)
    app.register_blueprint(browse.blueprint)
    app.register_blueprint(resources.blueprint)
    app.register_blueprint(dumps.blueprint)
    app.register_blueprint(partners.blueprint)
    app.register_blueprint(graphstore.blueprint)
    app.register_blueprint(validate.blueprint)
    app.register_blueprint(report.blueprint)
    app.register_blueprint(editions.blueprint)
    app.register_blueprint(monitoring.blueprint)
