"""``backup`` while a partner keeps writing, ``restore`` into a fresh instance, compare.

The source is a real ``kringloop serve`` (managed Oxigraph) with two partners; a thread
replaces Cirkelregio's graph over and over while the backup runs. The restored instance
must equal the source at one point in time: every graph at the committed version the
manifest names, with the same versions before it, and the partners' tokens still valid.
"""

from __future__ import annotations

import json
import stat
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from kringloop.backup import backup, restore
from kringloop.graphstore.versions import graph_key
from tests.graphstore.gskit import (
    CIRKELREGIO,
    FOODVALLEY,
    TURTLE,
    Partners,
    canonical,
    example,
    graph_hash,
    put,
    register_partners,
    variant,
)
from tests.service.servicekit import Service, start_managed

AGENDA = "https://w3id.org/kringloop/id/graaf/agenda-2021-2022"
KEEP = "1000"  # no version is pruned during the test, so version lists compare whole


@dataclass
class Writer:
    """Replaces one graph until stopped; remembers each committed version's content."""

    service: Service
    partners: Partners
    graph: str
    bodies: dict[int, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    progress: threading.Condition = field(default_factory=threading.Condition)

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            body = variant(example(CIRKELREGIO), number)
            response = put(self.service, self.partners, CIRKELREGIO, self.graph, body)
            if response.status_code not in (200, 201):
                self.errors.append(response.text)
                return
            with self.progress:
                self.bodies[response.json()["version"]] = canonical(body, TURTLE)
                self.progress.notify_all()

    def wait_for(self, writes: int) -> None:
        with self.progress:
            self.progress.wait_for(lambda: len(self.bodies) >= writes or bool(self.errors))
        assert not self.errors, self.errors


@dataclass(frozen=True)
class Restored:
    source: Service
    copy: Service
    partners: Partners
    manifest: dict[str, Any]
    bodies: dict[int, str]
    data_dir: Path


def versions(service: Service, graph: str) -> list[int]:
    response = requests.get(
        f"{service.url}/graph-store/versions", params={"graph": graph}, timeout=10
    )
    assert response.status_code == 200, response.text
    return [entry["version"] for entry in response.json()["versions"]]


@pytest.fixture(scope="module")
def restored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restored]:
    base = tmp_path_factory.mktemp("backup-live")
    partners = register_partners(base / "source" / "var")
    source = start_managed(base / "source", "--graph-versions", KEEP)
    copy: Service | None = None
    try:
        for ref in (CIRKELREGIO, FOODVALLEY):
            response = put(source, partners, ref, partners.graph(ref), example(ref))
            assert response.status_code in (200, 201), response.text
        writer = Writer(source, partners, partners.graph(CIRKELREGIO))
        thread = threading.Thread(target=writer.run, daemon=True)
        thread.start()
        try:
            writer.wait_for(2)
            archive = base / "kringloop.tar.gz"
            summary = backup(base / "source" / "var", archive)
            done = len(writer.bodies)
            writer.wait_for(done + 2)  # the writes went on after the backup
        finally:
            writer.stop.set()
            thread.join(120)
        assert not writer.errors, writer.errors
        assert summary.graphs == 2 and summary.bytes == archive.stat().st_size
        with tarfile.open(archive) as opened:
            member = opened.extractfile("manifest.json")
            assert member is not None
            manifest = json.loads(member.read())
        restore(archive, base / "copy" / "var")
        copy = start_managed(base / "copy", "--graph-versions", KEEP)
        yield Restored(source, copy, partners, manifest, writer.bodies, base / "copy" / "var")
    finally:
        if copy is not None:
            copy.stop()
        source.stop()


def test_restored_graphs_equal_the_source_at_one_point_in_time(restored: Restored) -> None:
    partners, manifest = restored.partners, restored.manifest
    current = {entry["iri"]: entry["current"] for entry in manifest["graphs"]}
    assert set(current) == {partners.graph(CIRKELREGIO), partners.graph(FOODVALLEY)}
    busy = partners.graph(CIRKELREGIO)
    # The busy graph is at the version the manifest names, a committed one, and has
    # exactly the source's versions up to it.
    number = current[busy]
    assert graph_hash(restored.copy, busy) == restored.bodies[number]
    assert max(restored.bodies) > number  # the source moved on after the backup
    assert versions(restored.copy, busy) == [
        v for v in versions(restored.source, busy) if v <= number
    ]
    # The graphs nobody wrote meanwhile are identical, bundled ones included.
    for graph in (partners.graph(FOODVALLEY), AGENDA):
        assert graph_hash(restored.copy, graph) == graph_hash(restored.source, graph) is not None
    quiet = partners.graph(FOODVALLEY)
    assert versions(restored.copy, quiet) == versions(restored.source, quiet) == [current[quiet]]


def test_manifest_hashes_every_file_it_lists(restored: Restored) -> None:
    names = {entry["name"] for entry in restored.manifest["files"]}
    assert {"partners/registry.ttl", "partners/tokens.json"} <= names
    for entry in restored.manifest["graphs"]:
        assert entry["key"] == graph_key(entry["iri"])
        assert f"graphs/{entry['key']}/v{entry['current']}.nt" in names
    assert not any("lock" in name or name.endswith(".log") for name in names)


def test_tokens_still_work_and_stay_private(restored: Restored) -> None:
    tokens = restored.data_dir / "partners" / "tokens.json"
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    partners = restored.partners
    graph = partners.graph(FOODVALLEY)
    response = put(restored.copy, partners, FOODVALLEY, graph, variant(example(FOODVALLEY), 1))
    assert response.status_code == 200, response.text
    refused = requests.put(
        f"{restored.copy.url}/graph-store",
        params={"graph": graph},
        data=example(FOODVALLEY),
        headers={"Content-Type": TURTLE, "Authorization": "Bearer not-a-token"},
        timeout=30,
    )
    assert refused.status_code == 401
    # A partner still may not write another partner's graph on the restored instance.
    foreign = put(restored.copy, partners, FOODVALLEY, partners.graph(CIRKELREGIO), b"")
    assert foreign.status_code == 403
