"""The run folder and the map copy are one commit (siting.outputs.commit).

The kill tests run the real CLI in a subprocess, pause it at each step of the commit
(``SITING_COMMIT_PAUSE``), SIGKILL it there, and check that the folder holds exactly the old or
exactly the new outputs (or is detectably mid-commit), that the next run repairs it to exactly
one of them, and that no staging or old folder is left.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from _util import ROOT
from siting.cli import main
from siting.errors import OutputError
from siting.outputs import repair_folder, staged_folder
from siting.outputs.commit import MARKER, PAUSE_ENV, STEPS, _needs_repair

SCENARIO = """name = "k"
title = "{title}"
[network]
source = "synthetic:n=300,seed=1"
[demand]
source = "{demand}"
[facilities]
source = "synthetic"
[categories]
use = ["pharmacy"]
[map]
pdf = false
path = "{map}"
[output]
dir = "{out}"
"""


def scenario(tmp: Path, title: str, *, demand: str = "synthetic") -> Path:
    p = tmp / f"{title}.toml"
    p.write_text(SCENARIO.format(title=title, demand=demand, map=(tmp / "maps" / "k.html").as_posix(),
                                 out=(tmp / "out" / "k").as_posix()), encoding="utf-8")
    return p


def snapshot(tmp: Path) -> dict[str, str]:
    """sha256 of every file of the run folder and of the map copy."""
    files = {str(p.relative_to(tmp)): p for p in (tmp / "out" / "k").rglob("*") if p.is_file()}
    files["maps/k.html"] = tmp / "maps" / "k.html"
    return {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in files.items() if p.exists()}


def is_new(tmp: Path, title: str) -> bool:
    """The run folder and the map copy are exactly those of the run titled ``title``."""
    out = tmp / "out" / "k"
    if not (out / MARKER).is_file():
        return False
    marker = json.loads((out / MARKER).read_text())
    present = {p.relative_to(out).as_posix(): p.stat().st_size for p in out.rglob("*") if p.is_file()}
    present.pop(MARKER)
    summary = json.loads((out / "summary.json").read_text())
    report = (out / "report.html").read_text(encoding="utf-8")
    return (present == marker["files"] and summary["title"] == title and f"<h1>{title}</h1>" in report
            and 'href="map.html"' in report and f'"title":"{title}"' in (out / "map.html").read_text(encoding="utf-8")
            and (tmp / "maps" / "k.html").read_bytes() == (out / "map.html").read_bytes())


def leftovers(tmp: Path) -> list[str]:
    found = [p.name for p in (tmp / "out").iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    found += [p.name for p in (tmp / "maps").iterdir() if ".tmp-" in p.name]
    if (tmp / "out" / "k").is_dir():
        found += [p.name for p in (tmp / "out" / "k").iterdir() if p.name.startswith(".copy-")]
    return found


def run_paused(scen: Path, step: str, cwd: Path) -> subprocess.Popen:
    """Start ``siting run`` in a subprocess and return once it is paused at ``step``."""
    env = {**os.environ, PAUSE_ENV: step, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-m", "siting", "-q", "run", str(scen), "--no-progress"],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(300, proc.kill)  # never hang the suite
    watchdog.start()
    try:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if f"commit paused at {step}" in line:
                return proc
        code = proc.wait()
        proc.stderr.close()
        pytest.fail(f"the run ended (code {code}) before pausing at {step}: {''.join(seen)[-2000:]}")
    finally:
        watchdog.cancel()
    raise AssertionError  # pragma: no cover


#: what the folder holds right after a kill at each step: run folder, map copy
AFTER_KILL = {
    "staged": ("old", "old"),      # staging written, no marker: the old outputs stand
    "marked": ("old", "old"),      # commit point passed, nothing moved yet
    "aside": ("missing", "old"),   # old set aside, new not yet in: detectably mid-commit
    "swapped": ("new", "old"),     # new folder in, map copy pending in it
    "copied": ("new", "new"),      # all in place, the old folder not yet removed
}


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS)
def test_kill_at_each_step_of_the_commit(tmp_path, capsys, step):
    assert main(["-q", "run", str(scenario(tmp_path, "old"))]) == 0
    old = snapshot(tmp_path)
    assert is_new(tmp_path, "old") and not leftovers(tmp_path)

    proc = run_paused(scenario(tmp_path, "new"), step, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    folder, copy = AFTER_KILL[step]
    out, maps = tmp_path / "out" / "k", tmp_path / "maps" / "k.html"
    if folder == "old":
        assert {k: v for k, v in snapshot(tmp_path).items() if k != "maps/k.html"} == \
            {k: v for k, v in old.items() if k != "maps/k.html"}
    elif folder == "missing":
        assert not out.exists()
    else:
        assert json.loads((out / "summary.json").read_text())["title"] == "new"
    assert hashlib.sha256(maps.read_bytes()).hexdigest() == old["maps/k.html"] if copy == "old" \
        else maps.read_bytes() == (out / "map.html").read_bytes()
    assert _needs_repair(out), "an interrupted commit must be detectable"

    # the next run repairs before computing anything, even a run that then fails on its input
    (tmp_path / "bad.csv").write_text("lon,lat,persons\n1,2,3\n")
    capsys.readouterr()
    assert main(["-q", "run", str(scenario(tmp_path, "bad", demand="bad.csv"))]) == 2
    err = capsys.readouterr().err
    assert "siting: error: demand file bad.csv" in err  # failed on its input, after repairing
    if step == "staged":
        assert snapshot(tmp_path) == old
    else:
        assert is_new(tmp_path, "new"), f"after a kill at {step!r} the repair rolls forward"
        assert "finished the commit" in err or "installed" in err or "removed" in err
    assert not leftovers(tmp_path)
    assert not _needs_repair(out)

    # and a full next run commits over it as usual
    assert main(["-q", "run", str(scenario(tmp_path, "next"))]) == 0
    assert is_new(tmp_path, "next") and not leftovers(tmp_path)


# ------------------------------------------------------------------------------------------------
# the protocol in-process, on small folders
# ------------------------------------------------------------------------------------------------
def write(folder: Path, text: str) -> None:
    (folder / "a.txt").write_text(text)
    (folder / "map.html").write_text(f"<title>{text}</title>")


def test_commit_replaces_folder_and_copy_together(tmp_path):
    out, copy = tmp_path / "out" / "r", tmp_path / "maps" / "r.html"
    for text in ("one", "two"):
        with staged_folder(out, copies={"map.html": copy}) as s:
            write(s, text)
        assert (out / "a.txt").read_text() == text and copy.read_text() == f"<title>{text}</title>"
        marker = json.loads((out / MARKER).read_text())
        assert marker["files"] == {"a.txt": 3, "map.html": len(f"<title>{text}</title>")}
        assert [c["to"] for c in marker["copies"]] == [str(copy.absolute())]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".r.lock", "r"]
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.txt", "map.html"]


def test_failure_while_staging_leaves_the_old_outputs(tmp_path):
    out, copy = tmp_path / "out" / "r", tmp_path / "maps" / "r.html"
    with staged_folder(out, copies={"map.html": copy}) as s:
        write(s, "one")
    before = snapshot_dir(tmp_path)
    with pytest.raises(ZeroDivisionError), staged_folder(out, copies={"map.html": copy}) as s:
        write(s, "two")
        1 / 0  # noqa: B018 - a bug while writing
    assert snapshot_dir(tmp_path) == before


def snapshot_dir(tmp: Path) -> dict[str, bytes]:
    return {str(p.relative_to(tmp)): p.read_bytes() for p in tmp.rglob("*") if p.is_file() and not p.name.endswith(".lock")}


def test_legacy_leftovers_are_removed_and_an_interrupted_legacy_swap_is_undone(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    out = tmp_path / "out" / "r"
    out.mkdir(parents=True)
    (out / "summary.json").write_text("{}")  # a run folder of an earlier siting (no marker)
    stale_old = tmp_path / "out" / f".r.old-{dead.pid}"
    stale_old.mkdir()
    (stale_old / "big.gpkg").write_bytes(b"x" * 1000)
    (tmp_path / "maps").mkdir()
    stale_map = tmp_path / "maps" / f".r.html.tmp-{dead.pid}"
    stale_map.write_text("half a map")
    with staged_folder(out, copies={"map.html": tmp_path / "maps" / "r.html"}) as s:
        write(s, "new")
    assert not stale_old.exists() and not stale_map.exists()

    # the earlier protocol killed between its two renames: run folder missing, old set aside,
    # an unmarked staging folder beside it -> the old outputs are put back
    os.rename(out, tmp_path / "out" / f".r.old-{dead.pid}")
    half = tmp_path / "out" / f".r.tmp-{dead.pid}"
    half.mkdir()
    (half / "a.txt").write_text("half")
    done = repair_folder(out)
    assert (out / "a.txt").read_text() == "new" and not half.exists()
    assert any("restored" in d for d in done)
    assert repair_folder(out) == []


def test_a_folder_siting_did_not_write_is_never_replaced(tmp_path, capsys):
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work")
    with pytest.raises(OutputError, match="not written by siting"), staged_folder(mine) as s:
        write(s, "x")
    assert (mine / "thesis.docx").read_text() == "years of work"
    code = main(["-q", "run", str(scenario(tmp_path, "t")), "--out", str(mine)])
    err = capsys.readouterr().err
    assert code == 2 and "not written by siting" in err and "--out" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in mine.iterdir()) == ["thesis.docx"]


def test_a_live_writer_is_left_alone(tmp_path):
    out = tmp_path / "out" / "r"
    out.parent.mkdir()
    live = tmp_path / "out" / f".r.tmp-{os.getpid()}-abcdef"
    live.mkdir()
    from filelock import FileLock

    with FileLock(str(tmp_path / "out" / ".r.lock")):
        # another thread of this process holds the lock, as a run writing now would
        result: list = []
        t = threading.Thread(target=lambda: result.append(repair_folder(out)))
        t.start()
        t.join()
        assert result == [[]] and live.exists()
    assert repair_folder(out) and not live.exists()


def test_map_copy_inside_the_run_folder(tmp_path):
    out = tmp_path / "out" / "r"
    with staged_folder(out, copies={"map.html": out / "view" / "r.html"}) as s:
        write(s, "in")
    assert (out / "view" / "r.html").read_text() == "<title>in</title>"
    assert json.loads((out / MARKER).read_text())["copies"] == []


def test_docs_describe_the_protocol():
    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    for step in STEPS:
        assert f"`{step}`" in text
    assert MARKER in text and PAUSE_ENV in text
