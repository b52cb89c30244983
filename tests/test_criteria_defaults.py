"""The default rubric of 2026-12-06 on an installation made before it: the upgrade leaves
the rubric as it is; the criteria page offers the new defaults with the differences, and
only the administrator's "accept" applies them, as new versions, additions and
retirements, audited; old feedback keeps the criterion it was given under."""

import html
import re
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy import delete, func
from sqlmodel import select

from app.audit.models import AuditEntry
from app.core.config import settings
from app.core.db import session_scope
from app.criteria import offer
from app.criteria.defaults import DEFAULT_RUBRIC, EDITION
from app.criteria.models import Criterion, CriterionVersion, RubricSettings
from tests.support.accounts import ClientFor
from tests.support.browser import AXE_JS, axe_page, axe_violations
from tests.support.database import alembic_config, migrate
from tests.support.factories import ready_recording
from tests.support.feedback import migration, new_recording
from tests.support.media import MediaSet

PAGE = "/admin/criteria"
ANSWERED = "c5d7e2a10013"  # the migration that came with the default rubric of 2026-12-06
SHOTS = Path("/work/notes/shots/pages")
API = "/api/v1/criteria"
OLD = [row[0] for row in migration().DEFAULT_CRITERIA]  # the twelve of 2026-12-01, Danish
NEW = [d.name_da for d in DEFAULT_RUBRIC]
ADDED = ["Ingen ledende spørgsmål", "Tid, pauser og taletid", "Respons på bekymrende betroelser"]
DROPPED = ["Rammesætning – mandat og rettigheder", "Grundregler"]
FRAMING = "Rammesætning (formål, mandat, rettigheder, grundregler)"


@pytest.fixture
def admin(client_for: ClientFor) -> TestClient:
    return client_for("administrator")


def installed_before_the_new_defaults() -> None:
    """The rubric as the release of 2026-12-01 left it: the baseline migration's twelve at
    version 1, and no answer to any offer."""
    with session_scope() as session:
        session.execute(delete(CriterionVersion))
        session.execute(delete(Criterion))
        row = session.get(RubricSettings, 1)
        if row is not None:
            row.defaults_answered = None
            session.add(row)
        migration().seed_default_criteria(session.connection())


def rubric() -> list[tuple[int, int, bool, str, str, str, str]]:
    """Every criterion in order: id, version, retired, and its current wording."""
    with session_scope() as session:
        rows = session.exec(
            select(Criterion, CriterionVersion)
            .join(CriterionVersion, CriterionVersion.criterion_id == Criterion.id)  # type: ignore[arg-type]
            .where(CriterionVersion.version == Criterion.version)
            .order_by(Criterion.position, Criterion.id)  # type: ignore[arg-type]
        ).all()
        return [
            (c.id, c.version, c.retired_at is not None, v.name_da, v.name_en,
             v.description_da, v.description_en)
            for c, v in rows
        ]  # fmt: skip


def id_of(name_da: str) -> int:
    return next(row[0] for row in rubric() if row[3] == name_da)


def text_of(page: str) -> str:
    main = page.split("<main", 1)[1]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", main).split()))


def offer_of(page: str) -> str:
    """The offer's section of the criteria page ("" when there is none)."""
    found = re.search(r'<section class="card default-offer".*?</section>', page, re.S)
    return text_of(f"<main>{found.group(0)}") if found else ""


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert found, "no accept button on the page"
    return found.group(1)


def answer(admin: TestClient, answer: str, **data: str) -> object:
    form = {"answer": answer} | data
    return admin.post(f"{PAGE}/defaults", data=form, follow_redirects=False)


def audit_mark() -> int:
    """The audit log's last entry now (PostgreSQL keeps the entries of earlier tests)."""
    with session_scope() as session:
        return session.exec(select(func.max(AuditEntry.seq))).one() or 0


def audit_details(since: int = 0) -> list[str]:
    """What the rubric's changes after `since` wrote to the audit log."""
    with session_scope() as session:
        query = select(AuditEntry.detail).where(
            AuditEntry.action == "criteria_changed", AuditEntry.seq > since
        )
        return list(session.exec(query.order_by(AuditEntry.seq)).all())  # type: ignore[arg-type]


def give(client: TestClient, recording_id: str, names: list[str]) -> int:
    body = {"kind": "strength", "start_seconds": 1, "text": "Godt", "publish": True}
    body["criterion_ids"] = [id_of(n) for n in names]  # type: ignore[assignment]
    response = client.post(f"/api/v1/recordings/{recording_id}/feedback", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def criteria_on(client: TestClient, recording_id: str, item: int) -> list[tuple]:
    items = client.get(f"/api/v1/recordings/{recording_id}/feedback").json()["items"]
    given = next(i for i in items if i["id"] == item)
    return [(c["version"], c["name_da"], c["retired"]) for c in given["criteria"]]


def test_an_upgraded_installation_keeps_its_rubric(
    sqlite_db: str, client: TestClient, admin: TestClient, media: MediaSet
) -> None:
    installed_before_the_new_defaults()
    recording_id, _ = new_recording(client, media)
    item = give(client, recording_id, ["Kontaktetablering", "Grundregler"])
    before = rubric()
    assert [row[3] for row in before] == OLD
    # The database as the release before it left it; then the upgrade that every start runs.
    config = alembic_config()
    before_it = ScriptDirectory.from_config(config).get_revision(ANSWERED).down_revision
    command.downgrade(config, str(before_it))
    migrate(settings.sqlalchemy_url, base_users=False)
    assert rubric() == before
    assert criteria_on(client, recording_id, item) == [
        (1, "Kontaktetablering", False),
        (1, "Grundregler", False),
    ]
    # Nothing changes until the administrator answers the offer on the criteria page.
    assert "Ingen ledende spørgsmål" in offer_of(admin.get(PAGE).text)
    assert rubric() == before


def test_the_page_shows_the_differences(db: str, admin: TestClient) -> None:
    installed_before_the_new_defaults()
    mark = audit_mark()
    shown = offer_of(admin.get(PAGE).text)
    assert "Nye standardkriterier" in shown
    assert "Nye kriterier (3)" in shown and all(name in shown for name in ADDED)
    new = shown.split("Nye kriterier (3)", 1)[1].split("Ændrede kriterier", 1)[0]
    assert "Bevarer roen og lytter" in new and "does not promise secrecy" in new
    assert "Ændrede kriterier (10)" in shown
    changed = shown.split("Ændrede kriterier (10)", 1)[1].split("Ikke længere", 1)[0]
    assert re.search(r"Nu, version 1: .*Kontaktetablering.*Bliver, version 2: .*Kontakt og "
                     r"tryghed", changed)  # fmt: skip
    assert FRAMING in changed and "Contact and emotional safety" in changed
    dropped = shown.split("Ikke længere i standardkriterierne (2)", 1)[1]
    for name in DROPPED:
        assert f"{name} Indgår nu i: {FRAMING}" in dropped
    assert "Accepter de nye standardkriterier" in shown
    english = offer_of(admin.get(PAGE, params={"lang": "en"}).text)
    assert "New criteria (3)" in english and "Changed criteria (10)" in english
    assert "Ground rules Now part of: Framing (purpose, mandate, rights, ground rules)" in english
    # Looking changes nothing.
    assert rubric()[0][3] == "Kontaktetablering"
    assert audit_details(mark) == []


def test_accepting_makes_new_versions_and_old_feedback_keeps_its_criterion(
    db: str, client: TestClient, admin: TestClient, media: MediaSet
) -> None:
    installed_before_the_new_defaults()
    recording_id = ready_recording(client, media)
    item = give(client, recording_id, ["Kontaktetablering", "Grundregler", "Åbne spørgsmål"])
    before = {row[3]: row[0] for row in rubric()}
    mark = audit_mark()

    response = answer(admin, "accept", token=token_of(admin.get(PAGE).text))
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    assert response.headers["location"] == f"{PAGE}?saved=1#main"  # type: ignore[attr-defined]

    after = rubric()
    active = [row for row in after if not row[2]]
    assert [row[3] for row in active] == NEW  # the defaults' order, numbered 1 to 13
    assert [row[3:] for row in active] == [
        (d.name_da, d.name_en, d.description_da, d.description_en) for d in DEFAULT_RUBRIC
    ]
    versions = {row[3]: row[1] for row in active}
    assert versions["Kontakt og tryghed"] == 2 and versions[FRAMING] == 2
    assert all(versions[name] == 1 for name in ADDED)
    assert id_of("Kontakt og tryghed") == before["Kontaktetablering"]
    assert id_of(FRAMING) == before["Rammesætning – formål og dagsorden"]
    retired = [(row[0], row[1], row[3]) for row in after if row[2]]
    assert retired == [(before[name], 1, name) for name in DROPPED]  # kept, not deleted
    numbers = [c["number"] for c in admin.get(API).json()["criteria"] if not c["retired"]]
    assert numbers == list(range(1, 14))

    # The feedback given before keeps the wordings it was given under.
    assert criteria_on(client, recording_id, item) == [
        (1, "Kontaktetablering", False),
        (1, "Grundregler", True),
        (1, "Åbne spørgsmål", False),
    ]
    page = client.get(f"/recordings/{recording_id}").text  # the item's criteria, as chips
    assert "<li>Kontaktetablering</li>" in page and "<li>Kontakt og tryghed</li>" not in page
    assert '<li class="retired">Grundregler <small>(udgået)</small></li>' in page

    # One entry in the audit log names what changed.
    (entry,) = audit_details(mark)
    added = ",".join(str(id_of(name)) for name in ADDED)
    retired_ids = ",".join(str(before[name]) for name in DROPPED)
    assert entry.startswith(f"default rubric {EDITION} accepted: added {added}; new versions ")
    assert entry.endswith(f"; retired {retired_ids}")
    # The offer is answered: the page shows none, and no differences remain.
    assert offer_of(admin.get(PAGE).text) == ""
    with session_scope() as session:
        assert offer.offer(session=session).differences == []


def test_a_rubric_changed_since_the_page_was_shown_is_not_accepted(
    sqlite_db: str, admin: TestClient
) -> None:
    installed_before_the_new_defaults()
    token = token_of(admin.get(PAGE).text)
    edited = admin.patch(f"{API}/{id_of('Afslutning')}", json={"name_en": "Ending"})
    assert edited.status_code == 200
    before = rubric()
    response = answer(admin, "accept", token=token)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert "Kriterierne er ændret" in text_of(response.text)  # type: ignore[attr-defined]
    assert rubric() == before
    assert not any(d.startswith("default rubric") for d in audit_details())
    # Shown again, the offer has the new wording in it, and accepting it works.
    response = answer(admin, "accept", token=token_of(admin.get(PAGE).text))
    assert response.status_code == 303  # type: ignore[attr-defined]
    closing = next(row for row in rubric() if row[0] == id_of("Afslutning"))
    assert closing[1] == 3  # 1: the baseline's, 2: "Ending", 3: the default's


def test_own_criteria_stay_and_a_renamed_default_is_still_known(
    sqlite_db: str, admin: TestClient
) -> None:
    installed_before_the_new_defaults()
    closing = id_of("Afslutning")
    admin.patch(f"{API}/{closing}", json={"name_da": "Afrunding"})
    own = admin.post(API, json={"name_da": "Tavshed", "name_en": "Silence"}).json()["id"]
    retired_own = admin.post(API, json={"name_da": "Gammel", "name_en": "Old"}).json()["id"]
    admin.post(f"{API}/{retired_own}/retire")
    shown = offer_of(admin.get(PAGE).text)
    assert "Nu, version 2: Dansk Afrunding" in shown  # changed back to the default's name
    assert "Tavshed" not in shown and "Gammel" not in shown
    assert "Nye kriterier (3)" in shown and "Ikke længere i standardkriterierne (2)" in shown

    assert answer(admin, "accept", token=token_of(admin.get(PAGE).text)).status_code == 303  # type: ignore[attr-defined]
    after = rubric()
    assert [row[3] for row in after if not row[2]] == [*NEW, "Tavshed"]  # own ones after
    assert next(row for row in after if row[0] == closing)[1:4] == (3, False, "Afslutning")
    assert next(row for row in after if row[0] == own)[1:4] == (1, False, "Tavshed")
    assert next(row for row in after if row[0] == retired_own)[1:4] == (1, True, "Gammel")


def test_hiding_the_offer_keeps_the_rubric_and_it_can_be_shown_again(
    sqlite_db: str, admin: TestClient, client_for: ClientFor
) -> None:
    installed_before_the_new_defaults()
    before = rubric()
    response = answer(admin, "hide")
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = admin.get(PAGE).text
    assert offer_of(page) == "" and rubric() == before
    assert "Vis de nye standardkriterier" in text_of(page)
    assert audit_details() == [f"default rubric {EDITION} hidden"]

    assert answer(admin, "show").status_code == 303  # type: ignore[attr-defined]
    assert "Nye kriterier (3)" in offer_of(admin.get(PAGE).text)
    assert audit_details()[-1] == f"default rubric {EDITION} shown again"
    # Only the administrator answers; a made-up answer is refused.
    supervisor = client_for("supervisor")
    assert answer(supervisor, "hide").status_code == 403  # type: ignore[attr-defined]
    assert answer(admin, "ignore").status_code == 422  # type: ignore[attr-defined]
    assert rubric() == before


def test_a_new_installation_has_nothing_to_offer(db: str, admin: TestClient) -> None:
    """The template is made as a new installation is: the defaults, and the offer answered."""
    assert [row[3] for row in rubric()] == NEW
    page = admin.get(PAGE).text
    assert offer_of(page) == "" and "Vis de nye standardkriterier" not in page
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Criterion)).one() == 13
        assert offer.offer(session=session).differences == []
        assert session.get(RubricSettings, 1).defaults_answered == EDITION  # type: ignore[union-attr]


@pytest.mark.browser
def test_the_offer_in_chromium(browser: Browser, shared_db: str) -> None:
    """The differences as a person sees them, accepted with the button; screenshot."""
    installed_before_the_new_defaults()
    with axe_page(browser, shared_db, "administrator") as page:
        page.goto(f"{shared_db}{PAGE}")
        offered = page.get_by_role("region", name="Nye standardkriterier")
        expect(offered).to_be_visible()
        expect(offered.get_by_role("heading", level=3)).to_have_text(
            [
                "Nye kriterier (3)",
                "Ændrede kriterier (10): en ny version af hvert",
                "Ikke længere i standardkriterierne (2): udfases",
            ]
        )
        expect(offered.locator("li.offer-new")).to_have_count(3)
        expect(offered.locator("li.offer-new").first).to_contain_text("Ingen ledende spørgsmål")
        expect(offered.locator("li.offer-dropped").last).to_contain_text("Grundregler")
        assert axe_violations(page, AXE_JS) == [], "the offer: serious or critical axe findings"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "criteria-offer-da-full.png"), full_page=True)
        page.get_by_role("button", name="Accepter de nye standardkriterier").click()
        page.wait_for_url(re.compile(r"saved=1#main$"))
        expect(page.get_by_role("status")).to_have_text("Gemt.")
        expect(page.get_by_role("region", name="Nye standardkriterier")).to_have_count(0)
        expect(page.locator("li.criterion:not(.retired) h3")).to_have_count(13)
        expect(page.locator("li.criterion h3").nth(4)).to_have_text("5 Ingen ledende spørgsmål")
        expect(page.locator("li.criterion.retired")).to_have_count(2)
    assert audit_details()[-1].startswith(f"default rubric {EDITION} accepted")
