"""The media part of a move: every object with a row uploaded from the data folder to the
bucket and read back, its SHA-256 compared with the row's each time; the files in the
data folder that have no row (the sweep would remove them, so they are not copied)."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlmodel import col, select

from app.media.models import MediaObject
from app.media.store import LocalStore, S3Store, file_sha256


@dataclass(frozen=True)
class Wanted:
    """An object as its row describes it."""

    key: str
    size: int
    sha256: str
    content_type: str


@dataclass(frozen=True)
class Differs:
    """An object that is not what its row says, and how."""

    key: str
    why: str


def wanted(source: Connection) -> list[Wanted]:
    query = select(
        MediaObject.key, MediaObject.size, MediaObject.sha256, MediaObject.content_type
    ).order_by(col(MediaObject.id))
    return [Wanted(*row) for row in source.execute(query).all()]


def without_row(local: LocalStore, objects: list[Wanted]) -> list[str]:
    """Keys of files in the data folder's media/ that no row names (scratch files included)."""
    known = {item.key for item in objects}
    return [listed.key for listed in local.list() if listed.key not in known]


def foreign(bucket: S3Store, objects: list[Wanted]) -> list[str]:
    """Keys in the bucket that no row names: another installation's, or someone else's."""
    known = {item.key for item in objects}
    return [listed.key for listed in bucket.list() if listed.key not in known]


def read_back(bucket: S3Store, key: str) -> tuple[int, str]:
    """The object's length and SHA-256 as the bucket gives it back."""
    digest, size = hashlib.sha256(), 0
    for chunk in bucket.read(key):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def copy(
    *, objects: list[Wanted], local: LocalStore, bucket: S3Store, say: Callable[[str], None]
) -> list[Differs]:
    """Upload each object that is what its row says, and read it back; the others are not
    uploaded. What differed, in the order of the rows (empty: all copied and equal)."""
    differs: list[Differs] = []
    for number, item in enumerate(objects, start=1):
        path = local.path(item.key)
        try:
            size, digest = path.stat().st_size, file_sha256(path)
        except FileNotFoundError:
            differs.append(Differs(item.key, "the file is missing from the data folder"))
            continue
        if (size, digest) != (item.size, item.sha256):
            differs.append(
                Differs(
                    item.key,
                    f"the file in the data folder has SHA-256 {digest} ({size} bytes), "
                    f"its row says {item.sha256} ({item.size} bytes)",
                )
            )
            continue
        bucket.upload(item.key, path, content_type=item.content_type, sha256=digest)
        back_size, back = read_back(bucket, item.key)
        if (back_size, back) != (size, digest):
            differs.append(
                Differs(item.key, f"read back from the bucket: SHA-256 {back} ({back_size} bytes)")
            )
            continue
        say(f"  {number}/{len(objects)} {item.key} ({size} bytes): copied, read back equal")
    return differs
