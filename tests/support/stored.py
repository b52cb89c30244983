"""What the media store holds, whichever store the test runs on (the data folder or the S3
server's bucket): keys, bytes, a local copy to probe, an object spoilt on purpose."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.core.config import settings
from app.media.store import current, object_key


def keys(recording_id: str = "") -> list[str]:
    """The keys of the store's objects (of one recording), hidden scratch files left out."""
    prefix = f"{recording_id}/" if recording_id else ""
    found = (item.key for item in current().list(prefix))
    return sorted(key for key in found if not key.partition("/")[2].startswith("."))


def names(recording_id: str) -> list[str]:
    return [key.partition("/")[2] for key in keys(recording_id)]


def exists(recording_id: str, name: str) -> bool:
    return current().stat(object_key(recording_id, name)) is not None


def read(recording_id: str, name: str) -> bytes:
    return b"".join(current().read(object_key(recording_id, name)))


@contextmanager
def local_file(recording_id: str, name: str) -> Iterator[Path]:
    """The object as a local file (to probe it), for the block."""
    with current().local_copy(object_key(recording_id, name), "test") as path:
        yield path


def replace(recording_id: str, name: str, data: bytes) -> None:
    """Put other bytes under an object's key (a file gone bad on the disk or in the bucket)."""
    scratch = settings.resolved_data_dir / f"replacing-{recording_id}-{name}"
    scratch.write_bytes(data)
    current().keep(object_key(recording_id, name), scratch, content_type="video/mp4")


def remove(recording_id: str, name: str) -> None:
    current().delete(object_key(recording_id, name))


def files_under(folder: Path) -> list[Path]:
    """Every file under a data folder (none where media live in a bucket)."""
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []
