"""The fuzzing harnesses: hypothesis profiles and the count of examples they ran.

CI runs each harness for a few seconds (profile ``kringloop-fuzz-ci``). On demand, for
about five minutes per harness::

    KRINGLOOP_FUZZ=long KRINGLOOP_FUZZ_SECONDS=300 \\
        .venv/bin/pytest -q -p no:cacheprovider tests/fuzz

(see ``tests/fuzz/fuzzkit.py``). The session ends with one line per harness: how many
examples ran and how they ended.
"""

from __future__ import annotations

import pytest

from tests.fuzz import fuzzkit

fuzzkit.register_profiles()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = fuzzkit.summary_lines()
    if not lines:
        return
    mode = "long" if fuzzkit.is_long() else "ci"
    terminalreporter.section(f"kringloop fuzzing ({mode})")
    for line in lines:
        terminalreporter.write_line(line)
    fuzzkit.write_report()
