"""Where the engine is: the URLs (and credentials) of any SPARQL 1.1 engine."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from kringloop.errors import ConfigurationError
from kringloop.settings import Settings


@dataclass(frozen=True)
class EngineEndpoints:
    """The protocol endpoints of one engine; only the query URL is required."""

    query_url: str
    update_url: str = ""
    graph_store_url: str = ""
    username: str = ""
    password: str = ""

    def __post_init__(self) -> None:
        for name in ("query_url", "update_url", "graph_store_url"):
            url = getattr(self, name)
            if url and (
                urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname
            ):
                raise ConfigurationError(
                    f"engine {name.replace('_', ' ')} {url!r} is not an http(s) URL"
                )

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineEndpoints | None:
        """The configured engine, or None when no engine URL is set."""
        if not settings.engine_query_url:
            return None
        return cls(
            query_url=settings.engine_query_url,
            update_url=settings.engine_update_url,
            graph_store_url=settings.engine_graph_store_url,
            username=settings.engine_username,
            password=settings.engine_password,
        )

    @classmethod
    def oxigraph(cls, host: str, port: int) -> EngineEndpoints:
        """The endpoints of an Oxigraph server (``oxigraph serve``)."""
        root = f"http://{host}:{port}"
        return cls(f"{root}/query", f"{root}/update", f"{root}/store")
