"""A small client for the SPARQL 1.1 protocols (query, graph store) of any engine.

One persistent HTTP/1.1 connection per thread and engine (``http.client``: a keep-alive
round trip costs tens of microseconds, not the milliseconds of a new connection or of
``requests``' machinery). Answers are read in chunks under a deadline, a byte cap and,
for line-based formats, a line cap; the engine's connection is dropped as soon as the
answer is long enough, which also stops the engine's work on it. ``query_stream`` hands
the answer to a streaming parser as a file instead, under the same deadline and byte cap.

Failures are told apart because the caller treats them differently:
:class:`EngineRefusedError` (nothing listens: the request never reached the engine),
:class:`EngineDroppedError` (the engine went away with the request in flight: it may be
the request's fault), :class:`~kringloop.errors.QueryTimeoutError` (the deadline).
"""

from __future__ import annotations

import base64
import http.client
import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import quote, urlencode, urlsplit

from kringloop.errors import (
    BackendUnavailableError,
    EngineError,
    KringloopError,
    QuerySyntaxError,
    QueryTimeoutError,
    QueryTooLargeError,
)
from kringloop.store.remote import EngineEndpoints

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_CHUNK = 256 * 1024
_ERROR_BODY_LIMIT = 64 * 1024
#: Where a syntax error is: Oxigraph says "error at 3:5", Virtuoso "SPARQL compiler, line 3:".
_POSITION = re.compile(r"error at (\d+):(\d+)|\bline (\d+):")
#: What engines say when they cancel a query at their own timeout.
_TIMEOUT_WORDS = ("has been cancelled", "timeout", "timed out")


class EngineRefusedError(BackendUnavailableError):
    """No engine accepts connections at the configured address."""


class EngineDroppedError(BackendUnavailableError):
    """The engine closed the connection with our request in flight."""


@dataclass(frozen=True)
class EngineAnswer:
    """A successful answer, possibly cut at the line cap."""

    body: bytes
    content_type: str
    truncated: bool


@dataclass(frozen=True)
class QueryDataset:
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


class EngineClient:
    """Talks to one engine; safe to share between threads."""

    def __init__(self, endpoints: EngineEndpoints, *, connect_timeout: float = 2.0) -> None:
        self.endpoints = endpoints
        self.connect_timeout = connect_timeout
        self.server: str | None = None
        self._local = threading.local()
        self._auth = ""
        if endpoints.username or endpoints.password:
            token = f"{endpoints.username}:{endpoints.password}".encode()
            self._auth = "Basic " + base64.b64encode(token).decode("ascii")

    # -- queries -------------------------------------------------------------------

    def query(
        self,
        query: str,
        *,
        dataset: QueryDataset,
        accept: str,
        deadline: float,
        max_lines: int | None = None,
        max_bytes: int = 64 * 1024 * 1024,
    ) -> EngineAnswer:
        """Run ``query``; ``deadline`` is a :func:`time.monotonic` instant.

        With ``max_lines``, reading stops once the answer has more than that many
        lines, the answer keeps the first ``max_lines`` and says it was truncated.
        """
        connection, response = self._start_query(query, dataset, accept, deadline)
        content_type = response.getheader("Content-Type", accept)
        data, truncated = self._read(connection, response, deadline, max_lines, max_bytes)
        return EngineAnswer(data, content_type, truncated)

    @contextmanager
    def query_stream(
        self,
        query: str,
        *,
        dataset: QueryDataset,
        accept: str,
        deadline: float,
        max_bytes: int = 64 * 1024 * 1024,
    ) -> Iterator[BinaryIO]:
        """Run ``query``; its answer as a file, read on demand under the deadline and
        ``max_bytes`` (a streaming parser stops reading when it has enough). Leaving
        before the end drops the connection, which also stops the engine's work."""
        connection, response = self._start_query(query, dataset, accept, deadline)
        raw = _AnswerReader(self, connection, response, deadline, max_bytes)
        try:
            yield io.BufferedReader(raw, _CHUNK)
        finally:
            raw.release()

    def _start_query(
        self, query: str, dataset: QueryDataset, accept: str, deadline: float
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        fields: list[tuple[str, str]] = [("query", query)]
        fields += [("default-graph-uri", iri) for iri in dataset.default_graphs]
        fields += [("named-graph-uri", iri) for iri in dataset.named_graphs]
        body = urlencode(fields).encode("ascii")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": accept,
        }
        connection, response = self._send("POST", self.endpoints.query_url, body, headers, deadline)
        if response.status != 200:
            message = self._error_text(connection, response, deadline)
            raise _error_for(response.status, message)
        return connection, response

    # -- graph store -----------------------------------------------------------------

    def put_graph(self, graph_iri: str, data: bytes, media_type: str, timeout: float) -> None:
        """Replace one named graph (Graph Store HTTP Protocol PUT)."""
        self._graph_store("PUT", graph_iri, data, {"Content-Type": media_type}, timeout)

    def delete_graph(self, graph_iri: str, timeout: float) -> None:
        """Remove one named graph (Graph Store HTTP Protocol DELETE); absent is fine."""
        self._graph_store("DELETE", graph_iri, b"", {}, timeout)

    def _graph_store(
        self, method: str, graph_iri: str, data: bytes, headers: dict[str, str], timeout: float
    ) -> None:
        """One Graph Store request; retried while the engine says it is momentarily busy.

        Oxigraph's in-memory store answers a write that meets another one with HTTP 500
        "Resource temporarily unavailable (os error 11)"; that write did nothing, so it is
        sent again (with a short back-off, within ``timeout``).
        """
        if not self.endpoints.graph_store_url:
            raise EngineError("no graph store URL is configured for the engine")
        url = _with_query(self.endpoints.graph_store_url, "graph=" + quote(graph_iri, safe=""))
        deadline = time.monotonic() + timeout
        accepted = (200, 201, 204) if method == "PUT" else (200, 202, 204, 404)
        pause = 0.01
        while True:
            connection, response = self._send(method, url, data, headers, deadline)
            text = self._error_text(connection, response, deadline)
            if response.status in accepted:
                return
            busy = response.status == 500 and "temporarily unavailable" in text.lower()
            if not busy or time.monotonic() + pause >= deadline:
                verb = "store" if method == "PUT" else "delete"
                raise EngineError(
                    f"the engine did not {verb} graph <{graph_iri}> "
                    f"(HTTP {response.status}): {text}"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    # -- reachability ------------------------------------------------------------------

    def reachable(self, timeout: float = 0.5) -> bool:
        """Whether something accepts TCP connections at the query endpoint."""
        parts = urlsplit(self.endpoints.query_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname or "", port), timeout=timeout):
                return True
        except OSError:
            return False

    def wait_reachable(self, deadline: float, interval: float = 0.02) -> bool:
        """Poll until the engine accepts connections or ``deadline`` passes."""
        while True:
            if self.reachable(timeout=max(min(0.5, deadline - time.monotonic()), 0.01)):
                return True
            if time.monotonic() + interval >= deadline:
                return False
            time.sleep(interval)

    def probe(self, deadline: float) -> bool:
        """Whether the engine answers a trivial query right now (it may accept TCP while dying)."""
        try:
            self.query(
                "ASK {}",
                dataset=QueryDataset(),
                accept="application/sparql-results+json",
                deadline=min(deadline, time.monotonic() + 1.0),
            )
        except KringloopError:
            return False
        return True

    def close(self) -> None:
        """Close this thread's connections."""
        connections: dict[tuple[str, str], http.client.HTTPConnection] = getattr(
            self._local, "connections", {}
        )
        for connection in connections.values():
            connection.close()
        connections.clear()

    # -- internals -----------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        deadline: float,
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        parts = urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        if self._auth:
            headers = {**headers, "Authorization": self._auth}
        stale_retry = False
        while True:
            connection, reused = self._connection(parts.scheme, parts.netloc)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout()
            try:
                if connection.sock is None:
                    connection.timeout = min(self.connect_timeout, remaining)
                    connection.connect()
                connection.sock.settimeout(remaining)
                connection.request(method, path, body, headers)
                response = connection.getresponse()
            except ConnectionRefusedError:
                self._discard(parts.netloc)
                if stale_retry:
                    # The reused connection died because the engine did, maybe of us.
                    raise EngineDroppedError("the engine went away during the query") from None
                raise EngineRefusedError("the engine accepts no connections") from None
            except TimeoutError:
                self._discard(parts.netloc)
                raise _timeout() from None
            except (ConnectionError, http.client.HTTPException):
                self._discard(parts.netloc)
                if reused and not stale_retry:
                    stale_retry = True  # the server may have closed an idle connection
                    continue
                raise EngineDroppedError("the engine went away during the query") from None
            except OSError as error:
                self._discard(parts.netloc)
                raise EngineRefusedError(f"cannot reach the engine: {error.strerror}") from None
            server = response.getheader("Server")
            if server:
                self.server = server
            return connection, response

    def _read(
        self,
        connection: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        deadline: float,
        max_lines: int | None,
        max_bytes: int,
    ) -> tuple[bytes, bool]:
        reader = _AnswerReader(self, connection, response, deadline, max_bytes)
        chunks: list[bytes] = []
        lines = 0
        try:
            while chunk := reader.read(_CHUNK):
                chunks.append(chunk)
                if max_lines is not None:
                    lines += chunk.count(b"\n")
                    if lines > max_lines:
                        return _first_lines(b"".join(chunks), max_lines), True
        finally:
            reader.release()  # drops the connection unless the answer was read to its end
        return b"".join(chunks), False

    def _error_text(
        self,
        connection: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        deadline: float,
    ) -> str:
        try:
            if connection.sock is not None:
                connection.sock.settimeout(max(deadline - time.monotonic(), 0.1))
            data = response.read(_ERROR_BODY_LIMIT)
            if not response.isclosed():
                self._discard_connection(connection)
        except (OSError, http.client.HTTPException):
            self._discard_connection(connection)
            return ""
        return data.decode("utf-8", errors="replace").strip()

    def _connection(self, scheme: str, netloc: str) -> tuple[http.client.HTTPConnection, bool]:
        connections: dict[str, http.client.HTTPConnection] | None = getattr(
            self._local, "connections", None
        )
        if connections is None:
            connections = {}
            self._local.connections = connections
        connection = connections.get(netloc)
        if connection is not None and connection.sock is not None:
            return connection, True
        factory = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        connection = factory(netloc, timeout=self.connect_timeout)
        connections[netloc] = connection
        return connection, False

    def _discard(self, netloc: str) -> None:
        connections: dict[str, http.client.HTTPConnection] = getattr(self._local, "connections", {})
        connection = connections.pop(netloc, None)
        if connection is not None:
            connection.close()

    def _discard_connection(self, connection: http.client.HTTPConnection) -> None:
        connections: dict[str, http.client.HTTPConnection] = getattr(self._local, "connections", {})
        for key, known in list(connections.items()):
            if known is connection:
                del connections[key]
        connection.close()


class _AnswerReader(io.RawIOBase):
    """An engine's answer as a raw binary file, read under a deadline and a byte cap."""

    def __init__(
        self,
        client: EngineClient,
        connection: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        deadline: float,
        max_bytes: int,
    ) -> None:
        super().__init__()
        self._client = client
        self._connection = connection
        self._response = response
        self._deadline = deadline
        self._max_bytes = max_bytes
        self._size = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        if self._done:
            return 0
        target = memoryview(buffer).cast("B")
        remaining = self._deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            if self._connection.sock is not None:
                self._connection.sock.settimeout(remaining)
            chunk = self._response.read1(min(len(target), _CHUNK))
            if not chunk:
                self._response.read()  # marks the response done, keeping the connection alive
                self._done = True
                return 0
        except TimeoutError:
            self.release()
            raise _timeout() from None
        except (http.client.IncompleteRead, ConnectionError, http.client.HTTPException):
            self.release()
            raise EngineDroppedError("the engine went away while answering") from None
        self._size += len(chunk)
        if self._size > self._max_bytes:
            self.release()
            raise QueryTooLargeError(
                f"the answer is larger than {self._max_bytes} bytes; ask for fewer results",
                limit=self._max_bytes,
            )
        target[: len(chunk)] = chunk
        return len(chunk)

    def release(self) -> None:
        """Drop the connection unless the whole answer was read."""
        if not self._done:
            self._done = True
            self._client._discard_connection(self._connection)


def _first_lines(data: bytes, count: int) -> bytes:
    end = -1
    for _ in range(count):
        end = data.index(b"\n", end + 1)
    return data[: end + 1]


def _with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _timeout() -> QueryTimeoutError:
    return QueryTimeoutError("the query did not finish within its deadline")


def engine_failure_in_body(message: str) -> KringloopError:
    """The error for a failure the engine reported inside a 200 answer."""
    lowered = message.lower()
    if any(word in lowered for word in _TIMEOUT_WORDS):
        return _timeout()
    return EngineError(f"the engine failed while answering: {message[:500]}")


def _position(message: str) -> dict[str, int]:
    """The ``line`` (and ``column`` where the engine says it) of a syntax error."""
    match = _POSITION.search(message)
    if match is None:
        return {}
    if match.group(3) is not None:
        return {"line": int(match.group(3))}
    return {"line": int(match.group(1)), "column": int(match.group(2))}


def _error_for(status: int, message: str) -> KringloopError:
    if status == 400:
        extra = _position(message)
        return QuerySyntaxError(message[:2000] or "the engine could not parse the query", **extra)
    if status in (408, 504) or any(word in message.lower() for word in _TIMEOUT_WORDS):
        return _timeout()
    if status in (413, 414):
        return QueryTooLargeError(f"the engine found the request too large: {message[:500]}")
    if status == 503:
        return BackendUnavailableError(f"the engine is unavailable: {message[:500]}")
    return EngineError(f"the engine answered HTTP {status}: {message[:500]}")
