"""Starting and stopping the real processes the service tests talk to."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from rdflib import Graph

from kringloop.graphstore.provenance import provenance_graph
from kringloop.graphstore.versions import VersionStore
from kringloop.partners.registry import Registry
from kringloop.services import SYSTEM_GRAPHS, bundled_graphs
from kringloop.store.managed import find_binary

START_TIMEOUT = 30.0
#: What a fresh instance publishes: the bundled graphs, then the registry and provenance.
PUBLISHED = [*bundled_graphs(), *SYSTEM_GRAPHS]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


#: The suite's services are not rate limited (test_rate_limit.py gives its limits as flags).
UNLIMITED = {f"KRINGLOOP_RATE_LIMIT_{kind}": "0" for kind in ("QUERIES", "PAGES", "WRITES")}


def clean_environment(**extra: str) -> dict[str, str]:
    """This environment without any KRINGLOOP_* setting, plus ``extra``; no rate limits."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KRINGLOOP_")}
    environment["KRINGLOOP_LOG_LEVEL"] = "warning"
    environment.update(UNLIMITED)
    if "KRINGLOOP_ROOT" in os.environ:
        environment["KRINGLOOP_ROOT"] = os.environ["KRINGLOOP_ROOT"]
    environment.update(extra)
    return environment


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of ours counts as gone
        with Path(f"/proc/{pid}/stat").open() as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@dataclass
class Service:
    """One running ``kringloop serve`` (or any HTTP process) and how to reach it."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    def health(self) -> dict[str, Any]:
        body: dict[str, Any] = requests.get(f"{self.url}/-/health", timeout=10).json()
        return body

    def select(self, query: str, **params: Any) -> list[dict[str, Any]]:
        response = requests.get(
            self.sparql,
            params={"query": query, **params},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()["results"]["bindings"]
        return rows

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited at start: {log.read_text()[-2000:]}")
        try:
            requests.get(url, timeout=1)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not start: {log.read_text()[-2000:]}")


def start_kringloop(directory: Path, name: str, *arguments: str) -> Service:
    """``kringloop serve`` as a real subprocess, waiting until it answers."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = directory / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kringloop", "serve", "--port", str(port), *arguments],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=clean_environment(),
        )
    service = Service(name, process, port, log)
    try:
        wait_for_http(f"{service.url}/-/health", process, log)
    except BaseException:
        service.stop()
        raise
    return service


def start_oxigraph(directory: Path) -> Service:
    """A plain ``oxigraph serve`` (in memory): the "external" engine."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = directory / "oxigraph.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [find_binary(), "serve", "--bind", f"127.0.0.1:{port}"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    service = Service("oxigraph", process, port, log)
    wait_for_http(service.url, process, log)
    return service


def start_managed(directory: Path, *arguments: str) -> Service:
    return start_kringloop(directory, "managed", "--data-dir", str(directory / "var"), *arguments)


def start_external(directory: Path, engine: Service, *arguments: str) -> Service:
    return start_kringloop(
        directory,
        "external",
        "--data-dir",
        str(directory / "var"),
        "--engine-query-url",
        f"{engine.url}/query",
        "--engine-update-url",
        f"{engine.url}/update",
        "--engine-graph-store-url",
        f"{engine.url}/store",
        *arguments,
    )


class _Client(requests.Session):
    """``requests`` with a timeout on every call (tests must never hang)."""

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", 60)
        return super().request(method, url, *args, **kwargs)


#: A fresh connection per call would be slower; one session is fine for sequential tests.
http = _Client()


def empty_registry_graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    """The registry graph a fresh instance publishes (no partners registered yet)."""
    empty = Registry.open(tmp_path_factory.mktemp("empty-registry"))
    return Graph().parse(data=empty.public_graph(), format="nt")


def empty_provenance_graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    """The provenance graph before the first write (it describes itself, nothing more)."""
    directory = tmp_path_factory.mktemp("empty-provenance")
    data = provenance_graph(Registry.open(directory), VersionStore(directory / "graphs"), [])
    return Graph().parse(data=data, format="nt")


def empty_provenance_size(tmp_path_factory: pytest.TempPathFactory) -> int:
    return len(empty_provenance_graph(tmp_path_factory))


class Listener:
    """A plain socket server on loopback that counts the connections it is offered
    (a target no request from user input may ever reach)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.socket.bind((host, 0))
        self.socket.listen(64)
        self.socket.settimeout(0.05)
        self.port: int = self.socket.getsockname()[1]
        self.connections = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _run(self) -> None:
        while not self.done.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.done.set()
        self.thread.join(5)
        self.socket.close()
