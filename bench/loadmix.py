"""A bounded, mixed load on a running ``kringloop serve``, from its own process.

    python -m bench.loadmix --url http://127.0.0.1:8000 --seconds 60 --clients 8 \
        --data-dir var --greedy
    python -m bench.loadmix --serve --seconds 60 --greedy --doc docs/performance.md

``--clients`` simulated people, each from its own address, each sending the next request
at most ``--rate`` times a second (0: as fast as answers come): curated views as JSON (or
Turtle) and CSV with the parameters of their own checks, the view texts on ``/sparql``,
and HTML pages (``/``, ``/activiteiten``, ``/views``, every view's page, the ``/doc`` pages
of the IRIs those parameters name). One more client, the partner, replaces its graph with
``PUT /graph-store`` every ``--write-every`` seconds (``examples/partners/...``; its token
from ``--token``, or registered in ``--data-dir``). ``--greedy`` adds a script that asks
for data (views and ``/sparql``) from 4 threads, ``--greedy-rate`` times a second in all,
more than the default rate limits allow: it must get 429s, and nobody else may.

A client's address is its source address on loopback (``127.0.0.10``, ``.11``, ...: all of
127/8 is loopback on Linux), or with ``--forwarded`` an ``X-Forwarded-For`` header (for a
service started with ``--trusted-proxies 1``). Every answer is checked: an error is a
connection failure or a status that is not 2xx/3xx, a 429 is counted apart. It stops by
itself after ``--seconds`` or ``--max-requests``. ``--serve`` starts ``kringloop serve``
with its default rate limits, runs the load from a second process and writes a section
of ``--doc`` (``bench.report``).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import viewset
from bench.loadmix_clients import (
    KINDS,
    PARTNER_FILE,
    partner_writer,
    plan_reads,
    register_partner,
    run,
)
from kringloop.paths import project_root
from kringloop.views import load_views

# -- the report ----------------------------------------------------------------------------

LABELS = {
    "view data": "curated views as data (`/views/NAME.json`, `.ttl`)",
    "view CSV": "curated views as CSV (`/views/NAME.csv`)",
    "sparql": "the views' texts on `/sparql` (POST)",
    "page": "HTML pages (`/`, `/activiteiten`, `/views/...`, `/doc/...`)",
    "write": "`PUT /graph-store` by the partner",
}


def render(result: dict[str, Any]) -> str:
    limits = result["limits"]
    lines = [
        f"Command: `{result['command']}`; Python {result['python']}; load average before "
        f"{result['loadavg'][0]}, after {result['loadavg'][1]}.",
        "",
        f"`kringloop serve` with {limits}; each client from its own {result['addresses']}. "
        f"{result['clients']} clients, each sending its next request at most "
        f"{result['rate_per_client']} times a second, and the partner replacing its graph "
        f"every {result['write_every_s']} s, for {result['seconds']} s"
        + (
            f"; one greedy client, a script asking for data (views, `/sparql`) from 4 "
            f"threads, at most {result['greedy_rate']} times a second in all."
            if result["greedy"]
            else "."
        ),
        "",
        "| requests | sent | answered | 429 | errors | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(LABELS[kind], result["kinds"][kind]) for kind in KINDS]
    rows.append(("**all of them**", result["people"]))
    if result["greedy"]:
        rows.append((f"the greedy client ({result['greedy_rate']}/s)", result["greedy"]))
    for label, row in rows:
        times = [_ms(row[key]) for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
        lines.append(
            f"| {label} | {row['requests']:,} | {row['answered']:,} | {row['limited']:,} | "
            f"**{row['errors']}** | " + " | ".join(times) + " |"
        )
    total, warm = result["total"], result["warm_up"]
    samples = "; ".join(total["error_samples"] + warm["error_samples"])
    lines += [
        "",
        f"{total['requests']:,} requests in all ({result['throughput_rps']} per second), "
        f"{total['limited']:,} answered 429 with `Retry-After`, **{result['errors']} errors**"
        + (f" (first: {samples})" if samples else "")
        + ". Before the clock started every request of the mix was sent once "
        f"({warm['requests']}, {warm['errors']} errors): a fresh service compiles its "
        "templates on first use. Latency is at the client, of 2xx/3xx answers, on a new "
        "connection per request.",
    ]
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


# -- the command ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--url", help="a running kringloop serve on loopback, e.g. http://127.0.0.1:8000"
    )
    target.add_argument("--serve", action="store_true", help="start kringloop serve for the run")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--rate", type=float, default=2.0, help="requests/s per client; 0: no pause"
    )
    parser.add_argument("--greedy", action="store_true", help="one client over the limits")
    parser.add_argument("--greedy-rate", type=float, default=20.0)
    parser.add_argument("--write-every", type=float, default=5.0, help="seconds; 0: no writes")
    parser.add_argument("--partner-file", type=Path, default=PARTNER_FILE)
    parser.add_argument("--token", default="", help="the partner's token")
    parser.add_argument("--data-dir", type=Path, help="register the partner in this data dir")
    parser.add_argument("--forwarded", action="store_true", help="addresses as X-Forwarded-For")
    parser.add_argument("--queries", type=Path, default=viewset.DEFAULT_DIR)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON only")
    parser.add_argument("--out", type=Path, default=project_root() / "bench" / "out")
    parser.add_argument("--doc", type=Path, help="rewrite the loadmix block of this file")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600 or not 1 <= args.max_requests <= 10_000_000:
        raise ValueError("--seconds must be in (0, 600], --max-requests in 1..10000000")
    if not 1 <= args.clients <= 64 or args.rate < 0 or args.greedy_rate <= 0:
        raise ValueError("--clients must be in 1..64, --rate >= 0, --greedy-rate > 0")
    if args.write_every < 0:
        raise ValueError("--write-every must not be negative")
    if args.url is not None:
        parts = urllib.parse.urlsplit(args.url)
        if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.port is None:
            raise ValueError(f"--url must be http://127.0.0.1:PORT, not {args.url!r}")
        if args.write_every and not args.token and args.data_dir is None:
            raise ValueError("writes need --token or --data-dir (or --write-every 0)")
    return args


def default_limits() -> tuple[list[str], str]:
    """``kringloop serve``'s default rate limits as flags, and in words."""
    from kringloop.settings import Settings

    defaults = Settings()
    flags = [
        "--rate-limit-queries", str(defaults.rate_limit_queries),
        "--rate-limit-pages", str(defaults.rate_limit_pages),
        "--rate-limit-writes", str(defaults.rate_limit_writes),
        "--rate-limit-burst", str(defaults.rate_limit_burst),
    ]  # fmt: skip
    words = (
        f"its default rate limits per client ({defaults.rate_limit_queries} data requests and "
        f"{defaults.rate_limit_pages} pages a minute, {defaults.rate_limit_burst} at once; "
        f"{defaults.rate_limit_writes} writes a minute)"
    )
    return flags, words


def serve_and_load(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    """Start ``kringloop serve``, run this load against it from a second process."""
    import subprocess

    from bench.service import KringloopService

    flags, words = default_limits()
    if args.forwarded:
        flags += ["--trusted-proxies", "1"]
    service = KringloopService(extra_arguments=flags)
    token = register_partner(service.data_dir, args.partner_file)
    passed = [item for item in argv if item not in ("--serve", "--json")]
    if "--doc" in passed:
        at = passed.index("--doc")
        del passed[at : at + 2]
    command = [sys.executable, "-m", "bench.loadmix", "--url", service.base, "--json"]
    try:
        service.start()
        done = subprocess.run(
            [*command, *passed, "--token", token],
            cwd=project_root(),
            capture_output=True,
            text=True,
            timeout=args.seconds + 300,
            check=False,
        )
    finally:
        service.stop()
    if done.returncode != 0:
        raise RuntimeError(f"the load process failed: {done.stderr.strip()[-800:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["limits"] = words
    return result


def main(argv: Sequence[str] | None = None) -> int:
    import os
    import platform

    from bench import report

    given = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(given)
        before = round(os.getloadavg()[0], 2)
        if args.serve:
            result = serve_and_load(args, given)
        else:
            port = urllib.parse.urlsplit(args.url).port
            assert port is not None
            plan = plan_reads(load_views(args.queries), args.queries)
            partner = None
            if args.write_every:
                token = args.token or register_partner(args.data_dir, args.partner_file)
                partner = partner_writer(args.partner_file, token)
            result = run(port, plan, partner, args)
            result["limits"] = "the rate limits it was started with"
    except (ValueError, OSError, RuntimeError) as error:
        print(f"bench.loadmix: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
        return 0
    shown = " ".join(item for item in given if not item.startswith("kl_"))
    result["command"] = f"python -m bench.loadmix {shown}".strip()
    result["python"] = platform.python_version()
    result["loadavg"] = [before, round(os.getloadavg()[0], 2)]
    report.publish(result, args.out, "loadmix", render(result), args.doc, block="loadmix")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
