"""Durable files: atomic replacement that survives a crash, and a cross-process lock.

:func:`atomic_write` writes a temporary file in the target's directory, flushes and
fsyncs it, renames it over the target and fsyncs the directory, so after a crash the
target holds either the old or the new content, never a mix. :class:`FileLock` is an
exclusive ``fcntl.flock`` on a lock file, re-entrant within one thread, that serialises
threads of one process and separate processes alike.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
from pathlib import Path
from types import TracebackType


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` by ``data`` atomically and durably, with permission bits ``mode``."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    temporary_path = Path(temporary)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary_path.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary_path.unlink()
        raise
    fsync_directory(directory)


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (it must not exist) with ``data``, fsynced with its directory.

    A failure (a full disk) removes the file again: no half-written file is left.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
    fsync_directory(path.parent)


def remove_durably(paths: list[Path]) -> None:
    """Delete the files that exist among ``paths`` and fsync their directories."""
    directories = set()
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            directories.add(path.parent)
    for directory in directories:
        fsync_directory(directory)


class FileLock:
    """An exclusive lock on ``path`` across processes (``flock``) and threads.

    Re-entrant in the thread that holds it; the lock file is created when missing and
    never removed (removing it would let two holders lock two different files).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        try:
            if self._depth == 0:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                except BaseException:
                    os.close(fd)
                    raise
                self._fd = fd
            self._depth += 1
        except BaseException:
            self._thread_lock.release()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._depth -= 1
            if self._depth == 0 and self._fd is not None:
                fd, self._fd = self._fd, None
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)
        finally:
            self._thread_lock.release()


_LOCKS: dict[Path, FileLock] = {}
_LOCKS_GUARD = threading.Lock()


def file_lock(path: Path) -> FileLock:
    """The process-wide :class:`FileLock` of ``path`` (one object per resolved path)."""
    key = path.resolve()
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = FileLock(key)
        return lock
