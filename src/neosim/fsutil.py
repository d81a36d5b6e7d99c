"""File-system helpers for run folders: atomic writes (temporary file, fsync, rename), a rename
that never replaces a folder, and the removal of what killed writers leave behind (hidden partial
folders, temporary files). Standard library only."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

#: name of a run folder being built: ``.<final name>.partial-<pid>-<random hex>`` beside it
_PARTIAL = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>[0-9]{1,10})-[0-9a-f]{8}$")
#: all a partial folder can hold (see results.create_run_folder); anything else is not ours
_PARTIAL_CONTENT = frozenset({"figures", "run.json", "config.toml"})
_RENAME_NOREPLACE = 1  # linux/fs.h
_AT_FDCWD = -100


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename the folder ``src`` to ``dst``, failing with ``FileExistsError`` if ``dst`` exists.

    On Linux this is one ``renameat2(..., RENAME_NOREPLACE)`` call: atomic, and it never replaces
    anything. Where that call is missing or the file system does not support the flag, it falls
    back to "check, then ``os.rename``": renaming a folder onto a non-empty folder always fails
    (``ENOTEMPTY``/``EEXIST``), and every neosim run folder is non-empty from the moment it
    appears, so the only thing the fallback could replace is an empty folder someone else created
    in the instant between the check and the rename.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst),
                     _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL):
            if err in (errno.EEXIST, errno.ENOTEMPTY):
                raise FileExistsError(err, os.strerror(err), str(dst))
            raise OSError(err, os.strerror(err), str(dst))
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    try:
        os.rename(src, dst)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(exc.errno, exc.strerror, str(dst)) from None
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _looks_partial(path: Path) -> bool:
    """A real directory holding only what a partial run folder can hold (never a user's folder
    that happens to match the name pattern)."""
    try:
        if path.is_symlink() or not path.is_dir():
            return False
        names = {p.name for p in path.iterdir()}
        figures = path / "figures"
        return names <= _PARTIAL_CONTENT and (not figures.exists() or (
            figures.is_dir() and not figures.is_symlink() and not any(figures.iterdir())))
    except OSError:
        return False


def remove_dead_partials(parent: str | Path) -> list[Path]:
    """Remove half-built run folders in ``parent`` whose building process no longer exists.

    A folder being built is hidden (``.<name>.partial-<pid>-<hex>``) until it is complete, so a
    kill during creation leaves nothing at the final name; the next run in the same parent
    removes such leftovers. A recycled process id only makes a leftover look alive (it stays).
    """
    removed = []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _PARTIAL.match(entry.name)
        if (m and int(m["pid"]) != os.getpid() and not _pid_alive(int(m["pid"]))
                and _looks_partial(entry)):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def remove_temporaries(run_dir: str | Path) -> list[Path]:
    """Delete every temporary file (``.*.tmp-*``) anywhere inside ``run_dir``.

    Only a killed writer leaves them (a failing writer removes its own); call this when resuming
    and before marking a run complete, so a finished folder never holds one.
    """
    stale = sorted(p for p in Path(run_dir).rglob(".*.tmp-*") if p.is_file() or p.is_symlink())
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success fsync it and rename it into place.

    Use this for writers that want a file name (``to_netcdf``, ``savefig``). On an exception the
    temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and durably."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


@contextlib.contextmanager
def folder_lock(path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on the run folder ``path`` while a run or a resume works in it.

    The lock is ``flock`` on the folder itself (no lock file to clean up); the kernel drops it
    when the process ends, however it ends, so a killed run can be resumed at once. A second
    process that asks for it gets one line (``--resume``) instead of both writing the folder.
    """
    import fcntl

    from neosim.errors import InputError

    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError("another neosim process is working in this run folder; resume "
                             "after it ends (or stop it)", file=str(path),
                             field="--resume") from None
        yield
    finally:
        os.close(fd)
