"""Gunicorn's threaded worker, with every request read whole before a thread takes it.

Gunicorn's ``gthread`` worker gives a connection to a thread as soon as its first byte
arrives; the thread then reads the request with blocking calls and no time limit. A client
that sends a byte a second (slowloris: the head, or a body after a large Content-Length)
holds that thread for as long as it likes, and ``threads`` such clients stop the service
(measured: 12 such connections against 8 threads, no normal request answered in 35 s,
none of them cut).

This worker reads each request (head and body, or all chunks) in the worker's event loop,
without a thread, and gives it to a thread only when it is complete. A connection must
keep up a minimum rate: after ``GRACE`` seconds it must have sent ``MIN_RATE`` bytes per
second since its request began, or it is answered ``408`` and closed. Every new
connection, kept-alive connection and pipelined request goes through this.
"""

from __future__ import annotations

import contextlib
import selectors
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

#: Seconds a request may take before the rate applies (a head of a few hundred bytes).
GRACE = 10.0
#: Bytes per second a request must average after the grace (a 64 MiB upload: 17 min).
MIN_RATE = 64 * 1024
#: Most bytes held for one request: a larger one goes to a thread once its head is in (the
#: application refuses a body over its limits unread: 413).
MAX_BUFFER = 65 * 1024 * 1024
_TIMEOUT_ANSWER = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


def request_complete(data: bytes, max_buffer: int = MAX_BUFFER) -> bool:
    """Whether ``data`` holds a whole HTTP/1.x request (head, and body as framed), or as
    much of one as a thread should wait for.

    Whatever cannot be read (a bad length, bad chunk framing) counts as complete, so that
    gunicorn's parser answers it with its own error; so does a head over gunicorn's
    limits, and a body over ``max_buffer``.
    """
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return len(data) > 1024 * 1024  # no valid head is this long: gunicorn refuses it
    if len(data) > max_buffer:
        return True
    body = end + 4
    chunked = False
    length = 0
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return True
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return length > max_buffer or len(data) - body >= length
    position = body
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return False
        try:
            size = int(data[position:line_end].split(b";")[0].strip(), 16)
        except ValueError:
            return True
        if size == 0:
            return data.find(b"\r\n\r\n", line_end - 2) >= 0  # the trailer section ends
        position = line_end + 2 + size + 2
        if position > len(data):
            return False


class BufferingThreadWorker(ThreadWorker):  # type: ignore[misc]
    """``gthread``, but a thread only ever gets a request that has fully arrived."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading: dict[Any, tuple[bytearray, float]] = {}

    def enqueue_req(self, conn: Any) -> None:
        if getattr(conn, "complete", False):
            conn.complete = False
            super().enqueue_req(conn)
            return
        held = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        buffer = bytearray(held)
        if held and request_complete(bytes(buffer)):
            self._dispatch(conn, buffer)
            return
        conn.sock.setblocking(False)
        self.reading[conn] = (buffer, time.monotonic())
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._receive, conn))

    def _receive(self, conn: Any, _sock: Any) -> None:
        buffer, _started = self.reading[conn]
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        buffer += data
        if request_complete(bytes(buffer)):
            self.poller.unregister(conn.sock)
            del self.reading[conn]
            self._dispatch(conn, buffer)

    def _dispatch(self, conn: Any, buffer: bytearray) -> None:
        conn.sock.setblocking(True)
        conn.data_ready = True
        conn.init()
        conn.parser.unreader.unread(bytes(buffer))
        conn.complete = True
        self.enqueue_req(conn)

    def _drop(self, conn: Any, answer: bytes = b"") -> None:
        self.poller.unregister(conn.sock)
        del self.reading[conn]
        if answer:
            with contextlib.suppress(OSError):
                conn.sock.send(answer)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn, (buffer, started) in list(self.reading.items()):
            elapsed = now - started
            if elapsed > GRACE and len(buffer) < MIN_RATE * (elapsed - GRACE):
                self._drop(conn, _TIMEOUT_ANSWER if buffer else b"")
