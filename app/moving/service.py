"""Moving the embedded installation: the checks before (the source as it should be, an
empty target), the objects, then the rows in one target transaction with the checks after;
a failure undoes the target's migrations. What the operator changes then: `summary.py`."""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, create_engine, func, make_url
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlmodel import Session, col, select

from app.audit.service import verify
from app.core.config import settings
from app.core.db import get_engine
from app.core.timeutil import utcnow
from app.jobs.models import Job, JobStatus
from app.media.store import LocalStore, S3Store, StoreError
from app.moving import objects, tables

AGAIN = "run the move again: the objects already in the bucket are overwritten."


class MoveFailed(Exception):
    """The move stopped; the message says why and what to do."""


class NotEmbedded(MoveFailed):
    """This installation's database or media are not the embedded ones."""


class SourceNotReady(MoveFailed):
    """The installation is not in a state to be copied as it is."""


class TargetRefused(MoveFailed):
    """The target database or bucket cannot be reached, or holds something already."""


class ObjectsDiffer(MoveFailed):
    """Objects that are not what their rows say, in the data folder or the bucket."""


class CopyDiffers(MoveFailed):
    """The copied database is not the source's: counts, the audit chain, a change meanwhile."""


@dataclass(frozen=True)
class Target:
    database_url: str
    s3_endpoint: str
    s3_bucket: str
    s3_region: str
    s3_access_key: str
    s3_secret_key: str = field(repr=False)


@dataclass(frozen=True)
class Moved:
    objects: int
    object_bytes: int
    without_row: list[str]
    rows: dict[str, int]
    sequences: int
    audit_entries: int


def database_url(given: str) -> URL:
    """A PostgreSQL URL with the driver the application uses (psycopg 3)."""
    try:
        url = make_url(given)
    except ArgumentError as exc:
        raise TargetRefused(f"--to-database: not a database URL ({exc})") from exc
    if url.get_backend_name() != "postgresql":
        raise TargetRefused(
            "--to-database must be a PostgreSQL URL: postgresql+psycopg://user@host/database"
        )
    return url.set(drivername="postgresql+psycopg")


def shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def move(*, target: Target, say: Callable[[str], None]) -> Moved:
    """Copy this installation to the target, checking everything on the way (see the
    package's docstring); raises a MoveFailed that says what to do."""
    url = database_url(target.database_url)
    local = _embedded()
    bucket = S3Store(
        endpoint=target.s3_endpoint,
        bucket=target.s3_bucket,
        region=target.s3_region,
        access_key=target.s3_access_key,
        secret_key=target.s3_secret_key,
    )
    engine = create_engine(url, pool_pre_ping=True)
    try:
        with get_engine().connect() as source:
            _check_source(source)
            _check_target_database(engine.connect, url)
            wanted = objects.wanted(source)
            _check_bucket(bucket, wanted, target)
            before = tables.counts(source)
            without_row = objects.without_row(local, wanted)
            say(f"Media objects: {len(wanted)}, from {local.root} to bucket {target.s3_bucket}")
            _copy_objects(wanted, local, bucket, say)
            say(f"Database tables: {len(before)}, to {shown(url)}")
            rows, sequences, entries = _into_target(engine, source, before, url)
    finally:
        engine.dispose()
    return Moved(
        objects=len(wanted),
        object_bytes=sum(item.size for item in wanted),
        without_row=without_row,
        rows=rows,
        sequences=sequences,
        audit_entries=entries,
    )


def _embedded() -> LocalStore:
    if not settings.sqlalchemy_url.startswith("sqlite") or settings.storage != "local":
        raise NotEmbedded(
            "This installation is not the embedded one (SQLite and media in the data folder): "
            "SPARRING_DATABASE_URL and SPARRING_STORAGE already name other places."
        )
    return LocalStore(settings.media_dir)


def _check_source(source: Connection) -> None:
    if tables.revision_of(source) != tables.newest_revision():
        raise SourceNotReady(
            "The database is not at this release's schema: run `videosparring migrate` first."
        )
    if unknown := tables.unknown(source):
        raise SourceNotReady(
            f"The database has tables this release does not know ({', '.join(unknown)}): "
            "their rows would not be copied."
        )
    working = source.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.status == JobStatus.running, col(Job.lease_expires_at) > utcnow())
    )
    if working:
        raise SourceNotReady(
            f"A worker is working on {working} job(s): stop the web app and the worker first "
            "(nothing may change while the installation is copied)."
        )
    with Session(bind=source) as session:
        audit = verify(session=session)
    if not audit.ok:
        raise SourceNotReady(
            f"The audit log does not verify ({audit.problem}); see `videosparring "
            "audit-verify`. A move copies the chain as it is, so it must be intact first."
        )


def _check_target_database(connect: Callable[[], Connection], url: URL) -> None:
    try:
        with connect() as conn:
            existing, revision = tables.table_names(conn), tables.revision_of(conn)
    except SQLAlchemyError as exc:
        raise TargetRefused(f"Cannot reach the target database {shown(url)}: {_said(exc)}") from exc
    if existing or revision:
        raise TargetRefused(
            f"The target database {url.database} is not empty ({len(existing)} tables, e.g. "
            f"{', '.join(existing[:3])}; schema revision {revision}): a move needs an empty "
            "database, and changed nothing. If it is what an interrupted move left, start "
            f"over: {_recreate(url)}"
        )


def _check_bucket(bucket: S3Store, wanted: list[objects.Wanted], target: Target) -> None:
    try:
        others = objects.foreign(bucket, wanted)
    except StoreError as exc:
        raise TargetRefused(
            f"Cannot list bucket {target.s3_bucket} at {target.s3_endpoint or 'AWS'}: {exc}"
        ) from exc
    if others:
        raise TargetRefused(
            f"Bucket {target.s3_bucket} holds {len(others)} object(s) this installation has "
            f"no row for (e.g. {', '.join(others[:3])}); once it runs on the bucket, its "
            "sweep would delete them. Give the installation an empty bucket of its own."
        )


def _copy_objects(
    wanted: list[objects.Wanted], local: LocalStore, bucket: S3Store, say: Callable[[str], None]
) -> None:
    try:
        differs = objects.copy(objects=wanted, local=local, bucket=bucket, say=say)
    except StoreError as exc:
        raise TargetRefused(
            f"The bucket refused an object: {exc}.\nNothing was written to the target "
            f"database; {AGAIN}"
        ) from exc
    if differs:
        lines = "\n".join(f"  {d.key}: {d.why}" for d in differs)
        raise ObjectsDiffer(
            f"Media objects not what their rows say: {len(differs)}\n{lines}\n"
            "Nothing was written to the target database. Restore these files from a backup "
            "(or delete their recordings), then run the move again."
        )


def _into_target(
    engine: Engine, source: Connection, before: dict[str, int], url: URL
) -> tuple[dict[str, int], int, int]:
    """The migrations (committed as they go: some cannot run inside a transaction), then
    the rows in one transaction; if anything fails, the migrations are undone."""
    try:
        with engine.connect() as conn:
            tables.migrate(conn)
            conn.commit()
        with engine.begin() as conn:
            return _copy_database(source, conn, before)
    except Exception as exc:  # whatever it was (a row PostgreSQL refuses), undo, then say it
        failure = (
            str(exc) if isinstance(exc, MoveFailed) else f"Copying the rows failed: {_said(exc)}"
        )
        try:
            with engine.connect() as conn:
                tables.unmigrate(conn)
                conn.commit()
        except SQLAlchemyError as undo:
            raise CopyDiffers(
                f"{failure}\nEmptying the target database again failed too ({_said(undo)}). To "
                f"start over: {_recreate(url)} Then {AGAIN}"
            ) from exc
        raise CopyDiffers(f"{failure}\nThe target database was emptied again; {AGAIN}") from exc


def _said(exc: Exception) -> str:
    """An error without the statement and parameters SQLAlchemy adds (they hold case data)."""
    return str(exc.orig).strip() if isinstance(exc, DBAPIError) else str(exc)


def _recreate(url: URL) -> str:
    owner = f" OWNER {url.username}" if url.username else ""
    return f'DROP DATABASE "{url.database}"; CREATE DATABASE "{url.database}"{owner};'


def _copy_database(
    source: Connection, target: Connection, before: dict[str, int]
) -> tuple[dict[str, int], int, int]:
    """Inside the target's one transaction: any failure rolls it all back."""
    if unknown := tables.unknown(target):
        raise CopyDiffers(f"app/models.py does not list the tables {', '.join(unknown)}.")
    copied = tables.copy_rows(source, target)
    sequences = tables.set_sequences(source, target)
    after = tables.counts(target)
    wrong = [
        f"{name}: {count} in the source, {after[name]} in the target"
        for name, count in before.items()
        if after[name] != count
    ]
    if wrong or copied != before:
        raise CopyDiffers(f"Row counts differ: {'; '.join(wrong) or copied}.")
    with Session(bind=target) as session:
        audit = verify(session=session)
    if not audit.ok:
        raise CopyDiffers(f"The audit log does not verify on the target: {audit.problem}.")
    if tables.counts(source) != before:
        raise CopyDiffers(
            "The installation changed while it was copied: stop the web app and the worker."
        )
    return copied, sequences, audit.checked
