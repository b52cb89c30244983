"""`videosparring move-installation`: an embedded installation (SQLite and the data folder's
media) copied to an empty PostgreSQL database and the S3 server's bucket, every count,
object and the audit chain checked there; the installation then runs on the target as it
ran before. A non-empty target and a spoilt object in the data folder stop it, changing
nothing in the target database."""

import hashlib
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect
from sqlmodel import select

from app.audit.service import verify
from app.cli import main as cli
from app.core.config import settings
from app.core.db import session_scope
from app.media.models import MediaObject
from app.moving import tables
from app.recordings import storage
from app.recordings.models import Recording
from tests.support import s3
from tests.support.accounts import ClientFor, make_team, user_id
from tests.support.clips import cut_clips, make_clip, share_clip
from tests.support.database import forget_engines, fresh_postgres, pg_admin, postgres_url, using
from tests.support.factories import SPOKEN_EN, make_ready
from tests.support.feedback import criterion_ids, give
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import share, upload

RANGE = {"Range": "bytes=100-4195"}


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A PostgreSQL database with nothing in it, not even the schema; dropped afterwards."""
    name = f"vs_move_{uuid.uuid4().hex[:10]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    url = postgres_url(name)
    try:
        yield url
    finally:
        forget_engines(url)
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test bucket, empty; the move's secret key in its environment variable."""
    monkeypatch.setenv("SPARRING_MOVE_S3_SECRET_KEY", s3.SECRET_KEY)
    s3.empty_bucket()
    yield s3.BUCKET
    s3.empty_bucket()


def move(database_url: str | None) -> None:
    """The command as an operator types it; None: the URL in SPARRING_MOVE_DATABASE_URL."""
    database = ["--to-database", database_url] if database_url else []
    cli(["move-installation", *database, "--to-s3-endpoint", s3.ENDPOINT,
         "--to-s3-bucket", s3.BUCKET, "--to-s3-access-key", s3.ACCESS_KEY])  # fmt: skip


def ready_with_media(client: TestClient, media: MediaSet) -> str:
    """A ready recording of the caseworker's with every file the worker makes."""
    created = upload(client, media.encoded(FORMATS[0]))
    assert created.status_code == 201, created.text
    recording_id = str(created.json()["id"])
    make_ready(recording_id, SPOKEN_EN, media_files=True)
    return recording_id


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return tables.counts(conn)
    finally:
        engine.dispose()


def bucket_sha256(key: str) -> str:
    body = s3.client().get_object(Bucket=s3.BUCKET, Key=key)["Body"].read()
    return hashlib.sha256(body).hexdigest()


def test_the_installation_moves_and_runs_on_the_target(
    sqlite_db: str,
    client: TestClient,
    client_for: ClientFor,
    media: MediaSet,
    empty_postgres: str,
    bucket: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recording_id = ready_with_media(client, media)
    clip_id = make_clip(client, recording_id, 1.0, 3.0)
    assert cut_clips() == ["succeeded"]
    criterion = criterion_ids(client)[0]
    feedback = f"/api/v1/recordings/{recording_id}/feedback"
    give(client, feedback, criterion, 1.5, "Åbent spørgsmål")
    share(client, recording_id, user_id=user_id("supervisor"))
    # The newest share's id belongs to one withdrawn: the target must not give it again. A
    # team's (of the clip, its protected variant approved: a team never gets a recording).
    team = make_team("Team Syd", [user_id("caseworker2")])
    withdrawn = share_clip(client, clip_id, team_id=team)
    shares = f"/api/v1/clips/{clip_id}/shares"
    assert client.delete(f"{shares}/{withdrawn}").status_code == 204
    played = client.get(f"/api/v1/recordings/{recording_id}/media", headers=RANGE)
    clip_played = client.get(f"/api/v1/clips/{clip_id}/media", headers=RANGE)
    team_played = client.get(f"/api/v1/clips/{clip_id}/media?variant=team", headers=RANGE)
    assert played.status_code == clip_played.status_code == team_played.status_code == 206
    assert team_played.content != clip_played.content
    # A file no row names (left by a crash): the sweep would remove it, the move leaves it.
    (settings.media_dir / recording_id / ".playable.mp4.crashed.tmp").write_bytes(b"half")
    with session_scope() as session:
        rows = dict(session.exec(select(MediaObject.key, MediaObject.sha256)).all())
    source = counts(settings.sqlalchemy_url)
    assert source["media_object"] >= 5 and source["auditentry"] >= 5  # original … clip poster
    assert (source["clip"], source["feedback"], source["share"]) == (1, 1, 1), source

    # The password in the environment, not in the shell's history (the server trusts
    # local connections: any password will do).
    with_password = empty_postgres.replace("postgres@", "postgres:hunter2-moving@")
    monkeypatch.setenv("SPARRING_MOVE_DATABASE_URL", with_password)
    move(None)

    said = capsys.readouterr().out
    assert counts(empty_postgres) == source
    assert s3.object_keys() == sorted(rows)  # the stray file not among them
    assert {key: bucket_sha256(key) for key in rows} == rows
    assert f"{recording_id}/.playable.mp4.crashed.tmp" in said
    shown = empty_postgres.replace("postgres@", "postgres:***@")
    assert f"SPARRING_DATABASE_URL={shown} (*** is the password" in said
    assert f"SPARRING_S3_BUCKET={s3.BUCKET}" in said and "SPARRING_STORAGE=s3" in said
    assert s3.SECRET_KEY not in said and "hunter2" not in said
    print(said)  # the command's output, for whoever reads the test's log

    with using(empty_postgres), s3.using_s3(emptied=False):
        with session_scope() as session:
            audit = verify(session=session)
        assert audit.ok and audit.checked == source["auditentry"], audit.problem
        # The same browser session, now on PostgreSQL and the bucket: the same bytes.
        again = client.get(f"/api/v1/recordings/{recording_id}/media", headers=RANGE)
        assert again.status_code == 206 and again.content == played.content
        assert again.headers["content-range"] == played.headers["content-range"]
        clip_again = client.get(f"/api/v1/clips/{clip_id}/media", headers=RANGE)
        assert clip_again.status_code == 206 and clip_again.content == clip_played.content
        # New rows get new ids: the sequences went past every id SQLite gave out. The
        # approval came along: the clip goes to the team again, as the variant it was.
        again_shared = client.post(shares, json={"team_id": team})
        assert again_shared.status_code == 201, again_shared.text
        assert again_shared.json()["id"] == withdrawn + 1
        member = client_for("caseworker2").get(f"/api/v1/clips/{clip_id}/media", headers=RANGE)
        assert member.status_code == 206 and member.content == team_played.content
        supervisor = client_for("supervisor")
        give(supervisor, feedback, criterion, 2.0, "Set og hørt på PostgreSQL")
        with session_scope() as session:
            assert verify(session=session).ok  # the chain goes on from the copied entries


def test_a_target_database_with_tables_is_refused(
    sqlite_db: str, client: TestClient, media: MediaSet, bucket: str
) -> None:
    ready_with_media(client, media)
    with fresh_postgres() as url:
        before = counts(url)
        with pytest.raises(SystemExit) as stopped:
            move(url)
        assert "is not empty" in str(stopped.value.code)
        assert "DROP DATABASE" in str(stopped.value.code)
        assert counts(url) == before
    assert s3.object_keys() == []


def test_a_spoilt_object_stops_the_move_and_names_it(
    sqlite_db: str, client: TestClient, media: MediaSet, empty_postgres: str, bucket: str
) -> None:
    recording_id = ready_with_media(client, media)
    path = settings.media_dir / recording_id / storage.ORIGINAL
    spoilt = bytearray(path.read_bytes())
    spoilt[len(spoilt) // 2] ^= 0xFF  # one bit pattern changed on the disk, the length kept
    path.write_bytes(bytes(spoilt))

    with pytest.raises(SystemExit) as stopped:
        move(empty_postgres)

    message = str(stopped.value.code)
    print(message)
    assert message.startswith("MOVE FAILED") and f"{recording_id}/{storage.ORIGINAL}" in message
    assert f"{recording_id}/{storage.ORIGINAL}" not in s3.object_keys()
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []  # nothing written to the database
    engine.dispose()


def test_a_row_postgresql_refuses_empties_the_target_again_and_the_move_runs_again(
    sqlite_db: str, client: TestClient, media: MediaSet, empty_postgres: str, bucket: str
) -> None:
    created = upload(client, media.encoded(FORMATS[6]))
    assert created.status_code == 201, created.text
    recording_id = created.json()["id"]
    # A title longer than its column: SQLite kept it, PostgreSQL refuses it.
    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None
        title, recording.title = recording.title, "x" * 300

    with pytest.raises(SystemExit) as stopped:
        move(empty_postgres)

    message = str(stopped.value.code)
    print(message)
    assert "Copying the rows failed" in message and "emptied again" in message
    assert "table recording" in message and "x" * 50 not in message  # no case data printed
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:
        assert (tables.table_names(conn), tables.revision_of(conn)) == ([], None)
    engine.dispose()
    assert s3.object_keys() != []  # the objects went first: the next run overwrites them

    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None
        recording.title = title
    move(empty_postgres)
    assert counts(empty_postgres) == counts(settings.sqlalchemy_url)


def test_only_an_embedded_installation_moves_and_only_to_postgresql(
    sqlite_db: str, empty_postgres: str, bucket: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        move(f"sqlite:///{settings.resolved_data_dir / 'elsewhere.db'}")
    assert "must be a PostgreSQL URL" in str(stopped.value.code)
    with s3.using_s3(), pytest.raises(SystemExit) as stopped:
        move(empty_postgres)
    assert "not the embedded one" in str(stopped.value.code)
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()
