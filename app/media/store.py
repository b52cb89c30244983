"""Where media objects live, behind one interface: the data folder's `media/` (the embedded
default) or an S3-compatible bucket (`SPARRING_STORAGE=s3`), so that web and worker machines
need not share a folder.

A key is `<recording id>/<name>`, both chosen by the server. New objects are made as local
files first (`scratch`: beside their final place for the folder, so keeping one is a rename;
in the worker's own `work/` folder for a bucket) and then kept under their key. Readers get
byte ranges; a worker that needs a whole object as a file gets a local copy for as long as
it works on it (`local_copy`). No URL to the bucket ever leaves the server: media stream
through the app, where access is checked and the viewing audited on every request.
"""

import contextlib
import hashlib
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol

from app.core.config import settings

READ_CHUNK = 256 * 1024
_ERROR_CODE = re.compile(rb"<Code>([^<]{1,64})</Code>")
HASH_CHUNK = 1024 * 1024


class Stored(NamedTuple):
    """What a kept object is: its key, its length and its SHA-256 (hex)."""

    key: str
    size: int
    sha256: str


class Listed(NamedTuple):
    """An object as a listing shows it (for the sweep and the move)."""

    key: str
    size: int
    modified: datetime


class StoreError(RuntimeError):
    """The store could not do what was asked (unreachable, refused, out of space)."""


def object_key(recording_id: str, name: str) -> str:
    # Ids are hex from uuid4 and names the server's own: no key can point outside its folder.
    if not recording_id.isalnum() or not name or "/" in name or name.startswith(".."):
        raise ValueError("bad media key")
    return f"{recording_id}/{name}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class MediaStore(Protocol):
    kind: str

    def prepare(self) -> None:
        """Make the folder or the bucket where none is yet (at a migration and a worker's
        start); a store that cannot be reached fails here, where the operator looks."""
        ...

    def scratch(self, key: str, tag: str) -> Path:
        """A local path to make the object's new content at, before `keep`."""
        ...

    def keep(self, key: str, path: Path, *, content_type: str, sha256: str = "") -> Stored:
        """Store the file at `path` under `key` (replacing what was there); the file is
        used up (renamed or uploaded and removed). `sha256` where the caller already knows it."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes from `start` to `end` (inclusive; None: to the end), in chunks."""
        ...

    def local_copy(self, key: str, tag: str) -> Any:
        """A context manager giving a local file with the object's bytes while it is open."""
        ...

    def stat(self, key: str) -> int | None:
        """The object's length, or None if there is none under the key."""
        ...

    def delete(self, *keys: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def list(self, prefix: str = "") -> Iterator[Listed]: ...


class LocalStore:
    """The data folder's `media/`: one folder per recording, files 0600 in folders 0700."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def prepare(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        recording_id, _, name = key.partition("/")
        return self.root / object_key(recording_id, name)

    def scratch(self, key: str, tag: str) -> Path:
        final = self.path(key)
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Hidden, and named by the claim that writes it: see workers.pipeline.
        return final.with_name(f".{final.name}.{tag}.tmp" if tag else f".{final.name}.tmp")

    def keep(self, key: str, path: Path, *, content_type: str, sha256: str = "") -> Stored:
        final = self.path(key)
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = sha256 or file_sha256(path)
        size = path.stat().st_size
        path.replace(final)
        return Stored(key, size, digest)

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        file = self.path(key).open("rb")  # opened now: a missing file fails here, not later
        return self._chunks(file, start, end)

    @staticmethod
    def _chunks(file: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
        with file:
            file.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = file.read(READ_CHUNK if left is None else min(READ_CHUNK, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    @contextmanager
    def local_copy(self, key: str, tag: str) -> Iterator[Path]:
        path = self.path(key)  # already a local file
        if not path.is_file():
            raise FileNotFoundError(key)
        yield path

    def stat(self, key: str) -> int | None:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, *keys: str) -> None:
        for key in keys:
            self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        recording_id = prefix.rstrip("/")
        if not recording_id.isalnum():
            raise ValueError("bad media prefix")
        shutil.rmtree(self.root / recording_id, ignore_errors=True)

    def list(self, prefix: str = "") -> Iterator[Listed]:
        if not self.root.exists():
            return
        head, slash, _ = prefix.partition("/")
        folders = [self.root / head] if slash else sorted(self.root.iterdir())
        for folder in folders:
            if not folder.is_dir():
                continue
            for file in sorted(folder.iterdir()):
                key = f"{folder.name}/{file.name}"
                try:
                    st = file.stat()
                except FileNotFoundError:
                    continue
                if key.startswith(prefix):
                    yield Listed(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))


class S3Store:
    """An S3-compatible bucket, through boto3. The worker makes new objects in its own
    `work/` folder and uploads them; it downloads what it works on there, and removes both."""

    kind = "s3"

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
        timeout: float = 10.0,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint or None,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=32,
                connect_timeout=min(5.0, timeout),
                read_timeout=timeout,
            ),
        )
        import urllib3

        self._http = urllib3.PoolManager(
            maxsize=32,
            retries=False,
            timeout=urllib3.Timeout(connect=min(5.0, timeout), read=timeout),
        )

    def _call(self, operation: str, **params: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(params.get("Key", "")) from exc
            raise StoreError(f"{operation}: {error.get('Code')}: {error.get('Message')}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"{operation}: {exc}") from exc

    def prepare(self) -> None:
        try:
            self._call("head_bucket")
        except FileNotFoundError:  # no such bucket yet
            self._call("create_bucket")

    def scratch(self, key: str, tag: str) -> Path:
        recording_id, _, name = key.partition("/")
        folder = settings.work_dir / (tag or "untagged") / recording_id
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / object_key(recording_id, name).partition("/")[2]

    def keep(self, key: str, path: Path, *, content_type: str, sha256: str = "") -> Stored:
        stored = self.upload(key, path, content_type=content_type, sha256=sha256)
        path.unlink(missing_ok=True)
        return stored

    def upload(self, key: str, path: Path, *, content_type: str, sha256: str = "") -> Stored:
        """`keep`, leaving the file where it is (the move copies the data folder's files)."""
        from boto3.exceptions import S3UploadFailedError
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        digest = sha256 or file_sha256(path)
        size = path.stat().st_size
        try:
            self.client.upload_file(
                str(path),
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type, "Metadata": {"sha256": digest}},
                Config=TransferConfig(multipart_chunksize=16 * 1024 * 1024, max_concurrency=4),
            )
        except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
            raise StoreError(f"upload of {key}: {exc}") from exc
        return Stored(key, size, digest)

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Asked now, and the first bytes read now: an unreachable store or a missing object
        fails here, before a response starts, and the response starts with bytes in hand.

        The request is signed here and sent from here (a short-lived signed address on a
        pool of connections of our own, not boto3's `get_object`, whose machinery costs a
        millisecond a read); the address never leaves the server."""
        import urllib3

        address = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=60
        )
        wanted = f"bytes={start}-{'' if end is None else end}"
        try:
            response = self._http.request(
                "GET", address, headers={"Range": wanted}, preload_content=False
            )
        except urllib3.exceptions.HTTPError as exc:
            raise StoreError(f"read of {key}: {exc}") from exc
        if response.status not in (200, 206):
            said = response.read(4096)
            response.release_conn()
            if response.status == 404:
                raise FileNotFoundError(key)
            code = _ERROR_CODE.search(said)
            raise StoreError(
                f"read of {key}: HTTP {response.status} {code.group(1).decode() if code else ''}"
            )
        return self._chunks(response, response.read1(READ_CHUNK))

    @staticmethod
    def _chunks(response: Any, first: bytes) -> Iterator[bytes]:
        try:
            if first:
                yield first
            yield from response.stream(READ_CHUNK)
        finally:
            response.release_conn()

    @contextmanager
    def local_copy(self, key: str, tag: str) -> Iterator[Path]:
        from boto3.exceptions import S3TransferFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        recording_id, _, name = key.partition("/")
        folder = settings.work_dir / (tag or "untagged") / f"in-{uuid.uuid4().hex}"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / name
        try:
            try:
                self.client.download_file(self.bucket, key, str(path))
            except ClientError as exc:  # the transfer asks HEAD first: a missing key is 404
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    raise FileNotFoundError(key) from exc
                raise StoreError(f"download of {key}: {exc}") from exc
            except (BotoCoreError, S3TransferFailedError) as exc:
                raise StoreError(f"download of {key}: {exc}") from exc
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def stat(self, key: str) -> int | None:
        try:
            return int(self._call("head_object", Key=key)["ContentLength"])
        except FileNotFoundError:
            return None

    def delete(self, *keys: str) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            if batch:
                self._call("delete_objects", Delete={"Objects": batch, "Quiet": True})

    def delete_prefix(self, prefix: str) -> None:
        if not prefix.rstrip("/").isalnum():
            raise ValueError("bad media prefix")
        self.delete(*(listed.key for listed in self.list(prefix)))

    # A resumable upload (app.uploads) keeps its bytes as the parts of a multipart upload,
    # which the bucket joins into the recording's original, and a small remainder between
    # requests as objects of its own.
    def start_parts(self, key: str, *, content_type: str) -> str:
        return str(
            self._call("create_multipart_upload", Key=key, ContentType=content_type)["UploadId"]
        )

    def put_part(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        answer = self._call(
            "upload_part", Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        return str(answer["ETag"])

    def join_parts(self, key: str, upload_id: str, etags: list[str]) -> None:
        parts = [{"PartNumber": n, "ETag": etag} for n, etag in enumerate(etags, start=1)]
        self._call(
            "complete_multipart_upload",
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
        )

    def abort_parts(self, key: str, upload_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):  # gone already (NoSuchUpload)
            self._call("abort_multipart_upload", Key=key, UploadId=upload_id)

    def unjoined_parts(self, prefix: str = "") -> Iterator[tuple[str, str, datetime]]:
        """Every multipart upload the bucket holds unjoined (under `prefix`): key, upload
        id, started."""
        markers: dict[str, str] = {}
        while True:
            page = self._call("list_multipart_uploads", Prefix=prefix, **markers)
            for item in page.get("Uploads", []):
                yield item["Key"], item["UploadId"], item["Initiated"]
            if not page.get("IsTruncated"):
                return
            markers = {
                "KeyMarker": page.get("NextKeyMarker", ""),
                "UploadIdMarker": page.get("NextUploadIdMarker", ""),
            }

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        self._call("put_object", Key=key, Body=data, ContentType=content_type)

    def get_bytes(self, key: str) -> bytes:
        return b"".join(self.read(key))

    def address(self, key: str, seconds: int = 600) -> str:
        """A signed address to read the object by, for ffprobe on this server only."""
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
            )
        )

    def list(self, prefix: str = "") -> Iterator[Listed]:
        token: dict[str, str] = {}
        while True:
            page = self._call("list_objects_v2", Prefix=prefix, **token)
            for item in page.get("Contents", []):
                yield Listed(item["Key"], int(item["Size"]), item["LastModified"])
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}


_lock = threading.Lock()
_stores: dict[tuple[str, ...], MediaStore] = {}


def current() -> MediaStore:
    """The store the settings name (one per process and settings: boto3's client is safe to
    share between threads)."""
    config = (
        settings.storage,
        str(settings.media_dir) if settings.storage == "local" else settings.s3_endpoint,
        settings.s3_bucket,
        settings.s3_region,
        settings.s3_access_key,
        settings.s3_secret_key,
    )
    with _lock:
        store = _stores.get(config)
        if store is None:
            store = _stores[config] = open_store(settings.storage)
        return store


def open_store(kind: str) -> MediaStore:
    """A store of the given kind, from the settings."""
    if kind == "local":
        return LocalStore(settings.media_dir)
    names = ("endpoint", "bucket", "region", "access_key", "secret_key")
    given = {name: getattr(settings, f"s3_{name}") for name in names}
    return S3Store(**given, timeout=settings.s3_timeout_seconds)


def clear_scratch(tag: str) -> None:
    """Remove what one claim made in the worker's `work/` folder."""
    if tag:
        shutil.rmtree(settings.work_dir / tag, ignore_errors=True)


def clear_stale_scratch(min_age_seconds: float = 86400) -> None:
    """At a worker's start: folders in `work/` left by claims whose worker died."""
    if not settings.work_dir.exists():
        return
    cutoff = datetime.now(UTC).timestamp() - min_age_seconds
    for folder in settings.work_dir.iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except FileNotFoundError:
            continue
