"""The fuzzing harnesses' budget: a few seconds each in CI, minutes on demand.

Two hypothesis profiles, registered by ``tests/fuzz/conftest.py``:

- ``kringloop-fuzz-ci`` (the default): a small ``max_examples`` per round, one round, no
  deadline (the machine is shared; slowness is measured in ``bench/`` only).
- ``kringloop-fuzz-long``, chosen with ``KRINGLOOP_FUZZ=long``: rounds of
  ``LONG_ROUND`` examples, one after another until ``KRINGLOOP_FUZZ_SECONDS`` (default
  300) have passed for that harness. Each round starts from fresh random data, and a
  failure stops the run with hypothesis's shrunk example::

      KRINGLOOP_FUZZ=long KRINGLOOP_FUZZ_SECONDS=300 \\
          .venv/bin/pytest -q -p no:cacheprovider tests/fuzz -s

Every harness counts the examples it ran (and how many ended in an accepted query, a
refusal, ...); the counts are printed at the end of the session (``-s`` not needed) and
written to ``$KRINGLOOP_FUZZ_REPORT`` (JSON) when that is set.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, settings

CI_PROFILE = "kringloop-fuzz-ci"
LONG_PROFILE = "kringloop-fuzz-long"
#: Examples per round in the long profile (hypothesis shrinks within a round).
LONG_ROUND = 2_000
DEFAULT_LONG_SECONDS = 300.0

#: harness name -> outcome -> count, for the whole session.
COUNTS: dict[str, Counter[str]] = {}


def register_profiles() -> None:
    """Register both profiles (idempotent); nothing is loaded globally."""
    common = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
        "print_blob": True,
        "database": None,  # no .hypothesis directory in the tree; a failure prints its blob
    }
    settings.register_profile(CI_PROFILE, max_examples=40, **common)  # type: ignore[arg-type]
    settings.register_profile(LONG_PROFILE, max_examples=LONG_ROUND, **common)  # type: ignore[arg-type]


def is_long() -> bool:
    mode = os.environ.get("KRINGLOOP_FUZZ", "ci")
    if mode not in ("ci", "long"):
        raise ValueError(f"KRINGLOOP_FUZZ must be ci or long, not {mode!r}")
    return mode == "long"


def budget_seconds() -> float:
    return float(os.environ.get("KRINGLOOP_FUZZ_SECONDS", DEFAULT_LONG_SECONDS))


def fuzz_settings(ci_examples: int, long_round: int = LONG_ROUND) -> settings:
    """The settings of one harness: ``ci_examples`` per CI run, else the long profile.

    ``long_round``: examples per round of a long run (smaller for slow harnesses, so
    that a round ends close to the budget).
    """
    register_profiles()
    if is_long():
        return settings(settings.get_profile(LONG_PROFILE), max_examples=long_round)
    return settings(settings.get_profile(CI_PROFILE), max_examples=ci_examples)


def run_rounds(test: Callable[[], None], *, share: int = 1) -> None:
    """Run a ``@given`` test once (CI), or round after round until the budget is spent.

    ``share``: the harness is one of ``share`` parts that split one budget.
    """
    if not is_long():
        test()
        return
    stop = time.monotonic() + budget_seconds() / share
    while time.monotonic() < stop:
        test()


def count(harness: str, outcome: str) -> None:
    """Record one example of ``harness`` that ended in ``outcome``."""
    COUNTS.setdefault(harness, Counter())[outcome] += 1


def summary_lines() -> list[str]:
    lines = []
    for harness, outcomes in sorted(COUNTS.items()):
        detail = ", ".join(f"{name} {number}" for name, number in sorted(outcomes.items()))
        lines.append(f"{harness}: {sum(outcomes.values())} examples ({detail})")
    return lines


def write_report() -> None:
    target = os.environ.get("KRINGLOOP_FUZZ_REPORT")
    if not target or not COUNTS:
        return
    document = {
        "mode": "long" if is_long() else "ci",
        "counts": {name: dict(outcomes) for name, outcomes in COUNTS.items()},
    }
    Path(target).write_text(json.dumps(document, indent=2, sort_keys=True), encoding="utf-8")
