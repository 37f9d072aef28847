"""Can the output folders be written, and what a failed write means, in one line with the fix.

Used by :mod:`siting.outputs.commit` and by every command before it computes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from pathlib import Path

from siting.errors import Msg, OutputError, SitingError

__all__ = ["check_folder_writable", "diagnose", "is_gdal_error", "is_write_error", "output_error", "probe_folder"]


# ------------------------------------------------------------------------------------------------
# messages
# ------------------------------------------------------------------------------------------------
_TEXT_CAUSES = (  # GDAL / SQLite report some OS errors as text only
    (re.compile(r"no space left|disk is full|database or disk is full", re.I), errno.ENOSPC),
    (re.compile(r"read-only file system|readonly database|attempt to write a readonly", re.I), errno.EROFS),
    (re.compile(r"permission denied", re.I), errno.EACCES),
)


def _errno_of(exc: BaseException) -> int | None:
    code = getattr(exc, "errno", None)
    if isinstance(code, int):
        return code
    text = str(exc)
    for pattern, c in _TEXT_CAUSES:
        if pattern.search(text):
            return c
    return None


def is_write_error(exc: BaseException) -> bool:
    """True for an OS-level write failure (an ``OSError``, or a GDAL error that reports one)."""
    if isinstance(exc, SitingError):
        return False
    return isinstance(exc, OSError) or _errno_of(exc) in (errno.ENOSPC, errno.EROFS, errno.EACCES)


def is_gdal_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "pyogrio" and isinstance(exc, Exception)


def diagnose(folder: Path) -> OSError | None:
    """Why writes in ``folder`` may fail, found by trying (GDAL often reports only "Failed to
    commit transaction"): a probe write, the free space, the process's file-size limit."""
    try:
        probe_folder(folder)
    except OSError as exc:
        return exc
    try:
        if shutil.disk_usage(folder).free < 16 * 2**20:
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    except OSError:
        pass
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if soft != resource.RLIM_INFINITY:
            return OSError(errno.EFBIG, f"{os.strerror(errno.EFBIG)}: files are limited to {soft:,} bytes")
    except (ImportError, OSError, ValueError):  # pragma: no cover - no resource module on Windows
        pass
    return None


def output_error(folder: str | Path, exc: BaseException, hint: str = "--out") -> OutputError:
    """A one-line :class:`OutputError` for a failed write in ``folder``: the cause and the fix.

    ``hint`` names how the user chooses another place (``"--out, or output.dir in the scenario"``).
    """
    code = _errno_of(exc)
    text = str(exc).strip()
    detail = getattr(exc, "strerror", None) or (text.splitlines()[0] if text else type(exc).__name__)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        why, fix = Msg("the disk is full"), Msg("free some space, or write elsewhere ({hint})", hint=hint)
    elif code == errno.EROFS:
        why, fix = Msg("the file system is read-only"), Msg("write to a writable disk ({hint})", hint=hint)
    elif code in (errno.EACCES, errno.EPERM):
        why, fix = (Msg("no permission to write there"),
                    Msg("choose a folder you may write to ({hint}), or get write access", hint=hint))
    elif code == errno.EFBIG:
        why, fix = (Msg("a file exceeds the size limit"),
                    Msg("raise the file-size limit (ulimit -f), or write elsewhere ({hint})", hint=hint))
    elif code == errno.ENOTDIR:
        why, fix = Msg("a part of the path is a file, not a folder"), Msg("choose another folder ({hint})", hint=hint)
    else:
        why, fix = Msg("the write failed"), Msg("check the folder, or write elsewhere ({hint})", hint=hint)
    return OutputError(Msg("cannot write the outputs in {folder}: {why} ({detail}): {fix}", folder=folder, why=why, detail=detail, fix=fix))


def probe_folder(folder: Path) -> None:
    """Write, flush and remove a small file in ``folder``, or in its nearest existing ancestor
    when it does not exist yet (where it would be created): nothing is left behind."""
    at = folder.absolute()
    while not at.exists() and at.parent != at:
        at = at.parent
    if not at.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(at))
    fd, name = tempfile.mkstemp(prefix=".siting-probe-", dir=at)
    try:
        os.write(fd, b"siting")
        os.fsync(fd)
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(name)


def check_folder_writable(folder: str | Path, hint: str = "--out") -> None:
    """Check, before computing, that files can be written in ``folder`` (created later if missing).

    Raises
    ------
    OutputError
        One line naming the folder, the cause and the fix; nothing is left behind.
    """
    try:
        probe_folder(Path(folder))
    except OSError as exc:
        raise output_error(folder, exc, hint) from exc
