"""Import plans waiting for their commit, on disk (a web preview, then "Doorvoeren").

On disk, not in memory, so another worker, or the same one after a restart, commits what
one previewed. One file per plan (``{id}.json``, mode 0600, written atomically), named by
a random id; a plan expires after ``ttl`` seconds and at most ``keep`` are kept.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from kringloop.durable import atomic_write
from kringloop.errors import NotFoundError
from kringloop.monitoring.importplan import ImportPlan

_PLAN_ID = re.compile(r"^[0-9a-f]{32}$")


class PlanStore:
    """Plans waiting for their commit: one file each, 0600, expired after ``ttl`` seconds.

    On disk, not in memory, so a restarted or another worker commits what one previewed;
    at most ``keep`` are kept (the oldest go first).
    """

    def __init__(self, directory: Path, *, ttl: float = 3600.0, keep: int = 20) -> None:
        self.directory = directory
        self.ttl = ttl
        self.keep = keep

    def save(self, plan: ImportPlan) -> str:
        self.prune()
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        plan_id = secrets.token_hex(16)
        body = json.dumps(plan.to_json(), ensure_ascii=False).encode("utf-8")
        atomic_write(self._path(plan_id), body, mode=0o600)
        return plan_id

    def load(self, plan_id: str) -> ImportPlan:
        """The plan, or 404 when it is unknown, expired or committed already."""
        gone = NotFoundError(
            "dit importvoorstel bestaat niet (meer): het is verlopen of al doorgevoerd; "
            "lees het blad opnieuw in"
        )
        if not _PLAN_ID.match(plan_id):
            raise gone
        path = self._path(plan_id)
        try:
            plan = ImportPlan.from_json(json.loads(path.read_bytes()))
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            raise gone from None
        if time.time() - plan.created > self.ttl:
            self.discard(plan_id)
            raise gone
        return plan

    def discard(self, plan_id: str) -> None:
        if _PLAN_ID.match(plan_id):
            self._path(plan_id).unlink(missing_ok=True)

    def prune(self) -> None:
        """Remove expired plans, and the oldest beyond ``keep - 1`` (room for one more)."""
        try:
            files = sorted(self.directory.glob("*.json"), key=_mtime, reverse=True)
        except FileNotFoundError:
            return
        now = time.time()
        for number, path in enumerate(files):
            if number >= self.keep - 1 or now - _mtime(path) > self.ttl:
                path.unlink(missing_ok=True)

    def _path(self, plan_id: str) -> Path:
        return self.directory / f"{plan_id}.json"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
