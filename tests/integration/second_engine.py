"""Start and stop a second SPARQL engine family on loopback: OpenLink Virtuoso (Debian).

Used by the tests in this folder; also runnable by hand:

    .venv/bin/python tests/integration/second_engine.py   # prints a serve command; Ctrl-C stops

Debian packages Virtuoso Open Source 7.2 (``apt-get install virtuoso-opensource``); it
has no Apache Jena Fuseki (only the Jena library, ``libapache-jena-java``), and PyPI and
npm have no Fuseki either.

The server gets its own database in a temporary directory and listens on 127.0.0.1
only; its ``dba`` password is changed from the well-known default at start. A user
``kringloop`` gets the ``SPARQL_UPDATE`` role, and two endpoints that take HTTP basic
auth are defined for it (Virtuoso's own ``/sparql-auth`` and ``/sparql-graph-crud-auth``
take digest auth only, which Kringloop's engine client does not speak). The public
``/sparql`` stays read-only.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

BINARY = "virtuoso-t"
ISQL = "isql-vt"
PACKAGE = "virtuoso-opensource"
MISSING = f"{BINARY} and {ISQL} are not installed: apt-get install {PACKAGE}"
VSP_DIR = Path("/var/lib/virtuoso-opensource-7/vsp")
USERNAME = "kringloop"
#: Rows Virtuoso returns at most for one SELECT (it cuts silently above, see the docs).
RESULT_SET_MAX_ROWS = 100_000
_PR_SET_PDEATHSIG = 1

_INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
CaseMode                 = 2
DirsAllowed              = ., {dir}
NumberOfBuffers          = 10000
MaxDirtyBuffers          = 6000

[HTTPServer]
ServerPort               = 127.0.0.1:{http_port}
ServerRoot               = {vsp}
MaxClientConnections     = 10
ServerThreads            = 10
MaxKeepAlives            = 10
KeepAliveTimeout         = 10
Charset                  = UTF-8
EnabledGzipContent       = 0

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 60
"""

_SETUP = """\
DB.DBA.USER_CREATE('{user}', '{password}');
GRANT SPARQL_UPDATE TO "{user}";
DB.DBA.VHOST_DEFINE (lhost=>'*ini*', vhost=>'*ini*', lpath=>'/sparql-basic',
  ppath=>'/!sparql/', is_dav=>1, vsp_user=>'dba', opts=>vector('noinherit', 1),
  auth_fn=>'DB.DBA.HP_AUTH_SPARQL_USER', realm=>'SPARQL', sec=>'basic');
DB.DBA.VHOST_DEFINE (lhost=>'*ini*', vhost=>'*ini*', lpath=>'/sparql-graph-crud-basic',
  ppath=>'/!sparql-graph-crud/', is_dav=>1, vsp_user=>'dba',
  opts=>vector('noinherit', 1, 'exec_as_get', 1),
  auth_fn=>'DB.DBA.HP_AUTH_SPARQL_USER', realm=>'SPARQL', sec=>'basic');
USER_SET_PASSWORD('dba', '{dba_password}');
"""


def available() -> bool:
    """Whether the Virtuoso server and its SQL client are installed."""
    return shutil.which(BINARY) is not None and shutil.which(ISQL) is not None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:  # runs in the child before exec
    """SIGTERM to Virtuoso when the process that started it dies (no orphan servers)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class Endpoints:
    """Where Virtuoso speaks each protocol, and the account that may write."""

    root: str
    query_url: str
    update_url: str
    graph_store_url: str
    username: str
    password: str

    def serve_flags(self) -> list[str]:
        """The ``kringloop serve`` options that point it at this engine (not the password);
        SELECT results as SPARQL JSON, since Virtuoso's TSV is not SPARQL TSV."""
        return [
            f"--engine-query-url={self.query_url}",
            f"--engine-update-url={self.update_url}",
            f"--engine-graph-store-url={self.graph_store_url}",
            f"--engine-username={self.username}",
            "--engine-results-format=json",
        ]

    def serve_environment(self) -> dict[str, str]:
        """The password, passed in the environment so that ``ps`` does not show it."""
        return {"KRINGLOOP_ENGINE_PASSWORD": self.password}


class Virtuoso:
    """One Virtuoso server with a fresh database under ``workdir``."""

    def __init__(self, workdir: Path, *, max_rows: int = RESULT_SET_MAX_ROWS) -> None:
        self.workdir = workdir
        self.max_rows = max_rows
        self.sql_port = _free_port()
        self.http_port = _free_port()
        self.password = secrets.token_hex(16)
        self._dba_password = "dba"  # Virtuoso's default until start() changes it
        self.process: subprocess.Popen[bytes] | None = None
        root = f"http://127.0.0.1:{self.http_port}"
        self.endpoints = Endpoints(
            root=root,
            query_url=f"{root}/sparql",
            update_url=f"{root}/sparql-basic",
            graph_store_url=f"{root}/sparql-graph-crud-basic",
            username=USERNAME,
            password=self.password,
        )

    def start(self, timeout: float = 90.0) -> None:
        """Start the server, wait until ``/sparql`` answers, create the account."""
        if not available():
            raise RuntimeError(MISSING)
        self.workdir.mkdir(parents=True, exist_ok=True)
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(
            _INI.format(
                dir=self.workdir,
                sql_port=self.sql_port,
                http_port=self.http_port,
                vsp=VSP_DIR,
                max_rows=self.max_rows,
            ),
            encoding="utf-8",
        )
        with (self.workdir / "stdout.log").open("wb") as log:
            self.process = subprocess.Popen(
                [BINARY, "+foreground", "+configfile", str(ini)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait_http(timeout)
            dba_password = secrets.token_hex(16)
            self._sql(
                _SETUP.format(user=USERNAME, password=self.password, dba_password=dba_password)
            )
            self._dba_password = dba_password
        except BaseException:
            self.stop()
            raise

    def put_graph(self, graph_iri: str, ntriples: bytes) -> int:
        """Replace one graph through the authenticated graph store; the HTTP status."""
        url = self.endpoints.graph_store_url + "?" + urllib.parse.urlencode({"graph": graph_iri})
        token = base64.b64encode(f"{USERNAME}:{self.password}".encode()).decode("ascii")
        request = urllib.request.Request(  # noqa: S310 (loopback)
            url,
            data=ntriples,
            method="PUT",
            headers={"Content-Type": "application/n-triples", "Authorization": f"Basic {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status: int = response.status
                return status
        except urllib.error.HTTPError as error:
            return error.code

    def _wait_http(self, timeout: float) -> None:
        url = self.endpoints.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"virtuoso exited with {self.process.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError(f"virtuoso did not answer within {timeout} s: {self.log()}")

    def _sql(self, script: str) -> None:
        done = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", self._dba_password, f"exec={script}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"virtuoso setup failed: {done.stdout[-800:]} {done.stderr[-800:]}")

    def log(self) -> str:
        """The end of the server's own log and output, for failure messages."""
        parts = []
        for name in ("stdout.log", "virtuoso.log"):
            path = self.workdir / name
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace")[-1500:])
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    if not available():
        print(MISSING, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="virtuoso-") as workdir:
        server = Virtuoso(Path(workdir))
        try:
            server.start()
            environment = server.endpoints.serve_environment()
            assignments = " ".join(f"{name}={value}" for name, value in environment.items())
            flags = " ".join(server.endpoints.serve_flags())
            print(f"{assignments} .venv/bin/kringloop serve {flags}", flush=True)
            while server.process is not None and server.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
