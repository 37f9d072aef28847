"""Faults a demanding user meets: folders that cannot be written, a full disk, no network.

Each gives one line that names the place, the cause and the fix, exit code 2, and nothing
half-written; the previous outputs stay exactly as they were.
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from siting.cli import main

SCENARIO = """name = "f"
title = "{title}"
[network]
source = "synthetic:n=300,seed=1"
[demand]
source = "synthetic"
[facilities]
source = "synthetic"
[categories]
use = ["pharmacy"]
[map]
pdf = false
path = "{root}/maps/f.html"
[output]
dir = "{root}/out/f"
"""


def scenario(root: Path, title: str = "t") -> Path:
    p = root / f"{title}.toml"
    p.write_text(SCENARIO.format(title=title, root=root.as_posix()), encoding="utf-8")
    return p


def tree(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` except the scenario files and lock files."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix not in (".toml", ".lock")}


def one_line(err: str) -> str:
    lines = [x for x in err.strip().splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------------------------------------
# folders that cannot be written
# ------------------------------------------------------------------------------------------------
def _without_root_override() -> None:  # in the child: root loses its right to write anywhere
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, dropped from the bounding set
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.skipif(sys.platform != "linux", reason="file permissions as on Linux")
def test_no_permission_is_told_before_computing(tmp_path):
    (tmp_path / "out").mkdir()
    os.chmod(tmp_path / "out", 0o555)  # nobody may write here
    try:
        r = subprocess.run([sys.executable, "-m", "siting", "run", str(scenario(tmp_path)), "--no-progress"],
                           capture_output=True, text=True, timeout=300,
                           preexec_fn=_without_root_override if os.geteuid() == 0 else None)
    finally:
        os.chmod(tmp_path / "out", 0o755)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    line = one_line("\n".join(x for x in r.stderr.splitlines() if "siting: error" in x))
    assert f"{tmp_path / 'out'}" in line and "no permission" in line and "--out" in line
    assert "network ..." not in r.stderr, "the check comes before any computing"
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("code, said", [(errno.EROFS, "read-only"), (errno.ENOSPC, "disk is full"),
                                        (errno.EACCES, "no permission")])
def test_unwritable_folder_before_computing(tmp_path, capsys, monkeypatch, code, said):
    import siting.outputs.commit as commit

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(kwargs.get("dir", "")))

    monkeypatch.setattr(commit.tempfile, "mkstemp", refuse)
    stages = []
    monkeypatch.setattr("siting.pipeline.load_network", lambda sc: stages.append(sc) or pytest.fail("computed"))
    assert main(["-q", "run", str(scenario(tmp_path))]) == 2
    line = one_line(capsys.readouterr().err)
    assert said in line and str(tmp_path / "out") in line and "output.dir" in line
    assert not stages and not (tmp_path / "out").exists()


def test_disk_full_while_writing_leaves_the_old_outputs(tmp_path, capsys, monkeypatch):
    assert main(["-q", "run", str(scenario(tmp_path, "old"))]) == 0
    before = tree(tmp_path)
    real = pd.DataFrame.to_csv

    def full(self, path=None, *args, **kwargs):
        if str(path).endswith("residences.csv"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    capsys.readouterr()
    assert main(["-q", "run", str(scenario(tmp_path, "new"))]) == 2
    line = one_line(capsys.readouterr().err)
    assert "disk is full" in line and "free some space" in line and str(tmp_path / "out") in line
    assert tree(tmp_path) == before
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".f.")] == [".f.lock"]


def _limit_file_size():  # in the child: writes past 150 kB fail with EFBIG instead of killing it
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))


def test_a_real_write_failure_inside_gdal(tmp_path):
    """The GeoPackage grows past the process's file-size limit: GDAL says only "Failed to commit
    transaction"; the message still names the cause, and nothing is half-written."""
    old = scenario(tmp_path, "old")
    assert main(["-q", "run", str(old)]) == 0
    before = tree(tmp_path)
    r = subprocess.run([sys.executable, "-m", "siting", "-q", "run", str(scenario(tmp_path, "new"))],
                       capture_output=True, text=True, timeout=300, preexec_fn=_limit_file_size)
    assert r.returncode == 2, r.stderr
    line = one_line(r.stderr)
    assert "size limit" in line and "150,000 bytes" in line and "--out" in line
    assert tree(tmp_path) == before
