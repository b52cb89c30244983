"""`videosparring backup DEST` and `videosparring restore SRC`.

A backup is a folder `videosparring-<time>` in DEST: `manifest.enc` (what is in it, each
file's SHA-256 as written and each object's as stored), `database.enc` (SQLite's online
backup, or `pg_dump`'s custom format), `files/NNNNNN.enc` (every media object, from the data
folder or the bucket), `data/NN.enc` (the server's secret and the audit chain's head files,
which the chain is checked against). It is written as `….partial` and renamed when whole.

A restore goes into an installation without recordings (a new machine after a disk died):
it checks every file against the manifest and decrypts every byte before it writes one,
restores the database, the objects and the data files, deletes again what the deletion
journal says was deleted after the backup was made, and writes an audit entry.
"""

import errno
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.audit import chain
from app.audit.service import Action, audit_now
from app.backup import crypto
from app.core import db as core_db
from app.core import secrets
from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.journal import deletions
from app.media.models import MediaObject
from app.media.store import current as current_store
from app.recordings.models import Recording

log = logging.getLogger(__name__)
FORMAT = 1
SKIPPED_PREFIXES = ("uploads/", "health/")  # an upload's remainders; readiness probes


class NotEmpty(Exception):
    """The installation to restore into already holds recordings."""


@dataclass(frozen=True)
class Restored:
    made_at: str
    recordings: int
    objects: int
    replayed: list[str]


class _Hashing:
    """A file that hashes what is written to it."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.digest, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(crypto.CHUNK):
            yield chunk


def _write(key: bytes, label: str, source: Any, target: Path) -> dict[str, object]:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as raw:
        out = _Hashing(raw)
        sha256, size = crypto.encrypt(key, label, source, out)  # type: ignore[arg-type]
    return {"sha256": sha256, "size": size, "file_sha256": out.digest.hexdigest()}


def _postgres_args(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
    args += ["-U", parsed.username or "postgres", "-d", parsed.database or ""]
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return args, env


@contextmanager
def _private_temp() -> Iterator[Path]:
    """A folder only this user reads, under the data folder (plaintext never in DEST)."""
    settings.resolved_data_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".backup-", dir=settings.resolved_data_dir))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _database(key: bytes, folder: Path, work: Path) -> dict[str, object]:
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        copy = work / "database.sqlite"
        source = sqlite3.connect(make_url(url).database or "")
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # consistent while the app writes
        finally:
            target.close()
            source.close()
        return {"kind": "sqlite", "file": "database.enc"} | _write(
            key, "database", _file_chunks(copy), folder / "database.enc"
        )
    args, env = _postgres_args(url)
    dump = subprocess.Popen(
        ["pg_dump", "-Fc", "--no-owner", *args], stdout=subprocess.PIPE, env=env
    )
    output = dump.stdout
    assert output is not None
    streamed = iter(lambda: output.read(crypto.CHUNK), b"")
    written = _write(key, "database", streamed, folder / "database.enc")
    if dump.wait() != 0:
        raise BackupFailed("pg_dump failed: the database could not be read")
    return {"kind": "postgresql", "file": "database.enc"} | written


def _data_files() -> list[Path]:
    """The data folder's files a restored installation needs beside its database."""
    found = chain.any_head_files()
    if secrets.secret_file().exists():
        found.append(secrets.secret_file())
    return found


class BackupFailed(Exception):
    """No backup was made (the destination full, or not writable); nothing of it is left."""


def backup(destination: Path, key: bytes) -> Path:
    """The whole installation, encrypted, into a new folder in `destination`; its path. A
    failure (the disk filling) leaves no part of it behind and changes nothing else."""
    made_at = utcnow()
    name = f"videosparring-{made_at:%Y%m%dT%H%M%S%fZ}"
    folder = destination / f"{name}.partial"
    try:
        folder.mkdir(parents=True)
        journal = deletions.note_backup_destination(destination)
        return _fill(folder, destination / name, key, made_at, journal)
    except BackupFailed:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        why = "the destination is full" if exc.errno == errno.ENOSPC else exc.strerror
        raise BackupFailed(f"{why} ({destination})") from exc


def _fill(folder: Path, final: Path, key: bytes, made_at: datetime, journal: Path) -> Path:
    manifest: dict[str, Any] = {"format": FORMAT, "made_at": made_at.isoformat()}
    with _private_temp() as work:
        # The head files first, then the database: the database holds every entry they name.
        manifest["data"] = [
            {"name": path.name, "file": f"data/{i:02d}.enc"}
            | _write(key, f"data:{path.name}", _file_chunks(path), folder / f"data/{i:02d}.enc")
            for i, path in enumerate(_data_files())
        ]
        manifest["database"] = _database(key, folder, work)
    with session_scope() as session:
        types = {k: t for k, t in session.exec(select(MediaObject.key, MediaObject.content_type))}
    store, objects = current_store(), list[dict[str, object]]()
    for item in store.list():
        if item.key.startswith(SKIPPED_PREFIXES):
            continue
        file = f"files/{len(objects):06d}.enc"
        written = _write(key, f"object:{item.key}", store.read(item.key), folder / file)
        content_type = types.get(item.key, "application/octet-stream")
        objects.append({"key": item.key, "file": file, "content_type": content_type} | written)
    manifest["objects"] = objects
    body = json.dumps(manifest, sort_keys=True).encode()
    with (folder / "manifest.enc").open("wb") as out:
        crypto.encrypt(key, "manifest", [body], out)
    folder.rename(final)
    log.info("backup made: %d objects; deletions journaled in %s", len(objects), journal)
    return final


# Restoring ---------------------------------------------------------------------------------


def read_manifest(source: Path, key: bytes) -> dict[str, Any]:
    with (source / "manifest.enc").open("rb") as raw:
        body = b"".join(crypto.decrypt(key, "manifest", raw))
    manifest = json.loads(body)
    if manifest.get("format") != FORMAT:
        raise crypto.Damaged("a backup of another format")
    return manifest  # type: ignore[no-any-return]


def _entries(manifest: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "database", manifest["database"]
    for entry in manifest["data"]:
        yield f"data:{entry['name']}", entry
    for entry in manifest["objects"]:
        yield f"object:{entry['key']}", entry


def _plain(source: Path, key: bytes, label: str, entry: dict[str, Any]) -> Iterator[bytes]:
    """An entry's plaintext, checked against the manifest as it streams (Damaged at the
    end if its hash or size differ)."""
    digest, size = hashlib.sha256(), 0
    with (source / entry["file"]).open("rb") as raw:
        for chunk in crypto.decrypt(key, label, raw):
            digest.update(chunk)
            size += len(chunk)
            yield chunk
    if digest.hexdigest() != entry["sha256"] or size != entry["size"]:
        raise crypto.Damaged(f"{label}: not what the manifest says")


def verify(source: Path, key: bytes) -> dict[str, Any]:
    """Every file as the manifest lists it, every byte decrypted: the manifest, or Damaged."""
    manifest = read_manifest(source, key)
    for label, entry in _entries(manifest):
        path = source / entry["file"]
        if not path.is_file():
            raise crypto.Damaged(f"{label}: missing")
        digest = hashlib.sha256()
        with path.open("rb") as raw:
            while chunk := raw.read(crypto.CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["file_sha256"]:
            raise crypto.Damaged(f"{label}: changed since the backup was made")
        for _ in _plain(source, key, label, entry):
            pass
    return manifest


def _to_file(chunks: Iterator[bytes], path: Path) -> None:
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)


def _restore_database(source: Path, key: bytes, manifest: dict[str, Any], work: Path) -> None:
    entry = manifest["database"]
    url = settings.sqlalchemy_url
    if (entry["kind"] == "sqlite") != url.startswith("sqlite"):
        raise ValueError(f"a backup of {entry['kind']}: restore it into the same kind")
    plain = work / "database"
    _to_file(_plain(source, key, "database", entry), plain)
    engine = core_db._engines.pop(url, None)
    if engine is not None:
        engine.dispose()  # no connection of this process keeps the old schema open
    if url.startswith("sqlite"):
        backup_db = sqlite3.connect(plain)
        target = sqlite3.connect(make_url(url).database or "")
        try:
            backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
        return
    args, env = _postgres_args(url)
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error", *args]
    subprocess.run([*command, str(plain)], check=True, env=env, capture_output=True)


def _replay(made_at: datetime, journal: Path | None) -> list[str]:
    """Delete again what was deleted after the backup was made."""
    if journal is None:
        return []
    from app.accounts.models import User
    from app.admin import service as admin_service
    from app.recordings import service as recording_service

    replayed = []
    with session_scope() as session:
        for entry in deletions.read(journal):
            if datetime.fromisoformat(entry["at"]) <= made_at:
                continue
            if entry["kind"] == "recording":
                found = session.get(Recording, entry["id"])
                if found is not None:
                    recording_service.delete(session=session, recording=found, reason="restore")
                    replayed.append(f"recording {entry['id']}")
            elif entry["kind"] == "user" and entry["id"].isdigit():
                person = session.get(User, int(entry["id"]))
                if person is not None:
                    admin_service.remove_person(session, person)
                    replayed.append(f"user {entry['id']}")
    return replayed


def restore(source: Path, key: bytes, journal: Path | None = None) -> Restored:
    """The backup in `source` into this (empty) installation; see the module's words."""
    manifest = verify(source, key)  # nothing is written before every byte checks out
    with session_scope() as session:
        if session.exec(select(func.count()).select_from(Recording)).one():
            raise NotEmpty("this installation holds recordings: restore into an empty one")
    journal = journal or deletions.path()
    with _private_temp() as work:
        _restore_database(source, key, manifest, work)
    store = current_store()
    for entry in manifest["objects"]:
        label = f"object:{entry['key']}"
        with _private_temp() as work:
            plain = work / "object"
            _to_file(_plain(source, key, label, entry), plain)
            store.keep(
                entry["key"], plain, content_type=entry["content_type"], sha256=entry["sha256"]
            )
    for entry in manifest["data"]:
        target = settings.resolved_data_dir / entry["name"]
        temporary = target.with_name(f".{target.name}.restore")
        _to_file(_plain(source, key, f"data:{entry['name']}", entry), temporary)
        os.chmod(temporary, 0o600)
        temporary.replace(target)
    secrets.forget_cached()  # the restored secret from now on
    made_at = datetime.fromisoformat(manifest["made_at"])
    replayed = _replay(made_at, journal)
    with session_scope() as session:
        recordings = session.exec(select(func.count()).select_from(Recording)).one()
    detail = f"backup of {manifest['made_at']}; {len(replayed)} deletions replayed"
    audit_now(None, Action.restored, None, detail)
    return Restored(manifest["made_at"], recordings, len(manifest["objects"]), replayed)
