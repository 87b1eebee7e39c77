"""rdflib in memory: the baseline the design's speed-up target is measured against.

The dataset is loaded once in the bench process; each query runs in a forked child, so
a run that goes past its deadline is killed without reloading the data.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, URIRef
from rdflib.plugins.sparql import prepareQuery

from bench.engines import GraphFile

#: Address-space limit of a forked rdflib run: a view that explodes fails with an
#: out-of-memory error instead of taking the machine down. (Not for Oxigraph servers:
#: ``oxigraph serve --timeout-s N`` keeps a thread, with its stack, alive for N seconds
#: after every query, so its address space grows with the query rate; their query
#: timeout bounds their work instead.)
MEMORY_LIMIT_BYTES = 8 * 1024**3


def limit_memory(extra_bytes: int = MEMORY_LIMIT_BYTES) -> None:
    """Cap this process's address space at its current size plus ``extra_bytes``.

    Called first thing in the forked rdflib runner.
    """
    current = 0
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmSize:"):
            current = int(line.split()[1]) * 1024
    limit = current + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@dataclass(frozen=True)
class RdflibRuns:
    seconds: list[float]
    rows: int | None
    error: str | None


class RdflibEngine:
    """An rdflib Dataset in this process; each query runs in a forked child with a deadline."""

    name = "rdflib"

    def __init__(self) -> None:
        self.dataset = Dataset(default_union=True)

    def load(self, files: Sequence[GraphFile]) -> float:
        start = time.perf_counter()
        for graph, path in files:
            fmt = "turtle" if path.suffix == ".ttl" else "nt"
            with path.open("rb") as source:
                self.dataset.graph(URIRef(graph)).parse(source, format=fmt)
        return time.perf_counter() - start

    def run(self, text: str, repetitions: int, run_timeout_s: float, budget_s: float) -> RdflibRuns:
        """Up to ``repetitions`` runs (evaluate + serialise JSON), timed one by one.

        A run that takes longer than ``run_timeout_s`` is killed (error ``timeout``); no
        new run starts once ``budget_s`` has passed since the first one started.
        """
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_rdflib_child, args=(self.dataset, text, repetitions, sender), daemon=True
        )
        child.start()
        sender.close()
        timings: list[float] = []
        rows: int | None = None
        error: str | None = None
        started = time.monotonic()
        while len(timings) < repetitions and error is None:
            if timings and time.monotonic() - started > budget_s:
                break
            if not receiver.poll(run_timeout_s):
                error = f"timeout after {run_timeout_s:g} s"
                break
            try:
                message = receiver.recv()
            except EOFError:
                error = "rdflib child died"
                break
            if isinstance(message, str):
                error = message
            else:
                seconds, rows = message
                timings.append(float(seconds))
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
        return RdflibRuns(timings, rows, error)


def _rdflib_child(
    dataset: Dataset,
    text: str,
    repetitions: int,
    sender: multiprocessing.connection.Connection,
) -> None:
    try:
        limit_memory()
        prepared = prepareQuery(text)
        for _ in range(repetitions):
            start = time.perf_counter()
            result = dataset.query(prepared)
            if result.type == "CONSTRUCT" and result.graph is not None:
                rows = len(result.graph)
                result.graph.serialize(format="nt")
            else:
                rows = len(result)
                result.serialize(format="json")
            sender.send((time.perf_counter() - start, rows))
    except Exception as error:  # report any rdflib failure to the parent as text
        sender.send(f"rdflib error: {type(error).__name__}: {error}")
    finally:
        sender.close()
        os._exit(0)
