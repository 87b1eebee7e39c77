"""Access to the worker's shared objects from inside a request."""

from __future__ import annotations

from typing import cast

from flask import current_app

from kringloop.services import Services


def services() -> Services:
    return cast(Services, current_app.extensions["kringloop"])
