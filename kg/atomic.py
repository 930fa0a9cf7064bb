"""Atomic file writes and the corpus lock.

A crash or Ctrl-C during ``kg build`` must never leave a half-written file where a
good one was: we write a temp file in the same directory (same filesystem, so the
rename is atomic), fsync it, ``os.replace`` it over the target, then fsync the
directory so the rename itself survives a power loss.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from typing import IO
from pathlib import Path

from kg.errors import CaseKGError

LOCK_NAME = ".kg.lock"


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # some filesystems/platforms do not allow opening directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file handle whose content replaces ``path`` only when the block ends without
    an exception: readers see either the old or the new file, never a mix. For streamed
    writes (dumps, gzip) as well as small ones."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # Keep the permissions of the file being replaced (mkstemp creates 0600).
        try:
            os.chmod(tmp_name, target.stat().st_mode & 0o7777)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(target.parent)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers see either the old or the new file, never a mix."""
    with atomic_writer(path) as fh:
        fh.write(data)


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Text version of :func:`write_bytes_atomic`; no newline translation, so bytes are exact."""
    write_bytes_atomic(path, text.encode(encoding))


@contextlib.contextmanager
def corpus_lock(root: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold an exclusive lock on a corpus (or store) directory for the duration of the block.

    Non-blocking: a second ``kg`` process gets an immediate, explained error instead of
    hanging. flock locks die with the process, so a crashed build never leaves a stale lock;
    the pid written into the file is only there to make the message useful.
    """
    root_path = Path(root)
    root_path.mkdir(parents=True, exist_ok=True)
    lock_path = root_path / LOCK_NAME
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise CaseKGError(f"corpus {root_path} is locked by another kg process (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield lock_path
        finally:
            # Clear the pid before unlocking so nobody reads a dead holder's pid.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
