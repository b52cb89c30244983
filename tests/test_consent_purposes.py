"""Issue 24: consent for each purpose. A recording's consent names who consented (the child
and the custody holders, or a young person of 15 or over alone) and each purpose on its own:
individual supervision (a named person), team sparring (a team the caseworker is a member
of), teaching (any other team). Shares of the recording and its clips need the purpose;
withdrawing one ends at once the shares that needed it, each audited.

The old consent's way into the new columns (individual and team, never teaching):
tests/test_migrations.py."""

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.access.models import Share
from app.admin import audit_words
from app.core.db import session_scope
from app.recordings.models import Consent, Recording
from tests.support.accounts import ClientFor, make_team, user_id
from tests.support.audit import entries, last_seq
from tests.support.clips import cut_clips, make_clip, share_clip
from tests.support.factories import CONVERSATION, make_ready
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import CONSENT, share, upload

NONE = {"consent_individual": None, "consent_team": None, "consent_teaching": None}


def purposes(*names: str) -> dict[str, str | None]:
    """The upload's purpose fields: the named ones ticked, the others left out."""
    return NONE | {f"consent_{name}": "on" for name in names}


def new_recording(client: TestClient, media: MediaSet, **extra: str | None) -> str:
    response = upload(client, media.encoded(FORMATS[6]), extra=extra)  # type: ignore[arg-type]
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def ready_with(client: TestClient, media: MediaSet, *names: str) -> str:
    """A ready recording of the caseworker whose consent covers the named purposes."""
    fields = purposes(*names)
    response = upload(client, media.conversation(60), language="da", extra=fields)  # type: ignore[arg-type]
    assert response.status_code == 201, response.text
    recording_id = str(response.json()["id"])
    make_ready(recording_id, [line for line in CONVERSATION if line.end <= 60])
    return recording_id


def consent_of(recording_id: str) -> Consent:
    with session_scope() as session:
        row = session.get(Consent, recording_id)
        assert row is not None
        session.expunge(row)
        return row


def recordings_count() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(Recording)).one())


def share_ids(recording_id: str) -> set[int]:
    with session_scope() as session:
        rows = session.exec(select(Share).where(Share.recording_id == recording_id)).all()
        return {int(row.id) for row in rows}  # type: ignore[arg-type]


def own_and_other_team() -> tuple[int, int]:
    """A team the caseworker is a member of (with Carl), and one they are not (the
    supervisor's and Carl's)."""
    me, carl, supervisor = user_id("caseworker"), user_id("caseworker2"), user_id("supervisor")
    return make_team("Eget team", [me, carl]), make_team("Andet team", [supervisor, carl])


# The upload ------------------------------------------------------------------------------


def test_the_purposes_are_recorded_each_on_its_own(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    rid = new_recording(client, media, **purposes("individual", "teaching"))
    consent = consent_of(rid)
    assert (consent.for_individual, consent.for_team, consent.for_teaching) == (True, False, True)
    assert consent.given_by == "child_and_custody"
    assert consent.child_consented and consent.custody_holders_consented


@pytest.mark.parametrize("how", ["api", "page"])
def test_without_a_purpose_nothing_is_stored(
    how: str, sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    """The API answers 422 with the code and the field; the page shows the form again with
    the first purpose marked and the message read with it."""
    if how == "api":
        response = upload(client, media.encoded(FORMATS[6]), extra=NONE)  # type: ignore[arg-type]
        assert response.status_code == 422, response.text
        body = response.json()
        assert (body["code"], body["field"]) == ("consent.no_purpose", "consent_individual")
        assert "mindst ét formål" in body["detail"]
    else:
        fields = {"title": "Samtale", "case_reference": "SAG-1", "language": "en", **CONSENT}
        fields = {k: v for k, v in (fields | NONE).items() if v is not None}
        with media.encoded(FORMATS[6]).open("rb") as fh:
            response = client.post(
                "/recordings/new",
                data=fields,
                files={"file": ("samtale.mp3", fh, "audio/mpeg")},
                follow_redirects=False,
            )
        assert response.status_code == 422
        box = re.search(r'<input type="checkbox" id="consent_individual"[^>]*>', response.text)
        assert box and 'aria-invalid="true"' in box.group(0), response.text
        assert "mindst ét formål" in unescape(response.text)
    assert recordings_count() == 0


def test_a_young_person_of_15_consents_alone(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    rid = new_recording(
        client,
        media,
        consent_given_by="young_person",
        consent_custody=None,
        **purposes("individual"),
    )
    consent = consent_of(rid)
    assert consent.given_by == "young_person"
    assert consent.child_consented and not consent.custody_holders_consented
    make_ready(rid)
    page = unescape(client.get(f"/recordings/{rid}").text)
    assert "Den unge (15 år eller derover) gav selv samtykke" in page


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        # A child under 15: the custody holders must consent too.
        ({"consent_custody": None}, "consent.required", "consent_custody"),
        ({"consent_given_by": "child_and_custody", "consent_child": None}, "consent.required",
         "consent_child"),
        # The young person consenting alone: their own consent is still needed.
        ({"consent_given_by": "young_person", "consent_child": None, "consent_custody": None},
         "consent.required", "consent_child"),
        ({"consent_given_by": "naboen"}, "consent.bad_giver", "consent_given_by"),
    ],
)  # fmt: skip
def test_who_consented_is_checked(
    fields: dict[str, str | None],
    code: str,
    field: str,
    sqlite_db: str,
    client: TestClient,
    media: MediaSet,
) -> None:
    response = upload(client, media.encoded(FORMATS[6]), extra=fields)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert "samtykke" in response.json()["detail"].lower()
    assert recordings_count() == 0


def test_the_form_says_what_each_purpose_allows(sqlite_db: str, client: TestClient) -> None:
    for url in ("/recordings/new", "/recordings/record"):
        page = unescape(client.get(url).text)
        assert "Kolleger i dit eget team kan se klip, du deler med teamet" in page
        assert "Klip kan vises for andre teams og i undervisning" in page
        assert "En supervisor eller kollega, som du vælger, kan se optagelsen" in page
        assert 'name="consent_given_by" value="young_person"' in page
        assert 'name="consent_purpose"' not in page
    client.get("/language/en")
    english = unescape(client.get("/recordings/new").text)
    assert "Colleagues in your own team can watch clips you share with the team" in english


# Shares need the purpose -------------------------------------------------------------------


def test_a_team_of_ones_own_needs_team_sparring(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    own, other = own_and_other_team()
    rid = ready_with(client, media, "individual", "teaching")
    # A team is given clips only (the recording's team share is refused for that first).
    whole = client.post(f"/api/v1/recordings/{rid}/shares", json={"team_id": own})
    assert (whole.status_code, whole.json()["code"]) == (422, "share.team_needs_clip")
    clip = make_clip(client, rid, 2.0, 8.0)
    assert cut_clips() == ["succeeded"]
    # The consent is asked before the caseworker's approval of what the team will see.
    refused = client.post(f"/api/v1/clips/{clip}/shares", json={"team_id": own})
    assert refused.status_code == 409
    assert refused.json()["code"] == "share.consent_team"
    assert refused.json()["detail"].startswith("Samtykket dækker ikke teamsparring")
    assert share_ids(rid) == set()
    # The other team (teaching) may have it; the page offers that team, not one's own.
    share_clip(client, clip, team_id=other)
    page = client.get(f"/recordings/{rid}").text
    recording_form = page.split('id="share-target"')[1].split("</select>")[0]
    assert "team:" not in recording_form  # a team is given clips only
    assert "Dine egne teams kan ikke vælges: samtykket dækker ikke teamsparring." in page
    # The clip's own form says the same, and does not offer one's own team either.
    clip_form = page.split(f'id="clip-share-{clip}"')[1].split("</form>")[0]
    assert f'value="team:{own}"' not in clip_form
    assert "Andre teams: undervisning" in clip_form
    note = unescape(clip_form.split(f'id="clip-share-{clip}-consent"')[1])
    assert "Samtykket dækker: Individuel supervision, Undervisning uden for teamet." in note


def test_another_team_needs_teaching(sqlite_db: str, client: TestClient, media: MediaSet) -> None:
    own, other = own_and_other_team()
    rid = ready_with(client, media, "individual", "team")
    clip = make_clip(client, rid, 2.0, 8.0)
    assert cut_clips() == ["succeeded"]
    refused = client.post(f"/api/v1/clips/{clip}/shares", json={"team_id": other})
    assert refused.status_code == 409
    assert refused.json()["code"] == "share.consent_teaching"
    assert "ikke er medlem af" in refused.json()["detail"]
    share_clip(client, clip, team_id=own)  # team sparring in one's own team: covered
    page = client.get(f"/recordings/{rid}").text
    assert f'value="team:{other}"' not in page
    assert "Teams, du ikke er medlem af, kan ikke vælges" in page

    with_teaching = ready_with(client, media, "teaching")
    taught = make_clip(client, with_teaching, 2.0, 8.0)
    assert cut_clips() == ["succeeded"]
    share_clip(client, taught, team_id=other)
    assert len(share_ids(with_teaching)) == 1


def test_a_named_person_needs_individual_supervision(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    own, _ = own_and_other_team()
    rid = ready_with(client, media, "team")
    supervisor = user_id("supervisor")
    refused = client.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": supervisor})
    assert (refused.status_code, refused.json()["code"]) == (409, "share.consent_individual")
    form = client.post(
        f"/recordings/{rid}/shares", data={"target": f"user:{supervisor}"}, follow_redirects=False
    )
    assert form.status_code == 409
    assert "Samtykket dækker ikke individuel supervision" in unescape(form.text)
    clip = make_clip(client, rid, 2.0, 8.0)
    assert cut_clips() == ["succeeded"]
    refused = client.post(f"/api/v1/clips/{clip}/shares", json={"user_id": supervisor})
    assert refused.json()["code"] == "share.consent_individual"
    assert share_ids(rid) == set()
    share_clip(client, clip, team_id=own)
    page = client.get(f"/recordings/{rid}").text
    assert f'value="user:{supervisor}"' not in page
    assert "Personer kan ikke vælges" in page


# Withdrawing a purpose ---------------------------------------------------------------------


def test_withdrawing_team_sparring_ends_the_team_shares_at_once(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    """The clip's share with one's own team ends at once (the member gets 404 on the clip,
    unless another team's share reaches them); the supervisor's personal shares and the
    other team's stay. Each ended share is audited, and the withdrawal, in words an
    administrator reads."""
    own, other = own_and_other_team()
    supervisor = user_id("supervisor")
    rid = ready_with(client, media, "individual", "team", "teaching")
    clip = make_clip(client, rid, 2.0, 8.0)
    assert cut_clips() == ["succeeded"]
    team_clip_share = share_clip(client, clip, team_id=own)
    person_share = share(client, rid, user_id=supervisor)
    person_clip_share = share_clip(client, clip, user_id=supervisor)
    other_clip_share = share_clip(client, clip, team_id=other)
    carl, soren = client_for("caseworker2"), client_for("supervisor")
    assert carl.get(f"/api/v1/clips/{clip}").status_code == 200
    assert carl.get(f"/api/v1/recordings/{rid}").status_code == 404  # a team: the clip only
    since = last_seq()

    answer = client.post(f"/api/v1/recordings/{rid}/consent/purposes/team/withdraw")
    assert answer.status_code == 204, answer.text

    consent = consent_of(rid)
    assert (consent.for_individual, consent.for_team, consent.for_teaching) == (True, False, True)
    assert share_ids(rid) == {person_share, person_clip_share, other_clip_share}
    assert team_clip_share not in share_ids(rid)
    # Carl is in the other team too: the clip still reaches him through that share.
    assert carl.get(f"/api/v1/clips/{clip}").status_code == 200
    assert soren.get(f"/api/v1/recordings/{rid}").status_code == 200
    assert soren.get(f"/api/v1/clips/{clip}").status_code == 200
    written = entries(since)
    ended = sorted(e.detail for e in written if e.action == "unshare")
    assert ended == [f"clip {clip} team {own}; consent for team withdrawn"]
    (withdrawal,) = [e for e in written if e.action == "consent_purpose_withdrawn"]
    assert (withdrawal.detail, withdrawal.recording_id) == ("team; 1 shares ended", rid)
    assert all(audit_words.understood(e.action, e.detail) for e in written)
    # Sharing with one's own team is refused from now on.
    again = client.post(f"/api/v1/clips/{clip}/shares", json={"team_id": own})
    assert again.json()["code"] == "share.consent_team"


def test_a_member_loses_the_clip_when_team_sparring_is_withdrawn(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    me, carl_id = user_id("caseworker"), user_id("caseworker2")
    own = make_team("Kun os", [me, carl_id])
    rid = ready_with(client, media, "individual", "team")
    clip = make_clip(client, rid, 2.0, 8.0)
    assert cut_clips() == ["succeeded"]
    share_clip(client, clip, team_id=own)
    personal = share(client, rid, user_id=user_id("supervisor"))
    carl = client_for("caseworker2")
    assert carl.get(f"/api/v1/clips/{clip}").status_code == 200
    answer = client.post(f"/api/v1/recordings/{rid}/consent/purposes/team/withdraw")
    assert answer.status_code == 204
    assert carl.get(f"/api/v1/clips/{clip}").status_code == 404
    assert share_ids(rid) == {personal}
    assert client_for("supervisor").get(f"/api/v1/recordings/{rid}").status_code == 200


def test_withdrawing_on_the_page(sqlite_db: str, client: TestClient, media: MediaSet) -> None:
    """The consent section says who consented and what each purpose is; a purpose is
    withdrawn with its own button; the last one cannot be, the whole consent can."""
    rid = ready_with(client, media, "individual", "teaching")
    page = unescape(client.get(f"/recordings/{rid}").text)
    assert "Barnet og forældremyndighedsindehaverne gav samtykke den" in page
    for purpose, state in (
        ("individual", "dækket"),
        ("team", "ikke dækket"),
        ("teaching", "dækket"),
    ):
        item = page.split(f'id="purpose-{purpose}"')[1].split("</li>")[0]
        assert f"<strong>{state}</strong>" in item
        withdraw = f'action="/recordings/{rid}/consent/purposes/{purpose}/withdraw"'
        assert (withdraw in item) == (state == "dækket")
    sent = client.post(
        f"/recordings/{rid}/consent/purposes/teaching/withdraw", follow_redirects=False
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(f"/recordings/{rid}?withdrawn=teaching&ended=0")
    page = unescape(client.get(sent.headers["location"]).text)
    assert "Samtykket dækker ikke længere dette formål: Undervisning uden for teamet." in page
    assert "consent/purposes/individual/withdraw" not in page  # the last purpose
    assert "Samtykkets sidste formål kan ikke trækkes tilbage alene" in page
    assert f'action="/recordings/{rid}/consent/withdraw"' in page
    client.get("/language/en")
    english = unescape(client.get(f"/recordings/{rid}").text)
    assert "The child and the custody holders consented on" in english
    assert "Individual supervision: <strong>covered</strong>" in english
    assert "Teaching beyond the team: <strong>not covered</strong>" in english


def test_what_cannot_be_withdrawn(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    rid = ready_with(client, media, "individual", "team")
    base = f"/api/v1/recordings/{rid}/consent/purposes"
    assert client.post(f"{base}/teaching/withdraw").json()["code"] == "consent.not_covered"
    assert client.post(f"{base}/research/withdraw").status_code == 404
    share(client, rid, user_id=user_id("supervisor"))
    # Only the caseworker: 403 to the supervisor it is shared with, 404 to anyone else.
    assert client_for("supervisor").post(f"{base}/team/withdraw").status_code == 403
    assert client_for("caseworker2").post(f"{base}/team/withdraw").status_code == 404
    assert client.post(f"{base}/team/withdraw").status_code == 204
    last = client.post(f"{base}/individual/withdraw")
    assert (last.status_code, last.json()["code"]) == (409, "consent.last_purpose")
    assert consent_of(rid).for_individual
