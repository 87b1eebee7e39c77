"""A full disk during a write: 507 problem+json, nothing partial, and the same write works
once there is room again; a restart on that data directory recovers cleanly.

The service's data directory is a small tmpfs mounted in a private mount namespace
(``unshare --mount``, as root), held open by a ``sleep`` process; ``kringloop serve``
runs in that namespace (``nsenter``), and the test reaches the files through
``/proc/<holder>/root``. The disk is filled with one-page files, then exactly as many
pages are freed as let a write get to the step that must fail: none (the version's
content), the content's pages (its record), the content and record (the journal).
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from kringloop.graphstore.writes import serialize
from tests.faults.faultkit import (
    TURTLE,
    Acknowledged,
    check_graph,
    partner_body,
    stored_hash,
    version_files,
)
from tests.graphstore.gskit import CIRKELREGIO, Partners, canonical, register_partners
from tests.service.servicekit import (
    Service,
    clean_environment,
    free_port,
    http,
    wait_for_http,
)

PAGE = os.sysconf("SC_PAGE_SIZE")
SIZE = "8m"


@dataclass
class Namespace:
    """A private mount namespace with a tmpfs at ``mount``, held by ``holder``."""

    holder: subprocess.Popen[bytes]
    mount: Path

    def outside(self, path: Path) -> Path:
        """Where the test reaches a path of the namespace."""
        return Path(f"/proc/{self.holder.pid}/root{path}")

    @property
    def data_dir(self) -> Path:
        return self.outside(self.mount)


@pytest.fixture
def namespace(tmp_path: Path) -> Iterator[Namespace]:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("nsenter"):
        pytest.skip("needs root with unshare and nsenter for a private tmpfs mount")
    mount = tmp_path / "var"
    mount.mkdir()
    script = (
        f"mount -t tmpfs -o size={SIZE},mode=0755 tmpfs '{mount}' && echo mounted && exec sleep 600"
    )
    holder = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert holder.stdout is not None
    if holder.stdout.readline().strip() != b"mounted":
        holder.kill()
        _out, error = holder.communicate(10)
        pytest.skip(f"mounting a tmpfs in a private namespace was refused: {error.decode()[:300]}")
    try:
        yield Namespace(holder, mount)
    finally:
        holder.kill()
        holder.communicate(10)  # reaps it and closes its pipes


def start_inside(namespace: Namespace, directory: Path) -> Service:
    """``kringloop serve`` in the namespace, its data directory on the tmpfs."""
    port = free_port()
    log = directory / "disk-full.log"
    command = [
        "nsenter",
        f"--mount=/proc/{namespace.holder.pid}/ns/mnt",
        "--",
        sys.executable,
        "-m",
        "kringloop",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(namespace.mount),
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=clean_environment()
        )
    service = Service("disk-full", process, port, log)
    try:
        wait_for_http(f"{service.url}/-/health", process, log)
    except BaseException:
        service.stop()
        raise
    return service


class Filler:
    """Fills the tmpfs with one-page files and frees a given number of pages again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir()
        self.files: list[Path] = []

    def fill(self) -> None:
        page = b"x" * PAGE
        while True:
            path = self.directory / f"f{len(self.files)}"
            try:
                path.write_bytes(page)
            except OSError as error:
                assert error.errno == 28, error  # ENOSPC
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                return
            self.files.append(path)

    def free(self, pages: int) -> None:
        for _ in range(pages):
            self.files.pop().unlink()

    def empty(self) -> None:
        for path in self.files:
            path.unlink()
        self.files.clear()


def put(service: Service, partners: Partners, body: bytes) -> requests.Response:
    return requests.put(
        f"{service.url}/graph-store",
        params={"graph": partners.graph(CIRKELREGIO)},
        data=body,
        headers={"Content-Type": TURTLE, **partners.auth(CIRKELREGIO)},
        timeout=60,
    )


def pages(data: bytes) -> int:
    return max(1, math.ceil(len(data) / PAGE))


@pytest.mark.parametrize("steps", [("content", "journal"), pytest.param(("record",), id="record")])
def test_full_disk_during_a_write(
    namespace: Namespace, tmp_path: Path, steps: tuple[str, ...]
) -> None:
    data_dir = namespace.data_dir
    partners = register_partners(data_dir)
    graph = partners.graph(CIRKELREGIO)
    record = Acknowledged()
    service = start_inside(namespace, tmp_path)
    filler = Filler(data_dir / "filler")
    try:
        first = partner_body(CIRKELREGIO, 1)
        stored = put(service, partners, first)
        assert stored.status_code == 201, stored.text
        record.sent[graph] = [canonical(first, TURTLE)]
        record.acked[graph] = [(stored.json()["version"], canonical(first, TURTLE))]
        for number, step in enumerate(steps, start=2):
            body = partner_body(CIRKELREGIO, number)
            write_on_a_full_disk(service, partners, filler, record, body, step)
    finally:
        service.stop()
    assert service.process.returncode == 0
    # A restart on that data directory recovers cleanly: no stray files, the last write.
    restarted = start_inside(namespace, tmp_path)
    try:
        assert check_graph(restarted, data_dir, graph, record) == record.acked[graph][-1][1]
        names = version_files(data_dir, graph)
        numbers = {int(name[1:].split(".")[0]) for name in names if name.startswith("v")}
        assert all(f"v{n}.json" in names and f"v{n}.nt" in names for n in numbers), names
        assert not [name for name in names if name.endswith(".tmp")]
    finally:
        restarted.stop()


def write_on_a_full_disk(
    service: Service,
    partners: Partners,
    filler: Filler,
    record: Acknowledged,
    body: bytes,
    step: str,
) -> None:
    """Fill the disk so that a PUT of ``body`` fails at ``step``: 507 and nothing
    partial; then free it and PUT ``body`` again: stored."""
    data_dir = filler.directory.parent
    graph = partners.graph(CIRKELREGIO)
    before = version_files(data_dir, graph)
    stored_before = stored_hash(data_dir, graph)
    listed = http.get(f"{service.url}/graph-store/versions", params={"graph": graph}).json()
    triples = [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.TURTLE)]
    content_pages = pages(serialize(triples))
    filler.fill()
    filler.free({"content": 0, "record": content_pages, "journal": content_pages + 1}[step])
    refused = put(service, partners, body)
    assert refused.status_code == 507, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json"
    problem = refused.json()
    assert problem["title"] == "Insufficient storage"
    assert "disk is full" in problem["detail"] and problem["reason"] == "disk-full"
    assert "Traceback" not in service.log.read_text()
    record.sent[graph].append(canonical(body, TURTLE))

    # Nothing partial: no version file beyond those before, `current` unchanged, no
    # journal, the engine unchanged.
    after = version_files(data_dir, graph)
    assert sorted(set(after) - set(before)) == [], f"{step}: a half-written version is left"
    assert stored_hash(data_dir, graph) == stored_before
    assert not list((data_dir / "graphs" / "journal").glob("*.json"))
    again = http.get(f"{service.url}/graph-store/versions", params={"graph": graph}).json()
    assert again == listed
    check_graph(service, data_dir, graph, record)

    # Room again: the same write succeeds.
    filler.empty()
    retried = put(service, partners, body)
    assert retried.status_code == 200, retried.text
    record.acked[graph].append((retried.json()["version"], canonical(body, TURTLE)))
    check_graph(service, data_dir, graph, record)
