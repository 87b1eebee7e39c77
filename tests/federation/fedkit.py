"""Real loopback servers for the federation tests: partner engines and misbehaving peers.

- :func:`start_partner`: a partner's own ``oxigraph serve`` (on disk), loaded with a file;
- :class:`Hanging`: accepts connections and never answers;
- :class:`Counting`: accepts connections, counts them and closes them;
- :class:`Canned`: answers every request with one fixed HTTP response (invalid SPARQL
  JSON, or a redirect to another listener).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

import requests

from kringloop.endpoint import PublicEndpoint
from kringloop.store.managed import find_binary
from tests.service.servicekit import Service, free_port, wait_for_http

DATA = Path(__file__).parent / "data"


@dataclass
class Ours:
    """Our engine, and the public endpoint over it with a mutable SERVICE allow-list."""

    engine: Service
    endpoint: PublicEndpoint
    allowed: set[str] = field(default_factory=set)


def start_partner(directory: Path, name: str, data: Path) -> Service:
    """``oxigraph serve --location DIR`` holding ``data`` in its default graph."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = directory / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                find_binary(),
                "serve",
                "--location",
                str(directory / "store"),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    service = Service(name, process, port, log)
    wait_for_http(service.url, process, log)
    response = requests.post(
        f"{service.url}/store?default",
        data=data.read_bytes(),
        headers={"Content-Type": "text/turtle"},
        timeout=30,
    )
    assert response.status_code in (200, 201, 204), response.text
    return service


def query_url(service: Service) -> str:
    return f"{service.url}/query"


class _Listener:
    """A loopback TCP listener with an accept thread."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port: int = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:  # closed
                return
            self.handle(connection)

    def handle(self, connection: socket.socket) -> None:
        self.accepted.append(connection)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.socket.close()
        for connection in self.accepted:
            connection.close()
        self._thread.join(5)

    def __enter__(self) -> _Listener:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Hanging(_Listener):
    """Accepts every connection and keeps it open without ever answering."""


class Counting(_Listener):
    """Counts the connections made to it (and closes each at once)."""

    def handle(self, connection: socket.socket) -> None:
        self.accepted.append(connection)
        connection.close()

    @property
    def connections(self) -> int:
        return len(self.accepted)


class Canned:
    """An HTTP server answering every GET and POST with one fixed response; it records
    each request (method, headers, body) in :attr:`requests`."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        canned = (status, body, headers)
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        recorded = self.requests

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorded.append((self.command, dict(self.headers), self.rfile.read(length)))
                code, content, extra = canned
                self.send_response(code)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = _answer  # noqa: N815
            do_POST = _answer  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


#: A SPARQL JSON answer cut off in the middle of a binding.
INVALID_JSON = (
    b'{"head":{"vars":["activiteit"]},"results":{"bindings":[{"activiteit":{"type":"uri",'
)


def invalid_server() -> Canned:
    return Canned(200, INVALID_JSON, {"Content-Type": "application/sparql-results+json"})


def redirect_server(target: str) -> Canned:
    return Canned(302, b"", {"Location": target})
