"""The objects one web worker shares between its requests, built once from the settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from kringloop.editions import read_editions, superseded_graphs
from kringloop.endpoint import PublicEndpoint
from kringloop.graphs import BUNDLED
from kringloop.graphstore.provenance import PROVENANCE_GRAPH
from kringloop.graphstore.versions import VersionStore
from kringloop.graphstore.writes import GraphWriter, changes_stamp
from kringloop.metrics import Metrics
from kringloop.partners.registry import REGISTRY_GRAPH, Registry
from kringloop.settings import Settings
from kringloop.store.engine import EngineClient
from kringloop.store.managed import read_state
from kringloop.store.remote import EngineEndpoints
from kringloop.validationcontext import context_for

#: The system graphs every instance publishes: the partner registry and the provenance.
SYSTEM_GRAPHS = (REGISTRY_GRAPH, PROVENANCE_GRAPH)


def bundled_graphs() -> tuple[str, ...]:
    """The bundled graphs, in load order."""
    return tuple(str(source.iri) for source in BUNDLED)


def published_graphs(writer: GraphWriter | None = None) -> tuple[str, ...]:
    """The graphs the public endpoint shows: bundled, system, and every stored graph."""
    if writer is None:
        return bundled_graphs()
    stored = writer.versions.graphs()
    deleted = {graph for graph in writer.stored_graphs() if graph not in stored}
    graphs = [graph for graph in bundled_graphs() if graph not in deleted]
    graphs.extend(SYSTEM_GRAPHS)
    graphs.extend(graph for graph in sorted(stored) if graph not in graphs)
    return tuple(graphs)


def build_writer(settings: Settings, client: EngineClient | None) -> GraphWriter:
    """The registry, the version store and the writer over them, in the data directory."""
    data = settings.data_path()
    registry = Registry.open(data)
    versions = VersionStore(data / "graphs", keep=settings.graph_versions)
    writer = GraphWriter(versions, registry, client, journal_dir=data / "graphs" / "journal")
    writer.context = partial(context_for, writer)
    return writer


@dataclass
class Services:
    settings: Settings
    client: EngineClient | None
    endpoint: PublicEndpoint
    metrics: Metrics = field(default_factory=Metrics)
    writer: GraphWriter | None = None
    _stamp: tuple[int, ...] = ()
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def registry(self) -> Registry | None:
        return self.writer.registry if self.writer is not None else None

    def published_graphs(self) -> tuple[str, ...]:
        return self.endpoint.published_graphs

    def refresh(self, *, force: bool = False) -> None:
        """Follow registry and graph changes (made by this worker, or by ``kringloop`` commands)."""
        writer = self.writer
        if writer is None:
            return
        with self._lock:
            registry_changed = writer.registry.reload_if_changed()
            stamp = changes_stamp(writer)
            if force or registry_changed or stamp != self._stamp:
                published = published_graphs(writer)
                superseded = superseded_graphs(read_editions(writer))
                self.endpoint.published_graphs = published
                self.endpoint.default_graphs = tuple(g for g in published if g not in superseded)
                self._stamp = stamp

    def engine_state(self) -> dict[str, Any] | None:
        """What ``kringloop serve``'s supervisor last recorded about the managed engine."""
        if not self.settings.engine_state_file:
            return None
        return read_state(Path(self.settings.engine_state_file))


def build_services(settings: Settings) -> Services:
    """Wire the engine client, the public endpoint and the writer; no I/O to the engine here."""
    endpoints = EngineEndpoints.from_settings(settings)
    client = EngineClient(endpoints) if endpoints is not None else None
    metrics = Metrics()
    writer = build_writer(settings, client)
    endpoint = PublicEndpoint(
        settings,
        client,
        published_graphs(writer),
        metrics=metrics,
        allowed_services=lambda: tuple(writer.registry.endpoint_partners()),
    )
    services = Services(
        settings=settings, client=client, endpoint=endpoint, metrics=metrics, writer=writer
    )
    services.refresh(force=True)
    return services
