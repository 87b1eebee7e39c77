"""SHACL validation time of the bundled data: ``kringloop validate`` and its phases.

    python -m bench.validation --runs 5 --doc docs/performance.md

Two measurements, each ``runs`` times in a new process (nothing cached between runs):

- the command as a user runs it: ``kringloop validate`` (the bundled vocabularies,
  agenda and interpretations against ``shapes/``), wall time from spawn to exit;
- its phases, timed inside a new interpreter: importing Kringloop's validation code
  (rdflib, pyshacl), reading the shapes, reading the data, running pyshacl and building
  the report. (The rest of the command's wall time is the interpreter's own start.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import report
from bench.service import kringloop_binary
from bench.stats import percentile
from bench.synthetic import OUT_DIR

TARGET_S = 2.0
PHASES = ("import", "shapes", "data", "validate")


#: Run with ``python -c`` in a new interpreter, so the import phase includes loading
#: rdflib and pyshacl (the bench's own modules would import rdflib first).
PHASE_SCRIPT = """
import json, time
start = time.perf_counter()
from kringloop.cli.validate import load_bundled_data
from kringloop.validation import load_shapes, validate
imported = time.perf_counter()
shapes = load_shapes()
shaped = time.perf_counter()
data = load_bundled_data()
loaded = time.perf_counter()
result = validate(data, shapes=shapes)
done = time.perf_counter()
print(json.dumps({
    "import": imported - start,
    "shapes": shaped - imported,
    "data": loaded - shaped,
    "validate": done - loaded,
    "conforms": result.conforms,
    "results": len(result.results),
    "triples": sum(1 for _ in data.quads((None, None, None, None))),
}))
"""


def run_command() -> tuple[float, int]:
    """Wall seconds and exit code of ``kringloop validate``."""
    start = time.perf_counter()
    done = subprocess.run(
        [kringloop_binary(), "validate"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"kringloop validate failed ({done.returncode}): {done.stderr[-300:]!r}")
    return seconds, done.returncode


def run_phases() -> dict[str, Any]:
    """The phases of one validation, timed inside a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PHASE_SCRIPT],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"validation phases failed: {done.stderr[-500:]}")
    measured: dict[str, Any] = json.loads(done.stdout)
    return measured


def render(result: dict[str, Any]) -> str:
    wall = result["command_s"]
    p50 = percentile(wall, 50)
    verdict = "**met**" if p50 < TARGET_S else f"**missed** by {p50 - TARGET_S:.2f} s"
    last = result["phases"][-1]
    lines = [
        f"Command: `{result['command']}`; Python {result['python']}, {result['runs']} runs "
        f"each; load average before {result['loadavg']}.",
        "",
        "| measured | p50 | min | max |",
        "|---|---:|---:|---:|",
        _row("`kringloop validate` (spawn to exit)", wall),
    ]
    for phase in PHASES:
        lines.append(_row(f"phase: {phase}", [run[phase] for run in result["phases"]]))
    validation_only = [run["shapes"] + run["data"] + run["validate"] for run in result["phases"]]
    lines += [
        _row("phases without the import", validation_only),
        "",
        f"Target (design §8) SHACL validation of the agenda < 2 s, judged on the p50 of the "
        f"whole command: {verdict} (p50 {p50:.2f} s).",
        "",
        f"Data: {last['triples']:,} triples; the report: conforms {last['conforms']}, "
        f"{last['results']} results (exit codes {sorted(set(result['exit_codes']))}).",
    ]
    return "\n".join(lines) + "\n"


def _row(label: str, seconds: Sequence[float]) -> str:
    return (
        f"| {label} | {percentile(seconds, 50):.2f} s | {min(seconds):.2f} s "
        f"| {max(seconds):.2f} s |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--doc", type=Path, default=None, help="rewrite its block of this file")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 100:
        print("bench.validation: --runs must be in 1..100", file=sys.stderr)
        return 2
    loadavg = round(os.getloadavg()[0], 2)
    try:
        commands = [run_command() for _ in range(args.runs)]
        measured = [run_phases() for _ in range(args.runs)]
    except RuntimeError as error:
        print(f"bench.validation: {error}", file=sys.stderr)
        return 1
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    result: dict[str, Any] = {
        "command": f"python -m bench.validation {shown}".strip(),
        "python": platform.python_version(),
        "runs": args.runs,
        "loadavg": loadavg,
        "command_s": [round(seconds, 3) for seconds, _ in commands],
        "exit_codes": [code for _, code in commands],
        "phases": measured,
    }
    report.publish(result, args.out, "validation", render(result), args.doc, block="validation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
