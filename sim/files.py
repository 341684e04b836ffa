"""Files: input files checked before they are opened, output written whole, output folders locked.

**Input.** A scenario names its region files by path, and a path may point
anywhere: at a FIFO (``open()`` would wait for a writer forever), at
``/dev/zero`` (never ends), at a 50 GB file. :func:`input_file` refuses
everything but a regular file of a bounded size *before* it is opened.

**Output.** :func:`atomic_write` writes under a temporary name in the target
folder and renames into place when complete (``os.replace`` is atomic on
one file system), so a reader never sees a half-written file. Files and
folders are created like any normal write: mode 0666 (0777 for folders)
less the umask, so colleagues read them where the umask lets them.

**Folders.** :class:`FolderLock` holds an exclusive ``flock`` on a folder's
lock file while a run or a batch writes into it; a second one refuses at
once with one line instead of mixing its files with the first one's.
:func:`make_folder` creates an output folder or says in one line why not.

What cannot be done as asked raises :class:`Refused`, whose text is the one
line to show (``FILE: why``); callers turn it into their
:class:`~sim.errors.InputError`.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import stat
from pathlib import Path

__all__ = ["atomic_write", "write_json", "input_file", "make_folder", "new_folder", "FolderLock", "LOCK_FILE", "RUN_MANIFEST",
           "os_reason", "Refused"]

#: The lock file in a locked output folder (left in place: removing a lock file races with its next user).
LOCK_FILE = ".sim-lock"
#: Lists the files the last run wrote into its output folder (:mod:`sim.report.outputs`).
RUN_MANIFEST = ".sim-run.json"


class Refused(Exception):
    """A file or folder that cannot be used as asked; ``str()`` is the line to show."""


def os_reason(error: OSError) -> str:
    """A short lower-case reason for an OS error: ``permission denied``, ``read-only file system``."""
    if isinstance(error, PermissionError):
        return "permission denied"
    return (error.strerror or str(error)).lower()


# ---------------------------------------------------------------- input
def input_file(path: Path | str, *, max_bytes: int, what: str = "file") -> int:
    """The size of ``path`` after checking it is a regular file of at most ``max_bytes``.

    Raises :class:`Refused` (``FILE: message``) for a missing file, a
    folder, a pipe, device or socket, an unreadable or too large file.
    """
    name = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise Refused(f"{name}: no such file") from None
    except OSError as error:
        raise Refused(f"{name}: cannot read the file: {os_reason(error)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise Refused(f"{name}: is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"{name}: is not a regular file (a pipe, device or socket); give a {what}")
    if info.st_size > max_bytes:
        raise Refused(f"{name}: is {info.st_size / 2**20:,.1f} MB; a {what} may be at most "
                         f"{max_bytes / 2**20:,.0f} MB")
    if not os.access(path, os.R_OK):
        raise Refused(f"{name}: cannot read the file: permission denied")
    return info.st_size


# ---------------------------------------------------------------- output
def _create_new(folder: Path, prefix: str, suffix: str, *, directory: bool = False) -> Path:
    """A new file (or folder) with a random name in ``folder``, mode from the umask."""
    for _ in range(100):
        path = folder / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            if directory:
                os.mkdir(path, 0o777)
            else:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))


def new_folder(parent: Path, prefix: str) -> Path:
    """A new empty folder with a random name under ``parent`` (mode 0777 less the umask)."""
    return _create_new(Path(parent), prefix, "", directory=True)


class atomic_write:
    """Context manager yielding a temporary path that becomes ``path`` on success.

    The temporary file is ``.NAME.RANDOM.tmp`` in the same folder (with
    ``keep_suffix``, ``.NAME.RANDOM.tmp.SUFFIX``, for writers that choose the
    format by the file name); it is removed if the block fails or if it cannot
    take ``path``'s place (``path`` a folder, say).
    """

    def __init__(self, path: Path, *, keep_suffix: bool = False):
        self.path = Path(path)
        self.suffix = ".tmp" + (self.path.suffix if keep_suffix else "")

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = _create_new(self.path.parent, f".{self.path.name}.", self.suffix)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                os.replace(self.tmp, self.path)
            except OSError:
                self.tmp.unlink(missing_ok=True)
                raise
        else:
            self.tmp.unlink(missing_ok=True)
        return False


def write_json(path: Path, doc: dict) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=2, sort_keys=False, allow_nan=False) + "\n")


def make_folder(path: Path | str, what: str = "output folder") -> Path:
    """Create ``path`` (and its parents) if needed; one clear line if it cannot be a folder."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise Refused(f"{path}: is a file, not a folder; choose another {what}")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise Refused(f"{path}: cannot be a folder: {parent} is a file; choose another {what}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise Refused(f"{path}: cannot create the {what}: {os_reason(error)}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise Refused(f"{path}: cannot write into the {what}: permission denied")
    try:                                # what the permission bits do not say (a read-only or special file system)
        _create_new(path, ".sim-probe-", "").unlink()
    except OSError as error:
        raise Refused(f"{path}: cannot write into the {what}: {os_reason(error)}") from None
    return path


# ---------------------------------------------------------------- locking
_HELD: dict[str, list] = {}   # resolved folder -> [open lock file, depth]


class FolderLock:
    """An exclusive lock on an output folder while ``what`` ("run", "batch") writes into it.

    Held through ``fcntl.flock`` on ``FOLDER/.sim-lock`` and released when the
    process ends, however it ends. Re-entrant within one process. A second
    process raises :class:`Refused`::

        out/m8: another sim run is writing into this folder (process 4711); wait for it or choose another --out
    """

    def __init__(self, folder: Path | str, what: str):
        self.folder = Path(folder)
        self.what = what
        self.key = str(self.folder.resolve())

    def __enter__(self) -> "FolderLock":
        held = _HELD.get(self.key)
        if held is not None:
            held[1] += 1
            return self
        path = self.folder / LOCK_FILE
        try:
            handle = open(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666), "r+")
        except OSError as error:
            raise Refused(f"{self.folder}: cannot lock the folder: {os_reason(error)}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = handle.read().strip()
            handle.close()
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise Refused(f"{self.folder}: another sim {holder or 'process'} is writing into this "
                                 "folder; wait for it to finish or choose another --out") from None
            raise Refused(f"{self.folder}: cannot lock the folder: {os_reason(error)}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{self.what} (process {os.getpid()})\n")
        handle.flush()
        _HELD[self.key] = [handle, 1]
        return self

    def __exit__(self, *exc) -> bool:
        held = _HELD[self.key]
        held[1] -= 1
        if held[1] == 0:
            del _HELD[self.key]
            held[0].close()   # closing the file releases the lock
        return False
