"""The real ``kringloop serve`` as a subprocess, for benchmarks.

It runs with its defaults (managed on-disk Oxigraph, gunicorn with one worker) on a free
loopback port and a temporary data directory. Its managed engine is also the *bare
engine* of the benchmark: the bench reads the engine's address from the supervisor's
state file (``{data_dir}/engine.json``) and asks it directly, so the bare engine and
Kringloop answer from the same process and the same store.

Kringloop writes one JSON log line per request with the server-side time (``ms``, from
the first to the last Flask hook) and the request's ``X-Request-Id``; the bench sends
its own ids and reads those lines back (:meth:`KringloopService.server_times`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.engines import (
    GraphFile,
    HttpClient,
    free_port,
    post_files,
    stop_process,
    wait_for,
)

#: The bare engine's socket timeout: longer than Kringloop's deadline (its --timeout-s).
_ENGINE_TIMEOUT_S = 120.0


class KringloopService:
    """``kringloop serve`` on ``127.0.0.1``; the bundled graphs loaded by itself."""

    name = "kringloop"

    def __init__(self, extra_arguments: Sequence[str] = (), kringloop: str | None = None) -> None:
        self.binary = kringloop_binary(kringloop)
        self.extra_arguments = list(extra_arguments)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.tempdir = tempfile.TemporaryDirectory(prefix="kringloop-bench-")
        self.data_dir = Path(self.tempdir.name) / "data"
        self.log_path = Path(self.tempdir.name) / "serve.log"
        self.startup_s = 0.0

    @property
    def query_url(self) -> str:
        return f"{self.base}/sparql"

    def client(self) -> HttpClient:
        """Kringloop chooses the dataset itself (the published graphs)."""
        return HttpClient(self.query_url, timeout=_ENGINE_TIMEOUT_S)

    def command(self) -> list[str]:
        return [
            self.binary,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            # The benches hammer from one address: no per-client limit (loadmix sets its own).
            "--rate-limit-queries",
            "0",
            "--rate-limit-pages",
            "0",
            "--rate-limit-writes",
            "0",
            *self.extra_arguments,
        ]

    def start(self, deadline_s: float = 120.0, probe: str = "ASK {}", poll_s: float = 0.02) -> None:
        """Spawn and wait until ``/sparql`` answers ``probe``; :attr:`startup_s` is that wait.

        The supervisor starts the web server only after the bundled graphs are loaded, so
        the first answer is an answer on the loaded agenda.
        """
        with self.log_path.open("ab") as log:
            start = time.perf_counter()
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(self.query_url, deadline_s, self.process, query=probe, poll_s=poll_s)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{self.log_tail()}") from error
        self.startup_s = time.perf_counter() - start

    def halt(self) -> None:
        """Stop ``kringloop serve`` (SIGTERM) and keep its data directory for a restart."""
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    # -- the managed engine ---------------------------------------------------------

    def engine_state(self) -> dict[str, object]:
        state = json.loads((self.data_dir / "engine.json").read_text(encoding="utf-8"))
        if not isinstance(state, dict):
            raise RuntimeError("engine.json does not hold an object")
        return state

    @property
    def engine_query_url(self) -> str:
        return str(self.engine_state()["query_url"])

    def engine_client(self, graphs: Sequence[str]) -> HttpClient:
        """The managed engine asked directly, with the dataset Kringloop would send."""
        return HttpClient(self.engine_query_url, timeout=_ENGINE_TIMEOUT_S, graphs=graphs)

    def add_files(self, files: Sequence[GraphFile]) -> float:
        """POST files into the running engine's store (Graph Store Protocol); seconds.

        Kringloop has no upload path yet; this is how a partner graph would reach the
        engine (the supervisor loads the bundled graphs the same way, with PUT).
        """
        store_url = self.engine_query_url.removesuffix("/query") + "/store"
        return post_files(store_url, files)

    # -- logs ---------------------------------------------------------------------------

    def server_times(self, prefix: str) -> dict[str, float]:
        """Server-side milliseconds of every request whose id starts with ``prefix``."""
        times: dict[str, float] = {}
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if prefix not in line or not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            request_id = str(entry.get("request_id", ""))
            if entry.get("msg") == "request" and request_id.startswith(prefix):
                times[request_id] = float(entry["ms"])
        return times

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop ``kringloop serve`` and remove its data directory."""
        self.halt()
        self.tempdir.cleanup()


def kringloop_binary(given: str | None = None) -> str:
    """The ``kringloop`` script: given, beside this Python, or on PATH."""
    if given:
        return given
    beside = Path(sys.executable).parent / "kringloop"
    if beside.is_file():
        return str(beside)
    found = shutil.which("kringloop")
    if found is None:
        raise RuntimeError("cannot find the kringloop command; pip install -e . first")
    return found
