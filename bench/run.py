"""Run the benchmark: rdflib vs. a bare Oxigraph server vs. Kringloop's ``/sparql``.

    python -m bench.run                        # agenda, 10k, 100k, 1M (about 15 minutes)
    python -m bench.run --sizes agenda,10k,100k   # a quick run
    python -m bench.run --queries queries/     # another directory of curated views

For each size (``agenda`` = the bundled graphs alone; ``10k`` etc. = the bundled graphs
plus a synthetic partner graph of that many triples) it loads the same files into each
engine, runs every view warm with keep-alive, puts a bounded load on Kringloop from a
second process, and writes ``results.json`` and ``results.md`` into ``--out``. With
``--doc`` it also rewrites the generated part of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph
import rdflib

from bench import report
from bench.engines import (
    HOST_GRAPH,
    JSON_RESULTS,
    HttpClient,
    KringloopService,
    OxigraphServer,
    RdflibEngine,
    bundled_files,
)
from bench.stats import summary_ms
from bench.synthetic import OUT_DIR, Concepts, parse_size, write_partner_graph
from bench.viewset import DEFAULT_DIR, View, example_query, load_views
from kringloop.graphs import BUNDLED

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("rdflib", "oxigraph-union", "oxigraph-memory", "oxigraph-disk", "kringloop")


@dataclass
class Options:
    sizes: list[str]
    queries: Path
    out: Path
    repetitions: int
    http_budget_s: float
    rdflib_repetitions: int
    rdflib_timeout_s: float
    load_seconds: float
    concurrency: int
    engines: set[str]
    doc: Path | None
    command: str = ""
    notes: list[str] = field(default_factory=list)


def http_timings(
    client: HttpClient, text: str, repetitions: int, budget_s: float
) -> dict[str, Any]:
    """Warm up, then time up to ``repetitions`` runs within about ``budget_s`` seconds."""
    first = client.query(text)
    if first.status != 200:
        return {"error": f"HTTP {first.status}: {first.body[:300].decode('utf-8', 'replace')}"}
    rows = len(json.loads(first.body)["results"]["bindings"])
    for _ in range(2):
        client.query(text)
    runs = max(3, min(repetitions, int(budget_s / max(first.seconds, 1e-4))))
    timings = []
    for _ in range(runs):
        answer = client.query(text)
        if answer.status != 200:
            return {"error": f"HTTP {answer.status} during timing"}
        timings.append(answer.seconds)
    return {**summary_ms(timings), "rows": rows}


def check_same_rows(result: dict[str, Any], engine: str) -> None:
    """Fail loudly when an engine answered a view with other rows than the bare one."""
    reference = result.get("oxigraph-memory") or {}
    for view, entry in result.get(engine, {}).items():
        expected = reference.get(view, {}).get("rows")
        if expected is not None and entry.get("rows") not in (None, expected):
            raise RuntimeError(
                f"{engine} answered {view} with {entry.get('rows')} rows, "
                f"the bare engine with {expected}: not the same data"
            )


def pick_examples(client: HttpClient, views: Sequence[View]) -> dict[str, dict[str, str]]:
    """One example value per parameterised view, chosen on the loaded data."""
    examples: dict[str, dict[str, str]] = {}
    for view in views:
        picker = example_query(view)
        if picker is None:
            examples[view.name] = {}
            continue
        answer = client.query(picker)
        bindings = json.loads(answer.body)["results"]["bindings"] if answer.status == 200 else []
        if not bindings:
            raise RuntimeError(f"{view.name}: no example value for its parameter in the data")
        param = next(p for p in view.params if p.required)
        examples[view.name] = {param.name: bindings[0]["v"]["value"]}
    return examples


def run_http_engine(
    engine: OxigraphServer | KringloopService,
    texts: dict[str, str],
    options: Options,
) -> dict[str, Any]:
    client = engine.client()
    per_view = {
        name: http_timings(client, text, options.repetitions, options.http_budget_s)
        for name, text in texts.items()
    }
    client.close()
    return per_view


def run_load(url: str, options: Options, bindings: dict[str, str]) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "bench.load",
        "--url",
        url,
        "--seconds",
        str(options.load_seconds),
        "--concurrency",
        str(options.concurrency),
        "--queries",
        str(options.queries),
    ]
    for name, iri in bindings.items():
        command += ["--bind", f"{name}={iri}"]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=options.load_seconds + 300,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    loaded: dict[str, Any] = json.loads(done.stdout)
    return loaded


def run_size(size: str, views: list[View], concepts: Concepts, options: Options) -> dict[str, Any]:
    result: dict[str, Any] = {"size": size}
    published = sorted({str(source.iri) for source in BUNDLED})
    graphs = list(published)
    # The partner triples in their own named graph (rdflib, in-memory Oxigraph), and the
    # same triples in a published graph (on-disk Oxigraph and Kringloop, which only
    # shows published graphs: see KringloopService.preload).
    hosted: list[tuple[str | None, Path]] = []
    extra: list[Path] = []
    if size != "agenda":
        start = time.perf_counter()
        made = write_partner_graph(parse_size(size), options.out, concepts=concepts)
        result["generate_s"] = round(time.perf_counter() - start, 2)
        result["partner_triples"] = made.triples
        extra = [made.nquads]
        graphs.append(made.graph)
        hosted = [(HOST_GRAPH, made.ntriples)]
    files = bundled_files() + [(None, path) for path in extra]
    hosted_files = bundled_files() + hosted
    log(f"[{size}] {len(files)} files")

    # The in-memory server always runs: it counts the triples and picks parameter values.
    memory = OxigraphServer()
    memory.graphs = graphs
    memory.start()
    try:
        result["load_s"] = {"oxigraph-memory": round(memory.load(files), 3)}
        client = memory.client()
        count = client.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        result["triples"] = int(json.loads(count.body)["results"]["bindings"][0]["n"]["value"])
        examples = pick_examples(client, views)
        client.close()
        texts = {view.name: view.bind(examples[view.name]) for view in views}
        result["examples"] = {k: v for k, v in examples.items() if v}
        log(f"[{size}] {result['triples']} triples; examples {result['examples']}")
        if "oxigraph-memory" in options.engines:
            result["oxigraph-memory"] = run_http_engine(memory, texts, options)
    finally:
        memory.stop()

    if "oxigraph-union" in options.engines:
        union = OxigraphServer(union=True)
        union.start()
        try:
            result["load_s"]["oxigraph-union"] = round(union.load(files), 3)
            result["oxigraph-union"] = run_http_engine(union, texts, options)
        finally:
            union.stop()

    if "oxigraph-disk" in options.engines:
        with tempfile.TemporaryDirectory(prefix="bench-oxigraph-") as location:
            disk = OxigraphServer(Path(location))
            disk.graphs = published
            result["load_s"]["oxigraph-disk"] = round(disk.load(hosted_files), 3)
            disk.start()
            try:
                result["oxigraph-disk"] = run_http_engine(disk, texts, options)
            finally:
                disk.stop()
        log(f"[{size}] oxigraph-disk done")

    if "kringloop" in options.engines:
        service = KringloopService(hosted_files if hosted else [])
        try:
            if hosted:
                result["load_s"]["kringloop-preload"] = round(service.preload(), 3)
            service.start()
            result["kringloop_startup_s"] = round(service.startup_s, 3)
            log(f"[{size}] kringloop up in {service.startup_s:.2f} s")
            result["kringloop"] = run_http_engine(service, texts, options)
            check_same_rows(result, "kringloop")
            bindings = {k: v for example in examples.values() for k, v in example.items()}
            log(f"[{size}] load: {options.concurrency} clients for {options.load_seconds} s")
            result["kringloop_load"] = run_load(service.query_url, options, bindings)
        except RuntimeError as error:
            result["kringloop_error"] = str(error)
            log(f"[{size}] kringloop failed: {error}")
        finally:
            service.stop()

    if "rdflib" in options.engines:
        engine = RdflibEngine()
        result["load_s"]["rdflib"] = round(engine.load(files), 3)
        log(f"[{size}] rdflib loaded in {result['load_s']['rdflib']} s")
        per_view: dict[str, Any] = {}
        for name, text in texts.items():
            timings, failure = engine.run(
                text, options.rdflib_repetitions, options.rdflib_timeout_s
            )
            entry: dict[str, Any] = summary_ms(timings) if timings else {}
            if failure:
                entry["error"] = failure
                if failure.startswith("timeout"):
                    entry["timeout_s"] = options.rdflib_timeout_s
            per_view[name] = entry
            log(f"[{size}] rdflib {name}: {entry}")
        result["rdflib"] = per_view
        del engine
        gc.collect()
    return result


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
    total_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import os

    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(total_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "rdflib": rdflib.__version__,
        "pyoxigraph": pyoxigraph.__version__,
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="agenda,10k,100k,1M")
    parser.add_argument("--queries", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--repetitions", type=int, default=100, help="HTTP runs per view")
    parser.add_argument(
        "--http-budget", type=float, default=10.0, help="seconds of HTTP timing per view"
    )
    parser.add_argument("--rdflib-repetitions", type=int, default=3)
    parser.add_argument(
        "--rdflib-timeout", type=float, default=60.0, help="seconds for all runs of one view"
    )
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--doc", type=Path, default=None, help="rewrite docs/performance.md")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for size in sizes:
        if size != "agenda":
            parse_size(size)
    engines = {e.strip() for e in args.engines.split(",") if e.strip()}
    unknown = engines - set(ENGINES)
    if unknown:
        raise ValueError(f"unknown engines: {', '.join(sorted(unknown))}")
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    return Options(
        sizes=sizes,
        queries=args.queries,
        out=args.out,
        repetitions=args.repetitions,
        http_budget_s=args.http_budget,
        rdflib_repetitions=args.rdflib_repetitions,
        rdflib_timeout_s=args.rdflib_timeout,
        load_seconds=args.load_seconds,
        concurrency=args.concurrency,
        engines=engines,
        doc=args.doc,
        command=f"python -m bench.run {shown}".strip(),
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        options = parse_args(argv)
        views = load_views(options.queries)
    except ValueError as error:
        print(f"bench.run: {error}", file=sys.stderr)
        return 2
    options.out.mkdir(parents=True, exist_ok=True)
    concepts = Concepts.bundled()
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": options.command,
        "machine": machine(),
        "accept": JSON_RESULTS,
        "views": {view.name: view.title for view in views},
        "settings": {
            "repetitions": options.repetitions,
            "http_budget_s": options.http_budget_s,
            "rdflib_repetitions": options.rdflib_repetitions,
            "rdflib_timeout_s": options.rdflib_timeout_s,
            "load_seconds": options.load_seconds,
            "concurrency": options.concurrency,
        },
        "minted_concepts": list(concepts.minted),
        "sizes": [run_size(size, views, concepts, options) for size in options.sizes],
    }
    results["total_s"] = round(time.perf_counter() - started, 1)
    (options.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    markdown = report.render(results)
    (options.out / "results.md").write_text(markdown, encoding="utf-8")
    if options.doc is not None:
        report.update_doc(options.doc, markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
