"""Talking to SPARQL engines on loopback, and the bare Oxigraph servers a benchmark starts.

Every HTTP engine is asked the same way: GET with the query in the URL, the media type
in ``Accept``, one keep-alive connection, the whole body read. rdflib is in
:mod:`bench.rdflibengine`, Kringloop in :mod:`bench.service`.

Every engine holds the same quads: each bundled file in its published graph and the
synthetic partner triples in :data:`HOST_GRAPH`, and is asked over the same dataset
(the published graphs). Kringloop itself is in :mod:`bench.service`.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kringloop.graphs import BUNDLED, iter_bundled_files

JSON_RESULTS = "application/sparql-results+json"

#: The published graph that carries a synthetic partner graph's triples. Kringloop's
#: ``/sparql`` shows only published graphs, so the partner triples go into one of them
#: (the interpretations graph, which holds the same kind of statements), in every engine.
HOST_GRAPH = "https://w3id.org/kringloop/id/graaf/interpretaties-2021-2022"

#: A keep-alive connection idle for longer than this is replaced before the next request.
MAX_IDLE_S = 4.0

#: A file to load and the named graph it goes into.
GraphFile = tuple[str, Path]


def published_graphs() -> list[str]:
    return sorted({str(source.iri) for source in BUNDLED})


def bundled_files() -> list[GraphFile]:
    return [(str(source.iri), path) for source, path in iter_bundled_files()]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


NTRIPLES = "application/n-triples"

#: Most bytes a bench client reads of one answer (a runaway view must not fill memory).
MAX_BODY_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    seconds: float
    status: int
    body: bytes
    content_type: str = ""
    truncated: bool = False


class AnswerTooLargeError(OSError):
    """The answer was larger than :data:`MAX_BODY_BYTES`."""


class HttpClient:
    """One keep-alive HTTP/1.1 connection to a SPARQL endpoint on loopback."""

    def __init__(
        self,
        url: str,
        timeout: float = 600.0,
        graphs: Sequence[str] = (),
        *,
        retry_stale: bool = True,
    ) -> None:
        """``graphs``: sent as both ``default-graph-uri`` and ``named-graph-uri``.

        ``retry_stale=False``: a dropped keep-alive connection is an error too (for
        clients that are never idle, where a drop can only be the server's fault).
        """
        self.retry_stale = retry_stale
        self.dataset = [("default-graph-uri", g) for g in graphs]
        self.dataset += [("named-graph-uri", g) for g in graphs]
        parsed = urllib.parse.urlsplit(url)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"benchmarks only talk to loopback, not {url}")
        self.host = parsed.hostname
        self.port = parsed.port or 80
        self.path = parsed.path or "/"
        self.timeout = timeout
        self.connection = self._connect()
        self.reused = False
        self.reconnects = 0
        self.last_used = time.monotonic()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def query(
        self, text: str, accept: str = JSON_RESULTS, headers: Mapping[str, str] | None = None
    ) -> Answer:
        """GET the query; the whole body is read before the clock stops.

        Servers give up idle keep-alive connections: gunicorn closes them after 5 s;
        ``oxigraph serve --timeout-s N`` answers the next request on a connection idle for
        more than N s with ``500 Resource temporarily unavailable (os error 11)``
        (measured on 0.5.13). So a connection idle for more than :data:`MAX_IDLE_S` is
        replaced before the request; and if the server closed a reused connection anyway,
        the (idempotent) GET is sent once more on a new one and only that attempt is timed.
        """
        target = f"{self.path}?{urllib.parse.urlencode([('query', text), *self.dataset])}"
        sent = {"Accept": accept, "Connection": "keep-alive", **(headers or {})}
        if self.reused and time.monotonic() - self.last_used > MAX_IDLE_S:
            self.connection.close()
            self.connection = self._connect()
            self.reused = False
        while True:
            start = time.perf_counter()
            try:
                self.connection.request("GET", target, headers=sent)
                response = self.connection.getresponse()
                body = response.read(MAX_BODY_BYTES + 1)
                if len(body) > MAX_BODY_BYTES:
                    self.connection.close()
                    self.connection = self._connect()
                    self.reused = False
                    raise AnswerTooLargeError(f"the answer is larger than {MAX_BODY_BYTES} bytes")
            except (http.client.HTTPException, OSError) as error:
                self.connection.close()
                self.connection = self._connect()
                stale = (
                    self.retry_stale
                    and self.reused
                    and isinstance(
                        error,
                        http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError,
                    )
                )
                self.reused = False
                if not stale:
                    raise
                self.reconnects += 1
                continue
            if (
                self.retry_stale
                and self.reused
                and response.status == 500
                and body.startswith(b"Resource temporarily unavailable")
            ):
                # Oxigraph's answer on a connection it gave up on (see above): once more,
                # on a new connection.
                self.connection.close()
                self.connection = self._connect()
                self.reused = False
                self.reconnects += 1
                continue
            break
        elapsed = time.perf_counter() - start
        self.reused = True
        self.last_used = time.monotonic()
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.reused = False
        return Answer(
            elapsed,
            response.status,
            body,
            response.getheader("Content-Type", ""),
            response.getheader("Kringloop-Truncated", "") == "true",
        )

    def close(self) -> None:
        self.connection.close()


def wait_for(
    url: str,
    deadline_s: float,
    process: subprocess.Popen[bytes] | None = None,
    query: str = "ASK {}",
    poll_s: float = 0.02,
) -> float:
    """Seconds until ``url`` answers ``query`` with 200; raise if it never does."""
    start = time.perf_counter()
    client = HttpClient(url, timeout=max(2.0, deadline_s))
    last = "no answer"
    while time.perf_counter() - start < deadline_s:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            answer = client.query(query)
            if answer.status == 200:
                client.close()
                return time.perf_counter() - start
            last = f"HTTP {answer.status}: {answer.body[:200]!r}"
        except OSError as error:
            last = str(error)
        time.sleep(poll_s)
    client.close()
    raise RuntimeError(f"{url} did not answer within {deadline_s} s ({last})")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s: only the process this bench started."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post_files(store_url: str, files: Sequence[GraphFile]) -> float:
    """POST each file into its named graph (Graph Store Protocol); returns seconds."""
    parsed = urllib.parse.urlsplit(store_url)
    if parsed.hostname != "127.0.0.1" or parsed.port is None:
        raise ValueError(f"benchmarks only load into 127.0.0.1:PORT, not {store_url}")
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", parsed.port, timeout=1800)
    try:
        for graph, path in files:
            target = f"{parsed.path}?{urllib.parse.urlencode({'graph': graph})}"
            content_type = "text/turtle" if path.suffix == ".ttl" else "application/n-triples"
            with path.open("rb") as body:
                connection.request(
                    "POST",
                    target,
                    body=body,
                    headers={
                        "Content-Type": content_type,
                        "Content-Length": str(path.stat().st_size),
                    },
                )
                response = connection.getresponse()
                detail = response.read()
            if response.status not in (200, 201, 204):
                raise RuntimeError(f"loading {path} into {store_url}: {response.status} {detail!r}")
    finally:
        connection.close()
    return time.perf_counter() - start


class OxigraphServer:
    """A bare ``oxigraph serve`` in memory on loopback (files are POSTed to it).

    ``union=False`` (``oxigraph-memory``): asked with the dataset spelled out
    (``default-graph-uri`` and ``named-graph-uri`` = the published graphs), exactly as
    Kringloop asks its engine. ``union=True`` (``oxigraph-union``): started with
    ``--union-default-graph`` and asked without a dataset, the fastest way to ask Oxigraph.
    """

    def __init__(self, *, union: bool = False, timeout_s: int = 60) -> None:
        self.binary = oxigraph_binary()
        self.union = union
        self.timeout_s = timeout_s
        self.name = "oxigraph-union" if union else "oxigraph-memory"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def client(self) -> HttpClient:
        graphs = () if self.union else published_graphs()
        return HttpClient(self.query_url, timeout=self.timeout_s + 30, graphs=graphs)

    def start(self) -> None:
        command = [self.binary, "serve", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--timeout-s", str(self.timeout_s)]
        if self.union:
            command.append("--union-default-graph")
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self.query_url, 60.0, self.process)

    def load(self, files: Sequence[GraphFile]) -> float:
        return post_files(f"{self.base}/store", files)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


def oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else (shutil.which("oxigraph") or "oxigraph")


def oxigraph_version() -> str:
    done = subprocess.run(
        [oxigraph_binary(), "--version"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip().removeprefix("oxigraph ") or "unknown"
