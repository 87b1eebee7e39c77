"""The partner registry: who may write which graph, and with which token.

Two files under ``{data_dir}/partners/``: ``registry.ttl`` (the registrations, the truth,
no secrets; see :mod:`kringloop.partners.rdf`) and ``tokens.json`` (token hashes, mode
0600; see :mod:`kringloop.partners.tokens`). Readers hold an immutable snapshot and
:meth:`Registry.reload_if_changed` swaps it when a file changed on disk; every mutation
re-reads both files under a cross-process lock and replaces them atomically, so two
``kringloop partners`` commands and a running service never lose each other's changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph
from rdflib.exceptions import ParserError

from kringloop.durable import atomic_write, file_lock
from kringloop.errors import BadRequestError, ConfigurationError, NotFoundError
from kringloop.partners import checks, tokens
from kringloop.partners.model import (
    ADMIN,
    PARTNERS_GRAPH,
    PROVINCE_GRAPHS,
    Partner,
    default_graph,
    default_namespace,
    default_organisation,
    is_province_graph,
)
from kringloop.partners.rdf import partners_from_graph, public_graph, registry_graph

__all__ = ["ADMIN", "REGISTRY_GRAPH", "Partner", "Registry"]

#: The public system graph generated from the registry (``{GRAPH}partners``).
REGISTRY_GRAPH = PARTNERS_GRAPH

REGISTRY_FILE = "registry.ttl"
TOKENS_FILE = "tokens.json"
LOCK_FILE = ".lock"

_FileSignature = tuple[int, int, int] | None


@dataclass(frozen=True)
class _Snapshot:
    partners: dict[str, Partner]
    records: list[tokens.TokenRecord]
    signature: tuple[_FileSignature, _FileSignature]


class Registry:
    """The registrations and token records, read from ``{data_dir}/partners``."""

    def __init__(self, data_dir: Path) -> None:
        self.directory = data_dir / "partners"
        self._swap = threading.Lock()
        self._snapshot = self._read()

    @classmethod
    def open(cls, data_dir: Path) -> Registry:
        """Read the files; an absent directory or file is an empty registry."""
        return cls(data_dir)

    # -- reading -----------------------------------------------------------------

    @property
    def registry_path(self) -> Path:
        return self.directory / REGISTRY_FILE

    @property
    def tokens_path(self) -> Path:
        return self.directory / TOKENS_FILE

    def reload_if_changed(self) -> bool:
        """Re-read the files when either changed on disk (stat-based); True if it did."""
        if self._signature() == self._snapshot.signature:
            return False
        snapshot = self._read()
        with self._swap:
            self._snapshot = snapshot
        return True

    def partners(self) -> list[Partner]:
        partners = self._snapshot.partners
        return [partners[ref] for ref in sorted(partners)]

    def get(self, ref: str) -> Partner | None:
        return self._snapshot.partners.get(ref)

    def owner_of(self, graph_iri: str) -> str | None:
        """The partner that owns the graph, :data:`ADMIN` for a province graph, or None."""
        if graph_iri in PROVINCE_GRAPHS or is_province_graph(graph_iri):
            return ADMIN
        for partner in self._snapshot.partners.values():
            if graph_iri in partner.graphs:
                return partner.ref
        return None

    def partner_graphs(self) -> tuple[str, ...]:
        return tuple(
            sorted(
                graph for partner in self._snapshot.partners.values() for graph in partner.graphs
            )
        )

    def endpoint_partners(self) -> dict[str, Partner]:
        return {
            partner.endpoint: partner
            for partner in self._snapshot.partners.values()
            if partner.endpoint
        }

    def authenticate(self, token: str) -> str | None:
        """The owner (a partner's ref or :data:`ADMIN`) of a live token, else None.

        The files are checked for changes first, so a revocation counts at once.
        """
        self.reload_if_changed()
        snapshot = self._snapshot
        owner = tokens.verify(snapshot.records, token)
        if owner == ADMIN or (owner is not None and owner in snapshot.partners):
            return owner
        return None

    def may_write(self, owner: str, graph_iri: str) -> bool:
        """The administrator writes the province's graphs, a partner the graphs it owns.

        The province's graphs are the bundled ones, every agenda edition's two graphs and
        the monitoring graphs (:func:`~kringloop.partners.model.is_province_graph`). Nobody
        writes the system graphs through the API: the service generates them.
        """
        if owner == ADMIN:
            return is_province_graph(graph_iri)
        partner = self._snapshot.partners.get(owner)
        return partner is not None and graph_iri in partner.graphs

    def owns_subject(self, owner: str, iri: str) -> bool:
        """Whether ``owner`` may describe subject ``iri`` (in one of its namespaces)."""
        if owner == ADMIN:
            return True
        partner = self._snapshot.partners.get(owner)
        return partner is not None and iri.startswith(partner.namespaces)

    def live_tokens(self, owner: str) -> int:
        return sum(1 for record in self._snapshot.records if record.owner == owner and record.live)

    def public_graph(self) -> bytes:
        """The system graph ``{GRAPH}partners`` as N-Triples (sorted lines)."""
        data = public_graph(self.partners()).serialize(format="nt", encoding="utf-8")
        lines = sorted(line for line in data.decode("utf-8").splitlines() if line.strip())
        return ("\n".join(lines) + "\n").encode("utf-8")

    # -- mutations ---------------------------------------------------------------

    def add(
        self,
        ref: str,
        label: str,
        organisation: str | None = None,
        graphs: tuple[str, ...] | list[str] = (),
        namespaces: tuple[str, ...] | list[str] = (),
        endpoint: str | None = None,
        dump: str | None = None,
        contact_name: str | None = None,
        contact_email: str | None = None,
    ) -> tuple[Partner, str]:
        """Register a partner and issue its first token: (partner, token text)."""
        checks.check_ref(ref)
        partner = Partner(
            ref=ref,
            label=checks.check_text(label, "label"),
            organisation=checks.check_iri(organisation, "organisation IRI")
            if organisation
            else default_organisation(ref),
            graphs=tuple(
                sorted({checks.check_graph(ref, g) for g in (default_graph(ref), *graphs)})
            ),
            namespaces=tuple(
                sorted(
                    {checks.check_namespace(ref, n) for n in (default_namespace(ref), *namespaces)}
                )
            ),
            endpoint=checks.check_url(endpoint, "SPARQL endpoint URL") if endpoint else None,
            dump=checks.check_url(dump, "dump URL") if dump else None,
            contact_name=checks.check_text(contact_name, "contact name") if contact_name else None,
            contact_email=checks.check_email(contact_email) if contact_email else None,
            created=datetime.now(UTC).replace(microsecond=0),
        )
        with file_lock(self.directory / LOCK_FILE):
            snapshot = self._read()
            _check_free(snapshot, partner)
            # Tokens first: a crash before the registry is written leaves a token of an
            # unregistered ref, which authenticates nobody and is revoked by the next add.
            records, token = tokens.issue(snapshot.records, ref)
            tokens.save_records(self.tokens_path, records)
            self._write_registry([*snapshot.partners.values(), partner])
            self._refresh()
        return partner, token

    def remove(self, ref: str) -> Partner:
        """Unregister a partner and revoke its tokens."""
        with file_lock(self.directory / LOCK_FILE):
            snapshot = self._read()
            partner = snapshot.partners.get(ref)
            if partner is None:
                raise NotFoundError(f"unknown partner {ref!r}")
            # Registry first: once it is gone, its tokens authenticate nobody.
            self._write_registry([p for p in snapshot.partners.values() if p.ref != ref])
            tokens.save_records(self.tokens_path, tokens.revoke_owner(snapshot.records, ref))
            self._refresh()
        return partner

    def rotate_token(self, ref: str) -> str:
        """Revoke the owner's live tokens and issue a new one (``ref`` may be ADMIN)."""
        with file_lock(self.directory / LOCK_FILE):
            snapshot = self._read()
            if ref != ADMIN and ref not in snapshot.partners:
                raise NotFoundError(f"unknown partner {ref!r}")
            records, token = tokens.issue(snapshot.records, ref)
            tokens.save_records(self.tokens_path, records)
            self._refresh()
        return token

    # -- files -------------------------------------------------------------------

    def _signature(self) -> tuple[_FileSignature, _FileSignature]:
        return (_stat(self.registry_path), _stat(self.tokens_path))

    def _read(self) -> _Snapshot:
        signature = self._signature()
        partners: dict[str, Partner] = {}
        try:
            text = self.registry_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        if text:
            graph = Graph()
            try:
                graph.parse(data=text, format="turtle")
            except (ParserError, SyntaxError, ValueError) as error:
                raise ConfigurationError(
                    f"partner registry {self.registry_path} is not valid Turtle: {error}"
                ) from error
            for partner in partners_from_graph(graph, str(self.registry_path)):
                partners[partner.ref] = _checked(partner, self.registry_path)
        return _Snapshot(partners, tokens.load_records(self.tokens_path), signature)

    def _refresh(self) -> None:
        snapshot = self._read()
        with self._swap:
            self._snapshot = snapshot

    def _write_registry(self, partners: list[Partner]) -> None:
        ordered = sorted(partners, key=lambda partner: partner.ref)
        data = registry_graph(ordered).serialize(format="turtle", encoding="utf-8")
        header = b"# Kringloop partner registry: written by `kringloop partners`; no secrets.\n"
        atomic_write(self.registry_path, header + data)


def _stat(path: Path) -> _FileSignature:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return (status.st_mtime_ns, status.st_size, status.st_ino)


def _check_free(snapshot: _Snapshot, partner: Partner) -> None:
    """A new partner: its ref, graphs and namespaces must not be taken."""
    if partner.ref in snapshot.partners:
        raise BadRequestError(f"partner {partner.ref!r} is already registered")
    for other in snapshot.partners.values():
        for graph in partner.graphs:
            if graph in other.graphs:
                raise BadRequestError(f"graph <{graph}> is already owned by partner {other.ref!r}")
        for namespace in partner.namespaces:
            for taken in other.namespaces:
                if checks.overlapping(namespace, taken):
                    raise BadRequestError(
                        f"namespace {namespace} overlaps {taken} of partner {other.ref!r}"
                    )


def _checked(partner: Partner, path: Path) -> Partner:
    """A registration read from disk passes the same checks as one being added."""
    try:
        checks.check_ref(partner.ref)
        checks.check_iri(partner.organisation, "organisation IRI")
        for graph in partner.graphs:
            checks.check_graph(partner.ref, graph)
        for namespace in partner.namespaces:
            checks.check_namespace(partner.ref, namespace)
        for url, what in ((partner.endpoint, "SPARQL endpoint URL"), (partner.dump, "dump URL")):
            if url:
                checks.check_url(url, what)
    except BadRequestError as error:
        raise ConfigurationError(f"partner registry {path}: {error.detail}") from error
    return partner
