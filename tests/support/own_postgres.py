"""A PostgreSQL server of a drill's own, on a free loopback port, that the drill may stop and
start (never the shared one on 5432): Debian's initdb and pg_ctl, as the `postgres` system
user when the tests run as root (PostgreSQL refuses to run as root)."""

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from glob import glob
from pathlib import Path

from tests.support.servers import free_port


def _bin(name: str) -> str:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return found[-1]


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class OwnPostgres:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/drill"

    def _ctl(self, *args: str) -> None:
        command = [_bin("pg_ctl"), "-D", str(self.folder / "data"), "-w", "-t", "60", *args]
        subprocess.run(_as_owner(command), check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.folder / "log"), "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A fresh cluster with an empty database `drill`, running; stopped and removed after."""
    folder = Path(tempfile.mkdtemp(prefix="vs-drill-pg-"))
    os.chmod(folder, 0o777)  # the postgres user writes its socket and log here
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = OwnPostgres(folder, free_port())
    init = [_bin("initdb"), "-D", str(folder / "data"), "-U", "postgres", "--auth=trust"]
    subprocess.run(_as_owner(init), check=True, capture_output=True)
    server.start()
    try:
        create = [_bin("createdb"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres"]
        subprocess.run([*create, "drill"], check=True, capture_output=True)
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
