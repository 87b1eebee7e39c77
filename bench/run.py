"""Run the benchmark: Kringloop's ``/sparql`` vs. the bare Oxigraph engine vs. rdflib.

    python -m bench.run --doc docs/performance.md      # agenda, 10k, 100k, 1M
    python -m bench.run --sizes agenda,10k              # a quick run
    python -m bench.run --queries queries/              # another directory of curated views

For each size (``agenda`` = the bundled graphs alone; ``10k`` etc. = the bundled graphs
plus a synthetic partner graph of that many triples) it loads the same files into each
engine, times every view warm over keep-alive connections, puts a bounded load on
Kringloop and on the bare engine from a second process, and writes ``results.json`` and
``results.md`` into ``--out``. With ``--doc`` it also rewrites the generated part of
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import load, report
from bench.engines import (
    HOST_GRAPH,
    JSON_RESULTS,
    GraphFile,
    HttpClient,
    OxigraphServer,
    bundled_files,
    published_graphs,
)
from bench.load import LoadPlan
from bench.machine import machine
from bench.measure import paired, timed
from bench.rdflibengine import RdflibEngine
from bench.service import KringloopService
from bench.stats import summary_ms
from bench.synthetic import OUT_DIR, Concepts, parse_size, write_partner_graph
from bench.viewset import DEFAULT_DIR, BenchQuery, View, example_query, load_views
from kringloop.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
#: Kringloop runs with its defaults; the bench reads the deadline and the result cap.
SERVICE_DEFAULTS = Settings()
ENGINES = ("rdflib", "oxigraph-union", "oxigraph-memory", "kringloop")
#: The union server is a reference that costs time at every size; ask for it by name.
DEFAULT_ENGINES = ("rdflib", "oxigraph-memory", "kringloop")


@dataclass
class Options:
    sizes: list[str]
    queries: Path
    out: Path
    repetitions: int
    http_budget_s: float
    http_timeout_s: int
    result_cap: int
    rdflib_repetitions: int
    rdflib_timeout_s: float
    rdflib_budget_s: float
    load_seconds: float
    concurrency: int
    engines: set[str]
    doc: Path | None
    command: str = ""


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


def run_oxigraph(
    server: OxigraphServer, files: list[GraphFile], queries: dict[str, BenchQuery], options: Options
) -> tuple[float, dict[str, Any]]:
    server.start()
    try:
        load_s = server.load(files)
        client = server.client()
        per_view = {
            name: timed(client, q.text, options.repetitions, options.http_budget_s, q.accept)
            for name, q in queries.items()
        }
        client.close()
        return load_s, per_view
    finally:
        server.stop()


def run_load(url: str, views: list[str], options: Options, **extra: Any) -> dict[str, Any]:
    """``bench.load`` in its own process against ``url``; its JSON summary."""
    return load.spawn(
        url,
        LoadPlan(
            views=views,
            queries=options.queries,
            seconds=options.load_seconds,
            concurrency=options.concurrency,
            limit=options.result_cap,
            bindings=extra.get("bindings", {}),
            graphs=list(extra.get("graphs", ())),
        ),
    )


def request_ids(prefix: str) -> Callable[[int], str]:
    """Request ids ``{prefix}{index}`` (``-1`` for warm-up runs)."""
    return lambda index: f"{prefix}{index}"


def run_kringloop(
    result: dict[str, Any],
    partner: list[GraphFile],
    queries: dict[str, BenchQuery],
    bindings: dict[str, str],
    options: Options,
) -> None:
    """Kringloop's /sparql and its own engine asked directly, alternated; then the load."""
    size = result["size"]
    service = KringloopService()
    try:
        service.start()
        result["kringloop_startup_s"] = round(service.startup_s, 3)
        if partner:
            result["load_s"]["kringloop-engine"] = round(service.add_files(partner), 3)
        log(f"[{size}] kringloop up in {service.startup_s:.2f} s")
        bare = service.engine_client(published_graphs())
        ours = service.client()
        result["oxigraph-bare"], result["kringloop"], result["kringloop-server"] = {}, {}, {}
        for name, query in queries.items():
            prefix = f"bench-{size}-{name}-"
            bare_entry, our_entry, ids = paired(
                bare,
                ours,
                query.text,
                options.repetitions,
                options.http_budget_s,
                request_ids(prefix),
                query.accept,
            )
            result["oxigraph-bare"][name] = bare_entry
            result["kringloop"][name] = our_entry
            if "p50_ms" in our_entry:
                logged = service.server_times(prefix)
                server_ms = [logged[i] / 1000 for i in ids if i in logged]
                if len(server_ms) == len(ids):
                    result["kringloop-server"][name] = summary_ms(server_ms)
                else:
                    result["kringloop-server"][name] = {
                        "error": f"{len(ids) - len(server_ms)} request lines missing in the log"
                    }
            log(f"[{size}] {name}: bare {short(bare_entry)}, kringloop {short(our_entry)}")
        bare.close()
        ours.close()
        answered = [name for name, entry in result["kringloop"].items() if "p50_ms" in entry]
        if answered:
            log(f"[{size}] load: {options.concurrency} clients x {options.load_seconds} s, twice")
            result["load"] = {
                "kringloop": run_load(service.query_url, answered, options, bindings=bindings),
                "oxigraph-bare": run_load(
                    service.engine_query_url,
                    answered,
                    options,
                    bindings=bindings,
                    graphs=published_graphs(),
                ),
                "views": answered,
            }
    except RuntimeError as error:
        result["kringloop_error"] = str(error)
        log(f"[{size}] kringloop failed: {error}")
    finally:
        service.stop()


def run_rdflib(
    result: dict[str, Any], files: list[GraphFile], queries: dict[str, BenchQuery], options: Options
) -> None:
    size = result["size"]
    engine = RdflibEngine()
    result["load_s"]["rdflib"] = round(engine.load(files), 3)
    log(f"[{size}] rdflib loaded in {result['load_s']['rdflib']} s")
    per_view: dict[str, Any] = {}
    for name, query in queries.items():
        runs = engine.run(
            query.text,
            options.rdflib_repetitions,
            options.rdflib_timeout_s,
            options.rdflib_budget_s,
        )
        entry: dict[str, Any] = summary_ms(runs.seconds) if runs.seconds else {}
        if runs.rows is not None:
            entry["rows"] = runs.rows
        if runs.error:
            entry["error"] = runs.error
            if runs.error.startswith("timeout"):
                entry["timeout_s"] = options.rdflib_timeout_s
        per_view[name] = entry
        log(f"[{size}] rdflib {name}: {short(entry)}")
    result["rdflib"] = per_view
    del engine
    gc.collect()


def run_size(size: str, views: list[View], concepts: Concepts, options: Options) -> dict[str, Any]:
    result: dict[str, Any] = {"size": size, "load_s": {}, "loadavg": [os.getloadavg()[0]]}
    partner: list[GraphFile] = []
    if size != "agenda":
        start = time.perf_counter()
        made = write_partner_graph(parse_size(size), options.out, concepts=concepts)
        result["generate_s"] = round(time.perf_counter() - start, 2)
        result["partner_triples"] = made.triples
        partner = [(HOST_GRAPH, made.ntriples)]
    files = bundled_files() + partner
    log(f"[{size}] {len(files)} files")

    # The in-memory server always runs: it counts the triples and picks parameter values.
    memory = OxigraphServer(timeout_s=options.http_timeout_s)
    memory.start()
    try:
        result["load_s"]["oxigraph-memory"] = round(memory.load(files), 3)
        client = memory.client()
        count = client.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        result["triples"] = int(json.loads(count.body)["results"]["bindings"][0]["n"]["value"])
        examples = pick_examples(client, views)
        queries = {
            view.name: view.bench_query(examples[view.name], options.result_cap) for view in views
        }
        result["examples"] = {k: v for k, v in examples.items() if v}
        log(f"[{size}] {result['triples']} triples; examples {result['examples']}")
        if "oxigraph-memory" in options.engines:
            result["oxigraph-memory"] = {
                name: timed(client, q.text, options.repetitions, options.http_budget_s, q.accept)
                for name, q in queries.items()
            }
        client.close()
    finally:
        memory.stop()

    if "oxigraph-union" in options.engines:
        union = OxigraphServer(union=True, timeout_s=options.http_timeout_s)
        load_s, result["oxigraph-union"] = run_oxigraph(union, files, queries, options)
        result["load_s"]["oxigraph-union"] = round(load_s, 3)
        log(f"[{size}] oxigraph union done")

    if "kringloop" in options.engines:
        bindings = {k: v for example in examples.values() for k, v in example.items()}
        run_kringloop(result, partner, queries, bindings, options)

    if "rdflib" in options.engines:
        run_rdflib(result, files, queries, options)
    result["loadavg"].append(os.getloadavg()[0])
    result["loadavg"] = [round(x, 2) for x in result["loadavg"]]
    graph_views = frozenset(v.name for v in views if v.form in ("CONSTRUCT", "DESCRIBE"))
    names = {view.name: view.title for view in views}
    for problem in report.row_differences(result, names, graph_views):
        log(f"[{size}] rows: {problem}")
    return result


def short(entry: dict[str, Any]) -> str:
    if "p50_ms" in entry:
        return f"p50 {entry['p50_ms']} ms (n={entry['n']})"
    return str(entry.get("error", "-"))[:80]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="agenda,10k,100k,1M")
    parser.add_argument("--queries", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--repetitions", type=int, default=300, help="most timed HTTP runs")
    parser.add_argument(
        "--http-budget", type=float, default=5.0, help="seconds of timing per view and engine"
    )
    parser.add_argument(
        "--http-timeout",
        type=int,
        default=math.ceil(SERVICE_DEFAULTS.query_deadline),
        help="query timeout of the bench's own servers (default: Kringloop's deadline)",
    )
    parser.add_argument("--rdflib-repetitions", type=int, default=3)
    parser.add_argument(
        "--rdflib-timeout", type=float, default=60.0, help="seconds before one rdflib run dies"
    )
    parser.add_argument(
        "--rdflib-budget", type=float, default=30.0, help="no new rdflib run after this"
    )
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--engines", default=",".join(DEFAULT_ENGINES), help=f"some of {', '.join(ENGINES)}"
    )
    parser.add_argument("--doc", type=Path, default=None, help="rewrite docs/performance.md")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if not sizes:
        raise ValueError("no sizes given")
    for size in sizes:
        if size != "agenda":
            parse_size(size)
    engines = {e.strip() for e in args.engines.split(",") if e.strip()}
    unknown = engines - set(ENGINES)
    if unknown:
        raise ValueError(f"unknown engines: {', '.join(sorted(unknown))}")
    if args.repetitions < 3 or args.http_budget <= 0 or args.http_timeout < 1:
        raise ValueError("--repetitions must be >= 3, --http-budget and --http-timeout > 0")
    if args.rdflib_repetitions < 1 or args.rdflib_timeout <= 0 or args.load_seconds <= 0:
        raise ValueError("--rdflib-repetitions must be >= 1; timeouts and seconds > 0")
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    return Options(
        sizes=sizes,
        queries=args.queries,
        out=args.out,
        repetitions=args.repetitions,
        http_budget_s=args.http_budget,
        http_timeout_s=args.http_timeout,
        result_cap=SERVICE_DEFAULTS.result_cap,
        rdflib_repetitions=args.rdflib_repetitions,
        rdflib_timeout_s=args.rdflib_timeout,
        rdflib_budget_s=args.rdflib_budget,
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
        "forms": {view.name: view.form for view in views},
        "settings": {
            "repetitions": options.repetitions,
            "http_budget_s": options.http_budget_s,
            "http_timeout_s": options.http_timeout_s,
            "limit": options.result_cap,
            "kringloop_deadline_s": SERVICE_DEFAULTS.query_deadline,
            "rdflib_repetitions": options.rdflib_repetitions,
            "rdflib_timeout_s": options.rdflib_timeout_s,
            "rdflib_budget_s": options.rdflib_budget_s,
            "load_seconds": options.load_seconds,
            "concurrency": options.concurrency,
        },
        "minted_concepts": list(concepts.minted),
        "sizes": [],
    }
    for size in options.sizes:
        results["sizes"].append(run_size(size, views, concepts, options))
        # Written after every size: a long run that is stopped keeps what it measured.
        results["total_s"] = round(time.perf_counter() - started, 1)
        results["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        (options.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    markdown = report.render(results)
    (options.out / "results.md").write_text(markdown, encoding="utf-8")
    if options.doc is not None:
        report.update_doc(options.doc, markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
