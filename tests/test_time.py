""" "Today" is the municipality's date; times are stored in UTC and shown in local time.

The clock is set, not waited for: 00:30 Danish summer time on 15 June 2026 is still
14 June in UTC, so a consent signed that night was refused as "in the future".
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from app.core.config import settings
from app.core.i18n import Tenths, translate
from app.core.templates import clock_tenths
from app.core.timeutil import clock_at, local_today, to_local
from tests.support.accounts import ClientFor
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload

NIGHT = datetime(2026, 6, 15, 0, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))  # 22:30 UTC on the 14th
WINTER_NIGHT = datetime(2026, 1, 10, 0, 45, tzinfo=ZoneInfo("Europe/Copenhagen"))  # 23:45 UTC


def consent(day: str) -> dict[str, str]:
    return {"consent_child": "on", "consent_custody": "on", "consent_date": day}


def upload_at_night(client: TestClient, media: MediaSet) -> dict:
    """A recording uploaded at NIGHT, its consent signed that (Danish) day."""
    with clock_at(NIGHT):
        created = upload(client, media.encoded(FORMATS[6]), extra=consent("2026-06-15"))
    assert created.status_code == 201, created.text
    return created.json()


@pytest.mark.parametrize("moment", [NIGHT, WINTER_NIGHT], ids=["summer", "winter"])
def test_consent_dated_today_is_accepted_after_midnight(
    moment: datetime, db: str, client: TestClient, media: MediaSet
) -> None:
    today = moment.date().isoformat()
    with clock_at(moment):
        assert local_today() == moment.date()
        response = upload(client, media.encoded(FORMATS[6]), extra=consent(today))
        assert response.status_code == 201, response.text
        tomorrow = moment.date().replace(day=moment.day + 1).isoformat()
        refused = upload(client, media.encoded(FORMATS[6]), extra=consent(tomorrow))
        assert refused.status_code == 422 and "fremtiden" in refused.json()["detail"]
        # The upload page offers today as the latest consent date.
        assert f'max="{today}"' in client.get("/recordings/new").text


def test_the_time_zone_is_one_setting(
    sqlite_db: str, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "time_zone", "UTC")
    with clock_at(NIGHT):
        assert local_today().isoformat() == "2026-06-14"
        response = upload(client, media.encoded(FORMATS[6]), extra=consent("2026-06-15"))
        assert response.status_code == 422


def test_pages_show_local_time_the_audit_log_included(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    created = upload_at_night(client, media)
    # Stored in UTC ...
    stored = datetime.fromisoformat(created["created_at"])
    assert stored.replace(tzinfo=stored.tzinfo or UTC) == NIGHT
    # ... shown in Danish time, on the list and in the audit log.
    assert "15.06.2026 00.30" in client.get("/recordings").text
    admin = client_for("administrator")
    audit = admin.get("/admin/audit").text
    assert "15.06.2026 00.30.00" in audit
    assert "2026-06-14 22:30" not in audit


def test_local_time_follows_summer_and_winter() -> None:
    assert to_local(datetime(2026, 6, 14, 22, 30)).strftime("%d %H:%M") == "15 00:30"
    assert to_local(datetime(2026, 1, 9, 23, 45, tzinfo=UTC)).strftime("%d %H:%M") == "10 00:45"


def test_audit_log_filters_by_the_local_date(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    upload_at_night(client, media)
    admin = client_for("administrator")
    that_night = admin.get("/admin/audit?since=2026-06-15&until=2026-06-15")
    assert that_night.status_code == 200, that_night.text[:300]
    assert "15.06.2026 00.30.00" in that_night.text
    day_before = admin.get("/admin/audit?since=2026-06-14&until=2026-06-14")
    assert day_before.status_code == 200
    assert "00:30:00" not in day_before.text


def test_times_to_the_tenth_follow_the_readers_decimal_sign() -> None:
    """Issue 19: 0:06,5 in Danish, 0:06.5 in English, as app/static/clock.js shows them
    (7.25 rounds up there too); a length in a message likewise."""
    assert (clock_tenths(6.5, "da"), clock_tenths(6.5, "en")) == ("0:06,5", "0:06.5")
    assert (clock_tenths(6.0, "da"), clock_tenths(6.0, "da", always=True)) == ("0:06", "0:06,0")
    assert clock_tenths(7.25, "da", always=True) == "0:07,3"
    assert clock_tenths(3725.04, "en", always=True) == "1:02:05.0"
    outside = "The clip must lie within the recording, which lasts %(duration)s seconds."
    assert "varer 60,0 sekunder" in translate(outside, "da", duration=Tenths(60))
    assert "lasts 60.0 seconds" in translate(outside, "en", duration=Tenths(60))
