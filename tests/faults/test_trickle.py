"""A partner that hangs or trickles: every outbound call gives up at its deadline.

The partner is a loopback server run here (:class:`Trickling`) that answers in one of
several bad ways: its status line and headers one byte every 0.5 s; good headers and
then the body one byte every 0.5 s; good headers and then nothing; a trickled body that
stops just before the deadline (a per-read timeout alone would wait a whole extra
timeout for it). :func:`kringloop.outbound.fetch` must fail ``slow`` within its timeout
(a bound of timeout + 1 s, far below what a hang or a second timeout would take); the
federated view lists such partners as missing; ``kringloop harvest`` reports them as
failed and keeps the last good copy.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kringloop.graphstore.versions import VersionStore
from kringloop.harvest import read_status
from kringloop.outbound import OutboundError, fetch
from kringloop.partners.registry import Registry
from tests.federation.fedkit import _Listener
from tests.harvest.harvestkit import EXAMPLES, canonical, graph_of
from tests.service.servicekit import Service, clean_environment, http, start_managed

STEP = 0.5  # seconds between two trickled bytes
TIMEOUT = 2.0  # the deadline given to each outbound call here
MARGIN = 1.0  # generous: a hang or a second timeout would take at least TIMEOUT more
SPARQL_JSON = b'{"head":{"vars":["activiteit"]},"results":{"bindings":[]}}'
GOOD_DUMP = (EXAMPLES / "cirkelregio-utrecht.ttl").read_bytes()
CIRKELREGIO = "cirkelregio-utrecht"


class Trickling(_Listener):
    """An HTTP partner that misbehaves as :attr:`mode` says (settable between requests).

    ``good``: the whole answer at once; ``headers``: the status line and headers one byte
    every :data:`STEP`; ``body``: headers at once, then the body one byte every STEP;
    ``hang``: headers at once, then nothing; ``stall``: like ``body`` for ``stall_after``
    seconds, then nothing. It stops writing when the client goes away.
    """

    def __init__(self, body: bytes, content_type: str, mode: str = "good") -> None:
        self.body = body
        self.content_type = content_type
        self.mode = mode
        self.stall_after = TIMEOUT - 0.3
        self.done = threading.Event()
        self.requests = 0
        super().__init__()

    def handle(self, connection: socket.socket) -> None:
        self.accepted.append(connection)
        threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def close(self) -> None:
        self.done.set()
        super().close()

    def _serve(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError):
            _read_request(connection)
            self.requests += 1
            mode = self.mode
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: {self.content_type}\r\n"
                + (f"Content-Length: {len(self.body)}\r\n" if mode == "good" else "")
                + "Connection: close\r\n\r\n"
            ).encode("ascii")
            if mode == "good":
                connection.sendall(head + self.body)
                connection.shutdown(socket.SHUT_WR)
                return
            if mode == "headers":
                self._trickle(connection, head, float("inf"))
            elif mode == "body":
                connection.sendall(head)
                self._trickle(connection, self.body * 1000, float("inf"))
            elif mode == "stall":
                connection.sendall(head)
                self._trickle(connection, self.body * 1000, self.stall_after)
            else:
                connection.sendall(head)
            self.done.wait(60)  # then silence until the client gives up (or the test ends)

    def _trickle(self, connection: socket.socket, data: bytes, seconds: float) -> None:
        until = time.monotonic() + seconds
        for index in range(len(data)):
            if self.done.is_set() or time.monotonic() >= until:
                return
            connection.sendall(data[index : index + 1])  # OSError once the client is gone
            self.done.wait(STEP)


def _read_request(connection: socket.socket) -> None:
    """Read the request's head and its Content-Length body."""
    connection.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = connection.recv(4096)
        if not chunk:
            return
        rest += chunk


@pytest.fixture
def partner() -> Iterator[Trickling]:
    server = Trickling(SPARQL_JSON, "application/sparql-results+json")
    yield server
    server.close()


def _timed(call: Callable[[], object], bound: float) -> tuple[BaseException | None, float]:
    """Run ``call`` in a thread (a hang must not hang the test); its error and duration."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as error:  # handed to the test
            outcome.append(error)

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(bound * 4)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"still running after {elapsed:.1f} s: it hangs"
    return outcome[0], elapsed


@pytest.mark.parametrize("mode", ["headers", "body", "hang", "stall"])
def test_fetch_gives_up_at_its_deadline(partner: Trickling, mode: str) -> None:
    partner.mode = mode
    error, elapsed = _timed(
        lambda: fetch(
            "POST",
            partner.url,
            accept="application/sparql-results+json",
            timeout=TIMEOUT,
            max_bytes=1024 * 1024,
            form={"query": "SELECT * {}"},
        ),
        TIMEOUT,
    )
    assert isinstance(error, OutboundError), error
    assert (error.reason, error.detail) == ("slow", f"no complete answer within {TIMEOUT:g} s")
    assert elapsed < TIMEOUT + MARGIN, f"{mode}: gave up after {elapsed:.2f} s"
    assert partner.requests == 1


def test_fetch_still_reads_a_good_answer(partner: Trickling) -> None:
    body, content_type = fetch(
        "GET", partner.url, accept="*/*", timeout=TIMEOUT, max_bytes=len(SPARQL_JSON)
    )
    assert (body, content_type) == (SPARQL_JSON, "application/sparql-results+json")
    with pytest.raises(OutboundError) as cut:
        fetch("GET", partner.url, accept="*/*", timeout=TIMEOUT, max_bytes=len(SPARQL_JSON) - 1)
    assert cut.value.reason == "too-large"


# -- the federated view -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def federating(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Service, dict[str, Trickling]]]:
    """A service whose two registered partners misbehave: one trickles, one hangs."""
    directory = tmp_path_factory.mktemp("trickle-federation")
    servers = {
        "trickelaar": Trickling(SPARQL_JSON, "application/sparql-results+json", "body"),
        "hanger": Trickling(SPARQL_JSON, "application/sparql-results+json", "hang"),
    }
    registry = Registry.open(directory / "var")
    for ref, server in servers.items():
        registry.add(ref, f"Partner {ref}", endpoint=server.url)
    service = start_managed(directory, "--federation-timeout", str(TIMEOUT))
    yield service, servers
    service.stop()
    for server in servers.values():
        server.close()


def test_federated_view_lists_trickling_and_hanging_partners_as_missing(
    federating: tuple[Service, dict[str, Trickling]],
) -> None:
    service, _servers = federating
    started = time.monotonic()
    response = http.get(f"{service.url}/views/partneractiviteiten.json")
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    document = response.json()
    assert {(item["partner"], item["reason"]) for item in document["missing"]} == {
        ("trickelaar", "slow"),
        ("hanger", "slow"),
    }
    # Our own rows are there (none from the partners), at the partners' deadline.
    rows = document["results"]["bindings"]
    assert rows
    assert not any("Partner " in row["bron"]["value"] for row in rows)
    assert elapsed < TIMEOUT + 0.5 + MARGIN + 1.0, f"answered after {elapsed:.2f} s"


# -- kringloop harvest ----------------------------------------------------------------------


def _harvest(data_dir: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kringloop", "harvest", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_environment(KRINGLOOP_HARVEST_TIMEOUT=str(TIMEOUT)),
        check=False,
    )
    return done, time.monotonic() - started


def test_harvest_of_a_trickling_dump_fails_and_keeps_the_last_good_copy(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    dump = Trickling(GOOD_DUMP, "text/turtle")
    try:
        Registry.open(data_dir).add(CIRKELREGIO, "Cirkelregio Utrecht", dump=dump.url)
        # Interpreter start-up and imports come on top of the deadline: the first
        # (good) harvest's duration is that baseline.
        first, baseline = _harvest(data_dir)
        assert first.returncode == 0, first.stdout + first.stderr
        versions = VersionStore(data_dir / "graphs")
        graph = graph_of(CIRKELREGIO)
        good = versions.current(graph)
        assert good is not None and good.action == "harvest"
        good_hash = canonical(versions.read(graph, good.number))
        assert good_hash == canonical(GOOD_DUMP, fmt=ox.RdfFormat.TURTLE)
        for mode in ("headers", "hang"):  # the others: test_fetch_gives_up_at_its_deadline
            dump.mode = mode
            failed, elapsed = _harvest(data_dir)
            assert failed.returncode == 1, (mode, failed.stdout, failed.stderr)
            assert f"{CIRKELREGIO}: failed (slow)" in failed.stdout, failed.stdout
            assert f"version {good.number} stays" in failed.stdout, failed.stdout
            assert elapsed < baseline + TIMEOUT + MARGIN + 2.0, f"{mode}: {elapsed:.2f} s"
            status = read_status(data_dir / "partners")[CIRKELREGIO]
            assert (status["ok"], status["reason"]) == (False, "slow")
            assert status["last_success"] is not None
            # The last good copy stays, whole: no new version, the same content.
            current = versions.current(graph)
            assert current is not None and current.number == good.number
            assert canonical(versions.read(graph, current.number)) == good_hash
            assert [v.number for v in versions.versions(graph)] == [good.number]
    finally:
        dump.close()
    assert json.loads((data_dir / "partners" / "status.json").read_text())
