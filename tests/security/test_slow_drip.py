"""Slow-drip (slowloris) clients on loopback must neither starve the service nor stay.

More slow connections than the shared service's web worker has threads: some send a
request head a byte a second, some a body a byte a second after a large Content-Length,
some nothing at all.
While they are open every normal request is answered; the server cuts each of them (well
before the drip would end); nothing changes.

Gunicorn's ``gthread`` worker fails this: a thread takes a connection at its first byte
and reads the rest blocking, without a time limit (measured with 12 such connections and
8 threads: no normal request answered in 35 s, none of the 12 cut). ``kringloop serve``
therefore runs :class:`kringloop.webworker.BufferingThreadWorker`, which reads a request
whole before a thread takes it.
"""

from __future__ import annotations

import socket
import threading
import time

import requests

from kringloop.settings import Settings
from kringloop.supervisor import Supervisor
from tests.security.seckit import Unchanged
from tests.service.servicekit import Service

#: The web worker's request threads (the shared service runs with the default).
THREADS = Settings().threads
#: How long a drip goes on unless the server cuts it: far beyond any read timeout.
DRIP_LIMIT = 60.0
HEAD = b"GET /-/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 200
BODY_HEAD = (
    b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
)
ASK = "ASK { ?s ?p ?o }"


def test_the_service_runs_the_buffering_worker() -> None:
    command = Supervisor(Settings()).gunicorn_command(Settings())
    assert command[command.index("--worker-class") + 1] == (
        "kringloop.webworker.BufferingThreadWorker"
    )


class Drip(threading.Thread):
    """One connection that sends ``opening`` at once, then ``dripped`` a byte a second,
    until the server closes it or ``DRIP_LIMIT`` passes."""

    def __init__(self, port: int, opening: bytes, dripped: bytes) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.opening = opening
        self.dripped = dripped
        self.connected = threading.Event()
        self.cut_after: float | None = None
        self.received = b""

    def run(self) -> None:
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port), timeout=DRIP_LIMIT) as sock:
            self.connected.set()
            try:
                sock.sendall(self.opening)
                for byte in self.dripped:
                    if self._closed(sock, 1.0) or time.monotonic() - started > DRIP_LIMIT:
                        break
                    sock.sendall(bytes([byte]))
                else:
                    while not self._closed(sock, 1.0):
                        if time.monotonic() - started > DRIP_LIMIT:
                            break
            except OSError:
                self.cut_after = time.monotonic() - started
                return
            if self.cut_after is None and time.monotonic() - started <= DRIP_LIMIT:
                self.cut_after = time.monotonic() - started

    def _closed(self, sock: socket.socket, wait: float) -> bool:
        """Wait up to ``wait`` s for the server: True once it has closed the connection."""
        sock.settimeout(wait)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            return False
        finally:
            sock.settimeout(DRIP_LIMIT)
        self.received += data
        return not data


def normal_requests(service: Service) -> None:
    asked = requests.get(
        service.sparql,
        params={"query": ASK},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["boolean"] is True
    posted = requests.post(
        service.sparql,
        data={"query": ASK},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert posted.status_code == 200, posted.text
    view = requests.get(f"{service.url}/views/r-ladder-dekking.json", timeout=30)
    assert view.status_code == 200, view.text[:300]
    assert len(view.json()["results"]["bindings"]) == 11


def test_slow_clients_neither_starve_the_service_nor_stay(
    unchanged: Unchanged, secured: Service
) -> None:
    service = secured
    drips = [
        *(Drip(service.port, HEAD[:20], HEAD[20:]) for _ in range(THREADS + 2)),
        *(Drip(service.port, BODY_HEAD, b"query=" + b"a" * 1000) for _ in range(THREADS + 2)),
        *(Drip(service.port, b"", b"") for _ in range(2)),
    ]
    with unchanged:
        for drip in drips:
            drip.start()
        for drip in drips:
            assert drip.connected.wait(10)
        time.sleep(1.5)  # every drip has sent its opening and a byte or so
        answered = 0
        while any(drip.is_alive() for drip in drips):
            normal_requests(service)
            answered += 1
            time.sleep(0.3)
        for drip in drips:
            drip.join(DRIP_LIMIT)
    assert answered >= 3
    uncut = [index for index, drip in enumerate(drips) if drip.cut_after is None]
    assert not uncut, f"the server never closed drips {uncut}"
    for drip in drips:  # a request that never arrived whole is never answered as one
        assert drip.received == b"" or drip.received.startswith(b"HTTP/1.1 408 "), drip.received


def test_ordinary_slow_pipelined_and_chunked_requests_still_work(
    unchanged: Unchanged, secured: Service
) -> None:
    """A request that arrives in small pieces within the grace, two pipelined requests on
    one connection, and a chunked POST are answered as before."""
    service = secured
    request = (
        b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Accept: application/sparql-results+json\r\n\r\n"
    )
    with unchanged:
        with socket.create_connection(("127.0.0.1", service.port), timeout=30) as sock:
            for start in range(0, len(request), 10):
                sock.sendall(request[start : start + 10])
                time.sleep(0.05)
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
            sock.sendall(request + request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
            both = b""
            while chunk := sock.recv(65536):
                both += chunk
            assert both.count(b"HTTP/1.1 200 ") == 2, both[:500]
        chunked = requests.post(
            service.sparql,
            data=iter([b"query=ASK%20", b"%7B%20%3Fs%20%3Fp", b"%20%3Fo%20%7D"]),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
            timeout=30,
        )
        assert chunked.status_code == 200, chunked.text
        assert chunked.json()["boolean"] is True
