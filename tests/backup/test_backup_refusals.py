"""``restore`` refuses corrupt, truncated and hostile archives and changes nothing; the CLI.

The data directory is made by the real registry and version store (no service needed).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from kringloop.backup import BackupError, backup, restore
from kringloop.cli import main
from kringloop.graphstore.versions import VersionStore, graph_key
from kringloop.partners.registry import ADMIN, Registry

GRAPH = "https://w3id.org/kringloop/id/graaf/partner-cirkelregio-utrecht"
NT = b'<https://example.org/s> <https://example.org/p> "versie %d" .\n'


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "var"
    registry = Registry.open(directory)
    registry.add("cirkelregio-utrecht", "Cirkelregio Utrecht")
    registry.rotate_token(ADMIN)
    store = VersionStore(directory / "graphs")
    for number in (1, 2, 3):
        store.commit(store.prepare(GRAPH, NT % number, action="put", agent=ADMIN, triples=1))
    return directory


@pytest.fixture
def archive(data_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "backup.tar.gz"
    backup(data_dir, path)
    return path


def tree(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` with its content (the state a refusal must keep)."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def assert_refused(archive: Path, target: Path, message: str) -> None:
    before, siblings = tree(target), sorted(target.parent.iterdir())
    with pytest.raises(BackupError, match=message):
        restore(archive, target, force=True)
    assert tree(target) == before
    assert sorted(target.parent.iterdir()) == siblings  # no staging or moved-aside directory


def repack(archive: Path, out: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> None:
    with tarfile.open(out, "w:gz") as packed:
        for info, data in members:
            packed.addfile(info, None if data is None else io.BytesIO(data))


def members_of(archive: Path) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(archive) as opened:
        found = []
        for info in opened.getmembers():
            handle = opened.extractfile(info)
            found.append((info, None if handle is None else handle.read()))
        return found


def test_round_trip_restores_every_file_and_version(data_dir: Path, archive: Path) -> None:
    target = data_dir.parent / "copy"
    summary = restore(archive, target)
    assert (summary.graphs, summary.moved_aside) == (1, None)
    assert tree(target) == {k: v for k, v in tree(data_dir).items() if "lock" not in k}
    store = VersionStore(target / "graphs")
    assert [v.number for v in store.versions(GRAPH)] == [3, 2, 1]
    assert store.read(GRAPH, 3) == NT % 3
    assert Registry.open(target).get("cirkelregio-utrecht") is not None


def test_the_archive_is_readable_by_its_owner_only(archive: Path) -> None:
    """It holds the token hashes and every kept version: never world-readable."""
    assert archive.stat().st_mode & 0o777 == 0o600


def test_flipped_byte_and_truncation_are_refused(data_dir: Path, archive: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    flipped = archive.with_name("flipped.tar.gz")
    flipped.write_bytes(bytes(data))
    assert_refused(flipped, data_dir, "not a readable backup|SHA-256")
    truncated = archive.with_name("truncated.tar.gz")
    truncated.write_bytes(archive.read_bytes()[: len(data) // 2])
    assert_refused(truncated, data_dir, "not a readable backup")


def test_changed_content_with_valid_compression_is_refused(data_dir: Path, archive: Path) -> None:
    members = members_of(archive)
    name = f"graphs/{graph_key(GRAPH)}/v3.nt"
    changed = [(info, NT % 4 if info.name == name else data) for info, data in members]
    tampered = archive.with_name("tampered.tar.gz")
    repack(archive, tampered, changed)
    assert_refused(tampered, data_dir, "does not match its SHA-256")
    missing = archive.with_name("missing.tar.gz")
    repack(archive, missing, [(i, d) for i, d in members if i.name != name])
    assert_refused(missing, data_dir, "missing")


@pytest.mark.parametrize("name", ["../escaped", "/tmp/kringloop-escaped", "graphs/../../escaped"])
def test_paths_outside_the_data_layout_are_refused(
    data_dir: Path, archive: Path, tmp_path: Path, name: str
) -> None:
    members = members_of(archive)
    manifest = json.loads(members[0][1] or b"")
    payload = b"escaped\n"
    manifest["files"].append(
        {"name": name, "bytes": len(payload), "mode": 0o644, "sha256": _sha(payload)}
    )
    body = json.dumps(manifest).encode()
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    head = tarfile.TarInfo("manifest.json")
    head.size = len(body)
    hostile = tmp_path / "hostile.tar.gz"
    repack(archive, hostile, [(head, body), *members[1:], (info, payload)])
    assert_refused(hostile, data_dir, "outside the data layout")
    assert not (tmp_path / "escaped").exists() and not Path("/tmp/kringloop-escaped").exists()


def test_links_are_refused_even_under_an_allowed_name(data_dir: Path, archive: Path) -> None:
    members = members_of(archive)
    link = tarfile.TarInfo("partners/status.json")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    manifest = json.loads(members[0][1] or b"")
    manifest["files"].append({"name": link.name, "bytes": 0, "mode": 0o644, "sha256": _sha(b"")})
    body = json.dumps(manifest).encode()
    head = tarfile.TarInfo("manifest.json")
    head.size = len(body)
    hostile = archive.with_name("link.tar.gz")
    repack(archive, hostile, [(head, body), *members[1:], (link, None)])
    assert_refused(hostile, data_dir, "unexpected member 'partners/status.json'")


def test_not_a_backup_is_refused(data_dir: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.tar.gz"
    plain.write_bytes(gzip.compress(b"not a tar at all" * 100))
    assert_refused(plain, data_dir, "not a readable backup")


def test_cli_backup_and_restore(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli.tar.gz"
    assert main(["backup", str(out), "--data-dir", str(data_dir)]) == 0
    assert "1 graph(s)" in capsys.readouterr().out
    assert main(["backup", str(out), "--data-dir", str(data_dir)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["restore", str(out), "--data-dir", str(data_dir)]) == 2
    assert "use --force" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "none.tar.gz"), "--data-dir", str(data_dir)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["restore", str(out), "--data-dir", str(data_dir), "--force"]) == 0
    printed = capsys.readouterr().out
    assert "restored 1 graph(s)" in printed and "before-restore" in printed
    aside = next(tmp_path.glob("var.before-restore-*"))
    assert tree(data_dir) == {k: v for k, v in tree(aside).items() if "lock" not in k}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
