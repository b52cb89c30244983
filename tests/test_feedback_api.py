"""Feedback at a moment through the API: the rules, the bad input, access, audit, export."""

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.core.db import session_scope
from app.feedback.models import Feedback, FeedbackCriterion, FeedbackList, Notification
from tests.support.accounts import ClientFor, user_id
from tests.support.audit import entries
from tests.support.feedback import criterion_ids, forget_share_notices, new_recording
from tests.support.media import MediaSet
from tests.support.recordings import share


@pytest.fixture
def scene(sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet) -> dict:
    """The caseworker's recording, shared with the supervisor."""
    recording_id, duration = new_recording(client, media)
    share(client, recording_id, user_id=user_id("supervisor"))
    forget_share_notices()  # only feedback's notifications count here
    return {
        "rid": recording_id,
        "duration": duration,
        "owner": client,
        "supervisor": client_for("supervisor"),
        "criteria": criterion_ids(client),
    }


def url(recording_id: str, suffix: str = "") -> str:
    return f"/api/v1/recordings/{recording_id}/feedback{suffix}"


def item(criteria: list[int], **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "strength",
        "start_seconds": 1.0,
        "criterion_ids": criteria[:1],
        "text": "God kontakt her: du venter på barnet.",
    }
    return body | fields


def add(client: TestClient, rid: str, body: dict[str, object]) -> dict:
    response = client.post(url(rid), json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def rows(model: type) -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


# The usual way: prepare drafts, publish, the caseworker is told and replies ---------------


def test_drafts_publish_notify_reply(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    rid, duration = new_recording(client, media)
    share(client, rid, user_id=user_id("supervisor"))
    forget_share_notices()  # only feedback's notifications count here
    supervisor, other = client_for("supervisor"), client_for("caseworker2")
    criteria = criterion_ids(client)
    point = add(supervisor, rid, item(criteria, start_seconds=2.5))
    span = add(
        supervisor,
        rid,
        item(
            criteria,
            criterion_ids=criteria[2:4],
            kind="development_point",
            start_seconds=0.5,
            end_seconds=duration,
            text="Her kunne du spørge åbent.",
        ),
    )
    assert point["draft"] and span["draft"] and point["own"] and not point["self_reflection"]
    assert [c["name_da"] for c in span["criteria"]] == ["Fri fortælling", "Åbne spørgsmål"]
    # A draft is its author's alone.
    assert client.get(url(rid)).json() == {
        "items": [],
        "count": 0,
        "drafts": 0,
        "offset": 0,
        "next_offset": None,
    }
    mine = supervisor.get(url(rid)).json()
    assert [i["id"] for i in mine["items"]] == [span["id"], point["id"]]  # time order
    assert mine["drafts"] == 2
    assert other.get(url(rid)).status_code == 404

    # Publishing all drafts in one step: one notification, linking to the first moment.
    published = supervisor.post(url(rid, "/publish")).json()
    assert published == {"published": 2, "ids": [span["id"], point["id"]]}  # in time order
    seen = client.get(url(rid)).json()
    assert [i["id"] for i in seen["items"]] == [span["id"], point["id"]]
    assert not any(i["draft"] for i in seen["items"]) and seen["drafts"] == 0
    notes = client.get("/api/v1/notifications").json()
    assert notes["unread"] == 1
    [note] = notes["items"]
    assert note["reason"] == "published" and note["count"] == 2
    assert note["recording_id"] == rid and note["feedback_id"] == span["id"]
    assert note["start_seconds"] == 0.5 and note["actor_name"] == "Søren Supervisor"
    assert supervisor.get("/api/v1/notifications").json() == {"items": [], "unread": 0}
    assert client.post(f"/api/v1/notifications/{note['id']}/read").status_code == 204
    assert client.get("/api/v1/notifications").json()["unread"] == 0

    # The caseworker replies; the supervisor is told, and sees the reply in the thread.
    response = client.post(url(rid, f"/{point['id']}/replies"), json={"text": "Tak!"})
    assert response.status_code == 201, response.text
    reply = response.json()
    assert reply["parent_id"] == point["id"] and reply["self_reflection"]
    thread = next(i for i in supervisor.get(url(rid)).json()["items"] if i["id"] == point["id"])
    assert [r["text"] for r in thread["replies"]] == ["Tak!"]
    [told] = supervisor.get("/api/v1/notifications").json()["items"]
    assert told["reason"] == "reply" and told["feedback_id"] == reply["id"]
    assert told["start_seconds"] == 2.5  # the reply opens at its item's moment
    # A reply to a reply joins the same thread.
    response = supervisor.post(url(rid, f"/{reply['id']}/replies"), json={"text": "Selv tak"})
    assert response.json()["parent_id"] == point["id"]
    assert entries(action="feedback_published", recording_id=rid) and entries(
        action="feedback_added", recording_id=rid
    )


def test_self_reflection_is_private_until_published(scene: dict) -> None:
    owner, supervisor, rid = scene["owner"], scene["supervisor"], scene["rid"]
    mine = add(owner, rid, item(scene["criteria"], kind="question", text="Jeg var usikker her"))
    assert mine["self_reflection"] and mine["draft"]
    assert supervisor.get(url(rid)).json()["items"] == []
    # Someone else's draft does not exist for them: not to reply to, edit or publish.
    for method, suffix, body in [
        ("POST", f"/{mine['id']}/replies", {"text": "x"}),
        ("PATCH", f"/{mine['id']}", {"text": "x"}),
        ("DELETE", f"/{mine['id']}", None),
        ("POST", f"/{mine['id']}/publish", None),
    ]:
        response = supervisor.request(method, url(rid, suffix), json=body)
        assert response.status_code == 404, (method, suffix)
        assert response.json()["code"] == "feedback.not_found"
    response = owner.post(url(rid, f"/{mine['id']}/replies"), json={"text": "x"})
    assert response.json()["code"] == "feedback.reply_to_draft"
    response = owner.post(url(rid, f"/{mine['id']}/publish"))
    assert response.status_code == 200 and not response.json()["draft"]
    [seen] = supervisor.get(url(rid)).json()["items"]
    assert seen["self_reflection"] and seen["text"] == "Jeg var usikker her"
    # One's own feedback on one's own recording tells nobody.
    assert owner.get("/api/v1/notifications").json()["items"] == []
    response = owner.post(url(rid, f"/{mine['id']}/publish"))
    assert response.json()["code"] == "feedback.not_a_draft"
    assert supervisor.post(url(rid, "/publish")).json() == {"published": 0, "ids": []}


def test_publish_at_once_notifies_the_caseworker(scene: dict) -> None:
    added = add(scene["supervisor"], scene["rid"], item(scene["criteria"], publish=True))
    assert not added["draft"] and added["published_at"]
    [note] = scene["owner"].get("/api/v1/notifications").json()["items"]
    assert note["count"] == 1 and note["feedback_id"] == added["id"]


# Edit and delete your own ------------------------------------------------------------------


def test_edit_marks_published_items_and_delete_keeps_the_thread(scene: dict) -> None:
    owner, supervisor, rid, criteria = (
        scene[k] for k in ("owner", "supervisor", "rid", "criteria")
    )
    draft = add(supervisor, rid, item(criteria))
    edited = supervisor.patch(url(rid, f"/{draft['id']}"), json={"text": "Bedre formuleret"})
    assert edited.status_code == 200 and not edited.json()["edited"]  # nobody saw the draft
    first = add(supervisor, rid, item(criteria, publish=True, start_seconds=3))
    response = supervisor.patch(
        url(rid, f"/{first['id']}"),
        json={"text": "Rettet", "kind": "question", "start_seconds": 1, "end_seconds": 2},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["edited"] and changed["edited_at"] and changed["kind"] == "question"
    assert (changed["start_seconds"], changed["end_seconds"]) == (1, 2)
    # Someone else's item: 403, unchanged.
    for method, body in [("PATCH", {"text": "Overskrevet"}), ("DELETE", None)]:
        response = owner.request(method, url(rid, f"/{first['id']}"), json=body)
        assert response.status_code == 403 and response.json()["code"] == "feedback.not_yours"
    reply = owner.post(url(rid, f"/{first['id']}/replies"), json={"text": "Hvad mener du?"})
    reply_id = reply.json()["id"]
    response = owner.patch(url(rid, f"/{reply_id}"), json={"kind": "strength"})
    assert response.json()["code"] == "feedback.reply_text_only"
    response = owner.patch(url(rid, f"/{reply_id}"), json={"text": "Hvad mente du?"})
    assert response.json()["edited"] and response.json()["text"] == "Hvad mente du?"

    # Deleting the thread's first item keeps the replies readable.
    assert supervisor.delete(url(rid, f"/{first['id']}")).status_code == 204
    [thread] = [i for i in owner.get(url(rid)).json()["items"] if i["id"] == first["id"]]
    assert thread["deleted"] and thread["text"] == "" and thread["criteria"]
    assert [r["text"] for r in thread["replies"]] == ["Hvad mente du?"]
    assert supervisor.patch(url(rid, f"/{first['id']}"), json={"text": "x"}).status_code == 404
    # A deleted reply, or a draft, simply goes.
    assert owner.delete(url(rid, f"/{reply_id}")).status_code == 204
    assert all(i["id"] != first["id"] for i in owner.get(url(rid)).json()["items"])
    assert supervisor.delete(url(rid, f"/{draft['id']}")).status_code == 204
    assert supervisor.get(url(rid)).json()["items"] == []


# Bad input: a clear error in the reader's language, nothing stored ------------------------

BAD = [
    ("after the end", {"start_seconds": 10_000}, "feedback.outside_recording"),
    (
        "end after the end",
        {"start_seconds": 1, "end_seconds": 10_000},
        "feedback.outside_recording",
    ),
    ("negative", {"start_seconds": -1}, "invalid.too_small"),
    ("end before start", {"start_seconds": 2, "end_seconds": 1}, "feedback.end_before_start"),
    ("zero length", {"start_seconds": 2, "end_seconds": 2}, "feedback.zero_length"),
    ("zero length, rounded", {"start_seconds": 2, "end_seconds": 2.0001}, "feedback.zero_length"),
    ("unknown criterion", {"criterion_ids": [2**62]}, "feedback.unknown_criterion"),
    ("criterion twice", {"criterion_ids": "twice"}, "feedback.criterion_twice"),
    ("no criterion", {"criterion_ids": []}, "feedback.criterion_required"),
    ("empty text", {"text": "  \n "}, "feedback.text_required"),
    ("over-long text", {"text": "x" * 4001}, "invalid.too_long"),
    ("control characters", {"text": "a\x00b"}, "feedback.text_bad_chars"),
    ("unknown kind", {"kind": "praise"}, "invalid.choice"),
    ("huge criterion id", {"criterion_ids": [2**63]}, "invalid.too_big"),
]


@pytest.mark.parametrize("label, fields, code", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_nothing_stored(
    scene: dict, label: str, fields: dict[str, object], code: str
) -> None:
    criteria = scene["criteria"]
    if fields.get("criterion_ids") == "twice":
        fields = {"criterion_ids": [criteria[0], criteria[0]]}
    body = item(criteria, publish=True) | fields
    response = scene["supervisor"].post(url(scene["rid"]), json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert rows(Feedback) == rows(FeedbackCriterion) == rows(Notification) == 0
    assert not entries(action="feedback_added", recording_id=scene["rid"])


def test_errors_come_in_the_readers_language(scene: dict) -> None:
    body = item(scene["criteria"], start_seconds=2, end_seconds=1)
    danish = scene["supervisor"].post(url(scene["rid"]), json=body).json()["detail"]
    english = scene["supervisor"].post(
        url(scene["rid"]), json=body, headers={"Accept-Language": "en"}
    )
    assert danish.startswith("Slutningen ligger før starten")
    assert english.json()["detail"].startswith("The end lies before the start")
    response = scene["supervisor"].post(
        url(scene["rid"]), json=item(scene["criteria"], start_seconds=10_000)
    )
    # In Danish, with the Danish decimal comma (issue 19, point 5).
    assert f"{scene['duration']:.1f}".replace(".", ",") in response.json()["detail"]


def test_not_a_number_is_refused(scene: dict) -> None:
    for raw in (b'{"kind":"strength","start_seconds":NaN,"text":"x"}', b'{"start_seconds":1e999}'):
        response = scene["supervisor"].post(
            url(scene["rid"]), content=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, raw
    assert rows(Feedback) == 0


def test_bad_edits_change_nothing(scene: dict) -> None:
    supervisor, rid, criteria = scene["supervisor"], scene["rid"], scene["criteria"]
    added = add(supervisor, rid, item(criteria, start_seconds=1, end_seconds=3))
    for body, code in [
        ({"end_seconds": 0.5}, "feedback.end_before_start"),
        ({"start_seconds": 3}, "feedback.zero_length"),
        ({"criterion_ids": []}, "feedback.criterion_required"),
        ({"criterion_ids": [2**62]}, "feedback.unknown_criterion"),
        ({"text": ""}, "feedback.text_required"),
    ]:
        response = supervisor.patch(url(rid, f"/{added['id']}"), json=body)
        assert response.status_code == 422 and response.json()["code"] == code, body
    [after] = supervisor.get(url(rid)).json()["items"]
    assert after == added


def test_script_in_text_is_stored_and_given_back_as_text(scene: dict) -> None:
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> & =HYPERLINK("x")'
    added = add(scene["supervisor"], scene["rid"], item(scene["criteria"], text=text))
    assert added["text"] == text
    response = scene["supervisor"].get(url(scene["rid"]))
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["items"][0]["text"] == text
    with session_scope() as session:
        assert session.exec(select(Feedback.text)).one() == text


def test_reply_to_an_item_on_another_recording(scene: dict, media: MediaSet) -> None:
    owner, rid = scene["owner"], scene["rid"]
    other_rid, _ = new_recording(owner, media)
    theirs = add(owner, other_rid, item(scene["criteria"], publish=True))
    before = rows(Feedback)
    response = owner.post(url(rid, f"/{theirs['id']}/replies"), json={"text": "Forkert sted"})
    assert response.status_code == 404 and response.json()["code"] == "feedback.not_found"
    for method in ("PATCH", "DELETE"):
        body = {"text": "x"} if method == "PATCH" else None
        assert owner.request(method, url(rid, f"/{theirs['id']}"), json=body).status_code == 404
    assert rows(Feedback) == before


# Access: the one rule of app.access ------------------------------------------------------


def test_who_sees_a_recording_sees_its_published_feedback(
    scene: dict, client_for: ClientFor
) -> None:
    rid, criteria = scene["rid"], scene["criteria"]
    published = add(scene["supervisor"], rid, item(criteria, publish=True))
    for who in ("caseworker2", "administrator", "leader"):
        outsider = client_for(who)
        for method, suffix, body in [
            ("GET", "", None),
            ("GET", "/grouped", None),
            ("GET", "/export.csv", None),
            ("POST", "", item(criteria)),
            ("POST", "/publish", None),
            ("POST", f"/{published['id']}/replies", {"text": "Hej"}),
            ("PATCH", f"/{published['id']}", {"text": "Hej"}),
            ("DELETE", f"/{published['id']}", None),
        ]:
            response = outsider.request(method, url(rid, suffix), json=body)
            assert response.status_code == 404, (who, method, suffix)
            assert response.json()["code"] == "recording.not_found"
            assert published["text"] not in response.text
        assert outsider.get("/api/v1/notifications").json()["items"] == []
    assert rows(Feedback) == 1
    # Withdrawing the share ends access to the feedback and hides its notifications.
    reply = scene["owner"].post(url(rid, f"/{published['id']}/replies"), json={"text": "Tak"})
    assert reply.status_code == 201
    assert scene["supervisor"].get("/api/v1/notifications").json()["unread"] == 1
    [share] = scene["owner"].get(f"/api/v1/recordings/{rid}/shares").json()
    scene["owner"].delete(f"/api/v1/recordings/{rid}/shares/{share['id']}")
    assert scene["supervisor"].get(url(rid)).status_code == 404
    assert scene["supervisor"].get("/api/v1/notifications").json() == {"items": [], "unread": 0}


def test_notifications_are_the_readers_own(scene: dict, client_for: ClientFor) -> None:
    add(scene["supervisor"], scene["rid"], item(scene["criteria"], publish=True))
    [note] = scene["owner"].get("/api/v1/notifications").json()["items"]
    response = scene["supervisor"].post(f"/api/v1/notifications/{note['id']}/read")
    assert response.status_code == 404
    assert scene["owner"].get("/api/v1/notifications").json()["unread"] == 1
    assert scene["owner"].post("/api/v1/notifications/read").status_code == 204
    assert scene["owner"].get("/api/v1/notifications").json()["unread"] == 0


def test_deleting_the_recording_deletes_its_feedback(scene: dict) -> None:
    added = add(scene["supervisor"], scene["rid"], item(scene["criteria"], publish=True))
    scene["owner"].post(url(scene["rid"], f"/{added['id']}/replies"), json={"text": "Tak"})
    assert rows(Feedback) == 2 and rows(Notification) == 2
    assert scene["owner"].delete(f"/api/v1/recordings/{scene['rid']}").status_code == 204
    assert rows(Feedback) == rows(FeedbackCriterion) == rows(Notification) == 0


# Criteria on feedback ----------------------------------------------------------------------


def test_feedback_keeps_the_wording_and_shows_retired_criteria(
    scene: dict, client_for: ClientFor
) -> None:
    admin = client_for("administrator")
    supervisor, rid, criteria = scene["supervisor"], scene["rid"], scene["criteria"]
    old = add(supervisor, rid, item(criteria[:1], publish=True))
    response = admin.patch(f"/api/v1/criteria/{criteria[0]}", json={"name_da": "Kontakt"})
    assert response.status_code == 200 and response.json()["version"] == 2
    new = add(supervisor, rid, item(criteria[:1], publish=True, start_seconds=2))
    listed = {i["id"]: i for i in supervisor.get(url(rid)).json()["items"]}
    assert listed[old["id"]]["criteria"][0] | {"retired": False} == {
        "id": criteria[0],
        "version": 1,
        "name_da": "Kontakt og tryghed",
        "name_en": "Contact and emotional safety",
        "retired": False,
    }
    assert listed[new["id"]]["criteria"][0]["name_da"] == "Kontakt"
    # Retired: still shown on old feedback, refused for new.
    assert admin.post(f"/api/v1/criteria/{criteria[0]}/retire").status_code == 200
    listed = {i["id"]: i for i in supervisor.get(url(rid)).json()["items"]}
    assert listed[old["id"]]["criteria"][0]["retired"] is True
    response = supervisor.post(url(rid), json=item(criteria[:1]))
    assert response.status_code == 422
    assert response.json()["code"] == "feedback.retired_criterion"
    # An item keeps its retired criterion when edited, but cannot gain one.
    response = supervisor.patch(
        url(rid, f"/{old['id']}"), json={"criterion_ids": [criteria[0], criteria[1]]}
    )
    assert response.status_code == 200, response.text
    assert [c["version"] for c in response.json()["criteria"]] == [1, 1]
    response = supervisor.patch(url(rid, f"/{old['id']}"), json={"criterion_ids": [criteria[1]]})
    assert [c["id"] for c in response.json()["criteria"]] == [criteria[1]]
    response = supervisor.patch(
        url(rid, f"/{old['id']}"), json={"criterion_ids": [criteria[0], criteria[1]]}
    )
    assert response.json()["code"] == "feedback.retired_criterion"


def test_criteria_optional_when_the_administrator_says_so(
    scene: dict, client_for: ClientFor
) -> None:
    admin = client_for("administrator")
    response = admin.put("/api/v1/criteria/settings", json={"criteria_required": False})
    assert response.status_code == 200 and response.json()["criteria_required"] is False
    added = add(scene["supervisor"], scene["rid"], item([], publish=True))
    assert added["criteria"] == []
    grouped = scene["supervisor"].get(url(scene["rid"], "/grouped")).json()
    assert grouped["groups"][-1]["criterion"] is None
    admin.put("/api/v1/criteria/settings", json={"criteria_required": True})
    response = scene["supervisor"].post(url(scene["rid"]), json=item([]))
    assert response.json()["code"] == "feedback.criterion_required"


def test_grouped_by_criterion_strengths_first(scene: dict) -> None:
    supervisor, rid, criteria = scene["supervisor"], scene["rid"], scene["criteria"]
    for kind, start in [("question", 0.5), ("development_point", 1.0), ("strength", 3.0)]:
        add(supervisor, rid, item([criteria[5]], kind=kind, start_seconds=start, publish=True))
    add(
        supervisor,
        rid,
        item(criteria, criterion_ids=[criteria[0], criteria[5]], kind="strength", start_seconds=2),
    )
    grouped = supervisor.get(url(rid, "/grouped")).json()
    assert [g["criterion"]["id"] for g in grouped["groups"]] == [criteria[0], criteria[5]]
    listening = grouped["groups"][1]
    assert listening["criterion"]["name_en"] == "Active listening"
    assert listening["counts"] == {"strength": 2, "development_point": 1, "question": 1}
    kinds = [i["kind"] for i in listening["items"]]
    assert kinds == ["strength", "strength", "development_point", "question"]
    assert [i["start_seconds"] for i in listening["items"]][:2] == [2, 3]
    assert grouped["counts"] == {"strength": 2, "development_point": 1, "question": 1}


# Reads are viewings; the CSV is an audited download ---------------------------------------


def test_reading_feedback_is_one_audited_viewing(scene: dict) -> None:
    rid = scene["rid"]
    for _ in range(3):
        assert scene["supervisor"].get(url(rid)).status_code == 200
    scene["supervisor"].get(url(rid, "/grouped"))
    views = [e for e in entries(action="view", recording_id=rid) if e.detail == "feedback"]
    assert len(views) == 1 and views[0].actor_id == user_id("supervisor")


def test_csv_export(scene: dict) -> None:
    supervisor, owner, rid, criteria = (
        scene[k] for k in ("supervisor", "owner", "rid", "criteria")
    )
    first = add(
        supervisor,
        rid,
        item(
            criteria,
            criterion_ids=criteria[:2],
            start_seconds=1.25,
            end_seconds=2.5,
            text="=SUM(A1) <b>godt</b>",
        ),
    )
    supervisor.post(url(rid, f"/{first['id']}/publish"))
    owner.post(url(rid, f"/{first['id']}/replies"), json={"text": "Tak, linje 1\nlinje 2"})
    add(supervisor, rid, item(criteria, start_seconds=0.2, text="Kun min kladde"))
    response = owner.get(url(rid, "/export.csv"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "no-store" in response.headers["cache-control"]
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0][:4] == ["tid", "slut", "type", "kriterier"]
    assert table[1][:7] == [
        "00:00:01.250",
        "00:00:02.500",
        "styrke",
        "Kontakt og tryghed; Rammesætning (formål, mandat, rettigheder, grundregler)",
        "Søren Supervisor",
        "",
        "'=SUM(A1) <b>godt</b>",
    ]
    assert table[2][6:8] == ["Tak, linje 1\nlinje 2", str(first["id"])]
    assert len(table) == 3  # the supervisor's draft is not the caseworker's
    english = supervisor.get(url(rid, "/export.csv"), headers={"Accept-Language": "en"})
    rows_en = list(csv.reader(io.StringIO(english.text)))
    assert rows_en[0][0] == "time" and rows_en[1][5] == "draft"
    downloads = [
        e for e in entries(action="download", recording_id=rid) if e.detail == "feedback.csv"
    ]
    assert {e.actor_id for e in downloads} == {user_id("caseworker"), user_id("supervisor")}


def test_the_list_is_the_same_json_however_it_is_built(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    """The API writes its list from plain rows (fast); it must equal the model's JSON, on
    both databases: items, replies, drafts, deleted items with replies, retired criteria."""
    from app.accounts.models import User
    from app.accounts.subject import Subject
    from app.feedback.reading import Reading
    from app.feedback.targets import Here, Target
    from app.recordings.models import Recording

    recording_id, _ = new_recording(client, media)
    share(client, recording_id, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor")
    crit = criterion_ids(client)
    first = supervisor.post(url(recording_id), json=item(crit, publish=True)).json()
    supervisor.post(url(recording_id), json=item(crit[1:3], kind="question", start_seconds=2.5))
    client.post(url(recording_id, f"/{first['id']}/replies"), json={"text": "Tak <b>!</b>"})
    own = client.post(url(recording_id), json=item(crit, publish=True, end_seconds=3.0)).json()
    client.post(url(recording_id, f"/{own['id']}/replies"), json={"text": "Egen note"})
    assert client.delete(url(recording_id, f"/{own['id']}")).status_code == 204
    admin = client_for("administrator")
    assert admin.post(f"/api/v1/criteria/{crit[0]}/retire").status_code == 200
    for who in ("caseworker", "supervisor"):
        with session_scope() as session:
            reader = session.get(User, user_id(who))
            recording = session.get(Recording, recording_id)
            assert reader and recording
            target = Target.of_recording(recording)
            reading = Reading(Here(session, Subject.of(reader), target))
            for page in ({}, {"offset": 0, "limit": 1}, {"offset": 1, "limit": 5}):
                fast = json.loads(reading.listing_json(**page))
                checked = FeedbackList.model_validate(reading.listing(**page).model_dump())
                slow = json.loads(checked.model_dump_json())
                assert fast == slow
            assert fast["count"] >= 2
    api = supervisor.get(url(recording_id)).json()
    assert api["drafts"] == 1 and any(t["deleted"] and t["replies"] for t in api["items"])


def test_the_list_comes_in_pages(scene: dict) -> None:
    """A recording may hold thousands of items: the list is paged, in time order, and its
    count and drafts are of all the threads; a page size out of range is refused."""
    rid, owner, supervisor, crit = (
        scene["rid"],
        scene["owner"],
        scene["supervisor"],
        scene["criteria"],
    )
    starts = [0.5, 2.0, 1.0, 3.0, 1.5]
    made = [add(supervisor, rid, item(crit, start_seconds=t, publish=True)) for t in starts]
    add(supervisor, rid, item(crit, start_seconds=2.5))  # a draft: the supervisor's alone
    reply = owner.post(url(rid, f"/{made[0]['id']}/replies"), json={"text": "Tak"})
    assert reply.status_code == 201

    seen: list[float] = []
    offset: int | None = 0
    while offset is not None:
        page = supervisor.get(url(rid), params={"offset": offset, "limit": 2}).json()
        assert page["count"] == 6 and page["drafts"] == 1 and page["offset"] == offset
        assert len(page["items"]) == (2 if offset < 6 else 0)
        seen += [t["start_seconds"] for t in page["items"]]
        offset = page["next_offset"]
    assert seen == sorted(starts + [2.5])
    first = supervisor.get(url(rid), params={"limit": 1}).json()["items"][0]
    assert first["id"] == made[0]["id"] and [r["text"] for r in first["replies"]] == ["Tak"]
    mine = owner.get(url(rid)).json()  # the default page holds them all; no draft of others
    assert mine["count"] == 5 and mine["drafts"] == 0 and mine["next_offset"] is None
    for bad in ({"limit": 0}, {"limit": 5000}, {"offset": -1}, {"limit": "mange"}):
        refused = supervisor.get(url(rid), params=bad)
        assert refused.status_code == 422, (bad, refused.text)
