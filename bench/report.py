"""Markdown for benchmark results, and the design's targets (§8) marked met or missed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

AGENDA_P50_MS = 5.0
AGENDA_P99_MS = 20.0
RDFLIB_RATIO = 20.0
OVERHEAD_MS = 2.0

#: The bare engine: Kringloop's own managed Oxigraph, asked directly with the same dataset.
BARE = "oxigraph-bare"


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _ms(entry: dict[str, Any] | None, key: str = "p50_ms") -> str:
    if not entry:
        return "-"
    if key in entry:
        return _num(entry[key])
    error = str(entry.get("error", ""))
    if error.startswith("timeout"):
        return f"> {entry.get('timeout_s', 0):g} s"
    if "status" in entry:
        return f"HTTP {entry['status']}" if entry["status"] else "no answer"
    return "error" if error else "-"


def _pair(entry: dict[str, Any] | None) -> str:
    if entry and "p50_ms" in entry:
        return f"{_ms(entry)} / {_ms(entry, 'p99_ms')}"
    return _ms(entry)


def ratio(slow: dict[str, Any] | None, fast: dict[str, Any] | None) -> tuple[str, float | None]:
    """rdflib p50 / engine p50; a timed-out rdflib gives a lower bound ``>= x``."""
    if not slow or not fast or "p50_ms" not in fast or fast["p50_ms"] <= 0:
        return "-", None
    if "p50_ms" in slow:
        value = slow["p50_ms"] / fast["p50_ms"]
        return f"{_times(value)}x", value
    if "timeout_s" in slow:
        bound = slow["timeout_s"] * 1000 / fast["p50_ms"]
        return f">= {bound:,.0f}x", bound
    return "-", None


def _times(value: float) -> str:
    if value >= 10:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 0.95 else f"{value:.2g}"


def overhead(size: dict[str, Any], view: str) -> float | None:
    """Kringloop p50 - bare engine p50 (client-side, alternated request by request).

    None when either failed, or when Kringloop cut the answer at its cap (it then
    stopped reading early and did less work than the bare engine).
    """
    bare = (size.get(BARE) or {}).get(view, {})
    ours = (size.get("kringloop") or {}).get(view, {})
    if "p50_ms" in bare and "p50_ms" in ours and not ours.get("truncated"):
        return float(ours["p50_ms"] - bare["p50_ms"])
    return None


def render_size(
    size: dict[str, Any],
    views: dict[str, str],
    union: bool = False,
    graph_views: frozenset[str] = frozenset(),
) -> list[str]:
    lines = [f"### {size['size']}: {size.get('triples', 0):,} triples", ""]
    facts = []
    if "partner_triples" in size:
        facts.append(
            f"synthetic partner graph of {size['partner_triples']:,} triples "
            f"(generated in {size['generate_s']} s)"
        )
    loads = size.get("load_s", {})
    if loads:
        facts.append("loading " + ", ".join(f"{name} {value} s" for name, value in loads.items()))
    if "kringloop_startup_s" in size:
        facts.append(
            f"`kringloop serve` answered /sparql {size['kringloop_startup_s']} s after spawn"
        )
    if size.get("examples"):
        facts.append(
            "parameters: " + ", ".join(f"{k} = `{v}`" for k, v in size["examples"].items())
        )
    if "loadavg" in size:
        facts.append(f"load average before / after {size['loadavg'][0]} / {size['loadavg'][1]}")
    if facts:
        lines += ["; ".join(facts) + ".", ""]
    if "kringloop_error" in size:
        lines += ["Kringloop did not run: `" + size["kringloop_error"].splitlines()[0] + "`", ""]
    union_head = " Oxigraph union p50 |" if union else ""
    lines += [
        f"| view | rows | rdflib p50 |{union_head} Oxigraph memory p50 "
        "| bare engine p50 / p99 | Kringloop p50 / p99 | Kringloop server-side p50 / p99 "
        "| overhead p50 (median of pairs) | rdflib ÷ Kringloop | runs |",
        "|---|---:|---:|" + ("---:|" if union else "") + "---:|---:|---:|---:|---:|---:|---:|",
    ]
    for view in views:
        entries = {
            name: (size.get(name) or {}).get(view)
            for name in (
                "rdflib",
                "oxigraph-union",
                "oxigraph-memory",
                BARE,
                "kringloop",
                "kringloop-server",
            )
        }
        # Oxigraph's count first: rdflib's may differ (listed under the table).
        ordered = [entries[name] for name in ("oxigraph-memory", BARE, "kringloop", "rdflib")]
        rows: Any = next((e["rows"] for e in ordered if e and "rows" in e), "-")
        if (entries["kringloop"] or {}).get("truncated"):
            rows = f"{rows} (Kringloop: cut)"
        added = overhead(size, view)
        paired = (entries["kringloop"] or {}).get("paired_overhead_ms")
        added_text = "-" if added is None else f"{added:+.2f}"
        if added is not None and paired is not None:
            added_text += f" ({paired:+.2f})"
        runs = (entries["kringloop"] or {}).get("n", "-")
        union_cell = f" {_ms(entries['oxigraph-union'])} |" if union else ""
        lines.append(
            f"| {view} | {rows} | {_ms(entries['rdflib'])} |{union_cell}"
            f" {_ms(entries['oxigraph-memory'])} | {_pair(entries[BARE])} "
            f"| {_pair(entries['kringloop'])} | {_pair(entries['kringloop-server'])} "
            f"| {added_text} "
            f"| {ratio(entries['rdflib'], entries['kringloop'])[0]} | {runs} |"
        )
    lines += _errors(size, views, graph_views)
    lines += _load(size)
    return [*lines, ""]


def _errors(size: dict[str, Any], views: dict[str, str], graph_views: frozenset[str]) -> list[str]:
    out = []
    for engine in ("oxigraph-union", "oxigraph-memory", BARE, "kringloop", "rdflib"):
        for view in views:
            entry = (size.get(engine) or {}).get(view) or {}
            if "error" in entry:
                text = " ".join(str(entry["error"]).split())[:160]
                out.append(f"- {engine}, {view}: `{text}`")
    for problem in row_differences(size, views, graph_views):
        known = "one empty group" in problem
        out.append(f"- {'note' if known else '**rows differ**'}: {problem}")
    return ["", "Failures and differences:", "", *out] if out else []


def row_differences(
    size: dict[str, Any], views: dict[str, str], graph_views: frozenset[str]
) -> list[str]:
    """Every engine's row count against the in-memory Oxigraph's (same data, same answer).

    Not for graph views that reached the ``LIMIT``: which solutions fill it is up to
    each engine, so their triple counts may differ.
    """
    reference = size.get("oxigraph-memory") or {}
    problems = []
    for engine in ("rdflib", "oxigraph-union", BARE, "kringloop"):
        for view in views:
            entry = (size.get(engine) or {}).get(view) or {}
            expected = reference.get(view, {}).get("rows")
            got = entry.get("rows")
            if expected is None or got is None or got == expected:
                continue
            if view in graph_views or entry.get("truncated"):
                continue
            if engine == "rdflib" and (expected, got) == (0, 1):
                # rdflib answers an aggregate with GROUP BY over no solutions with one
                # row of unbound keys; SPARQL 1.1 (and Oxigraph) answer no row.
                problems.append(f"rdflib answered {view} with one empty group (0 rows expected)")
                continue
            problems.append(f"{engine} answered {view} with {got} rows, Oxigraph {expected}")
    return problems


def _load(size: dict[str, Any]) -> list[str]:
    load = size.get("load")
    if not load:
        return []
    lines = [
        "",
        f"Bounded load from a second process ({', '.join(load['views'])} in turn):",
        "",
        "| target | clients | seconds | requests | errors | throughput | p50 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("kringloop", BARE):
        run = load.get(name) or {}
        if "error" in run:
            lines.append(f"| {name} | failed: `{run['error'].splitlines()[-1]}` ||||||||")
            continue
        lines.append(
            f"| {name} | {run['concurrency']} | {run['seconds']} | {run['requests']:,} "
            f"| **{run['errors']}** | {run['throughput_rps']} req/s | {run['p50_ms']} ms "
            f"| {run['p99_ms']} ms | {run['max_ms']} ms |"
        )
    samples = (load.get("kringloop") or {}).get("error_samples") or []
    for sample in samples[:3]:
        lines.append(f"\nKringloop error sample: `{' '.join(sample.split())[:200]}`")
    return lines


def targets(results: dict[str, Any]) -> list[str]:
    """One line per target of design §8 that the run measured."""
    sizes = {size["size"]: size for size in results["sizes"]}
    views = list(results["views"])
    out: list[str] = []
    agenda = sizes.get("agenda", {})
    server = agenda.get("kringloop-server")
    if server:
        for key, limit, label in (
            ("p50_ms", AGENDA_P50_MS, "p50 < 5 ms"),
            ("p99_ms", AGENDA_P99_MS, "p99 < 20 ms"),
        ):
            worst = max((server.get(v, {}).get(key, float("inf")), v) for v in views)
            client = agenda["kringloop"].get(worst[1], {}).get(key)
            measured = f"slowest: {worst[1]} {_num(worst[0])} ms server-side"
            measured += f" ({_num(client)} ms at the client)" if client is not None else ""
            out.append(
                _verdict(
                    f"agenda: every curated view {label} server-side",
                    worst[0] < limit,
                    measured,
                    worst[0] - limit,
                    "ms",
                )
            )
    big = sizes.get("1M")
    if big and big.get("rdflib"):
        for engine in ("kringloop", BARE):
            found = [(ratio(big["rdflib"].get(v), big.get(engine, {}).get(v)), v) for v in views]
            missing = [v for (_, value), v in found if value is None]
            known = [(value, v) for (_, value), v in found if value is not None]
            lowest = min(known) if known else None
            measured = f"lowest {_times(lowest[0])}x ({lowest[1]})" if lowest else "no ratio"
            if missing:
                measured += f"; not measurable: {', '.join(missing)}"
            met = not missing and lowest is not None and lowest[0] >= RDFLIB_RATIO
            miss = RDFLIB_RATIO - lowest[0] if lowest and lowest[0] < RDFLIB_RATIO else 0.0
            who = "/sparql" if engine == "kringloop" else "the bare engine"
            out.append(
                _verdict(
                    f"1M: every view >= 20x faster than rdflib ({who})", met, measured, miss, "x"
                )
            )
    for name, size in sizes.items():
        known_overheads = [(o, v) for v in views if (o := overhead(size, v)) is not None]
        if not known_overheads:
            continue
        worst = max(known_overheads)
        unmeasured = [v for v in views if overhead(size, v) is None]
        measured = f"largest {worst[0]:+.2f} ms ({worst[1]})"
        if unmeasured:
            measured += f"; not measurable: {', '.join(unmeasured)}"
        out.append(
            _verdict(
                f"{name}: /sparql adds <= 2 ms p50 over the bare engine",
                worst[0] <= OVERHEAD_MS and not unmeasured,
                measured,
                max(0.0, worst[0] - OVERHEAD_MS),
                "ms",
            )
        )
    for name, size in sizes.items():
        run = (size.get("load") or {}).get("kringloop")
        if run and "errors" in run:
            out.append(
                _verdict(
                    f"{name}: zero errors under a bounded load",
                    run["errors"] == 0,
                    f"{run['errors']} errors in {run['requests']:,} requests",
                    float(run["errors"]),
                    "errors",
                )
            )
    return out


def _verdict(target: str, met: bool, measured: str, miss: float, unit: str) -> str:
    if met:
        return f"| {target} | {measured} | **met** |"
    if miss > 0:
        return f"| {target} | {measured} | **missed** by {miss:,.2f} {unit} |"
    return f"| {target} | {measured} | **missed** |"


def render(results: dict[str, Any]) -> str:
    machine = results["machine"]
    settings = results["settings"]
    lines = [
        f"Command: `{results['command']}` (total {results.get('total_s', '?')} s).",
        "",
        f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB "
        f"memory, Linux {machine.get('kernel', '?')}; Python {machine['python']}, "
        f"rdflib {machine['rdflib']}, pyoxigraph {machine['pyoxigraph']}, oxigraph server "
        f"{machine.get('oxigraph', '?')}. Load average at start "
        f"{machine.get('loadavg_start', '?')}, at end {machine.get('loadavg_end', '?')} "
        "(other work shared the machine: compare figures within one run).",
        "",
        f"Settings: up to {settings['repetitions']} timed runs per view and engine within "
        f"{settings['http_budget_s']:g} s (at least 3); rdflib {settings['rdflib_repetitions']} "
        f"runs, each killed after {settings['rdflib_timeout_s']:g} s; load "
        f"{settings['concurrency']} clients for {settings['load_seconds']:g} s.",
    ]
    if results.get("minted_concepts"):
        lines += [
            "",
            "Note: the bundled vocabularies lacked "
            + ", ".join(results["minted_concepts"])
            + "; the synthetic graphs used minted `bench-` concepts for them.",
        ]
    lines += ["", "### Targets (design §8)", "", "| target | measured | verdict |", "|---|---|---|"]
    lines += targets(results)
    lines += [""]
    union = any("oxigraph-union" in size for size in results["sizes"])
    forms = results.get("forms", {})
    graph_views = frozenset(v for v, form in forms.items() if form in ("CONSTRUCT", "DESCRIBE"))
    for size in results["sizes"]:
        lines += render_size(size, results["views"], union, graph_views)
    return "\n".join(lines).rstrip() + "\n"


def markers(block: str) -> tuple[str, str]:
    return (
        f"<!-- bench:{block}:begin (generated by the bench; do not edit) -->",
        f"<!-- bench:{block}:end -->",
    )


def update_doc(path: Path, generated: str, block: str = "run") -> None:
    """Replace the generated ``block`` of ``path`` (or append one) with ``generated``."""
    begin, end = markers(block)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n\n"
    replacement = f"{begin}\n\n{generated.rstrip()}\n\n{end}"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + replacement + tail
    else:
        text = text.rstrip() + "\n\n" + replacement + "\n"
    path.write_text(text, encoding="utf-8")


def publish(
    result: dict[str, Any], out: Path, name: str, markdown: str, doc: Path | None, block: str
) -> None:
    """Keep a measurement: ``out/NAME.json``, the ``block`` of ``doc`` (if given), stdout."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    if doc is not None:
        update_doc(doc, markdown, block=block)
    print(markdown)


def main(argv: list[str] | None = None) -> int:
    """Render a ``results.json`` again (``python -m bench.report RESULTS [--doc FILE]``)."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--doc", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        results = json.loads(args.results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"bench.report: {args.results}: {error}", file=sys.stderr)
        return 2
    markdown = render(results)
    if args.doc is not None:
        update_doc(args.doc, markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
