"""The engines a benchmark compares: rdflib in memory, a bare Oxigraph server, Kringloop.

Every HTTP engine is asked the same way: GET with the query in the URL, ``Accept:
application/sparql-results+json``, one keep-alive connection, the whole body read.
rdflib runs the same query in a forked child of the process that holds the loaded
dataset, so a query that runs past its deadline is killed without reloading.
"""

from __future__ import annotations

import http.client
import multiprocessing
import multiprocessing.connection
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, URIRef
from rdflib.plugins.sparql import prepareQuery

from kringloop.graphs import iter_bundled_files

JSON_RESULTS = "application/sparql-results+json"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Answer:
    seconds: float
    status: int
    body: bytes


class HttpClient:
    """One keep-alive HTTP/1.1 connection to a SPARQL endpoint on loopback."""

    def __init__(self, url: str, timeout: float = 600.0, graphs: Sequence[str] = ()) -> None:
        """``graphs``: sent as both ``default-graph-uri`` and ``named-graph-uri``."""
        self.dataset = [("default-graph-uri", g) for g in graphs]
        self.dataset += [("named-graph-uri", g) for g in graphs]
        parsed = urllib.parse.urlsplit(url)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"benchmarks only talk to loopback, not {url}")
        self.host = parsed.hostname
        self.port = parsed.port or 80
        self.path = parsed.path or "/"
        self.timeout = timeout
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def query(self, text: str, accept: str = JSON_RESULTS) -> Answer:
        target = f"{self.path}?{urllib.parse.urlencode([('query', text), *self.dataset])}"
        headers = {"Accept": accept, "Connection": "keep-alive"}
        start = time.perf_counter()
        try:
            self.connection.request("GET", target, headers=headers)
            response = self.connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            raise
        elapsed = time.perf_counter() - start
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return Answer(elapsed, response.status, body)

    def close(self) -> None:
        self.connection.close()


def wait_for(url: str, deadline_s: float, process: subprocess.Popen[bytes] | None = None) -> float:
    """Seconds until ``url`` answers a trivial ASK with 200; raise if it never does."""
    start = time.perf_counter()
    client = HttpClient(url, timeout=2.0)
    last = "no answer"
    while time.perf_counter() - start < deadline_s:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            answer = client.query("ASK {}")
            if answer.status == 200:
                client.close()
                return time.perf_counter() - start
            last = f"HTTP {answer.status}: {answer.body[:200]!r}"
        except OSError as error:
            last = str(error)
        time.sleep(0.02)
    client.close()
    raise RuntimeError(f"{url} did not answer within {deadline_s} s ({last})")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class OxigraphServer:
    """A bare ``oxigraph serve`` on loopback, asked with the dataset spelled out.

    Kringloop sends every query to its engine with ``default-graph-uri`` and
    ``named-graph-uri`` = the published graphs; the bench asks the bare server the same
    way (:attr:`graphs`), so the two answer exactly the same request.

    In memory (``location=None``: files are POSTed to the running server), or on disk
    like Kringloop's managed engine (files are bulk-loaded with ``oxigraph load`` into
    the location first, then the server starts on it).
    """

    def __init__(
        self, location: Path | None = None, *, union: bool = False, binary: str | None = None
    ) -> None:
        """``union``: serve the union of all graphs as the default graph and ask without a
        dataset (the fastest way to ask Oxigraph, for comparison)."""
        self.binary = binary or oxigraph_binary()
        self.location = location
        self.union = union
        self.name = "oxigraph-disk" if location is not None else "oxigraph-memory"
        if union:
            self.name = "oxigraph-union"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0
        self.graphs: list[str] = []

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def client(self) -> HttpClient:
        return HttpClient(self.query_url, graphs=() if self.union else self.graphs)

    def start(self) -> None:
        command = [self.binary, "serve", "--bind", f"127.0.0.1:{self.port}"]
        if self.union:
            command.append("--union-default-graph")
        if self.location is not None:
            command += ["--location", str(self.location)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.startup_s = wait_for(self.query_url, 60.0, self.process)

    def load(self, files: Sequence[tuple[str | None, Path]]) -> float:
        """Load every file (``None`` graph = N-Quads); returns seconds.

        On disk this runs before :meth:`start`; in memory after it.
        """
        if self.location is not None:
            return bulk_load(self.location, files, self.binary)
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        for graph, path in files:
            if graph is None:
                target, content_type = "/store", "application/n-quads"
            else:
                target = f"/store?{urllib.parse.urlencode({'graph': graph})}"
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
                raise RuntimeError(f"loading {path} into oxigraph: {response.status} {detail!r}")
        connection.close()
        return time.perf_counter() - start

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


def oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else (shutil.which("oxigraph") or "oxigraph")


def bulk_load(
    location: Path, files: Sequence[tuple[str | None, Path]], binary: str | None = None
) -> float:
    """``oxigraph load`` each file into the store at ``location``; returns seconds."""
    start = time.perf_counter()
    for graph, path in files:
        command = [binary or oxigraph_binary(), "load", "--location", str(location)]
        command += ["--file", str(path)]
        if graph is not None:
            command += ["--graph", graph]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"oxigraph load {path}: {done.stderr.strip()[-500:]}")
    return time.perf_counter() - start


#: The published graph that carries a synthetic partner graph's triples where only
#: published graphs are visible (Kringloop's /sparql): the interpretations graph.
HOST_GRAPH = "https://w3id.org/kringloop/id/graaf/interpretaties-2021-2022"


def bundled_files() -> list[tuple[str | None, Path]]:
    return [(str(source.iri), path) for source, path in iter_bundled_files()]


# --- rdflib -------------------------------------------------------------------------------


class RdflibEngine:
    """An rdflib Dataset in this process; each query runs in a forked child with a deadline."""

    name = "rdflib"

    def __init__(self) -> None:
        self.dataset = Dataset(default_union=True)

    def load(self, files: Sequence[tuple[str | None, Path]]) -> float:
        start = time.perf_counter()
        for graph, path in files:
            with path.open("rb") as source:
                if graph is None:
                    self.dataset.parse(source, format="nquads")
                else:
                    fmt = "turtle" if path.suffix == ".ttl" else "nt"
                    self.dataset.graph(URIRef(graph)).parse(source, format=fmt)
        return time.perf_counter() - start

    def run(self, text: str, repetitions: int, timeout_s: float) -> tuple[list[float], str | None]:
        """Wall seconds per repetition (evaluate + serialise JSON); error text if any."""
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_rdflib_child, args=(self.dataset, text, repetitions, sender), daemon=True
        )
        child.start()
        sender.close()
        timings: list[float] = []
        error: str | None = None
        deadline = time.monotonic() + timeout_s
        while len(timings) < repetitions and error is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not receiver.poll(remaining):
                error = f"timeout after {timeout_s:.0f} s"
                break
            try:
                message = receiver.recv()
            except EOFError:
                error = "rdflib child died"
                break
            if isinstance(message, str):
                error = message
            else:
                timings.append(float(message))
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
        return timings, error


def _rdflib_child(
    dataset: Dataset,
    text: str,
    repetitions: int,
    sender: multiprocessing.connection.Connection,
) -> None:
    try:
        prepared = prepareQuery(text)
        for _ in range(repetitions):
            start = time.perf_counter()
            result = dataset.query(prepared)
            result.serialize(format="json")
            sender.send(time.perf_counter() - start)
    except Exception as error:  # report any rdflib failure to the parent as text
        sender.send(f"rdflib error: {type(error).__name__}: {error}")
    finally:
        sender.close()
        os._exit(0)


# --- Kringloop ----------------------------------------------------------------------------


class KringloopService:
    """The real ``kringloop serve`` as a subprocess, on a temporary data directory."""

    name = "kringloop"

    def __init__(
        self, files: Sequence[tuple[str | None, Path]] = (), kringloop: str | None = None
    ) -> None:
        self.binary = (
            kringloop or shutil.which("kringloop") or str(Path(sys.executable).parent / "kringloop")
        )
        self.files = list(files)
        self.preloaded = False
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.tempdir = tempfile.TemporaryDirectory(prefix="kringloop-bench-")
        self.startup_s = 0.0
        self.log_path = Path(self.tempdir.name) / "serve.log"

    @property
    def query_url(self) -> str:
        return f"{self.base}/sparql"

    def client(self) -> HttpClient:
        """Kringloop chooses the dataset itself (the published graphs)."""
        return HttpClient(self.query_url)

    def command(self) -> list[str]:
        return [
            self.binary,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            *(["--no-load-bundled"] if self.preloaded else []),
        ]

    def preload(self) -> float:
        """Bulk-load the files into the managed engine's store before start.

        ``kringloop serve`` has no option to load an extra graph, and its ``/sparql``
        shows only the published (bundled) graphs. So the bench puts every file where the
        managed Oxigraph keeps its store (``{data_dir}/oxigraph``), the partner triples in
        the published graph :data:`HOST_GRAPH`, and starts Kringloop with
        ``--no-load-bundled``. The on-disk bare engine is loaded the same way, so both
        hold the same store and get the same request.
        """
        self.preloaded = True
        return bulk_load(self.data_dir / "oxigraph", self.files)

    @property
    def data_dir(self) -> Path:
        return Path(self.tempdir.name) / "data"

    def start(self, deadline_s: float = 600.0) -> None:
        log = self.log_path.open("wb")
        start = time.perf_counter()
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(self.query_url, deadline_s, self.process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{self.log_tail()}") from error
        finally:
            log.close()
        self.startup_s = time.perf_counter() - start

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None
        self.tempdir.cleanup()
