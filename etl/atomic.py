"""Publish a directory atomically, and one ETL run at a time.

`data/clean/` must always be either the complete previous output or the complete new one. The
new output is written to a sibling temporary directory, then exchanged with the old one in a
single renameat2(RENAME_EXCHANGE) call (Linux >= 3.15); elsewhere a rename pair with a marker
file that the next run repairs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class EtlBusy(RuntimeError):
    pass


# Lock files this process holds. A forked worker (etl/engine.py's pool) closes its copies: an
# inherited descriptor would keep the lock after its run was killed, refusing the next run.
_held: set = set()


def _close_inherited_locks() -> None:
    for fh in list(_held):
        fh.close()
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited_locks)


@contextmanager
def run_lock(clean: Path) -> Iterator[None]:
    """Refuse a second concurrent run on the same clean directory, with a clear message."""
    lock_path = clean.parent / f".{clean.name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fh = lock_path.open("a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise EtlBusy(
            f"another ETL run ({holder}) is writing {clean}; wait for it to finish and retry"
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()}")
    fh.flush()
    _held.add(fh)
    try:
        yield
    finally:
        _held.discard(fh)
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _renameat2_exchange(a: Path, b: Path) -> bool:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    res = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if res == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a))


def staging_dir(clean: Path) -> Path:
    """A fresh sibling directory (same filesystem, so the swap is a rename)."""
    clean.parent.mkdir(parents=True, exist_ok=True)
    for old in clean.parent.glob(f".{clean.name}.tmp-*"):
        shutil.rmtree(old, ignore_errors=True)  # left by a killed run
    path = clean.parent / f".{clean.name}.tmp-{os.getpid()}"
    path.mkdir()
    return path


def fsync_tree(path: Path) -> None:
    """Every file and folder under `path` on disk (large sources publish partition folders)."""
    for p in path.iterdir():
        if p.is_dir():
            fsync_tree(p)
            continue
        with p.open("rb") as fh:
            os.fsync(fh.fileno())
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(staging: Path, clean: Path) -> None:
    """Swap `staging` in as `clean`; the old content is removed after the swap."""
    fsync_tree(staging)
    if not clean.exists():
        os.rename(staging, clean)
        return
    if _renameat2_exchange(staging, clean):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous version
        return
    backup = clean.parent / f".{clean.name}.old-{os.getpid()}"
    os.rename(clean, backup)
    os.rename(staging, clean)
    shutil.rmtree(backup, ignore_errors=True)
