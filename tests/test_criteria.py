"""The rubric: the thirteen default criteria a new database starts with, and the
administrator's API."""

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import select

from app.audit.models import AuditEntry
from app.core.db import session_scope
from app.criteria.defaults import DEFAULT_RUBRIC, EDITION
from tests.support.accounts import ClientFor
from tests.support.database import migrate, postgres_database
from tests.support.environment import DATA

API = "/api/v1/criteria"


def catalogue_in(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT c.position, c.version, c.retired_at, v.version, v.name_da, "
                        "v.name_en, v.description_da, v.description_en FROM criterion c "
                        "JOIN criterionversion v ON v.criterion_id = c.id ORDER BY c.position"
                    )
                ).all()
            )
    finally:
        engine.dispose()


# The default rubric of 2026-12-06, in Danish, in its order (issue 19).
THIRTEEN = [
    "Kontakt og tryghed",
    "Rammesætning (formål, mandat, rettigheder, grundregler)",
    "Fri fortælling",
    "Åbne spørgsmål",
    "Ingen ledende spørgsmål",
    "Aktiv lytning",
    "Tid, pauser og taletid",
    "Følge barnets initiativ",
    "Tilpasset kommunikation",
    "Barnets perspektiv",
    "Respons på bekymrende betroelser",
    "Inddragelse i beslutning",
    "Afslutning",
]


def check_the_thirteen(url: str) -> None:
    """Each default at version 1, named and described in Danish and English."""
    rows = catalogue_in(url)
    assert [row[4] for row in rows] == THIRTEEN
    for position, (row, default) in enumerate(zip(rows, DEFAULT_RUBRIC, strict=True), start=1):
        assert row[:4] == (position, 1, None, 1)
        wording = (default.name_da, default.name_en, default.description_da, default.description_en)
        assert tuple(row[4:]) == wording
        assert all(part.strip() for part in wording)
    assert len({row[5] for row in rows}) == 13  # an English name each, none twice
    assert rows[4][5:] == (
        "No leading questions",
        "Spørgsmålene antyder ikke svaret og bringer ikke detaljer ind, som barnet ikke selv "
        'har sagt; ingen "…, ikke?".',
        "Questions do not suggest the answer or bring in details the child has not said; "
        'no "…, right?".',
    )
    assert "lover ikke at holde det hemmeligt" in rows[10][6]
    assert "does not promise secrecy" in rows[10][7]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:  # a new installation has nothing to be offered
            answered = conn.execute(text("SELECT defaults_answered FROM rubricsettings")).all()
    finally:
        engine.dispose()
    assert answered == [(EDITION,)]


def test_a_new_database_starts_with_the_thirteen_criteria_on_sqlite() -> None:
    url = f"sqlite:///{DATA / f'criteria-{uuid.uuid4().hex[:8]}.db'}"
    migrate(url, base_users=False)
    check_the_thirteen(url)


def test_a_new_database_starts_with_the_thirteen_criteria_on_postgres() -> None:
    with postgres_database("vs_criteria", base_users=False) as url:
        check_the_thirteen(url)


def test_anyone_signed_in_reads_the_catalogue(
    sqlite_db: str, client: TestClient, client_for: ClientFor
) -> None:
    catalogue = client.get(API).json()
    assert catalogue["criteria_required"] is True and catalogue["groups"] == []
    criteria = catalogue["criteria"]
    assert [c["number"] for c in criteria] == list(range(1, 14))
    assert [c["name_da"] for c in criteria] == THIRTEEN
    assert criteria[3]["description_en"].startswith("Mostly open invitations")
    assert client_for("leader").get(API).status_code == 200
    from app.main import app

    with TestClient(app) as anonymous:
        assert anonymous.get(API).status_code == 401


def test_the_administrator_keeps_the_rubric(db: str, client_for: ClientFor) -> None:
    admin = client_for("administrator")
    ids = [c["id"] for c in admin.get(API).json()["criteria"]]
    # Add: at the end, with its wording as version 1.
    response = admin.post(
        API,
        json={
            "name_da": "Tavshed",
            "name_en": "Silence",
            "description_da": "Tåler pauser",
            "description_en": "Bears pauses",
        },
    )
    assert response.status_code == 201, response.text
    added = response.json()
    assert (added["number"], added["version"], added["retired"]) == (14, 1, False)
    # Edit: a new wording is a new version; the same wording is not.
    response = admin.patch(f"{API}/{added['id']}", json={"name_en": "Silences"})
    assert response.json()["version"] == 2 and response.json()["name_da"] == "Tavshed"
    response = admin.patch(f"{API}/{added['id']}", json={"name_en": " Silences "})
    assert response.json()["version"] == 2
    # Group: a municipality's own section of the rubric.
    response = admin.post(f"{API}/groups", json={"name_da": "Egne", "name_en": "Our own"})
    assert response.status_code == 201
    group = response.json()
    response = admin.patch(f"{API}/groups/{group['id']}", json={"name_en": "Our own rubric"})
    assert response.json()["name_en"] == "Our own rubric"
    response = admin.patch(f"{API}/{added['id']}", json={"group_id": group["id"]})
    assert response.json()["group_id"] == group["id"] and response.json()["version"] == 2
    # Reorder: the new one first.
    response = admin.put(f"{API}/order", json={"criterion_ids": [added["id"], *ids]})
    assert response.status_code == 200
    order = response.json()["criteria"]
    assert [c["id"] for c in order] == [added["id"], *ids]
    assert [c["number"] for c in order][:2] == [1, 2]
    # Retire: no number to pick it by, still listed; restore gives it back.
    response = admin.post(f"{API}/{ids[0]}/retire")
    assert response.json()["retired"] is True and response.json()["number"] == 0
    numbers = {c["id"]: c["number"] for c in admin.get(API).json()["criteria"]}
    assert numbers[added["id"]] == 1 and numbers[ids[1]] == 2
    assert admin.post(f"{API}/{ids[0]}/restore").json()["number"] == 2
    # The setting.
    response = admin.put(f"{API}/settings", json={"criteria_required": False})
    assert response.json()["criteria_required"] is False
    assert admin.get(API).json()["criteria_required"] is False
    response = admin.patch(f"{API}/{added['id']}", json={"clear_group": True})
    assert response.json()["group_id"] is None
    with session_scope() as session:
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.action == "criteria_changed")
        ).all()
    details = {e.detail for e in entries}
    assert {f"criterion {added['id']} added", f"criterion {ids[0]} retired"} <= details
    assert "criteria required: False" in details


def test_only_the_administrator_changes_the_rubric(
    sqlite_db: str, client: TestClient, client_for: ClientFor
) -> None:
    first = client.get(API).json()["criteria"][0]["id"]
    body = {"name_da": "x", "name_en": "x"}
    for who in ("caseworker", "supervisor", "leader"):
        person = client_for(who)
        for method, path, json in [
            ("POST", API, body),
            ("PATCH", f"{API}/{first}", {"name_da": "y"}),
            ("POST", f"{API}/{first}/retire", None),
            ("POST", f"{API}/{first}/restore", None),
            ("PUT", f"{API}/order", {"criterion_ids": [first]}),
            ("PUT", f"{API}/settings", {"criteria_required": False}),
            ("POST", f"{API}/groups", body),
            ("PATCH", f"{API}/groups/1", body),
        ]:
            response = person.request(method, path, json=json)
            assert response.status_code == 403, (who, method, path)
    catalogue = client.get(API).json()
    assert len(catalogue["criteria"]) == 13 and catalogue["criteria_required"] is True
    assert catalogue["criteria"][0]["version"] == 1 and catalogue["groups"] == []


def test_bad_rubric_input_changes_nothing(sqlite_db: str, client_for: ClientFor) -> None:
    admin = client_for("administrator")
    before = admin.get(API).json()
    ids = [c["id"] for c in before["criteria"]]
    for method, path, json, status, code in [
        ("POST", API, {"name_da": "  ", "name_en": "x"}, 422, "criterion.name_required"),
        ("POST", API, {"name_da": "a\x00", "name_en": "x"}, 422, "criterion.bad_chars"),
        ("POST", API, {"name_da": "x" * 121, "name_en": "x"}, 422, "invalid.too_long"),
        ("POST", API, {"name_da": "x", "name_en": "x", "group_id": 2**62}, 422,
         "criterion.unknown_group"),
        ("PATCH", f"{API}/{ids[0]}", {"name_da": ""}, 422, "criterion.name_required"),
        ("PATCH", f"{API}/{2**62}", {"name_da": "x"}, 404, "criterion.not_found"),
        ("POST", f"{API}/{2**62}/retire", None, 404, "criterion.not_found"),
        ("PUT", f"{API}/order", {"criterion_ids": ids[1:]}, 422, "criterion.bad_order"),
        ("PUT", f"{API}/order", {"criterion_ids": [ids[0], *ids[:-1]]}, 422,
         "criterion.bad_order"),
        ("PATCH", f"{API}/groups/{2**62}", {"name_da": "x"}, 404, "criterion.group_not_found"),
        ("POST", f"{API}/groups", {"name_da": "", "name_en": "x"}, 422,
         "criterion.name_required"),
    ]:  # fmt: skip
        response = admin.request(method, path, json=json)
        assert response.status_code == status, (method, path, response.text)
        assert response.json()["code"] == code, (method, path)
    assert admin.get(API).json() == before
