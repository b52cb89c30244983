"""Fault drill (issue 26): the disk fills during a backup. `videosparring backup` writes to a
1 MiB file system of its own (a tmpfs in a mount namespace; where the machine allows none, a
file-size limit stands in for the full disk): it stops with a clear message, leaves no part of
a backup behind, and the installation goes on (a backup to a roomy destination works)."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.cli import main as cli
from app.core.config import settings
from app.journal import deletions
from tests.support import namespaces as ns
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.servers import app_env

SMALL = 1024 * 1024
LISTED = "--- left in the destination:"


def on_a_small_disk(destination: Path, command: list[str]) -> list[str]:
    """`command` with `destination` on a file system of SMALL bytes; then what is left there
    is listed (inside: a tmpfs goes with its namespace). The command's exit code stays."""
    run = " ".join(shlex.quote(c) for c in command)
    where = shlex.quote(str(destination))
    tail = f'{run}; code=$?; echo "{LISTED}"; ls -A {where}; exit $code'
    if not ns.namespaces():
        return ["sh", "-c", f"ulimit -f {SMALL // 512}; {tail}"]
    unshare = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        unshare[1:1] = ["--user", "--map-root-user"]
    return [*unshare, "sh", "-c", f"mount -t tmpfs -o size={SMALL} tmpfs {where} && {tail}"]


@pytest.mark.parametrize("disk", ["tmpfs", "file-size limit"])
def test_the_disk_filling_during_a_backup_leaves_nothing_and_changes_nothing(
    disk: str,
    sqlite_db: str,
    client: TestClient,
    media: MediaSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if disk == "file-size limit":  # what a machine without mount namespaces gets
        monkeypatch.setattr(ns, "namespaces", lambda: False)
    ready_recording(client, media, seconds=120)  # more media than the small disk holds
    key = tmp_path / "backup.key"
    cli(["backup-key", str(key)])
    small = tmp_path / "small"
    small.mkdir()
    script = str(Path(sys.executable).parent / "videosparring")
    env = app_env(SPARRING_DATABASE_URL=settings.sqlalchemy_url)
    command = on_a_small_disk(small, [script, "backup", str(small), "--key-file", str(key)])
    full = subprocess.run(command, env=env, capture_output=True, text=True)
    assert full.returncode != 0, full.stdout
    assert "No backup was made" in full.stderr, full.stderr[-1500:]
    assert "destination is full" in full.stderr or "too large" in full.stderr.lower()
    assert "Traceback" not in full.stderr
    left = full.stdout.split(LISTED, 1)[1].split()
    assert [name for name in left if name.startswith("videosparring-")] == []
    deletions.pointer_file().unlink(missing_ok=True)

    roomy = tmp_path / "roomy"
    cli(["backup", str(roomy), "--key-file", str(key)])
    made = [p for p in roomy.iterdir() if p.is_dir()]
    assert len(made) == 1 and not made[0].name.endswith(".partial")
    deletions.pointer_file().unlink(missing_ok=True)
