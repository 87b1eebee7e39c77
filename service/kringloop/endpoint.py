"""The public SPARQL endpoint, without HTTP: vet, choose the format, run, cap, convert.

Every query goes to the engine with its dataset spelled out (``default-graph-uri`` and
``named-graph-uri`` = the published graphs, or the subset the request names), so the
rest of the store (a system graph) is never visible. Neither list is ever sent empty:
an engine may read an absent list as "every graph in the store" (Virtuoso does, for
the named graphs), so an empty list is sent as the one IRI :data:`NO_GRAPH`, which no
graph has.

The engine is asked for a line-based format where it can (TSV for solutions, N-Triples
for graphs), so the result cap costs a ``bytes.count``. An engine whose TSV is not
SPARQL 1.1 TSV (Virtuoso) is asked for SPARQL JSON instead (setting
``engine_results_format``); then the answer is read under ``max_result_bytes`` and cut
at the cap while parsing. The answer is then converted to what the client asked for by
Oxigraph's own parsers and serialisers (microseconds for small answers). Converting
also validates: Oxigraph reports a failure that happens mid-answer (a timeout, a
failing ``SERVICE``) inside a ``200`` body, which would otherwise reach the client as
data; an answer that does not parse is an :class:`EngineError` (502).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kringloop.description import SD, VOID, service_description
from kringloop.errors import (
    BackendUnavailableError,
    EngineError,
    KringloopError,
    QueryCrashedEngineError,
    QueryTimeoutError,
)
from kringloop.formats import Format, Kind, negotiate
from kringloop.metrics import Metrics
from kringloop.settings import Settings
from kringloop.store.engine import (
    EngineAnswer,
    EngineClient,
    EngineDroppedError,
    EngineRefusedError,
    QueryDataset,
    engine_failure_in_body,
)
from kringloop.store.guard import CrashRecord, Gate
from kringloop.store.managed import LoadingWatch
from kringloop.vetting import resolve_dataset, vet_dataset, vet_query
from kringloop.vocab import PREFIXES

TRUNCATED_HEADER = "Kringloop-Truncated"
_TSV = "text/tab-separated-values"
_NTRIPLES = "application/n-triples"
_JSON = "application/sparql-results+json"
#: Sent instead of an empty graph list: an IRI that names no graph (see the docstring).
NO_GRAPH = "urn:kringloop:no-graph"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Solution = dict[str, Term]
#: Prefixes added to the project's own in a service description.
DESCRIPTION_PREFIXES = {"sd": SD, "void": VOID}


@dataclass(frozen=True)
class QueryRequest:
    """A query as the protocol delivered it."""

    query: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    accept: str | None = None
    format_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueryAnswer:
    body: bytes
    format: Format
    truncated: bool
    form: str


class PublicEndpoint:
    """Answers untrusted queries against the published graphs."""

    def __init__(
        self,
        settings: Settings,
        client: EngineClient | None,
        published_graphs: Iterable[str],
        *,
        metrics: Metrics | None = None,
        allowed_services: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        """``allowed_services``: called for every query, it gives the endpoints ``SERVICE``
        may name (the registered partner endpoints), so a registry change applies without
        a restart; without it, no ``SERVICE`` is allowed."""
        self.settings = settings
        self.client = client
        self.published_graphs = tuple(published_graphs)
        #: The graphs whose union is the default graph: the published ones less the graphs
        #: of superseded agenda editions (those stay named graphs).
        self.default_graphs = self.published_graphs
        self.allowed_services: Callable[[], Iterable[str]] = allowed_services or tuple
        self.metrics = metrics or Metrics()
        self.gate = Gate(settings.probation)
        self.crashes = CrashRecord()
        #: A managed engine is refilled after every start; no query sees it half-loaded.
        self.loading = (
            LoadingWatch(Path(settings.engine_state_file)) if settings.engine_state_file else None
        )

    # -- the public operation --------------------------------------------------------

    def answer(self, request: QueryRequest) -> QueryAnswer:
        try:
            vetted = vet_query(
                request.query,
                published_graphs=self.published_graphs,
                allowed_services=self.allowed_services(),
                max_bytes=self.settings.max_query_bytes,
                max_depth=self.settings.max_query_depth,
                predeclared_prefixes={},
            )
            vet_dataset(request.default_graph_uris, request.named_graph_uris, self.published_graphs)
        except KringloopError as error:
            if error.status != 400:
                reason = str(error.extra.get("reason", type(error).__name__))
                self.metrics.count("kringloop_queries_refused_total", reason=reason)
            raise
        dataset = resolve_dataset(
            vetted,
            request.default_graph_uris,
            request.named_graph_uris,
            self.published_graphs,
            self.default_graphs,
        )
        form = vetted.form or "SELECT"
        kind = Kind.RDF if form in ("CONSTRUCT", "DESCRIBE") else Kind.RESULTS
        output = negotiate(kind, format_params=list(request.format_params), accept=request.accept)
        fingerprint = CrashRecord.fingerprint(
            request.query, *dataset.default_graphs, "|", *dataset.named_graphs
        )
        if self.crashes.is_culprit(fingerprint):
            self.metrics.count("kringloop_queries_refused_total", reason="crashed-engine")
            raise QueryCrashedEngineError(
                "this query crashed the engine before and is refused", reason="crashed-engine"
            )
        cap = self.settings.result_cap
        engine_dataset = engine_query_dataset(dataset.default_graphs, dataset.named_graphs)
        solutions_as_json = self.settings.engine_results_format == "json"
        if form == "ASK" or (kind is Kind.RESULTS and solutions_as_json):
            accept, max_lines = _JSON, None
        elif kind is Kind.RDF:
            accept, max_lines = _NTRIPLES, cap
        else:
            accept, max_lines = _TSV, cap + 1  # the header line and ``cap`` rows

        def call(deadline: float) -> EngineAnswer:
            client = self._client()
            if kind is Kind.RESULTS and form != "ASK" and solutions_as_json:
                with client.query_stream(
                    request.query,
                    dataset=engine_dataset,
                    accept=_JSON,
                    deadline=deadline,
                    max_bytes=self.settings.max_result_bytes,
                ) as stream:
                    return _capped_json_as_tsv(stream, cap)
            return client.query(
                request.query,
                dataset=engine_dataset,
                accept=accept,
                deadline=deadline,
                max_lines=max_lines,
                max_bytes=self.settings.max_result_bytes,
            )

        try:
            engine_answer = self.run_guarded(fingerprint, call)
            body = _convert(engine_answer, form, kind, output)
        except QueryTimeoutError:
            self.metrics.count("kringloop_query_timeouts_total")
            raise
        if engine_answer.truncated:
            self.metrics.count("kringloop_queries_truncated_total")
            body = _note_truncation(body, output, cap)
        return QueryAnswer(body, output, engine_answer.truncated, form)

    # -- trusted queries (counts for the service description and health) ---------------

    def graph_counts(
        self, timeout: float = 5.0, graphs: Iterable[str] | None = None
    ) -> dict[str, int]:
        """Triples per published graph, or per graph of ``graphs`` (0 if the engine has none)."""
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        counted = self.published_graphs if graphs is None else tuple(graphs)
        dataset = engine_query_dataset(counted, counted)
        counts = dict.fromkeys(counted, 0)
        for solution in self._trusted_select(query, dataset, timeout):
            graph, number = solution.get("g"), solution.get("n")
            if isinstance(graph, ox.NamedNode) and isinstance(number, ox.Literal):
                counts[graph.value] = int(number.value)
        return counts

    def default_graph_count(self, timeout: float = 5.0) -> int:
        """Distinct triples in the public default graph (the union of the published)."""
        query = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
        dataset = engine_query_dataset(self.default_graphs, ())
        for solution in self._trusted_select(query, dataset, timeout):
            number = solution.get("n")
            if isinstance(number, ox.Literal):
                return int(number.value)
        return 0

    def _trusted_select(self, query: str, dataset: QueryDataset, timeout: float) -> list[Solution]:
        results_format = (
            ox.QueryResultsFormat.JSON
            if self.settings.engine_results_format == "json"
            else ox.QueryResultsFormat.TSV
        )
        accept = _JSON if results_format == ox.QueryResultsFormat.JSON else _TSV
        deadline = time.monotonic() + timeout
        self.wait_loaded(deadline)
        answer = self._client().query(
            query,
            dataset=dataset,
            accept=accept,
            deadline=deadline,
            max_bytes=self.settings.max_result_bytes,
        )
        return _solutions(answer.body, results_format)

    def describe(self, endpoint_url: str) -> list[ox.Triple]:
        """The Service Description of this endpoint, with current triple counts."""
        return service_description(endpoint_url, self.graph_counts(), self.default_graph_count())

    # -- crash handling -------------------------------------------------------------------

    def run_guarded(self, fingerprint: str, call: Callable[[float], EngineAnswer]) -> EngineAnswer:
        """Run ``call`` under the deadline, surviving engine crashes (see ``store.guard``)."""
        deadline = time.monotonic() + self.settings.query_deadline
        suspect = False
        drops = 0
        while True:
            self.wait_loaded(deadline)
            try:
                if not suspect:
                    with self.gate.shared(deadline):
                        return call(deadline)
                with self.gate.exclusive(deadline) as hold:
                    if not self._client().probe(deadline):
                        # Not back yet (a dying engine still accepts connections): no proof.
                        time.sleep(0.02)
                        raise EngineRefusedError("the engine is not answering yet")
                    try:
                        return call(deadline)
                    except EngineDroppedError:
                        if hold.demoted:
                            raise
                        self.crashes.add(fingerprint)
                        self.metrics.count("kringloop_engine_failures_total")
                        self.metrics.count(
                            "kringloop_queries_refused_total", reason="crashed-engine"
                        )
                        raise QueryCrashedEngineError(
                            "this query crashed the engine twice, the second time running alone; "
                            "it is refused from now on",
                            reason="crashed-engine",
                        ) from None
            except EngineRefusedError:
                self.metrics.count("kringloop_engine_failures_total")
            except EngineDroppedError:
                self.metrics.count("kringloop_engine_failures_total")
                drops += 1
                if drops > 2:
                    raise BackendUnavailableError(
                        "the engine keeps failing; try again later"
                    ) from None
                suspect = True
            if not self._client().wait_reachable(deadline):
                raise BackendUnavailableError(
                    "the engine is not available; it did not come back within the deadline"
                )
            self.metrics.count("kringloop_query_retries_total")

    def wait_loaded(self, deadline: float) -> None:
        """Hold a query back while the managed engine (re)loads; 503 if it still does."""
        if self.loading is not None and not self.loading.wait(deadline):
            raise BackendUnavailableError("the engine is loading; try again in a moment")

    def _client(self) -> EngineClient:
        if self.client is None:
            raise BackendUnavailableError(
                "no engine is configured; start the service with `kringloop serve`"
            )
        return self.client


def engine_query_dataset(
    default_graphs: Iterable[str], named_graphs: Iterable[str]
) -> QueryDataset:
    """The dataset as sent to the engine: an empty list becomes ``[NO_GRAPH]``."""
    return QueryDataset(tuple(default_graphs) or (NO_GRAPH,), tuple(named_graphs) or (NO_GRAPH,))


# -- conversion ----------------------------------------------------------------------------


def _convert(answer: EngineAnswer, form: str, kind: Kind, output: Format) -> bytes:
    try:
        if kind is Kind.RDF:
            triples = [
                ox.Triple(quad.subject, quad.predicate, quad.object)
                for quad in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)
            ]
            return serialize_triples(triples, output)
        engine_format = ox.QueryResultsFormat.JSON if form == "ASK" else ox.QueryResultsFormat.TSV
        results = ox.parse_query_results(answer.body, format=engine_format)
        assert isinstance(output.oxigraph, ox.QueryResultsFormat)
        converted = results.serialize(format=output.oxigraph)
        return converted or b""
    except SyntaxError as error:
        raise engine_failure_in_body(str(error)) from None


def serialize_triples(
    triples: Iterable[ox.Triple], output: Format, extra_prefixes: dict[str, str] | None = None
) -> bytes:
    """Triples in an RDF format, with the project's prefixes where the format has them."""
    if not isinstance(output.oxigraph, ox.RdfFormat):
        raise TypeError(f"{output.name} is not an RDF format")
    prefixes: dict[str, str] | None = None
    if output.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        prefixes = {**PREFIXES, **(extra_prefixes or {})}
    return ox.serialize(triples, format=output.oxigraph, prefixes=prefixes) or b""


def _note_truncation(body: bytes, output: Format, cap: int) -> bytes:
    """Say in the body that the answer was cut, where the format has room for it."""
    note = f"Kringloop: truncated to the first {cap} results (result cap)"
    if output.name == "json" and body.startswith(b"{"):
        return b'{"kringloop":{"truncated":true,"resultCap":' + str(cap).encode() + b"}," + body[1:]
    if output.name in ("xml", "rdf"):
        declaration_end = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 0
        comment = f"<!-- {note} -->".encode()
        return body[:declaration_end] + comment + body[declaration_end:]
    if output.name in ("ttl", "nt", "trig", "nq"):
        return f"# {note}\n".encode() + body
    return body


def _capped_json_as_tsv(stream: BinaryIO, cap: int) -> EngineAnswer:
    """An engine's SPARQL JSON solutions as SPARQL TSV, cut after ``cap`` solutions.

    The parser reads the stream as it goes, so an answer far beyond the cap is not read
    (or held) beyond solution ``cap + 1``.

    TSV terms are N-Triples terms (``str`` of a pyoxigraph term, with tabs and line
    breaks escaped), so the rest of the endpoint converts this answer like the TSV of an
    engine that writes SPARQL 1.1 TSV itself.
    """
    try:
        results = ox.parse_query_results(stream, format=ox.QueryResultsFormat.JSON)
        if not isinstance(results, ox.QuerySolutions):
            raise EngineError("the engine answered a SELECT query without solutions")
        variables = [variable.value for variable in results.variables]
        lines = ["\t".join("?" + name for name in variables)]
        truncated = False
        for solution in results:
            if len(lines) > cap:
                truncated = True
                break
            cells = (solution[name] for name in variables)
            lines.append("\t".join("" if term is None else str(term) for term in cells))
    except SyntaxError as error:
        raise engine_failure_in_body(str(error)) from None
    body = "".join(line + "\n" for line in lines).encode("utf-8")
    return EngineAnswer(body, _TSV, truncated)


def _solutions(body: bytes, results_format: ox.QueryResultsFormat) -> list[Solution]:
    """The solutions of a trusted SELECT; an answer that does not parse is an EngineError."""
    try:
        results = ox.parse_query_results(body, format=results_format)
        if not isinstance(results, ox.QuerySolutions):
            raise EngineError("the engine answered a SELECT query without solutions")
        variables = [variable.value for variable in results.variables]
        rows: list[Solution] = []
        for solution in results:
            row = {}
            for name in variables:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
    except SyntaxError as error:
        raise EngineError(f"the engine's answer could not be read: {str(error)[:500]}") from None
    return rows
