"""The managed engine: an ``oxigraph serve`` process on loopback, started, supervised, stopped.

The store lives in memory (or, with ``in_memory=False``, on disk in
``{data_dir}/oxigraph``); the process's output goes to ``{data_dir}/oxigraph.log``. A
supervisor thread restarts the process whenever it exits unasked (a crash, a kill), on
the same port, with a short back-off if it keeps dying at once. After every start a
``loader`` refills the engine (from the bundled files and the version store) before it
is used. The supervisor's view (pid, port, restarts, whether it is loading, how many
loads finished) is written to a small JSON state file that the web worker reads for
``/-/health``, ``/-/metrics`` and to hold queries back while the engine loads
(:class:`LoadingWatch`).
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from kringloop.errors import ConfigurationError, KringloopError
from kringloop.logs import get_logger
from kringloop.store.remote import EngineEndpoints

_log = get_logger("engine")
_PR_SET_PDEATHSIG = 1


def find_binary(configured: str = "") -> str:
    """The ``oxigraph`` executable: configured, beside this Python, or on PATH."""
    if configured:
        if not Path(configured).is_file():
            raise ConfigurationError(f"engine binary {configured} does not exist")
        return configured
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise ConfigurationError(
            "cannot find the oxigraph executable; install the `oxigraph` package or set "
            "--engine-binary"
        )
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _die_with_parent() -> None:  # pragma: no branch - runs in the child before exec
    """Ask Linux to send SIGTERM to this child when its parent dies (no orphans)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _limited(memory_bytes: int) -> Callable[[], None]:
    """A child set-up that also caps the child's address space (``RLIMIT_AS``)."""

    def prepare() -> None:  # pragma: no branch - runs in the child before exec
        _die_with_parent()
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return prepare


def spawn(
    command: list[str],
    log: IO[bytes] | None,
    env: dict[str, str] | None = None,
    *,
    memory_limit_mib: int = 0,
) -> subprocess.Popen[bytes]:
    """Start a child in its own session that dies with us (and with at most
    ``memory_limit_mib`` of address space, when given)."""
    linux = sys.platform.startswith("linux")
    prepare = (
        _limited(memory_limit_mib * 1024 * 1024)
        if linux and memory_limit_mib
        else _die_with_parent
        if linux
        else None
    )
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log if log is not None else None,
        stderr=subprocess.STDOUT if log is not None else None,
        start_new_session=True,
        preexec_fn=prepare,
        env=env,
    )


class ManagedEngine:
    """One ``oxigraph serve`` process and the thread that keeps it running."""

    def __init__(
        self,
        *,
        binary: str,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout_s: float = 10.0,
        state_file: Path | None = None,
        in_memory: bool = True,
        loader: Callable[[], None] | None = None,
        memory_limit_mib: int = 0,
    ) -> None:
        """``loader`` runs after every start, once the process accepts connections; until
        it returns, the state file says ``"loading": true``."""
        self.binary = binary
        self.data_dir = data_dir
        self.host = host
        self.port = port or free_port(host)
        self.timeout_s = max(1, math.ceil(timeout_s))
        self.state_file = state_file or data_dir / "engine.json"
        self.in_memory = in_memory
        self.loader = loader
        self.memory_limit_mib = memory_limit_mib
        self.restarts = 0
        #: Finished loads: 1 after the first start, +1 after each reloaded restart.
        self.generation = 0
        self.loading = False
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None
        self._started_at = 0.0

    @property
    def endpoints(self) -> EngineEndpoints:
        return EngineEndpoints.oxigraph(self.host, self.port)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        location = [] if self.in_memory else ["--location", str(self.data_dir / "oxigraph")]
        return [
            self.binary,
            "serve",
            *location,
            "--bind",
            f"{self.host}:{self.port}",
            "--timeout-s",
            str(self.timeout_s),
        ]

    def start(self, wait: float = 10.0) -> None:
        """Start the process, wait until it accepts connections, then run the loader.

        The state file says ``loading`` from before the process can accept a connection
        until the loader returned; a loader failure is raised (the process keeps running).
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._log_file is None:
            self._log_file = (self.data_dir / "oxigraph.log").open("ab")
        self.loading = True
        self._write_state(pid=None)
        with self._lock:
            self._process = spawn(
                self.command(), self._log_file, memory_limit_mib=self.memory_limit_mib
            )
            self._started_at = time.monotonic()
        self._wait_ready(wait)
        self._write_state()
        _log.info("engine started", extra={"pid": self.pid, "port": self.port})
        if self.loader is not None:
            loading_started = time.monotonic()
            self.loader()
            _log.info(
                "engine loaded",
                extra={"ms": round((time.monotonic() - loading_started) * 1000, 1)},
            )
        self.loading = False
        self.generation += 1
        self._write_state()

    def supervise(self) -> None:
        """Restart the engine whenever it exits unasked, from a daemon thread."""
        self._supervisor = threading.Thread(
            target=self._watch, name="engine-supervisor", daemon=True
        )
        self._supervisor.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the engine (and stop restarting it); SIGTERM, then SIGKILL."""
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._supervisor is not None:
            self._supervisor.join(timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        _log.info("engine stopped", extra={"port": self.port})

    # -- internals -------------------------------------------------------------------

    def _watch(self) -> None:
        delay = 0.0
        while not self._stopping.is_set():
            with self._lock:
                process = self._process
            if process is None:
                return
            code = process.wait()
            if self._stopping.is_set():
                return
            lived = time.monotonic() - self._started_at
            self.restarts += 1
            delay = min(max(delay * 2, 0.05), 2.0) if lived < 1.0 else 0.0
            _log.warning(
                "engine exited; restarting",
                extra={
                    "exit_code": code,
                    "lived_s": round(lived, 3),
                    "restarts": self.restarts,
                    "delay_s": delay,
                },
            )
            if self._stopping.wait(delay):
                return
            try:
                self.start(wait=10.0)
            except Exception as error:  # this thread must outlive any failure
                if self._stopping.is_set():
                    return
                detail = error.detail if isinstance(error, KringloopError) else repr(error)
                _log.error("engine restart failed", extra={"error": detail})
                self._kill_unloaded()
                if self._stopping.wait(1.0):  # a load that keeps failing does not spin
                    return

    def _kill_unloaded(self) -> None:
        """A process whose loader failed is killed: the next start loads it again."""
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    def _wait_ready(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            process = self._process
            if process is not None and process.poll() is not None:
                raise ConfigurationError(
                    f"the engine exited at start (code {process.returncode}): {self._log_tail()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ConfigurationError(
                    f"the engine did not accept connections within {wait:g} s: {self._log_tail()}"
                )
            time.sleep(0.01)

    def _log_tail(self) -> str:
        path = self.data_dir / "oxigraph.log"
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-3:]) or "(empty log)"

    def _write_state(self, **override: Any) -> None:
        state = {
            "pid": self.pid,
            "port": self.port,
            "restarts": self.restarts,
            "started": time.time(),
            "query_url": self.endpoints.query_url,
            "store": "memory" if self.in_memory else "disk",
            "loading": self.loading,
            "generation": self.generation,
            **override,
        }
        write_state(self.state_file, state)


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` as JSON, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(state), encoding="utf-8")
    temporary.replace(path)


def read_state(path: Path) -> dict[str, Any] | None:
    """The state the supervisor last wrote, or None."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class LoadingWatch:
    """Whether the managed engine is (re)loading, from its state file; one ``stat`` a call.

    The parsed state is cached by the file's identity (inode, modification time, size):
    the supervisor replaces the file atomically, so every new state is a new inode.
    """

    def __init__(self, path: Path, poll_interval: float = 0.02) -> None:
        self.path = path
        self.poll_interval = poll_interval
        self._cached: tuple[tuple[int, int, int], bool] | None = None

    def loading(self) -> bool:
        try:
            status = self.path.stat()
        except OSError:
            return False
        key = (status.st_ino, status.st_mtime_ns, status.st_size)
        cached = self._cached
        if cached is not None and cached[0] == key:
            return cached[1]
        state = read_state(self.path)
        loading = bool(state.get("loading")) if state is not None else False
        self._cached = (key, loading)
        return loading

    def wait(self, deadline: float) -> bool:
        """Wait while the engine loads; False if it still loads at ``deadline``."""
        while self.loading():
            if time.monotonic() + self.poll_interval >= deadline:
                return False
            time.sleep(self.poll_interval)
        return True
