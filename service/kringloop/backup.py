"""Back up a data directory to one ``.tar.gz`` while the service runs, and restore it.

What is durable and backed up: the partner registry (``partners/registry.ttl``,
``partners/tokens.json`` with its mode 0600, ``partners/status.json``), the version store
(``graphs/<key>/current``, ``v<n>.nt``, ``v<n>.json``) and any journal a crashed writer
left (``graphs/journal/*.json``, rolled forward at the next start). Not backed up: the
engine's files (rebuilt from the bundled files and the version store at start), logs, lock
files and the bundled files (they are in git).

Consistency: the snapshot is read under the registry lock, the harvest status lock and
the locks of ALL graphs at once, taken in IRI order as writers take them. A writer holds
its graphs' locks from prepare to commit (a multi-graph TriG write holds all of them), so
the snapshot is one point in time: every graph is at one of its committed versions, and
no write is half in it. The files are read into memory under the locks (short reads) and
compressed after they are released; the archive is written atomically (tmp, fsync,
rename). ``manifest.json`` (the first member) records when, which kringloop version, every
file's size, mode and SHA-256, and per graph its IRI, key and current version.

Restore verifies the whole archive (every member named in the manifest, a regular file
under an allowed path, with the recorded SHA-256) before it writes anything, extracts into
a staging directory beside the target and only then renames it into place, so a corrupt,
truncated or hostile archive changes nothing. Stop the service before restoring.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import uuid
import zlib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from kringloop.durable import file_lock, fsync_directory
from kringloop.errors import ConfigurationError, KringloopError
from kringloop.graphstore.versions import CURRENT_FILE, KEY_LENGTH, VersionStore, graph_key

MANIFEST = "manifest.json"
FORMAT = "kringloop-backup/1"
_ALLOWED = re.compile(
    r"^(partners/(registry\.ttl|tokens\.json|status\.json)"
    rf"|graphs/[0-9a-f]{{{KEY_LENGTH}}}/(current|v[1-9][0-9]*\.(nt|json))"
    r"|graphs/journal/[0-9a-f]{32}\.json)$"
)
_MODES = frozenset({0o600, 0o644})
_LOCK_ATTEMPTS = 20
_CHUNK = 1 << 20


class BackupError(KringloopError):
    """A backup that cannot be made or restored (bad archive, occupied target)."""

    status = 400
    title = "Backup error"


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    created: str
    graphs: int
    files: int
    bytes: int


@dataclass(frozen=True)
class RestoreSummary:
    data_dir: Path
    created: str
    graphs: int
    files: int
    moved_aside: Path | None


@dataclass(frozen=True)
class _File:
    name: str
    data: bytes
    mode: int


# -- backup ----------------------------------------------------------------------------


def backup(data_dir: Path, out_file: Path) -> BackupSummary:
    """Write a consistent snapshot of ``data_dir`` to ``out_file`` (which must not exist)."""
    if not data_dir.is_dir():
        raise BackupError(f"the data directory {data_dir} does not exist")
    if out_file.exists():
        raise BackupError(f"{out_file} exists; choose another name or remove it first")
    if not out_file.parent.is_dir():
        raise BackupError(f"the directory of {out_file} does not exist")
    created = datetime.now(UTC).replace(microsecond=0)
    files, graphs = _snapshot(data_dir)
    manifest = {
        "format": FORMAT,
        "created": created.isoformat(),
        "kringloop": package_version("kringloop"),
        "graphs": graphs,
        "files": [
            {
                "name": f.name,
                "bytes": len(f.data),
                "mode": f.mode,
                "sha256": hashlib.sha256(f.data).hexdigest(),
            }
            for f in files
        ],
    }
    manifest_bytes = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode()
    _write_archive(out_file, [_File(MANIFEST, manifest_bytes, 0o644), *files], created)
    return BackupSummary(
        path=out_file,
        created=created.isoformat(),
        graphs=len(graphs),
        files=len(files),
        bytes=out_file.stat().st_size,
    )


def _snapshot(data_dir: Path) -> tuple[list[_File], list[dict[str, Any]]]:
    """Every durable file, read under the registry, status and all graph locks at once."""
    partners = data_dir / "partners"
    store = VersionStore(data_dir / "graphs")
    for _attempt in range(_LOCK_ATTEMPTS):
        with ExitStack() as stack:
            stack.enter_context(file_lock(partners / ".lock"))
            stack.enter_context(file_lock(partners / ".status.lock"))
            graphs = _graph_directories(store.root)
            for iri in sorted(graphs):
                stack.enter_context(store.lock(iri))
            # A graph created while we waited for a lock joins the next attempt, so the
            # locks held always cover every graph there is.
            if _graph_directories(store.root) != graphs:
                continue
            files = [_read(partners / name, f"partners/{name}") for name in _PARTNER_FILES]
            entries = []
            for iri, directory in sorted(graphs.items()):
                prefix = f"graphs/{directory.name}/"
                kept = sorted(p for p in directory.iterdir() if _ALLOWED.match(prefix + p.name))
                files.extend(_read(path, prefix + path.name) for path in kept)
                entries.append({"iri": iri, "key": directory.name, "current": _current(directory)})
            journal = store.root / "journal"
            if journal.is_dir():
                files.extend(
                    _read(path, f"graphs/journal/{path.name}")
                    for path in sorted(journal.iterdir())
                    if _ALLOWED.match(f"graphs/journal/{path.name}")
                )
            return [f for f in files if f is not None], entries
    raise BackupError("the graphs kept changing while the backup took its locks; try again")


_PARTNER_FILES = ("registry.ttl", "tokens.json", "status.json")


def _read(path: Path, name: str) -> _File | None:
    """The file, keeping only whether it is private (0600) or not; None when absent."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    mode = 0o600 if path.stat().st_mode & 0o077 == 0 else 0o644
    return _File(name, data, mode)


def _current(directory: Path) -> int:
    try:
        text = (directory / CURRENT_FILE).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return 0
    if not (text.isascii() and text.isdigit()):
        raise ConfigurationError(f"{directory / CURRENT_FILE} is corrupt: {text!r}")
    return int(text)


def _graph_directories(root: Path) -> dict[str, Path]:
    """Graph IRI to directory, for every directory holding at least one version record."""
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    for directory in sorted(root.iterdir()):
        if not directory.is_dir() or len(directory.name) != KEY_LENGTH:
            continue
        for record in sorted(directory.glob("v*.json")):
            try:
                iri = str(json.loads(record.read_bytes())["graph"])
            except FileNotFoundError:
                continue  # pruned meanwhile
            except (ValueError, KeyError, TypeError) as error:
                raise ConfigurationError(f"version record {record} is corrupt: {error}") from error
            if graph_key(iri) != directory.name:
                raise ConfigurationError(f"{record} names a graph that does not belong there")
            found[iri] = directory
            break
    return found


def _write_archive(out_file: Path, files: list[_File], created: datetime) -> None:
    temporary = out_file.with_name(f".{out_file.name}.{uuid.uuid4().hex}.tmp")
    try:
        # 0600: the archive holds the token hashes and every kept version of every graph.
        with os.fdopen(
            os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb"
        ) as raw:
            with (
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=int(created.timestamp())) as packed,
                tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as archive,
            ):
                for f in files:
                    info = tarfile.TarInfo(f.name)
                    info.size, info.mode, info.mtime = len(f.data), f.mode, created.timestamp()
                    archive.addfile(info, io.BytesIO(f.data))
            raw.flush()
            os.fsync(raw.fileno())
        temporary.replace(out_file)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(out_file.parent)


# -- restore ---------------------------------------------------------------------------


def restore(backup_file: Path, data_dir: Path, *, force: bool = False) -> RestoreSummary:
    """Restore ``backup_file`` as ``data_dir``; a non-empty target only with ``force``."""
    if not backup_file.is_file():
        raise BackupError(f"the backup {backup_file} does not exist")
    occupied = data_dir.is_dir() and any(data_dir.iterdir())
    if data_dir.exists() and not data_dir.is_dir():
        raise BackupError(f"{data_dir} exists and is not a directory")
    if occupied and not force:
        raise BackupError(
            f"{data_dir} is not empty; restore into a new directory, or use --force to move "
            "the old one aside (stop the service first)"
        )
    manifest = _verify(backup_file, None)
    staging = data_dir.with_name(f".{data_dir.name}.restore-{uuid.uuid4().hex}")
    try:
        staging.mkdir(parents=True)
        _verify(backup_file, staging)
        moved = None
        if occupied:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            moved = data_dir.with_name(f"{data_dir.name}.before-restore-{stamp}")
            data_dir.rename(moved)
        elif data_dir.is_dir():
            data_dir.rmdir()
        staging.rename(data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_directory(data_dir.parent)
    return RestoreSummary(
        data_dir=data_dir,
        created=str(manifest["created"]),
        graphs=len(manifest["graphs"]),
        files=len(manifest["files"]),
        moved_aside=moved,
    )


def _verify(backup_file: Path, target: Path | None) -> dict[str, Any]:
    """Check every member against the manifest; with ``target``, also write them there."""
    try:
        with tarfile.open(backup_file, mode="r:gz") as archive:
            members = iter(archive)
            manifest = _read_manifest(archive, next(members, None))
            expected = {entry["name"]: entry for entry in manifest["files"]}
            seen: set[str] = set()
            for member in members:
                entry = expected.get(member.name)
                if entry is None or member.name in seen or not member.isreg():
                    raise BackupError(f"unexpected member {member.name[:200]!r}")
                seen.add(member.name)
                handle = archive.extractfile(member)
                assert handle is not None  # a regular file
                _copy_checked(handle, entry, None if target is None else target / member.name)
            if missing := sorted(set(expected) - seen):
                raise BackupError(f"{len(missing)} file(s) are missing, e.g. {missing[0]}")
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BackupError(f"{backup_file} is not a readable backup: {error}") from error
    except BackupError as error:
        raise BackupError(f"{backup_file} is refused, nothing was changed: {error}") from error
    if target is not None:
        for directory in sorted({p.parent for p in target.rglob("*")} | {target}):
            fsync_directory(directory)
    return manifest


def _read_manifest(archive: tarfile.TarFile, member: tarfile.TarInfo | None) -> dict[str, Any]:
    if member is None or member.name != MANIFEST or not member.isreg() or member.size > 1 << 26:
        raise BackupError(f"the first member must be {MANIFEST}")
    handle = archive.extractfile(member)
    assert handle is not None
    try:
        manifest = json.loads(handle.read())
        if manifest["format"] != FORMAT:
            raise BackupError(f"unknown backup format {manifest['format']!r}")
        names = [entry["name"] for entry in manifest["files"]]
        for entry in manifest["files"]:
            if not isinstance(entry["name"], str) or not _ALLOWED.match(entry["name"]):
                raise BackupError(f"a file outside the data layout: {str(entry['name'])[:200]!r}")
            if entry["mode"] not in _MODES or not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]):
                raise BackupError(f"bad mode or hash for {entry['name']}")
        for graph in manifest["graphs"]:
            if graph_key(str(graph["iri"])) != graph["key"]:
                raise BackupError(f"graph <{graph['iri']}> does not match its key")
            number, prefix = int(graph["current"]), f"graphs/{graph['key']}/"
            wanted = {prefix + CURRENT_FILE, f"{prefix}v{number}.nt", f"{prefix}v{number}.json"}
            if number and not wanted <= set(names):
                raise BackupError(f"the current version of <{graph['iri']}> is missing")
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{MANIFEST} is malformed: {error}") from error
    if len(set(names)) != len(names):
        raise BackupError(f"{MANIFEST} names a file twice")
    return dict(manifest)


def _copy_checked(
    handle: io.BufferedReader | Any, entry: dict[str, Any], path: Path | None
) -> None:
    digest = hashlib.sha256()
    size = 0
    with ExitStack() as stack:
        out = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, entry["mode"])
            out = stack.enter_context(os.fdopen(fd, "wb"))
        for chunk in _chunks(handle):
            digest.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
        if digest.hexdigest() != entry["sha256"] or size != entry["bytes"]:
            raise BackupError(f"{entry['name']} does not match its SHA-256 in {MANIFEST}")
        if out is not None:
            out.flush()
            os.fchmod(out.fileno(), entry["mode"])
            os.fsync(out.fileno())


def _chunks(handle: Any) -> Iterator[bytes]:
    while chunk := handle.read(_CHUNK):
        yield chunk
