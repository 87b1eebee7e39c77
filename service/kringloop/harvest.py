"""Harvest: pull a partner's own data into its graph, through the same gate as every write.

A partner registered with a dump URL (``--dump``) is harvested from the dump; one with only
a SPARQL endpoint (``--endpoint``) is asked ``CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }``,
which is the *default graph* of the partner's engine (what most engines, Oxigraph included,
answer for a query without ``FROM``/``GRAPH``). Both are fetched the way federation asks a
partner: only the registered URL, no proxy from the environment, no redirect followed, a
connect timeout and a total deadline (``harvest_timeout``), at most ``harvest_max_bytes``.

The body is parsed by :func:`kringloop.upload.parse_upload` (the format from the
``Content-Type``; for a dump served as ``application/octet-stream``, ``text/plain`` or
without one, from the URL's suffix). The default graph's triples go to the partner's first
graph (``{GRAPH}partner-{ref}``); named graphs of a TriG, N-Quads or JSON-LD dump go to
themselves. Then :meth:`GraphWriter.replace` with ``action="harvest"``: the partner may
write only its own graphs and describe only its own namespaces (403), and the result must
conform to the shapes (422). Any failure leaves the stored copy as it was. An answer with
no triples at all is refused too: it would empty the graph, and that is what a ``DELETE``
on ``/graph-store`` is for.

Each harvest is recorded in ``{data_dir}/partners/status.json`` (read by ``/partners``):
``{ref: {last_attempt, last_success, ok, kind, source, graph, version, triples, violations,
warnings, reason, error}}``, merged per partner under a file lock and replaced atomically;
``last_success`` survives failures. ``triples``, ``violations`` and ``warnings`` describe
the last attempt's data; ``version`` is the stored version after it (the last good copy).

:class:`HarvestScheduler` runs all harvests every ``harvest_interval`` minutes in a daemon
thread of ``kringloop serve``'s supervisor.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from kringloop import outbound
from kringloop.durable import atomic_write, file_lock
from kringloop.errors import KringloopError
from kringloop.graphstore.writes import GraphWriter, WriteRejectedError
from kringloop.logs import get_logger
from kringloop.partners.model import default_graph
from kringloop.partners.registry import Partner
from kringloop.services import build_writer
from kringloop.settings import Settings
from kringloop.shaclreport import Severity
from kringloop.store.engine import EngineClient
from kringloop.store.managed import read_state
from kringloop.store.remote import EngineEndpoints
from kringloop.upload import UploadLimits, parse_upload

_log = get_logger("harvest")

CONSTRUCT_QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
_ENDPOINT_ACCEPT = "application/n-triples, text/turtle;q=0.9"
_DUMP_ACCEPT = (
    "application/n-triples, text/turtle;q=0.9, application/n-quads;q=0.8, "
    "application/trig;q=0.8, application/ld+json;q=0.5, application/rdf+xml;q=0.5"
)
#: Content types that say nothing about the format: the URL's suffix decides.
_UNTYPED = frozenset({"", "application/octet-stream", "binary/octet-stream", "text/plain"})
SUFFIXES = {
    ".nt": "application/n-triples",
    ".ttl": "text/turtle",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml",
}
STATUS_FILE = "status.json"
_STATUS_LOCK = ".status.lock"
#: Why a harvest failed (``HarvestResult.reason``).
REASONS = (
    "no-source", "down", "slow", "refused", "too-large", "unreadable", "empty",
    "forbidden", "invalid", "engine",
)  # fmt: skip
#: Seconds between ``kringloop serve``'s start and the scheduler's first harvest.
FIRST_DELAY = 1.0


class HarvestError(Exception):
    """The partner's data could not be fetched or read; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class HarvestResult:
    """What one harvest of one partner did."""

    ref: str
    ok: bool
    at: str  # ISO 8601, UTC, when the attempt started
    kind: str | None  # "endpoint" | "dump" | None (nothing registered)
    source: str | None
    graph: str
    version: int | None  # the stored version after the attempt (the last good copy)
    triples: int  # triples in the fetched data (0 if none were read)
    violations: int
    warnings: int
    reason: str | None = None
    error: str | None = None

    def line(self) -> str:
        """One line for ``kringloop harvest``."""
        if self.ok:
            return (
                f"{self.ref}: ok: version {self.version}, {self.triples} triples, "
                f"{self.warnings} warning(s) ({self.kind} {self.source})"
            )
        kept = f"version {self.version} stays" if self.version is not None else "nothing stored"
        return f"{self.ref}: failed ({self.reason}): {self.error}; {kept}"


# -- one partner -------------------------------------------------------------------------------


def harvest_source(partner: Partner) -> tuple[str, str] | None:
    """``(kind, url)``: the dump when one is registered, else the endpoint, else None."""
    if partner.dump:
        return "dump", partner.dump
    if partner.endpoint:
        return "endpoint", partner.endpoint
    return None


def harvest_partner(partner: Partner, writer: GraphWriter, settings: Settings) -> HarvestResult:
    """Fetch, parse, gate and store ``partner``'s data; record and return the outcome."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    graph = target_graph(partner)
    kind, url = harvest_source(partner) or (None, None)
    failed = HarvestResult(partner.ref, False, at, kind, url, graph, None, 0, 0, 0)
    try:
        if kind is None or url is None:
            raise HarvestError("no-source", "the partner has no endpoint or dump registered")
        body, content_type = fetch(kind, url, settings.harvest_timeout, settings.harvest_max_bytes)
        limits = UploadLimits(max_bytes=settings.harvest_max_bytes)
        parsed = parse_upload(body, content_type, base_iri=url, limits=limits)
        failed = replace(failed, triples=parsed.triple_count)
        if parsed.triple_count == 0:
            raise HarvestError("empty", f"the {kind} gave no triples")
        contents = {graph: list(parsed.default)}
        for name, named in parsed.named.items():
            contents.setdefault(name, []).extend(named)
        outcome = writer.replace(contents, owner=partner.ref, action="harvest")
    except HarvestError as failure:
        result = replace(failed, reason=failure.reason, error=failure.detail)
    except WriteRejectedError as rejected:
        report = rejected.report
        result = replace(
            failed,
            reason="invalid",
            error=rejected.detail,
            violations=report.count(Severity.VIOLATION),
            warnings=report.count(Severity.WARNING),
        )
    except KringloopError as error:
        result = replace(failed, reason=_reason(error), error=error.detail)
    else:
        version = next(v for v in outcome.versions if v.graph == graph)
        warnings = outcome.report.count(Severity.WARNING) if outcome.report else 0
        result = replace(failed, ok=True, version=version.number, warnings=warnings)
    if not result.ok:
        current = writer.versions.current(graph)
        if current is not None and current.action != "delete":
            result = replace(result, version=current.number)
    record_status(writer.registry.directory, result)
    _log.log(
        logging.INFO if result.ok else logging.WARNING,
        "harvest",
        extra={k: v for k, v in asdict(result).items() if v is not None},
    )
    return result


def target_graph(partner: Partner) -> str:
    """Where the default graph's triples go: the partner's default graph."""
    default = default_graph(partner.ref)
    return default if default in partner.graphs else partner.graphs[0]


def _reason(error: KringloopError) -> str:
    if error.status == 403:
        return "forbidden"
    if error.status == 413:
        return "too-large"
    if error.status in (400, 415):
        return "unreadable"
    if error.status == 422:
        return "invalid"
    return "engine"


# -- fetching ------------------------------------------------------------------------------------


def fetch(kind: str, url: str, timeout: float, max_bytes: int) -> tuple[bytes, str]:
    """The body and the media type it is in; :class:`HarvestError` for every failure."""
    try:
        if kind == "endpoint":
            body, content_type = outbound.fetch(
                "POST",
                url,
                accept=_ENDPOINT_ACCEPT,
                timeout=timeout,
                max_bytes=max_bytes,
                form={"query": CONSTRUCT_QUERY},
            )
        else:
            body, content_type = outbound.fetch(
                "GET", url, accept=_DUMP_ACCEPT, timeout=timeout, max_bytes=max_bytes
            )
    except outbound.OutboundError as error:
        raise HarvestError(error.reason, error.detail) from None
    return body, _media_type(kind, url, content_type)


def _media_type(kind: str, url: str, content_type: str) -> str:
    declared = content_type.partition(";")[0].strip().lower()
    if kind == "endpoint" or declared not in _UNTYPED:
        return content_type
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    raise HarvestError(
        "unreadable",
        f"cannot tell the dump's format: the server says {declared or 'nothing'!r} and the URL "
        f"does not end in one of {', '.join(SUFFIXES)}",
    )


# -- the status file ---------------------------------------------------------------------------


def status_path(partners_dir: Path) -> Path:
    return partners_dir / STATUS_FILE


def read_status(partners_dir: Path) -> dict[str, Any]:
    """``status.json`` as a dict (empty when absent or unreadable)."""
    try:
        document = json.loads(status_path(partners_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as error:
        _log.warning("harvest status unreadable; starting afresh", extra={"error": str(error)})
        return {}
    return document if isinstance(document, dict) else {}


def record_status(partners_dir: Path, result: HarvestResult) -> None:
    """Merge ``result`` into ``status.json`` (atomically, under a cross-process lock)."""
    with file_lock(partners_dir / _STATUS_LOCK):
        document = read_status(partners_dir)
        previous = document.get(result.ref)
        last_success = previous.get("last_success") if isinstance(previous, dict) else None
        document[result.ref] = {
            "last_attempt": result.at,
            "last_success": result.at if result.ok else last_success,
            "ok": result.ok,
            "kind": result.kind,
            "source": result.source,
            "graph": result.graph,
            "version": result.version,
            "triples": result.triples,
            "violations": result.violations,
            "warnings": result.warnings,
            "reason": result.reason,
            "error": result.error,
        }
        data = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        atomic_write(status_path(partners_dir), data.encode("utf-8"))


# -- every partner, and the engine -------------------------------------------------------------


def harvestable(partners: Iterable[Partner]) -> list[Partner]:
    return [partner for partner in partners if harvest_source(partner) is not None]


def harvest_all(
    writer: GraphWriter, settings: Settings, refs: Sequence[str] = ()
) -> list[HarvestResult]:
    """Harvest ``refs`` (every partner with an endpoint or dump when empty), in order."""
    writer.registry.reload_if_changed()
    if refs:
        chosen = [p for ref in refs if (p := writer.registry.get(ref)) is not None]
    else:
        chosen = harvestable(writer.registry.partners())
    return [harvest_partner(partner, writer, settings) for partner in chosen]


def running_engine(settings: Settings) -> EngineClient | None:
    """A client of the engine a running ``kringloop serve`` uses, or None (store only).

    An external engine (``engine_query_url``) with a graph store URL is always written; a
    managed one only while its process (``{data_dir}/engine.json``) runs: otherwise the
    next ``kringloop serve`` puts the stored versions into it at start.
    """
    if not settings.managed:
        endpoints = EngineEndpoints.from_settings(settings)
        if endpoints is None or not endpoints.graph_store_url:
            return None
        return EngineClient(endpoints)
    state = read_state(settings.data_path() / "engine.json")
    if state is None or not _is_oxigraph(state.get("pid")):
        return None
    host = urlsplit(str(state.get("query_url", ""))).hostname or "127.0.0.1"
    return EngineClient(EngineEndpoints.oxigraph(host, int(state["port"])))


def _is_oxigraph(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    program = command.split(b"\0")[0].decode("utf-8", "replace")
    return "oxigraph" in Path(program).name


class HarvestScheduler:
    """Harvests every partner every ``harvest_interval`` minutes, in a daemon thread."""

    def __init__(self, settings: Settings, *, first_delay: float = FIRST_DELAY) -> None:
        self.settings = settings
        self.interval = settings.harvest_interval * 60.0
        self.first_delay = min(first_delay, self.interval)
        self.runs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="harvest", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the harvest in progress (bounded by ``harvest_timeout``); wait briefly."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        endpoints = EngineEndpoints.from_settings(self.settings)
        usable = endpoints is not None and endpoints.graph_store_url
        client = EngineClient(endpoints) if endpoints is not None and usable else None
        writer = build_writer(self.settings, client)
        try:
            delay = self.first_delay
            while not self._stop.wait(delay):
                started = time.monotonic()
                try:
                    results = harvest_all(writer, self.settings)
                except Exception:  # the schedule must survive anything one run meets
                    _log.exception("harvest run failed")
                else:
                    failed = [r.ref for r in results if not r.ok]
                    _log.info("harvest run", extra={"partners": len(results), "failed": failed})
                self.runs += 1
                delay = max(0.0, self.interval - (time.monotonic() - started))
        finally:
            if client is not None:
                client.close()
