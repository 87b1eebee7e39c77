"""``kringloop serve``'s process layout: engine, loading, web workers, clean shutdown.

The ``kringloop serve`` process is the supervisor. With no engine configured it starts
``oxigraph serve`` on a free loopback port (see :mod:`kringloop.store.managed`), which a
thread restarts whenever it dies. After every start of the engine it puts the bundled
graphs (from the files) and every stored graph (from the version store) into it, then
(the first time) starts gunicorn (one worker, threads: metrics and the crash guard stay in
one process) with the engine's URLs in the worker's environment. SIGTERM or SIGINT stop
gunicorn, then the engine; children also die with the supervisor if it is killed.
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

from kringloop import create_app
from kringloop.errors import ConfigurationError
from kringloop.harvest import HarvestScheduler
from kringloop.logs import get_logger
from kringloop.services import build_writer
from kringloop.settings import Settings
from kringloop.store.engine import EngineClient
from kringloop.store.loading import load_bundled
from kringloop.store.managed import ManagedEngine, find_binary, spawn
from kringloop.store.remote import EngineEndpoints

_log = get_logger("serve")


class Supervisor:
    """Runs the whole service until told to stop."""

    def __init__(self, settings: Settings, *, out: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.engine: ManagedEngine | None = None
        self.web: subprocess.Popen[bytes] | None = None
        self.harvester: HarvestScheduler | None = None
        self._stop = threading.Event()
        self._out = out or _print

    # -- start-up ------------------------------------------------------------------------

    def start_engine(self) -> Settings:
        """Start (managed) or locate (external) the engine, load it; the workers' settings.

        A managed engine is loaded by its loader after every start (the first, and each
        restart after a crash), so one that keeps its data in memory loses nothing.
        """
        settings = self.settings
        started = time.monotonic()
        if settings.managed:
            self.engine = ManagedEngine(
                binary=find_binary(settings.engine_binary),
                data_dir=settings.data_path(),
                host="127.0.0.1",
                port=settings.engine_port,
                timeout_s=settings.query_deadline,
                in_memory=settings.engine_store == "memory",
                memory_limit_mib=settings.engine_memory_limit,
            )
            endpoints = self.engine.endpoints
            self.engine.loader = lambda: self.load_engine(endpoints)
            self.engine.start(wait=settings.engine_start_timeout)
            self.engine.supervise()
            state_file = str(self.engine.state_file)
        else:
            found = EngineEndpoints.from_settings(settings)
            assert found is not None
            endpoints = found
            state_file = ""
            client = EngineClient(endpoints)
            if not client.wait_reachable(time.monotonic() + settings.engine_start_timeout):
                raise ConfigurationError(f"the engine at {endpoints.query_url} is not reachable")
            client.close()
            self.load_engine(endpoints)
        _log.info(
            "engine ready",
            extra={
                "query_url": endpoints.query_url,
                "managed": settings.managed,
                "ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return dataclasses.replace(
            settings,
            engine_query_url=endpoints.query_url,
            engine_update_url=endpoints.update_url,
            engine_graph_store_url=endpoints.graph_store_url,
            engine_username=endpoints.username,
            engine_password=endpoints.password,
            engine_state_file=state_file,
            load_bundled=False,
        )

    def load_engine(self, endpoints: EngineEndpoints) -> None:
        """Fill the engine: the bundled graphs from their files, then every stored graph."""
        settings = self.settings
        client = EngineClient(endpoints)
        try:
            if settings.load_bundled and endpoints.graph_store_url:
                load_bundled(client, timeout=max(settings.engine_start_timeout, 30.0))
            elif settings.load_bundled:
                _log.warning(
                    "no graph store URL: the bundled graphs are not loaded into the engine"
                )
            if endpoints.graph_store_url:
                # Stored graphs: finish or drop interrupted writes, then the engine gets the
                # current version of every graph (a stored version wins over bundled files).
                writer = build_writer(settings, client)
                writer.recover()
                writer.sync_engine()
        finally:
            client.close()

    def gunicorn_command(self, settings: Settings) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--worker-class",
            "kringloop.webworker.BufferingThreadWorker",
            "--workers",
            "1",
            "--threads",
            str(settings.threads),
            "--bind",
            f"{settings.host}:{settings.port}",
            "--timeout",
            str(int(max(30.0, settings.query_deadline * 3))),
            "--graceful-timeout",
            "5",
            "--keep-alive",
            "5",
            # gunicorn's largest bounded request line (its default is 4094): a GET query of
            # up to ~8 KB URL-encoded; longer queries are POSTed (as the query page does).
            "--limit-request-line",
            "8190",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
            "kringloop:create_app()",
        ]

    # -- running ---------------------------------------------------------------------------

    def run(self) -> int:
        """Start everything, serve until SIGTERM/SIGINT, stop everything; the exit code."""
        self._install_signal_handlers()
        started = time.monotonic()
        try:
            worker_settings = self.start_engine()
            # Build the application once here: a broken setting or curated query stops
            # start-up with its own message instead of a worker that fails to boot.
            create_app(worker_settings)
            environment = {**os.environ, **worker_settings.to_environment()}
            self.web = spawn(self.gunicorn_command(worker_settings), None, environment)
            self._wait_for_web(self.settings.engine_start_timeout + 10.0)
            if worker_settings.harvest_interval > 0:
                self.harvester = HarvestScheduler(worker_settings)
                self.harvester.start()
            self._out(
                f"Kringloop serves the agenda at http://{_url_host(self.settings.host)}:"
                f"{self.settings.port}/sparql "
                f"(started in {time.monotonic() - started:.2f} s; Ctrl-C stops)"
            )
            while not self._stop.wait(0.2):
                if self.web.poll() is not None:
                    _log.error("the web server exited", extra={"code": self.web.returncode})
                    return 2
            return 0
        finally:
            self.stop()

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self) -> None:
        """Stop the harvests, the web server, then the engine (idempotent)."""
        harvester, self.harvester = self.harvester, None
        if harvester is not None:
            harvester.stop()
        web, self.web = self.web, None
        if web is not None and web.poll() is None:
            web.terminate()
            try:
                web.wait(10)
            except subprocess.TimeoutExpired:
                web.kill()
                web.wait()
        engine, self.engine = self.engine, None
        if engine is not None:
            engine.stop()

    def _wait_for_web(self, wait: float) -> None:
        """Wait until the worker answers ``/-/health`` (any status: it is up)."""
        deadline = time.monotonic() + wait
        while True:
            if self.web is None or self.web.poll() is not None:
                raise ConfigurationError(
                    f"the web server exited at start; is port {self.settings.port} free?"
                )
            connection = http.client.HTTPConnection(
                self.settings.host, self.settings.port, timeout=2
            )
            try:
                connection.request("GET", "/-/health")
                connection.getresponse().read()
                return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            if self._stop.is_set():
                raise ConfigurationError("stopped during start-up")
            if time.monotonic() > deadline:
                raise ConfigurationError(f"the web server did not start within {wait:g} s")
            time.sleep(0.02)

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def handle(signum: int, frame: FrameType | None) -> None:
            del frame
            _log.info("stopping", extra={"signal": signal.Signals(signum).name})
            self._stop.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _print(text: str) -> None:
    print(text, flush=True)
