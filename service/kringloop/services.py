"""The objects one web worker shares between its requests, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kringloop.endpoint import PublicEndpoint
from kringloop.graphs import BUNDLED
from kringloop.metrics import Metrics
from kringloop.settings import Settings
from kringloop.store.engine import EngineClient
from kringloop.store.managed import read_state
from kringloop.store.remote import EngineEndpoints


def published_graphs() -> tuple[str, ...]:
    """The graphs the public endpoint shows: for now, the bundled ones."""
    return tuple(str(source.iri) for source in BUNDLED)


@dataclass
class Services:
    settings: Settings
    client: EngineClient | None
    endpoint: PublicEndpoint
    metrics: Metrics = field(default_factory=Metrics)

    def engine_state(self) -> dict[str, Any] | None:
        """What ``kringloop serve``'s supervisor last recorded about the managed engine."""
        if not self.settings.engine_state_file:
            return None
        return read_state(Path(self.settings.engine_state_file))


def build_services(settings: Settings) -> Services:
    """Wire the engine client and the public endpoint; no I/O happens here."""
    endpoints = EngineEndpoints.from_settings(settings)
    client = EngineClient(endpoints) if endpoints is not None else None
    metrics = Metrics()
    endpoint = PublicEndpoint(settings, client, published_graphs(), metrics=metrics)
    return Services(settings=settings, client=client, endpoint=endpoint, metrics=metrics)
