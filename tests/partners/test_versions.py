"""The version store: durable prepare/commit, pruning, recovery after kill -9, concurrency."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kringloop.errors import BadRequestError, ConfigurationError, NotFoundError
from kringloop.graphstore.versions import VersionConflictError, VersionStore, graph_key

GRAPH = "https://w3id.org/kringloop/id/graaf/partner-cirkelregio-utrecht"
OTHER = "https://data.example.org/graaf/andere"


def content(label: str, triples: int = 3) -> bytes:
    label_iri = "<http://www.w3.org/2000/01/rdf-schema#label>"
    return "".join(
        f'<https://data.example.org/id/{label}/{n}> {label_iri} "{label} {n}" .\n'
        for n in range(triples)
    ).encode()


def write(store: VersionStore, graph: str, data: bytes, action: str = "put") -> int:
    with store.lock(graph):
        version = store.prepare(
            graph, data, action=action, agent="cirkelregio-utrecht", triples=data.count(b"\n")
        )
        store.commit(version)
    return version.number


def test_commit_makes_a_version_current_and_readable(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    assert store.graphs() == [] and store.current(GRAPH) is None and store.versions(GRAPH) == []
    first = content("een")
    with store.lock(GRAPH):
        version = store.prepare(GRAPH, first, action="put", agent="cirkelregio-utrecht", triples=3)
        assert store.current(GRAPH) is None  # prepared, not yet current
        assert store.versions(GRAPH) == []
        assert store.prepared(GRAPH, version.number) == version
        assert store.read(GRAPH, version.number) == first  # the writer may read it back
        store.commit(version)
    assert version.number == 1 and version.bytes == len(first) and version.triples == 3
    assert version.sha256 == hashlib.sha256(first).hexdigest()
    assert store.current(GRAPH) == version
    assert store.prepared(GRAPH, 1) is None
    assert store.graphs() == [GRAPH]
    assert store.read(GRAPH, 1) == first
    assert (tmp_path / graph_key(GRAPH) / "current").read_text() == "1\n"
    record = json.loads((tmp_path / graph_key(GRAPH) / "v1.json").read_text())
    assert record["graph"] == GRAPH and record["agent"] == "cirkelregio-utrecht"
    # a new store object over the same folder (another process, a restart) sees the same
    assert VersionStore(tmp_path).current(GRAPH) == version


def test_versions_are_listed_newest_first_and_pruned_beyond_keep(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, keep=3)
    bodies = {write(store, GRAPH, content(f"v{n}")): content(f"v{n}") for n in range(1, 6)}
    assert sorted(bodies) == [1, 2, 3, 4, 5]
    assert [version.number for version in store.versions(GRAPH)] == [5, 4, 3]
    for number in (5, 4, 3):
        assert store.read(GRAPH, number) == bodies[number]
    for number in (1, 2):
        with pytest.raises(NotFoundError):
            store.read(GRAPH, number)
    assert sorted(path.name for path in (tmp_path / graph_key(GRAPH)).glob("v*")) == [
        "v3.json", "v3.nt", "v4.json", "v4.nt", "v5.json", "v5.nt",
    ]  # fmt: skip
    only = VersionStore(tmp_path / "one", keep=1)
    write(only, GRAPH, content("a"))
    write(only, GRAPH, content("b"))
    assert [version.number for version in only.versions(GRAPH)] == [2]  # the current stays


def test_a_deletion_is_a_version_and_hides_the_graph(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    write(store, GRAPH, content("a"))
    write(store, OTHER, content("b"))
    assert store.graphs() == sorted([GRAPH, OTHER])
    write(store, GRAPH, b"", action="delete")
    assert store.graphs() == [OTHER]
    current = store.current(GRAPH)
    assert current is not None and current.action == "delete" and current.triples == 0
    assert [version.action for version in store.versions(GRAPH)] == ["delete", "put"]
    with store.lock(GRAPH):
        restored = store.prepare(
            GRAPH, store.read(GRAPH, 1), action="restore", agent="admin", triples=3, restored_from=1
        )
        store.commit(restored)
    assert store.graphs() == sorted([GRAPH, OTHER])
    assert store.current(GRAPH) == restored and restored.restored_from == 1


def test_abandon_removes_a_prepared_version_only(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    write(store, GRAPH, content("a"))
    with store.lock(GRAPH):
        version = store.prepare(GRAPH, content("b"), action="post", agent="x", triples=3)
        store.abandon(version)
    assert store.prepared(GRAPH, version.number) is None
    assert not (tmp_path / graph_key(GRAPH) / f"v{version.number}.nt").exists()
    current = store.current(GRAPH)
    assert current is not None
    store.abandon(current)  # never removes the current version
    assert store.read(GRAPH, current.number) == content("a")


def test_commits_out_of_order_are_refused_and_a_repeat_is_harmless(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    older = store.prepare(GRAPH, content("a"), action="put", agent="x", triples=3)
    newer = store.prepare(GRAPH, content("b"), action="put", agent="x", triples=3)
    store.commit(newer)
    with pytest.raises(VersionConflictError, match="not newer"):
        store.commit(older)
    store.commit(newer)  # committing the current version again changes nothing
    assert store.current(GRAPH) == newer


def test_bad_arguments_and_corruption_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="at least 1"):
        VersionStore(tmp_path, keep=0)
    store = VersionStore(tmp_path)
    with pytest.raises(BadRequestError, match="unknown version action"):
        store.prepare(GRAPH, b"", action="overwrite", agent="x", triples=0)
    with pytest.raises(NotFoundError):
        store.read(GRAPH, 1)
    write(store, GRAPH, content("a"))
    (tmp_path / graph_key(GRAPH) / "v1.nt").write_bytes(content("tampered"))
    with pytest.raises(ConfigurationError, match="corrupt"):
        store.read(GRAPH, 1)


def test_recover_removes_what_was_prepared_but_not_committed(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    write(store, GRAPH, content("a"))
    prepared = store.prepare(GRAPH, content("b"), action="put", agent="x", triples=3)
    folder = tmp_path / graph_key(GRAPH)
    (folder / "v3.nt").write_bytes(b"half")  # a crash before its record was written
    (folder / ".v4.json.abc.tmp").write_bytes(b"{")
    first_only = store.prepare(OTHER, content("c"), action="put", agent="x", triples=3)
    assert store.recover() == sorted([prepared, first_only], key=lambda v: graph_key(v.graph))
    assert sorted(path.name for path in folder.iterdir()) == ["current", "lock", "v1.json", "v1.nt"]
    assert store.current(GRAPH) is not None and store.current(OTHER) is None
    assert store.graphs() == [GRAPH]
    assert write(store, GRAPH, content("d")) == 2  # numbering continues from the current
    assert store.recover() == []


CHILD = """
import sys, time
from pathlib import Path
from kringloop.graphstore.versions import VersionStore
store = VersionStore(Path(sys.argv[1]))
graph = sys.argv[2]
with store.lock(graph):
    version = store.prepare(graph, b"<urn:x:b> <urn:x:p> <urn:x:o> .\\n", action="put",
                            agent="x", triples=1)
    print(version.number, flush=True)
    time.sleep(600)  # killed here, between prepare and commit
    store.commit(version)
"""


def test_kill_9_between_prepare_and_commit_keeps_the_previous_version(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    write(store, GRAPH, content("a"))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path), GRAPH], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        number = int(child.stdout.readline())
        assert number == 2 and (tmp_path / graph_key(GRAPH) / "v2.nt").exists()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    # the dead child's flock was released by the kernel: recovery does not block
    [dropped] = VersionStore(tmp_path).recover()
    assert dropped.number == 2
    current = store.current(GRAPH)
    assert current is not None and current.number == 1
    assert store.read(GRAPH, 1) == content("a")
    assert [version.number for version in store.versions(GRAPH)] == [1]
    assert write(store, GRAPH, content("c")) == 2


WRITER = """
import sys
from pathlib import Path
from kringloop.graphstore.versions import VersionStore
store = VersionStore(Path(sys.argv[1]), keep=1000)
graph, name = sys.argv[2], sys.argv[3]
for n in range(int(sys.argv[4])):
    label = f"{name}-{n}"
    data = "".join(f'<urn:x:{label}/{i}> <urn:x:p> "{label}" .\\n' for i in range(50)).encode()
    with store.lock(graph):
        version = store.prepare(graph, data, action="put", agent=name, triples=50)
        store.commit(version)
    print(version.number, label, flush=True)
"""


def body(label: str) -> bytes:
    return "".join(f'<urn:x:{label}/{i}> <urn:x:p> "{label}" .\n' for i in range(50)).encode()


def test_twenty_threads_and_two_processes_commit_complete_versions(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, keep=1000)
    committed: dict[int, str] = {}
    guard = threading.Lock()
    errors: list[BaseException] = []

    def thread_writer(index: int) -> None:
        try:
            for n in range(3):
                label = f"thread{index}-{n}"
                with store.lock(GRAPH):
                    version = store.prepare(
                        GRAPH, body(label), action="put", agent=f"t{index}", triples=50
                    )
                    store.commit(version)
                with guard:
                    committed[version.number] = label
        except BaseException as error:
            errors.append(error)

    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), GRAPH, f"proc{index}", "10"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    threads = [threading.Thread(target=thread_writer, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for process in processes:
        out, _ = process.communicate(timeout=300)
        assert process.returncode == 0
        for line in out.splitlines():
            number, label = line.split()
            committed[int(number)] = label
    assert not errors, errors
    assert len(committed) == 20 * 3 + 2 * 10  # every commit got its own number
    assert sorted(committed) == list(range(1, len(committed) + 1))
    for number, label in committed.items():
        assert store.read(GRAPH, number) == body(label)
    current = store.current(GRAPH)
    assert current is not None and current.number in committed
    assert current.number == max(committed)  # the last commit under the lock wins
    assert store.recover() == []
