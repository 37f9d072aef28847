"""A run folder committed as one unit: staged, marked complete, swapped in, repaired after a kill.

A run writes many files (GeoPackage, CSV, ``summary.json``, report, ``map.html``) into one folder
``OUT`` (``out/<name>``) and installs a copy of the map elsewhere (``maps/<name>.html``). A kill,
a full disk or a power cut must never leave a mix of two runs, so the folder is committed by
this protocol (``S`` is the staging folder ``<parent>/.<name>.tmp-<token>``, ``token`` is the
process id and a random suffix):

======  ==========================================================================================
step    what happens
======  ==========================================================================================
stage   every file is written into ``S``; each copy to install elsewhere is staged inside ``S``
        too, as a hidden ``.copy-<i>-<file>`` (a hard link to the file, or a copy).
mark    ``S/_complete.json`` is written last: every file with its size, and the copies with
        their destinations. Files and folder are flushed to disk first. **This is the commit
        point**: before it the old outputs stand, after it the new ones are complete and any
        repair rolls forward.
aside   ``OUT`` (the previous outputs, if any) is renamed to ``<parent>/.<name>.old-<token>``.
swap    ``S`` is renamed to ``OUT``.
copies  each staged copy is renamed onto its destination (``os.replace``: atomic; a copy and
        a rename when the destination is on another file system).
clean   the old folder is removed.
======  ==========================================================================================

So at every instant ``OUT`` holds exactly the old outputs or exactly the new ones, except in
two windows that a later run detects and repairs: between *aside* and *swap* ``OUT`` is missing
while a marked ``S`` exists (repair: move ``S`` in); between *swap* and *copies* the map copy is
still the old one while ``OUT``'s marker lists a staged copy that is still in ``OUT`` (repair:
install it). The report links to ``map.html`` inside ``OUT``, never to the copy, so it always
shows the map of its own run.

:func:`repair_folder` runs at the start of every commit to ``OUT`` and, from ``siting run``,
before any computing. Under the folder's lock (``<parent>/.<name>.lock``, held while a run
stages and commits, so nothing another live run is writing is touched) it moves in a marked
staging folder, installs pending copies, puts back an old folder when ``OUT`` is missing and no
complete staging exists (a commit interrupted under the earlier protocol), and removes every
other staging or old folder.

:func:`check_writable` tries the folders before any computing, so that a read-only disk, a
missing permission or a full disk is told at once, in one line naming the folder and the fix.

For tests, ``SITING_COMMIT_PAUSE=<step>`` (``staged``, ``marked``, ``aside``, ``swapped``,
``copied``) makes the process print ``siting: commit paused at <step>`` on stderr and wait
there, so that a test can kill it at that step of the protocol.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from siting._version import __version__
from siting.errors import Msg, OutputError
from siting.outputs.writable import diagnose, is_gdal_error, is_write_error, output_error, probe_folder

__all__ = ["MARKER", "PAUSE_ENV", "STEPS", "check_writable", "repair_folder", "staged_folder"]

logger = logging.getLogger(__name__)

#: The completion marker, written last into a run folder (JSON: files and sizes, copies).
MARKER = "_complete.json"

#: Environment variable that pauses a commit at one of :data:`STEPS` (for kill tests).
PAUSE_ENV = "SITING_COMMIT_PAUSE"

#: The steps of the commit after which a pause can be asked for, in order.
STEPS = ("staged", "marked", "aside", "swapped", "copied")

_LOCK_TIMEOUT_S = 600.0


# ------------------------------------------------------------------------------------------------
# small steps
# ------------------------------------------------------------------------------------------------
def _pause(step: str) -> None:
    """Wait here forever when :data:`PAUSE_ENV` names this step (kill tests)."""
    if os.environ.get(PAUSE_ENV) == step:
        sys.stderr.write(f"siting: commit paused at {step} (pid {os.getpid()})\n")
        sys.stderr.flush()
        while True:  # pragma: no cover - the test kills the process here
            time.sleep(60)


def _lock(out_dir: Path, timeout: float):
    from filelock import FileLock

    return FileLock(str(out_dir.parent / f".{out_dir.name}.lock"), timeout=timeout)


def _siblings(out_dir: Path, kind: str) -> list[Path]:
    """``.<name>.tmp-*`` (kind ``"tmp"``) or ``.<name>.old-*`` folders beside ``out_dir``."""
    prefix = f".{out_dir.name}.{kind}-"
    try:
        return sorted(p for p in out_dir.parent.iterdir() if p.name.startswith(prefix))
    except FileNotFoundError:
        return []


def _remove(p: Path) -> bool:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    if p.exists() or p.is_symlink():
        logger.warning("could not remove %s: remove it by hand", p)
        return False
    return True


def _fsync_tree(folder: Path) -> None:
    """Flush every file of ``folder`` and the folder itself to disk (before the marker)."""
    if os.name != "posix":  # pragma: no cover - Windows flushes on close well enough for us
        return
    for root, _dirs, files in os.walk(folder):
        for f in files:
            fd = os.open(os.path.join(root, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder; the rename order still holds
        pass
    finally:
        os.close(fd)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # no hard links here (FAT, some network shares): a copy
        shutil.copyfile(src, dst)


def _inside(path: Path, folder: Path) -> Path | None:
    """``path`` relative to ``folder`` when it lies inside it, else None."""
    try:
        return path.resolve().relative_to(folder.resolve())
    except ValueError:
        return None


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _install_copies(out_dir: Path) -> list[str]:
    """Rename the copies staged in ``out_dir`` onto their destinations (those still pending)."""
    marker = _read_marker(out_dir)
    done = []
    for c in (marker or {}).get("copies", []):
        staged = out_dir / c["staged"]
        if not staged.exists():
            continue  # installed already
        dest = Path(c["to"])
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(staged, dest)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
            shutil.copyfile(staged, tmp)
            os.replace(tmp, dest)
            staged.unlink()
        done.append(str(dest))
    return done


def remove_stale_temps(folder: Path, prefix: str) -> None:
    """Remove ``<prefix>*-<pid>`` files or folders whose process no longer runs.

    Left by runs killed under the earlier protocol (map temp files beside ``maps/<name>.html``),
    or by a cross-device copy interrupted in :func:`_install_copies`.
    """
    try:
        entries = [p for p in folder.iterdir() if p.name.startswith(prefix)]
    except FileNotFoundError:
        return
    for p in entries:
        try:
            pid = int(p.name.rsplit("-", 1)[1])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # still running: another run writes there
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        logger.info("removing %s left by an interrupted run", p)
        _remove(p)


# ------------------------------------------------------------------------------------------------
# repair
# ------------------------------------------------------------------------------------------------
def _repair_locked(out_dir: Path) -> list[str]:
    """Repair ``out_dir`` (the caller holds its lock); return what was done, one line each."""
    done: list[str] = []

    def say(template: str, arg: object) -> None:
        logger.warning(template, arg)
        done.append(template % arg)

    stagings = _siblings(out_dir, "tmp")
    olds = _siblings(out_dir, "old")
    complete = [s for s in stagings if s.is_dir() and (s / MARKER).is_file()]
    if complete:  # killed after the commit point: roll forward to the newest complete staging
        s = max(complete, key=lambda p: (p / MARKER).stat().st_mtime)
        if out_dir.exists():  # killed before the old folder was set aside
            aside = out_dir.parent / f".{out_dir.name}.old-{s.name.split('.tmp-', 1)[1]}"
            if aside.exists():
                _remove(aside)
            os.rename(out_dir, aside)
            olds.append(aside)
        os.rename(s, out_dir)
        stagings.remove(s)
        say("finished the commit of %s that a killed run left half done (its outputs were complete)", out_dir)
    elif not out_dir.exists() and olds:  # OUT missing, no complete staging: put the old outputs back
        o = max(olds, key=lambda p: p.stat().st_mtime)
        os.rename(o, out_dir)
        olds.remove(o)
        say("restored the previous outputs of %s that a killed run had set aside", out_dir)
    if out_dir.is_dir() and (out_dir / MARKER).is_file():
        for dest in _install_copies(out_dir):
            say("installed %s, the map copy a killed run had not put in place", dest)
    for p in stagings + olds:
        if _remove(p):
            say("removed %s, left by an interrupted run", p.name)
    return done


def _needs_repair(out_dir: Path) -> bool:
    """Whether a commit of ``out_dir`` was interrupted (leftovers beside it, or copies pending)."""
    if not out_dir.parent.is_dir():
        return False
    if _siblings(out_dir, "tmp") or _siblings(out_dir, "old"):
        return True
    marker = _read_marker(out_dir) if out_dir.is_dir() else None
    return any((out_dir / c["staged"]).exists() for c in (marker or {}).get("copies", []))


def repair_folder(out_dir: str | Path, *, wait: float = 0.0) -> list[str]:
    """Finish or undo a commit of ``out_dir`` that a killed run left, and remove its leftovers.

    Parameters
    ----------
    out_dir : str or Path
        The run folder (``out/<name>``).
    wait : float
        Seconds to wait for the folder's lock; when another run holds it (it is writing this
        folder now) nothing is done and that run repairs at its own commit.

    Returns
    -------
    list of str
        One sentence per repair made (also logged as warnings); empty when all was in order.
    """
    from filelock import Timeout

    out_dir = Path(out_dir)
    if not _needs_repair(out_dir):
        return []  # the common case: no lock taken, nothing written
    try:
        with _lock(out_dir, wait):
            return _repair_locked(out_dir)
    except Timeout:
        logger.info("another run is writing %s: it will repair the folder itself", out_dir)
        return []


# ------------------------------------------------------------------------------------------------
# checks before computing
# ------------------------------------------------------------------------------------------------
def _not_ours(out_dir: Path, accept: Iterable[str], hint: str) -> OutputError | None:
    """Why ``out_dir`` may not be replaced, or None when it is siting's (or absent or empty)."""
    if not out_dir.exists():
        return None
    if not out_dir.is_dir():
        return OutputError(Msg("{out_dir} is a file, not a folder: choose another output folder ({hint})", out_dir=out_dir, hint=hint))
    names = {p.name for p in out_dir.iterdir()}
    if not names or MARKER in names or any(a in names for a in accept):
        return None
    return OutputError(
        Msg("{out_dir} exists and was not written by siting (no {MARKER} in it), and siting replaces its output "
            "folder as a whole: choose a new folder ({hint}), or empty this one",
            out_dir=out_dir,
            MARKER=MARKER,
            hint=hint))


def check_writable(
    out_dir: str | Path,
    copies: Iterable[str | Path] = (),
    *,
    out_hint: str = "--out",
    copy_hint: str = "--map",
    accept: Iterable[str] = ("summary.json",),
) -> None:
    """Check, before any computing, that ``out_dir`` and the copies' folders can be written.

    Creates the folders when missing, writes and removes a small probe file in each, repairs an
    interrupted commit of ``out_dir`` (:func:`repair_folder`), and refuses an existing
    ``out_dir`` that siting did not write (a folder with files but neither :data:`MARKER` nor one
    of ``accept``, e.g. a home folder given as ``--out``).

    Raises
    ------
    OutputError
        One line naming the folder, the cause (no permission, read-only, disk full) and the fix
        (``out_hint`` / ``copy_hint`` name how to choose another place).
    """
    out_dir = Path(out_dir)
    for folder, hint in [(out_dir.parent, out_hint), *((Path(c).parent, copy_hint) for c in copies)]:
        try:
            probe_folder(folder)
        except OSError as exc:
            raise output_error(folder, exc, hint) from exc
    refused = _not_ours(out_dir, accept, out_hint)
    if refused:
        raise refused
    if out_dir.is_dir() and not os.access(out_dir, os.W_OK | os.X_OK):
        raise output_error(out_dir, PermissionError(errno.EACCES, os.strerror(errno.EACCES)), out_hint)
    for c in copies:
        c = Path(c)
        if c.is_dir():
            raise OutputError(Msg("{c} is a folder: give a file name for the map ({copy_hint})", c=c, copy_hint=copy_hint))
    try:
        repair_folder(out_dir)
    except OSError as exc:
        raise output_error(out_dir.parent, exc, out_hint) from exc


# ------------------------------------------------------------------------------------------------
# the commit
# ------------------------------------------------------------------------------------------------
def _stage_copies(stage: Path, out_dir: Path, copies: Mapping[str, Path]) -> list[dict[str, str]]:
    pending = []
    for i, (src_rel, dest) in enumerate(copies.items()):
        src = stage / src_rel
        if not src.is_file():
            raise FileNotFoundError(errno.ENOENT, f"the staged folder has no {src_rel} to copy", str(src))
        rel = _inside(dest, out_dir)
        if rel is not None:  # the "copy" lies inside the run folder: put it there now
            if rel.as_posix() != Path(src_rel).as_posix():
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                _link_or_copy(src, stage / rel)
            continue
        dest = dest.absolute()
        dest.parent.mkdir(parents=True, exist_ok=True)
        staged = stage / f".copy-{i}-{dest.name}"
        _link_or_copy(src, staged)
        pending.append({"from": Path(src_rel).as_posix(), "staged": staged.name, "to": str(dest)})
    return pending


def _write_marker(stage: Path, pending: list[dict[str, str]]) -> None:
    files = {}
    for root, _dirs, names in os.walk(stage):
        for n in names:
            p = Path(root) / n
            rel = p.relative_to(stage).as_posix()
            if not rel.startswith(".copy-"):
                files[rel] = p.stat().st_size
    body = {
        "format": 1,
        "written_by": f"siting {__version__}",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "pid": os.getpid(),
        "files": dict(sorted(files.items())),
        "copies": pending,
    }
    _fsync_tree(stage)
    tmp = stage / f".{MARKER}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, stage / MARKER)
    _fsync_dir(stage)


def _where(exc: BaseException, parent: Path, dests: Iterable[Path]) -> Path:
    """The folder a write error happened in: a copy's folder when the failing file is there."""
    name = getattr(exc, "filename", None)
    if name:
        for d in dests:
            if _inside(Path(name), d.parent) is not None and _inside(Path(name), parent) is None:
                return d.parent
    return parent


@contextlib.contextmanager
def staged_folder(
    out_dir: str | Path,
    *,
    copies: Mapping[str, str | Path] | None = None,
    hint: str = "--out",
    accept: Iterable[str] = ("summary.json",),
    lock_timeout: float = _LOCK_TIMEOUT_S,
) -> Iterator[Path]:
    """Write a folder as one unit: yield an empty staging folder, commit it as ``out_dir`` on exit.

    ::

        with staged_folder("out/demo", copies={"map.html": "maps/demo.html"}) as tmp:
            (tmp / "summary.json").write_text(...)
            ...                               # every file of the run goes into tmp

    On a normal exit the folder is committed by the protocol of this module (marker last, then
    the swap, then the copies); on an exception the staging folder is removed and ``out_dir`` is
    left exactly as it was. Write errors (permission, read-only, disk full, also when GDAL
    reports them) become a one-line :class:`OutputError`.

    Parameters
    ----------
    out_dir : str or Path
        The folder to replace (``out/<name>``); its parent is created when missing.
    copies : mapping, optional
        File in the folder (relative path) → a path outside it where a copy is installed in the
        same commit (``{"map.html": "maps/demo.html"}``).
    hint : str
        How the user chooses another place, named in error messages.
    accept : iterable of str
        File names that mark an existing folder (without :data:`MARKER`) as siting's, from
        runs before the marker existed; a non-empty folder without any is refused.
    lock_timeout : float
        Seconds to wait while another run writes the same folder.
    """
    from filelock import Timeout

    out_dir = Path(out_dir)
    dests = {str(k): Path(v) for k, v in (copies or {}).items()}
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock = _lock(out_dir, lock_timeout)
        lock.acquire()
    except Timeout as exc:
        raise OutputError(
            Msg("another siting run is writing {out_dir} (it holds {v1}): wait for it to finish, or write elsewhere "
                "({hint})",
                out_dir=out_dir,
                v1=parent / ('.' + out_dir.name + '.lock'),
                hint=hint)) from exc
    except OSError as exc:
        raise output_error(parent, exc, hint) from exc
    try:
        try:
            _repair_locked(out_dir)
            for d in dests.values():
                remove_stale_temps(d.parent, f".{d.name}.tmp-")
        except OSError as exc:
            raise output_error(parent, exc, hint) from exc
        refused = _not_ours(out_dir, accept, hint)
        if refused:
            raise refused
        token = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
        stage = parent / f".{out_dir.name}.tmp-{token}"
        try:
            stage.mkdir()
            yield stage
            _pause("staged")
            pending = _stage_copies(stage, out_dir, dests)
            _write_marker(stage, pending)
        except BaseException as exc:
            _remove(stage)
            if is_write_error(exc):
                raise output_error(_where(exc, parent, dests.values()), exc, hint) from exc
            cause = diagnose(parent) if is_gdal_error(exc) else None
            if cause is not None:  # GDAL failed to write because the disk or a limit refused
                raise output_error(parent, cause, hint) from exc
            raise
        # the commit point is behind us: the new outputs are complete
        _pause("marked")
        aside = parent / f".{out_dir.name}.old-{token}"
        try:
            if out_dir.exists():
                os.rename(out_dir, aside)
            _pause("aside")
            os.rename(stage, out_dir)
            _pause("swapped")
            _install_copies(out_dir)
            _pause("copied")
        except OSError as exc:
            err = output_error(parent, exc, hint)
            raise OutputError(Msg("{err} (the new outputs are complete: the next run to this folder finishes putting them in place)",
                                  err=err)) from exc
        if aside.exists():
            _remove(aside)
    finally:
        lock.release()
