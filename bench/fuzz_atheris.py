"""On-demand coverage-guided fuzzing: atheris (libFuzzer) drives the hypothesis harnesses.

The harnesses of ``tests/fuzz`` are hypothesis tests; hypothesis lets an outside fuzzer
feed them (``test.hypothesis.fuzz_one_input``), so libFuzzer's coverage feedback on the
instrumented ``kringloop`` package steers the same strategies and the same checks. A
failing input stops the run with hypothesis's report of the example.

atheris is no project dependency (its wheel installs on CPython 3.11 on Linux x86-64)::

    .venv/bin/pip install atheris
    .venv/bin/python -m bench.fuzz_atheris vetting-generated -max_total_time=300 -max_len=4096

Harnesses: see :data:`HARNESSES`. Everything after the harness name goes to libFuzzer
(``-max_total_time=SECONDS``, ``-runs=N``, ``-max_len`` (the choice sequence's length:
longer means larger queries), a corpus directory ...); libFuzzer reports the runs.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

#: name -> (module of tests/fuzz, the hypothesis test in it)
HARNESSES = {
    "vetting-text": ("tests.fuzz.test_fuzz_vetting", "_arbitrary_text"),
    "vetting-bytes": ("tests.fuzz.test_fuzz_vetting", "_arbitrary_bytes"),
    "vetting-soup": ("tests.fuzz.test_fuzz_vetting", "_token_soup"),
    "vetting-generated": ("tests.fuzz.test_fuzz_vetting", "_generated"),
    "params": ("tests.fuzz.test_fuzz_params", "_binding"),
}


def load_harness(name: str, atheris: Any) -> Callable[[bytes], object]:
    """The harness's ``fuzz_one_input``, with the kringloop package instrumented."""
    module_name, test_name = HARNESSES[name]
    with atheris.instrument_imports(include=["kringloop"]):
        module = importlib.import_module(module_name)
    test = getattr(module, test_name)
    fuzz_one_input: Callable[[bytes], object] = test.hypothesis.fuzz_one_input
    return fuzz_one_input


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in HARNESSES:
        print(f"usage: {argv[0]} {{{','.join(HARNESSES)}}} [libFuzzer options]", file=sys.stderr)
        return 2
    try:
        atheris = importlib.import_module("atheris")
    except ImportError:
        print("atheris is not installed: .venv/bin/pip install atheris", file=sys.stderr)
        return 2
    fuzz_one_input = load_harness(argv[1], atheris)
    atheris.Setup([argv[0], *argv[2:]], fuzz_one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
