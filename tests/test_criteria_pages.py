"""The administrator's criteria page: the rubric by group, and the forms that change it
without JavaScript; refusals in the reader's language, nothing stored."""

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy import func
from sqlmodel import select

from app.audit.models import AuditEntry
from app.core.db import session_scope
from app.criteria.models import Criterion, CriterionGroup, CriterionVersion, RubricSettings
from tests.support.accounts import ClientFor
from tests.support.browser import AXE_JS, axe_page, axe_violations, tab_to
from tests.support.feedback import new_recording
from tests.support.media import MediaSet

PAGE = "/admin/criteria"
SHOTS = Path("/work/notes/shots/pages")


@pytest.fixture
def admin(client_for: ClientFor) -> TestClient:
    return client_for("administrator")


def post(client: TestClient, url: str, **data: str) -> object:
    return client.post(url, data=data, follow_redirects=False)


def text_of(page: str) -> str:
    """The page's main content as a person reads it."""
    main = page.split("<main", 1)[1]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", main).split()))


def counts() -> tuple[int, int, int]:
    with session_scope() as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Criterion, CriterionVersion, CriterionGroup)
        )


def names_in_order() -> list[str]:
    with session_scope() as session:
        rows = session.exec(
            select(CriterionVersion.name_en)
            .join(Criterion, Criterion.id == CriterionVersion.criterion_id)  # type: ignore[arg-type]
            .where(CriterionVersion.version == Criterion.version)
            .order_by(Criterion.position)  # type: ignore[arg-type]
        ).all()
    return list(rows)


def criterion_id(name_en: str) -> int:
    with session_scope() as session:
        return int(
            session.exec(
                select(CriterionVersion.criterion_id).where(CriterionVersion.name_en == name_en)
            ).first()  # type: ignore[arg-type]
        )


def test_page_lists_the_rubric_in_both_languages(db: str, admin: TestClient) -> None:
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<a href="/admin/criteria">Kriterier</a>' in page.text  # the admin navigation
    with session_scope() as session:
        wordings = session.exec(select(CriterionVersion).order_by(CriterionVersion.id)).all()  # type: ignore[arg-type]
    assert len(wordings) == 13
    body = text_of(page.text)
    for v in wordings:
        for part in (v.name_da, v.name_en, v.description_da, v.description_en):
            assert part in body
    # Rubric order, each numbered as the number keys pick it, and at version 1.
    shown = re.findall(r'<span class="number">(\d+)</span> ([^<]+)</h3>', page.text)
    assert [int(n) for n, _ in shown] == list(range(1, 14))
    assert [html.unescape(name) for _, name in shown] == [v.name_da for v in wordings]
    assert body.count("Version 1") == 13
    assert "keeps the wording it was given under" not in body  # Danish page
    assert "beholder den formulering" in body or "ny version" in body
    english = admin.get(PAGE, params={"lang": "en"})
    assert "Feedback already given keeps the wording it was given under" in text_of(english.text)


# A criterion's wording as the page's form sends it, and the same criterion worded anew.
SILENCE = {
    "name_da": "Tavshed",
    "name_en": "Silence",
    "description_da": "Giver barnet tid.",
    "description_en": "Gives the child time.",
}
PAUSES = {
    "name_da": "Pauser",
    "name_en": "Pauses",
    "description_da": "Giver barnet tid til at tænke.",
    "description_en": "Gives the child time to think.",
}


def test_add_and_edit_make_versions_and_old_feedback_keeps_its_wording(
    sqlite_db: str, admin: TestClient, client: TestClient, media: MediaSet
) -> None:
    response = post(admin, PAGE, **SILENCE, group_id="")
    assert response.status_code == 303  # type: ignore[attr-defined]
    new_id = criterion_id("Silence")
    assert response.headers["location"] == f"{PAGE}?saved=1#criterion-{new_id}"  # type: ignore[attr-defined]
    assert names_in_order()[-1] == "Silence"  # at the end of the rubric

    # Feedback given under version 1.
    recording_id, _ = new_recording(client, media)
    given = client.post(
        f"/api/v1/recordings/{recording_id}/feedback",
        json={"kind": "strength", "start_seconds": 1, "criterion_ids": [new_id], "text": "Fint"},
    )
    assert given.status_code == 201, given.text

    edited = post(admin, f"{PAGE}/{new_id}", **PAUSES, group_id="")
    assert edited.status_code == 303  # type: ignore[attr-defined]
    page = text_of(admin.get(PAGE).text)
    assert "Pauser" in page and "Version 2" in page and "Tavshed" not in page
    with session_scope() as session:
        versions = session.exec(
            select(CriterionVersion.version, CriterionVersion.name_da)
            .where(CriterionVersion.criterion_id == new_id)
            .order_by(CriterionVersion.version)  # type: ignore[arg-type]
        ).all()
    assert versions == [(1, "Tavshed"), (2, "Pauser")]
    items = client.get(f"/api/v1/recordings/{recording_id}/feedback").json()["items"]
    assert [(c["version"], c["name_da"]) for c in items[0]["criteria"]] == [(1, "Tavshed")]

    # The same wording again makes no new version.
    again = post(admin, f"{PAGE}/{new_id}", **PAUSES)
    assert again.status_code == 303  # type: ignore[attr-defined]
    assert counts()[1] == 13 + 2  # the defaults, and two wordings of the new one
    with session_scope() as session:
        details = session.exec(
            select(AuditEntry.detail).where(AuditEntry.action == "criteria_changed")
        ).all()
    assert f"criterion {new_id} added" in details
    assert f"criterion {new_id} edited (version 2)" in details


def test_move_retire_and_restore(sqlite_db: str, admin: TestClient) -> None:
    before = names_in_order()
    second = criterion_id(before[1])
    assert post(admin, f"{PAGE}/{second}/move", direction="up").status_code == 303  # type: ignore[attr-defined]
    assert names_in_order() == [before[1], before[0], *before[2:]]
    assert post(admin, f"{PAGE}/{second}/move", direction="down").status_code == 303  # type: ignore[attr-defined]
    assert names_in_order() == before
    # The first cannot go further up; its button says so by being disabled.
    first = criterion_id(before[0])
    assert post(admin, f"{PAGE}/{first}/move", direction="up").status_code == 303  # type: ignore[attr-defined]
    assert names_in_order() == before
    page = admin.get(PAGE).text
    block = page.split(f'id="criterion-{first}"', 1)[1].split("</li>", 1)[0]
    assert re.search(r"<button[^>]*disabled>Flyt op", block)

    assert post(admin, f"{PAGE}/{first}/retire").status_code == 303  # type: ignore[attr-defined]
    page = admin.get(PAGE).text
    block = page.split(f'id="criterion-{first}"', 1)[1].split("</li>", 1)[0]
    assert "Udgået" in block and "Gendan" in block
    # The others are numbered from 1 again: a retired criterion cannot be picked by number.
    assert re.findall(r'<span class="number">(\d+)</span>', page) == [str(n) for n in range(1, 13)]
    chosen = admin.get("/api/v1/criteria").json()["criteria"]
    assert next(c for c in chosen if c["id"] == first)["retired"] is True

    assert post(admin, f"{PAGE}/{first}/restore").status_code == 303  # type: ignore[attr-defined]
    chosen = admin.get("/api/v1/criteria").json()["criteria"]
    assert next(c for c in chosen if c["id"] == first)["retired"] is False
    assert post(admin, f"{PAGE}/{first}/move", direction="sideways").status_code == 422  # type: ignore[attr-defined]
    assert post(admin, f"{PAGE}/999999/retire").status_code == 404  # type: ignore[attr-defined]


def test_groups_and_the_rubric_setting(db: str, admin: TestClient) -> None:
    made = post(admin, f"{PAGE}/groups", name_da="Kommunens egne", name_en="Our own")
    assert made.status_code == 303  # type: ignore[attr-defined]
    with session_scope() as session:
        group = session.exec(select(CriterionGroup)).one()
    renamed = post(admin, f"{PAGE}/groups/{group.id}", name_da="Lokale", name_en="Local")
    assert renamed.status_code == 303  # type: ignore[attr-defined]
    listen = criterion_id(names_in_order()[0])
    post(
        admin,
        f"{PAGE}/{listen}",
        name_da="Lytning",
        name_en="Listening",
        description_da="",
        description_en="",
        group_id=str(group.id),
    )
    page = admin.get(PAGE).text
    sections = re.findall(r'<h2 class="section" id="section-[^"]+">([^<]+)</h2>', page)
    assert sections == ["Uden gruppe", "Lokale"]
    # Its number follows where the page shows it: the number keys pick in the page's order.
    assert re.search(r'<span class="number">13</span> Lytning</h3>', page)
    local = page.split(">Lokale</h2>", 1)[1].split("</section>", 1)[0]
    assert "Lytning" in local and "Listening" in local
    english = admin.get(PAGE, params={"lang": "en"}).text
    assert ">Local</h2>" in english and ">Without a group</h2>" in english

    assert post(admin, f"{PAGE}/settings").status_code == 303  # type: ignore[attr-defined]
    with session_scope() as session:
        assert session.get(RubricSettings, 1).criteria_required is False  # type: ignore[union-attr]
    assert 'name="criteria_required" value="1" >' in admin.get(PAGE).text
    post(admin, f"{PAGE}/settings", criteria_required="1")
    with session_scope() as session:
        assert session.get(RubricSettings, 1).criteria_required is True  # type: ignore[union-attr]
    assert admin.get("/api/v1/criteria").json()["criteria_required"] is True


BAD = [
    # (what, url, form, Danish message, English message)
    ("blank name", PAGE, {"name_da": "  ", "name_en": "X"}, "Navnet skal", "The name is required"),
    ("too long", PAGE, {"name_da": "x" * 121, "name_en": "X"}, "120 tegn", "120 characters"),
    (
        "control characters",
        PAGE,
        {"name_da": "Lyt\x07", "name_en": "Listen"},
        "kontroltegn",
        "control characters",
    ),
    (
        "unknown group",
        PAGE,
        {"name_da": "A", "name_en": "B", "group_id": "999999"},
        "Gruppen",
        "The group does not exist",
    ),
    (
        "not a group id",
        PAGE,
        {"name_da": "A", "name_en": "B", "group_id": "abc"},
        "Gruppen",
        "The group does not exist",
    ),
    (
        "blank group name",
        f"{PAGE}/groups",
        {"name_da": "", "name_en": "G"},
        "Navnet skal",
        "The name is required",
    ),
    (
        "long description",
        PAGE,
        {"name_da": "A", "name_en": "B", "description_en": "y" * 501},
        "500 tegn",
        "500 characters",
    ),
]


@pytest.mark.parametrize(("what", "url", "form", "danish", "english"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_in_the_readers_language_and_nothing_is_stored(
    sqlite_db: str,
    admin: TestClient,
    what: str,
    url: str,
    form: dict[str, str],
    danish: str,
    english: str,
) -> None:
    before = counts()
    for lang, message in (("da", danish), ("en", english)):
        response = admin.post(url, params={"lang": lang}, data=form, follow_redirects=False)
        assert response.status_code == 422, (what, response.status_code)
        body = text_of(response.text)
        assert message in body, (what, lang, body[:300])
        assert 'role="alert" id="criteria-error"' in response.text
        # What was typed is shown again, to correct.
        typed = next(v for k, v in form.items() if k.startswith("name") and v.strip())
        assert html.escape(typed, quote=True) in response.text or typed.startswith("Lyt")
    assert counts() == before


def test_bad_edit_stores_nothing(sqlite_db: str, admin: TestClient) -> None:
    """A refusal after part of the change ran (a new version, then an unknown group)."""
    first = criterion_id(names_in_order()[0])
    before = counts()
    response = post(admin, f"{PAGE}/{first}", name_da="Ny", name_en="New", group_id="999999")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert counts() == before
    with session_scope() as session:
        assert session.get(Criterion, first).version == 1  # type: ignore[union-attr]
    # The form it was about is open, with what was typed and the field marked.
    assert '<details class="edit-criterion" open>' in response.text  # type: ignore[attr-defined]
    assert 'value="Ny"' in response.text  # type: ignore[attr-defined]
    assert re.search(r'id="criterion-\d+-group" name="group_id" aria-invalid="true"', response.text)  # type: ignore[attr-defined]


# In Chromium --------------------------------------------------------------------------------


@pytest.mark.browser
def test_criteria_page_in_chromium(browser: Browser, shared_db: str) -> None:
    """Reachable by keyboard with a visible focus; adding a criterion works; screenshot."""
    with axe_page(browser, shared_db, "administrator") as page:
        page.goto(f"{shared_db}{PAGE}")
        expect(page.get_by_role("heading", name="Kriterier", exact=True)).to_be_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "criteria-da-1366x768.png"))
        page.screenshot(path=str(SHOTS / "criteria-da-full.png"), full_page=True)

        # Keyboard: Tab reaches the first "Move down" button, and its focus ring shows.
        target = page.locator("li.criterion").first.get_by_role(
            "button", name=re.compile("^Flyt ned")
        )
        tab_to(page, target, 60, "the first criterion's Move down button")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"saved=1#criterion-\d+$"))
        expect(page.get_by_role("status")).to_have_text("Gemt.")

        # A new criterion through the form, by keyboard.
        page.fill("#new-name_da", "Afrunding")
        page.fill("#new-name_en", "Closing")
        page.focus("#new-name_en")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"saved=1#criterion-\d+$"))
        expect(page.locator("li.criterion").last).to_contain_text("Afrunding")
        # An edit form opens by keyboard (details/summary, no script needed).
        summary = page.locator("li.criterion").last.locator("summary")
        summary.focus()
        page.keyboard.press("Enter")
        expect(page.locator("li.criterion").last.locator("details")).to_have_attribute("open", "")
        page.screenshot(path=str(SHOTS / "criteria-da-edit-open.png"))

        # A group, the new criterion moved into it, the first criterion retired.
        page.fill("#group-new-name_da", "Kommunens egne")
        page.fill("#group-new-name_en", "Our own")
        page.get_by_role("button", name="Opret gruppe").click()
        page.wait_for_url(re.compile(r"saved=1#group-\d+$"))
        last = page.locator("li.criterion").last
        last.locator("summary").click()
        last.get_by_label("Gruppe").select_option(label="Kommunens egne")
        last.get_by_role("button", name="Gem", exact=True).click()
        page.wait_for_url(re.compile(r"saved=1#criterion-\d+$"))
        expect(page.locator("h2.section")).to_have_text(["Uden gruppe", "Kommunens egne"])
        page.locator("li.criterion").nth(1).get_by_role("button", name=re.compile("^Udfas")).click()
        page.wait_for_url(re.compile(r"saved=1#criterion-\d+$"))
        expect(page.locator("li.criterion.retired")).to_have_count(1)
        expect(page.locator("li.criterion.retired")).to_contain_text("Udgået")
        page.locator("h2.section").first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "criteria-da-group-retired.png"))

        # Bad input: the refusal in Danish at the top, what was typed kept, nothing stored.
        page.fill("#new-name_da", "   ")
        page.fill("#new-name_en", "Only English")
        page.get_by_role("button", name="Tilføj kriterium").click()
        expect(page.get_by_role("alert")).to_contain_text("Navnet skal")
        expect(page.get_by_role("alert")).to_be_in_viewport()  # beside the form, scrolled to
        expect(page.locator("#new-name_en")).to_have_value("Only English")
        expect(page.locator("#new-name_da")).to_have_attribute("aria-invalid", "true")
        page.screenshot(path=str(SHOTS / "criteria-da-error.png"))
        assert axe_violations(page, AXE_JS) == [], "criteria page: serious or critical axe findings"
        # On a tablet the page still reads: the navigation wraps, the form fields stack.
        page.set_viewport_size({"width": 820, "height": 1180})
        page.goto(f"{shared_db}{PAGE}")
        page.screenshot(path=str(SHOTS / "criteria-da-820x1180.png"))
