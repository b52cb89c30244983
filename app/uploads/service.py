"""Resumable uploads (tus 1.0): created with the recording's fields, which are checked before
a byte is sent; added to at an offset across requests, processes and restarts; made into a
recording exactly as a single-request upload is (probe, consent, job) once the last byte is
in; deleted when abandoned for `upload_expiry_hours`.

A request that writes holds the upload's lease (a token and a time in its row, taken with
one conditional UPDATE, so that two app processes never write one upload at once); the
offset moves only under it, and only over durable bytes (`app.uploads.spool`).
"""

import asyncio
import base64
import binascii
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select
from starlette.requests import ClientDisconnect

from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit
from app.core.config import settings
from app.core.db import session_scope
from app.core.errors import (
    BadInput,
    Conflict,
    NotFound,
    PayloadTooLarge,
    UnsupportedMedia,
    VideosparringError,
)
from app.core.i18n import N_, FileSize
from app.core.text import field_too_long
from app.core.timeutil import utcnow
from app.media import probe as media
from app.media import store as media_store
from app.media.store import S3Store, Stored, object_key
from app.recordings import service as recordings
from app.recordings import storage
from app.recordings.models import Recording
from app.recordings.upload import (
    FIELD_LIMIT,
    FIELDS_MAX_COUNT,
    FIELDS_TOTAL_LIMIT,
    ReceivedUpload,
    bad_form,
    check_client_filename,
    disk_full,
)
from app.uploads import spool
from app.uploads.models import ResumableUpload

log = logging.getLogger(__name__)

LEASE_SECONDS = 120  # a request that stops renewing (its process died) gives way after this
RENEW_SECONDS = 30
HEAD_WAIT_SECONDS = 10  # how long a HEAD waits for a request still writing the upload
OFFSET_TYPE = "application/offset+octet-stream"
_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class Locked(VideosparringError, status=423):
    """Another request is writing this upload just now (tus clients wait and retry)."""


def locked() -> Locked:
    return Locked(
        N_("The upload is being sent by another request just now. Try again."),
        code="upload.locked",
    )


def _lease_free(now: datetime) -> Any:
    """No request holds the upload (or the one that did stopped renewing its lease)."""
    return or_(col(ResumableUpload.lease_token).is_(None), col(ResumableUpload.lease_until) < now)


def _expiry() -> datetime:
    return utcnow() + timedelta(hours=settings.upload_expiry_hours)


def parse_metadata(header: str) -> dict[str, str]:
    """`Upload-Metadata`: comma-separated `key base64(value)` pairs, keys unique."""
    if len(header) > FIELDS_TOTAL_LIMIT:
        raise bad_form(N_("too many or too large fields"))
    fields: dict[str, str] = {}
    for pair in (p.strip() for p in header.split(",")):
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        if not _KEY.match(key) or key in fields or " " in encoded.strip():
            raise bad_form(N_("Upload-Metadata is not as tus describes it"))
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise bad_form(N_("Upload-Metadata is not as tus describes it")) from exc
        if len(value.encode()) > FIELD_LIMIT:
            raise field_too_long(key, FIELD_LIMIT)
        fields[key] = value
        if len(fields) > FIELDS_MAX_COUNT:
            raise bad_form(N_("too many fields"))
    return fields


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        N_("The file is larger than the limit of %(limit)s. Split the recording or contact IT."),
        code="upload.too_large",
        limit=FileSize(settings.max_upload_bytes),
    )


def create(
    *, session: Session, owner: Subject, length: int | None, metadata_header: str
) -> ResumableUpload:
    """A new upload, once its fields, consent and length have passed the checks a
    single-request upload makes (no byte is sent before)."""
    fields = parse_metadata(metadata_header)
    raw_name = fields.pop("filename", "")
    if not raw_name:
        raise bad_form(N_("filename missing in Upload-Metadata"))
    filename = check_client_filename(raw_name.encode("utf-8", "surrogatepass"))
    if length is not None:
        if length > settings.max_upload_bytes:
            raise _too_large()
        if length == 0:
            raise BadInput(
                N_("The file is empty. Choose the recording again and retry."),
                code="upload.empty",
            )
    recordings.check_form(session=session, fields=fields, owner=owner)
    upload = ResumableUpload(
        id=uuid.uuid4().hex,
        owner_id=owner.id,
        recording_id=recordings.new_recording_id(),
        filename=filename,
        fields=json.dumps(fields),
        metadata_header=metadata_header,
        length=length,
        expires_at=_expiry(),
    )
    session.add(upload)
    return upload


def own_upload(*, session: Session, owner: Subject, upload_id: str) -> ResumableUpload:
    """The caller's upload: anyone else's, or one expired, answers as if it did not exist."""
    upload = session.get(ResumableUpload, upload_id)
    if upload is None or upload.owner_id != owner.id or upload.expires_at < utcnow():
        raise NotFound(
            N_("The upload does not exist (it was finished, cancelled or has expired)."),
            code="upload.not_found",
        )
    return upload


@dataclass
class Progress:
    """What a tus answer tells: how far the upload has come, and until when it waits."""

    offset: int
    length: int | None
    expires_at: datetime
    recording_id: str | None = None
    metadata_header: str = ""


def progress_of(upload: ResumableUpload) -> Progress:
    return Progress(
        offset=upload.offset,
        length=upload.length,
        expires_at=upload.expires_at,
        recording_id=upload.recording_id if upload.finished_at else None,
        metadata_header=upload.metadata_header,
    )


def settled_progress(*, owner: Subject, upload_id: str) -> Progress:
    """A HEAD: where the upload stands once no request is writing it. A client asks right
    after its connection dropped, while the server's end of that request may still be
    making its last bytes durable: the answer waits for it (`HEAD_WAIT_SECONDS` at most, then
    423), so that the client goes on from all that arrived rather than from before."""
    deadline = time.monotonic() + HEAD_WAIT_SECONDS
    while True:
        with session_scope() as session:
            upload = own_upload(session=session, owner=owner, upload_id=upload_id)
            held = upload.lease_until is not None and upload.lease_until > utcnow()
            if not held or upload.finished_at is not None:
                return progress_of(upload)
        if time.monotonic() > deadline:
            raise locked()
        time.sleep(0.05)


class Lease:
    """The right to write one upload, held by one request; `commit` moves the offset."""

    def __init__(self, upload_id: str) -> None:
        self.upload_id = upload_id
        self.token = uuid.uuid4().hex
        self.renewed = utcnow()
        self.expires_at = _expiry()

    def _where(self) -> Any:
        return (col(ResumableUpload.id) == self.upload_id) & (
            col(ResumableUpload.lease_token) == self.token
        )

    def _update(self, **values: object) -> None:
        with session_scope() as session:
            done = session.execute(update(ResumableUpload).where(self._where()).values(**values))
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise locked()
        self.renewed = utcnow()

    async def commit(self, offset: int, state: str) -> None:
        """The request's bytes are durable: the offset moves, and the upload is free for
        the next request (one UPDATE; it ends the lease)."""
        self.expires_at = _expiry()
        await asyncio.to_thread(
            self._update,
            offset=offset,
            store_state=state,
            lease_token=None,
            lease_until=None,
            expires_at=self.expires_at,
        )

    async def renew_if_due(self) -> None:
        if utcnow() - self.renewed > timedelta(seconds=RENEW_SECONDS):
            until = utcnow() + timedelta(seconds=LEASE_SECONDS)
            await asyncio.to_thread(self._update, lease_until=until)

    def release(self) -> None:
        with session_scope() as session:
            session.execute(
                update(ResumableUpload)
                .where(self._where())
                .values(lease_token=None, lease_until=None)
            )


def _at_offset(error: VideosparringError, offset: int) -> VideosparringError:
    """A refusal that says where the upload stands, so that a client can go on from it."""
    error.headers = {**error.headers, "Upload-Offset": str(offset)}
    return error


@dataclass
class Claimed:
    upload_id: str
    recording_id: str
    offset: int
    length: int | None
    state: str
    filename: str


def _claim(
    *, owner: Subject, upload_id: str, offset: int, length: int | None, lease: Lease
) -> Claimed:
    """Check the request against the upload and take its lease, in one transaction."""
    with session_scope() as session:
        upload = own_upload(session=session, owner=owner, upload_id=upload_id)
        if upload.finished_at is not None:
            raise _at_offset(
                Conflict(N_("The upload is already complete."), code="upload.finished"),
                upload.offset,
            )
        if offset != upload.offset:
            raise _at_offset(
                Conflict(
                    N_(
                        "The upload continues at byte %(expected)s, not %(offset)s. Ask the "
                        "server where it stands (HEAD) and continue from there."
                    ),
                    code="upload.offset",
                    expected=upload.offset,
                    offset=offset,
                ),
                upload.offset,
            )
        values: dict[str, object] = {
            "lease_token": lease.token,
            "lease_until": utcnow() + timedelta(seconds=LEASE_SECONDS),
        }
        if length is not None:
            if upload.length is None:
                if length > settings.max_upload_bytes:
                    raise _too_large()
                if length < upload.offset or length == 0:
                    raise BadInput(
                        N_("Upload-Length is smaller than what has been sent."),
                        code="upload.bad_length",
                    )
                values["length"] = length
            elif length != upload.length:
                raise BadInput(
                    N_("Upload-Length cannot change once it is set."), code="upload.bad_length"
                )
        free = _lease_free(utcnow())
        taken = session.execute(
            update(ResumableUpload)
            .where(
                (col(ResumableUpload.id) == upload_id)
                & (col(ResumableUpload.offset) == offset)
                & free
            )
            .values(**values)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise locked()
        return Claimed(
            upload_id=upload.id,
            recording_id=upload.recording_id,
            offset=upload.offset,
            length=length if upload.length is None else upload.length,
            state=upload.store_state,
            filename=upload.filename,
        )


def _header_int(request: Request, name: str, *, required: bool) -> int | None:
    raw = request.headers.get(name)
    if raw is None:
        if required:
            raise BadInput(N_("The header %(name)s is missing."), code="tus.header", name=name)
        return None
    if not raw.isdigit() or len(raw) > 19:
        raise BadInput(
            N_("The header %(name)s must be a whole number of bytes."),
            code="tus.header",
            name=name,
        )
    return int(raw)


def creation_length(request: Request) -> int | None:
    """`Upload-Length`, or none where `Upload-Defer-Length: 1` says it comes later."""
    length = _header_int(request, "upload-length", required=False)
    deferred = request.headers.get("upload-defer-length")
    if deferred is not None and deferred != "1":
        raise BadInput(
            N_("The header %(name)s must be a whole number of bytes."),
            code="tus.header",
            name="Upload-Defer-Length",
        )
    if (length is None) == (deferred is None):
        raise BadInput(
            N_("Give either Upload-Length or Upload-Defer-Length: 1."), code="tus.length"
        )
    return length


async def append(*, request: Request, owner: Subject, upload_id: str) -> Progress:
    """A PATCH: the body's bytes at the offset it names; the last byte makes the recording."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != OFFSET_TYPE:
        raise UnsupportedMedia(
            N_("A PATCH must be sent as application/offset+octet-stream."),
            code="tus.content_type",
        )
    offset = _header_int(request, "upload-offset", required=True)
    assert offset is not None
    length = _header_int(request, "upload-length", required=False)
    lease = Lease(upload_id)
    claimed = await asyncio.to_thread(
        _claim, owner=owner, upload_id=upload_id, offset=offset, length=length, lease=lease
    )
    limit = claimed.length if claimed.length is not None else settings.max_upload_bytes
    try:
        writer = await _open_writer(claimed, lease)
    except BaseException:
        await asyncio.to_thread(lease.release)
        raise
    received = claimed.offset
    stored = None
    try:
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit:
                    if claimed.length is None:
                        raise _too_large()
                    raise BadInput(
                        N_("The request holds more bytes than the upload's length."),
                        code="upload.past_length",
                    )
                await writer.feed(chunk)
                await lease.renew_if_due()
        except ClientDisconnect:
            # The client is gone: what arrived is kept, and the next PATCH goes on from it.
            log.info("upload %s interrupted at byte %d", upload_id, received)
        else:
            if claimed.length is not None and received == claimed.length:
                stored = await writer.complete(
                    object_key(claimed.recording_id, storage.ORIGINAL),
                    recordings.original_type(claimed.filename),
                )
        if stored is None:
            offset_now = await writer.settle()
    except BaseException as exc:
        await writer.abandon()
        await asyncio.to_thread(lease.release)
        if isinstance(exc, OSError) and storage.is_disk_full(exc):
            raise disk_full(ReceivedUpload()) from exc
        if isinstance(exc, media_store.StoreError):
            # Nothing of this request counts: the client goes on from where it stood.
            raise _at_offset(recordings.store_unavailable(exc), claimed.offset) from exc
        raise
    if stored is None:  # the settle's commit ended the lease
        return Progress(offset=offset_now, length=claimed.length, expires_at=lease.expires_at)
    return await asyncio.to_thread(_finish, owner, claimed, stored, lease)


async def _open_writer(claimed: Claimed, lease: Lease) -> spool.Writer:
    try:
        writer = spool.writer_for(
            upload_id=claimed.upload_id,
            recording_id=claimed.recording_id,
            offset=claimed.offset,
            state_text=claimed.state,
            content_type=recordings.original_type(claimed.filename),
            commit=lease.commit,
        )
    except BlockingIOError as exc:  # the file is still held by the request before
        raise locked() from exc
    if isinstance(writer, spool.BucketWriter):
        try:
            await writer.open()
        except media_store.StoreError as exc:
            raise _at_offset(recordings.store_unavailable(exc), claimed.offset) from exc
    return writer


def _finish(owner: Subject, claimed: Claimed, stored: Stored, lease: Lease) -> Progress:
    """The last byte is in: check the file as a single-request upload is checked, and make
    the recording; a refusal removes the upload, bytes and row, and says why."""
    store = media_store.current()
    try:
        stored, info = _checked_original(store, claimed, stored)
        with session_scope() as session:
            upload = session.get(ResumableUpload, claimed.upload_id)
            if upload is None or upload.lease_token != lease.token:
                raise locked()
            form = recordings.check_form(
                session=session, fields=json.loads(upload.fields), owner=owner
            )
            original = recordings.Original(claimed.recording_id, claimed.filename, stored, info)
            recording = recordings.add_recording(
                session=session, owner=owner, form=form, original=original
            )
            upload.offset = stored.size if upload.length is None else upload.length
            upload.length = upload.offset
            upload.finished_at = utcnow()
            upload.lease_token = upload.lease_until = None
            session.add(upload)
            audit_on_commit(session, owner, Action.upload, recording.id, f"{stored.size} bytes")
            return progress_of(upload)
    except Locked:
        raise
    except BaseException as exc:
        _remove(claimed.upload_id, claimed.recording_id, claimed.state)
        refused = isinstance(exc, (BadInput, UnsupportedMedia))
        if refused and (away := _store_away(store, stored.key)) is not None:
            # The check read the file from the store, which went away meanwhile: the file
            # was never shown to be no media; the person is told what did happen.
            raise recordings.store_unavailable(away) from exc
        raise


def _store_away(store: media_store.MediaStore, key: str) -> Exception | None:
    """Why the store cannot be reached now, or None (it answers)."""
    if not isinstance(store, S3Store):
        return None
    try:
        store.stat(key)
    except media_store.StoreError as exc:
        return exc
    return None


def _checked_original(
    store: media_store.MediaStore, claimed: Claimed, stored: Stored
) -> tuple[Stored, media.MediaInfo]:
    """Probe and test-decode the whole file (remuxed first if a browser recorded it without
    an index); on the data folder it then moves into the media folder."""
    key = stored.key
    content_type = recordings.original_type(claimed.filename)
    if isinstance(store, S3Store):
        try:
            return stored, recordings.inspect_media(store.address(key), stored.size)
        except BadInput as exc:
            if exc.code != "upload.unindexed":
                raise
        with store.local_copy(key, f"upload-{claimed.upload_id}") as copy:
            indexed = _remux(copy)
            info = recordings.inspect_media(indexed, indexed.stat().st_size)
            return store.keep(key, indexed, content_type=content_type), info
    path = spool.local_path(claimed.upload_id)
    try:
        info = recordings.inspect_media(path, stored.size)
    except BadInput as exc:
        if exc.code != "upload.unindexed":
            raise
        indexed = _remux(path)
        indexed.replace(path)
        info = recordings.inspect_media(path, path.stat().st_size)
        stored = Stored(key, path.stat().st_size, media_store.file_sha256(path))
    try:
        return store.keep(key, path, content_type=content_type, sha256=stored.sha256), info
    except media_store.StoreError as exc:
        raise recordings.store_unavailable(exc) from exc


def _remux(path: Path) -> Path:
    target = path.with_name(path.name + ".indexed.webm")
    try:
        media.remux_indexed(path, target)
    except media.MediaError as exc:
        target.unlink(missing_ok=True)
        log.info("a recorded upload could not be remuxed: %s", exc.detail)
        raise recordings.damaged() from exc
    return target


def _remove(upload_id: str, recording_id: str, state: str) -> None:
    """An upload and what it left, gone: refused at the end, terminated, expired."""
    try:
        spool.discard(upload_id=upload_id, recording_id=recording_id, state_text=state)
        store = media_store.current()
        with session_scope() as session:
            if session.get(Recording, recording_id) is None:
                store.delete_prefix(recording_id)
    except media_store.StoreError:
        # The store is away: the upload still goes (the person asked for it); its bytes,
        # with no row left, are strays the hourly sweep removes (spool.strays).
        log.warning("upload %s removed; its bytes in the store are left for the sweep", upload_id)
    finally:
        _forget_row(upload_id)


def _forget_row(upload_id: str) -> None:
    with session_scope() as session:
        session.execute(delete(ResumableUpload).where(col(ResumableUpload.id) == upload_id))


def terminate(*, owner: Subject, upload_id: str) -> None:
    """DELETE (tus termination): the upload and its bytes go; a finished one's recording
    stays (it is deleted as a recording)."""
    lease = Lease(upload_id)
    with session_scope() as session:
        upload = own_upload(session=session, owner=owner, upload_id=upload_id)
        if upload.finished_at is None:
            free = _lease_free(utcnow())
            taken = session.execute(
                update(ResumableUpload)
                .where((col(ResumableUpload.id) == upload_id) & free)
                .values(lease_token=lease.token, lease_until=utcnow())
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                raise locked()
        recording_id, state, finished = upload.recording_id, upload.store_state, upload.finished_at
    if finished is not None:
        _forget_row(upload_id)
        return
    _remove(upload_id, recording_id, state)


def expire() -> list[str]:
    """Delete uploads nobody has added to for `upload_expiry_hours` (and finished ones
    past the same time), then bytes no upload row owns; returns the ids removed."""
    now = utcnow()
    with session_scope() as session:
        due = session.exec(
            select(ResumableUpload).where(
                (col(ResumableUpload.expires_at) < now) & _lease_free(now)
            )
        ).all()
        gone = [(u.id, u.recording_id, u.store_state, u.finished_at) for u in due]
    for upload_id, recording_id, state, finished in gone:
        if finished is None:
            _remove(upload_id, recording_id, state)
        else:
            _forget_row(upload_id)
    if gone:
        log.info("removed %d expired upload(s)", len(gone))
    with session_scope() as session:
        rows = session.exec(select(ResumableUpload.id, ResumableUpload.recording_id)).all()
        live = {row[0] for row in rows}
        reserved = {row[1] for row in rows} | set(session.exec(select(Recording.id)).all())
    spool.strays(live, reserved, min_age_seconds=3600)
    return [g[0] for g in gone]
