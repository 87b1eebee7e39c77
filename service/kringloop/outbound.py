"""The one way Kringloop itself calls out: to a registered partner's endpoint or dump.

Federated views and harvests both go through :func:`fetch`: no proxy from the
environment, no redirect followed (a redirect is a refusal), a connect timeout and a
deadline for the whole exchange, the body read as it arrives under a byte cap. The
deadline bounds everything after the name lookup: connecting, sending, the status line
and headers, the body. A per-read socket timeout alone would not do that (a partner that
trickles a byte now and then never trips it), so a watchdog timer shuts the connection's
socket down when the deadline passes, which ends any read in progress at once.

Every failure is an :class:`OutboundError` with a reason the callers report as it is:

- ``down``: no connection (refused, unreachable), or closed before any answer;
- ``slow``: no complete answer within the deadline;
- ``refused``: an HTTP status other than 200, a redirect, or a URL that is not http(s);
- ``too-large``: more bytes than allowed (announced or read);
- ``unreadable``: the answer broke off or could not be read.

Callers pass only URLs from the partner registry (never one from a request).
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from urllib.parse import quote, urlencode, urlsplit

import certifi

USER_AGENT = "Kringloop/1 (partner federation and harvest)"
_CHUNK = 64 * 1024
_ERRNO = re.compile(r"\[Errno -?\d+\][^'\"()]*")
_NOT_PLAIN = re.compile(r"[^\x21-\x7e]")


class OutboundError(Exception):
    """A partner that did not give a usable answer: ``reason`` and a one-line ``detail``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def fetch(
    method: str,
    url: str,
    *,
    accept: str,
    timeout: float,
    max_bytes: int,
    form: Mapping[str, str] | None = None,
) -> tuple[bytes, str]:
    """The body of a 200 answer and its ``Content-Type``; :class:`OutboundError` else.

    Returns or fails within ``timeout`` seconds of the call (plus the name lookup).
    """
    deadline = time.monotonic() + timeout
    slow = OutboundError("slow", f"no complete answer within {timeout:g} s")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError("refused", f"not an http(s) URL: {url[:200]}")
    try:
        port = parts.port
    except ValueError:
        raise OutboundError("refused", f"not a valid port in {url[:200]}") from None
    # As requests sends it: any character outside printable ASCII percent-encoded.
    target = _NOT_PLAIN.sub(
        lambda match: quote(match.group()),
        (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
    )
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise OutboundError("refused", f"not a valid host name in {url[:200]}") from None
    headers = {"Accept": accept, "User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    body: bytes | None = None
    if form is not None:
        body = urlencode(dict(form)).encode("utf-8")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = _connection(parts.scheme, host, port, timeout)
    watchdog = _Watchdog(connection)
    response: http.client.HTTPResponse | None = None
    try:
        connection.connect()
        watchdog.arm(deadline - time.monotonic())
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        _check_status(response)
        declared = response.getheader("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
            raise OutboundError(
                "too-large", f"{declared} bytes announced; the limit is {max_bytes}"
            )
        data = _read(response, max_bytes)
        if watchdog.fired:  # the socket was shut down: the answer may look complete
            raise slow
        return data, response.getheader("Content-Type", "") or ""
    except OutboundError as error:
        if watchdog.fired and error.reason != "too-large":
            raise slow from None
        raise
    except TimeoutError:
        raise slow from None
    except (OSError, http.client.HTTPException) as error:
        if watchdog.fired or time.monotonic() >= deadline:
            raise slow from None
        if response is None:
            raise OutboundError("down", f"no connection: {_cause(error)}") from None
        raise OutboundError("unreadable", f"the answer broke off: {short_error(error)}") from None
    finally:
        watchdog.cancel()
        if response is not None:
            response.close()  # its file keeps the socket open after the connection closed
        connection.close()


def _connection(
    scheme: str, host: str, port: int | None, timeout: float
) -> http.client.HTTPConnection:
    """A connection that is not yet open; ``timeout`` bounds connecting and each read."""
    if scheme == "https":
        context = ssl.create_default_context(cafile=certifi.where())
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    return http.client.HTTPConnection(host, port, timeout=timeout)


class _Watchdog:
    """Shuts a connection's socket down at the deadline, ending any blocked read.

    It keeps the socket it was armed with: the connection lets go of its socket as soon
    as an answer says ``Connection: close`` (the answer then reads from it alone). The
    shutdown is the plain socket's, so it never touches a TLS object another thread is
    using; on a socket closed meanwhile it fails harmlessly (the descriptor is gone).
    """

    def __init__(self, connection: http.client.HTTPConnection) -> None:
        self.connection = connection
        self.fired = False
        self._lock = threading.Lock()
        self._cancelled = False
        self._sock: socket.socket | None = None
        self._timer: threading.Timer | None = None

    def arm(self, remaining: float) -> None:
        self._sock = self.connection.sock
        if remaining <= 0:
            self._fire()
            raise TimeoutError
        timer = threading.Timer(remaining, self._fire)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
        if self._timer is not None:
            self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            if self._cancelled or self._sock is None:
                return
            self.fired = True
            with contextlib.suppress(OSError):  # closed meanwhile: nothing left to end
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)


def _read(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """Read the body as it arrives (``read1``) under the byte cap."""
    body = bytearray()
    while True:
        chunk = response.read1(_CHUNK)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            raise OutboundError("too-large", f"the answer is over {max_bytes} bytes")


def _check_status(response: http.client.HTTPResponse) -> None:
    status = response.status
    if 300 <= status < 400:
        target = response.getheader("Location") or "(no Location)"
        raise OutboundError(
            "refused", f"HTTP {status}: a redirect to {target[:200]}, which is not followed"
        )
    if status != 200:
        try:
            text = response.read1(300)
        except (OSError, http.client.HTTPException):
            text = b""
        shown = " ".join(text.decode("utf-8", "replace").split())[:200]
        raise OutboundError("refused", f"HTTP {status}: {shown}")


def _cause(error: BaseException) -> str:
    """The operating system's reason in a connection error (``[Errno 111] ...``)."""
    found = _ERRNO.search(str(error))
    return found.group().strip() if found else short_error(error)


def short_error(error: BaseException) -> str:
    """An exception's message on one line, at most 300 characters."""
    return " ".join(str(error).split())[:300]
