"""Fault drill (issue 26): PostgreSQL restarted under a running app. The drill starts a
PostgreSQL of its own on a free port (never the shared one), serves pages and an upload from
it, stops it: pages and the upload fail cleanly (503 with a message, /livez still answers,
/readyz says the database is down, nothing half-stored), starts it again: the same app, not
restarted, serves again."""

from collections.abc import Iterator

import pytest

from app.core.config import settings
from tests.support.accounts import live_client
from tests.support.database import forget_engines, migrate, using
from tests.support.media import FORMATS, MediaSet
from tests.support.own_postgres import OwnPostgres, own_postgres
from tests.support.recordings import upload
from tests.support.servers import app_env, serving
from tests.support.stored import files_under


@pytest.fixture
def drill_db() -> Iterator[OwnPostgres]:
    with own_postgres() as server:
        migrate(server.url)
        try:
            with using(server.url):
                yield server
        finally:
            forget_engines(server.url)


def test_postgresql_restarted_under_the_running_app(drill_db: OwnPostgres, media: MediaSet) -> None:
    with serving(app_env(SPARRING_DATABASE_URL=drill_db.url)) as base:
        client = live_client(base)
        assert client.get("/recordings").status_code == 200
        sent = upload(client, media.encoded(FORMATS[6]), title="Før genstart")
        assert sent.status_code == 201, sent.text
        before = files_under(settings.media_dir)

        drill_db.stop()
        page = client.get("/recordings")
        assert page.status_code == 503
        assert "Databasen kan ikke nås lige nu" in page.text
        api = client.get("/api/v1/recordings")
        assert api.status_code == 503 and api.json()["code"] == "service.database_down"
        assert api.headers["retry-after"] == "30"
        refused = upload(client, media.encoded(FORMATS[6]), title="Under nedbrud")
        assert refused.status_code == 503, refused.text
        assert files_under(settings.media_dir) == before  # nothing half-stored
        assert client.get("/livez").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert not {c["name"]: c for c in ready.json()["checks"]}["database"]["ok"]

        drill_db.start()
        again = client.get("/recordings")
        assert again.status_code == 200 and "Før genstart" in again.text
        assert "Under nedbrud" not in again.text
        later = upload(client, media.encoded(FORMATS[6]), title="Efter genstart")
        assert later.status_code == 201, later.text
