"""The one way Kringloop itself calls out: to a registered partner's endpoint or dump.

Federated views and harvests both go through :func:`fetch`: no proxy from the
environment, no redirect followed (a redirect is a refusal), a connect timeout and a
deadline for the whole answer, the body read as it arrives under a byte cap. Every
failure is an :class:`OutboundError` with a reason the callers report as it is:

- ``down``: no connection (refused, unreachable);
- ``slow``: no complete answer within the deadline;
- ``refused``: an HTTP status other than 200, or a redirect;
- ``too-large``: more bytes than allowed (announced or read);
- ``unreadable``: the answer broke off or could not be read.

Callers pass only URLs from the partner registry (never one from a request).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

import requests
import urllib3

USER_AGENT = "Kringloop/1 (partner federation and harvest)"
_CHUNK = 64 * 1024
_ERRNO = re.compile(r"\[Errno -?\d+\][^'\"()]*")


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
    """The body of a 200 answer and its ``Content-Type``; :class:`OutboundError` else."""
    deadline = time.monotonic() + timeout
    slow = OutboundError("slow", f"no complete answer within {timeout:g} s")
    session = requests.Session()
    session.trust_env = False
    headers = {"Accept": accept, "User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    try:
        with session.request(
            method,
            url,
            data=dict(form) if form is not None else None,
            headers=headers,
            timeout=(timeout, timeout),
            stream=True,
            allow_redirects=False,
        ) as response:
            _check_status(response)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise OutboundError(
                    "too-large", f"{declared} bytes announced; the limit is {max_bytes}"
                )
            body = _read(response, deadline, slow, max_bytes)
            return body, response.headers.get("Content-Type", "")
    except requests.Timeout:
        raise slow from None
    except requests.ConnectionError as error:
        # requests reports a read timeout inside the body as a ConnectionError.
        if time.monotonic() >= deadline or "timed out" in str(error).lower():
            raise slow from None
        raise OutboundError("down", f"no connection: {_cause(error)}") from None
    except requests.RequestException as error:
        raise OutboundError(
            "unreadable", f"the answer could not be read: {short_error(error)}"
        ) from None
    finally:
        session.close()


def _read(
    response: requests.Response, deadline: float, slow: OutboundError, max_bytes: int
) -> bytes:
    """Read the body as it arrives (``read1``), within the deadline and the byte cap."""
    body = bytearray()
    raw = response.raw
    while True:
        if time.monotonic() > deadline:
            raise slow
        try:
            chunk = raw.read1(_CHUNK)
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            raise slow from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise OutboundError(
                "unreadable", f"the answer broke off: {short_error(error)}"
            ) from None
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            raise OutboundError("too-large", f"the answer is over {max_bytes} bytes")


def _check_status(response: requests.Response) -> None:
    status = response.status_code
    if 300 <= status < 400:
        target = response.headers.get("Location", "(no Location)")
        raise OutboundError(
            "refused", f"HTTP {status}: a redirect to {target[:200]}, which is not followed"
        )
    if status != 200:
        try:
            text = response.raw.read1(300)
        except (urllib3.exceptions.HTTPError, OSError):
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
