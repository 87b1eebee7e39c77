"""One exception hierarchy for the whole service; each error knows its HTTP status.

The web layer answers every :class:`KringloopError` as ``application/problem+json``
(RFC 9457); the CLI prints its message and exits with :data:`EXIT_ERROR`.
"""

from __future__ import annotations

from typing import Any

#: CLI exit codes, documented in the README.
EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_ERROR = 2


class KringloopError(Exception):
    """Base class: a failure we expected and can explain to the user."""

    status = 500
    title = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def problem(self) -> dict[str, Any]:
        """The RFC 9457 problem details body."""
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        body.update(self.extra)
        return body


class BadRequestError(KringloopError):
    status = 400
    title = "Bad request"


class QuerySyntaxError(BadRequestError):
    title = "Malformed query"


class RdfSyntaxError(BadRequestError):
    title = "Malformed RDF"


class QueryRefusedError(KringloopError):
    """The query is well-formed but asks for something the public endpoint never does."""

    status = 403
    title = "Query refused"


class UnauthorizedError(KringloopError):
    status = 401
    title = "Unauthorized"


class ForbiddenError(KringloopError):
    status = 403
    title = "Forbidden"


class NotFoundError(KringloopError):
    status = 404
    title = "Not found"


class MethodNotAllowedError(KringloopError):
    status = 405
    title = "Method not allowed"


class NotAcceptableError(KringloopError):
    status = 406
    title = "Not acceptable"


class PayloadTooLargeError(KringloopError):
    status = 413
    title = "Payload too large"


class UnsupportedMediaTypeError(KringloopError):
    status = 415
    title = "Unsupported media type"


class ValidationFailedError(KringloopError):
    status = 422
    title = "Validation failed"


class TooManyRequestsError(KringloopError):
    """A client used up its rate limit; ``retry_after`` whole seconds until it may again."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retryAfter=retry_after, **extra)
        self.retry_after = retry_after

    def problem(self) -> dict[str, Any]:
        body = super().problem()
        body["headers"] = {"Retry-After": str(self.retry_after)}
        return body


class QueryTimeoutError(KringloopError):
    status = 503
    title = "Query deadline exceeded"


class BackendUnavailableError(KringloopError):
    status = 503
    title = "Engine unavailable"


class ConfigurationError(KringloopError):
    """A setting, file or view definition is wrong; raised at start-up."""

    status = 500
    title = "Configuration error"


class QueryTooLargeError(PayloadTooLargeError):
    title = "Query too large"


class ReadOnlyEndpointError(ForbiddenError):
    """A SPARQL Update (or a LOAD) sent to the public, read-only endpoint."""

    title = "Read-only endpoint"


class QueryCrashedEngineError(QueryRefusedError):
    """The query made the engine crash twice, the second time running alone."""

    title = "Query crashed the engine"


class EngineError(KringloopError):
    """The engine answered, but with a failure that is not the client's fault."""

    status = 502
    title = "Engine error"
