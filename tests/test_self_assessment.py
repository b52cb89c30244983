"""The periodic, anonymous self-assessment (issue 25): the administrator schedules a round
with VIVE's statement and one per criterion area, worded as they were then; a caseworker
answers once; the answers cannot be joined to a person; groups under three are hidden; and
the municipality's curve (VIVE's 62 % -> 92 %) is drawn from the answers."""

import re
from datetime import date, timedelta

from sqlalchemy import inspect
from sqlmodel import select

from app.audit.service import Action
from app.core.db import get_engine, session_scope
from app.criteria.models import Criterion, CriterionGroup
from app.selfassessment import service
from app.selfassessment.models import (
    SelfAssessmentAnswered,
    SelfAssessmentRound,
    SelfAssessmentStatement,
    SelfAssessmentTally,
)
from tests.support.accounts import ClientFor
from tests.support.audit import entries, last_seq
from tests.support.selfassessment import (
    answer,
    caseworkers,
    open_today,
    schedule,
    statement_count,
    team,
)

VIVE_DA = "Jeg ved, hvordan jeg sikrer god børneinddragelse i mine sager"
VIVE_EN = "I know how to ensure good child participation in my cases"
TODAY = date.today()


def _statements(round_id: int) -> list[SelfAssessmentStatement]:
    with session_scope() as session:
        query = select(SelfAssessmentStatement).where(SelfAssessmentStatement.round_id == round_id)
        return sorted(session.exec(query).all(), key=lambda s: s.position)


def test_the_administrator_schedules_a_round_worded_as_the_rubric_was(
    sqlite_db: str, client_for: ClientFor
) -> None:
    admin = client_for("administrator")
    before = last_seq()
    form = {"label": "2027, 1. kvartal", "opens_on": "2027-01-01", "closes_on": "2027-03-31"}
    sent = admin.post("/admin/self-assessment", data=form, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    with session_scope() as session:
        first = service.rounds(session=session)[-1]
        in_use = session.exec(select(Criterion).where(Criterion.retired_at == None)).all()  # noqa: E711
    made = _statements(int(first.id))  # type: ignore[arg-type]
    # VIVE's statement first, then one per criterion in use (the default rubric has no groups).
    assert (made[0].key, made[0].text_da, made[0].text_en) == ("vive", VIVE_DA, VIVE_EN)
    assert [s.key for s in made[1:]] == [f"criterion:{c.id}" for c in in_use] != []
    assert made[1].text_da.startswith("Jeg ved, hvordan jeg arbejder med »")
    # Audited: the round, not who answers.
    logged = entries(before, action=Action.self_assessment_scheduled)
    assert len(logged) == 1 and "2027, 1. kvartal" in logged[0].detail
    page = admin.get("/admin/audit").text
    assert "Selvevaluering planlagt" in page and "2027, 1. kvartal (runde nr." in page

    # A group of the rubric is one area; a renamed group later changes no old round.
    with session_scope() as session:
        group = CriterionGroup(name_da="Samtalens ramme", name_en="The conversation's frame")
        session.add(group)
        session.flush()
        for criterion in session.exec(select(Criterion)).all():
            criterion.group_id = group.id
            session.add(criterion)
        group_id = group.id
    form = {"label": "2027, 2. kvartal", "opens_on": "2027-04-01", "closes_on": "2027-06-30"}
    assert admin.post("/admin/self-assessment", data=form).status_code == 200
    with session_scope() as session:
        second = service.rounds(session=session)[-1]
        renamed = session.get(CriterionGroup, group_id)
        assert renamed is not None
        renamed.name_da = "Noget andet"
        session.add(renamed)
    keys = [s.key for s in _statements(int(second.id))]  # type: ignore[arg-type]
    assert keys == ["vive", f"area:{group_id}"]
    assert "»Samtalens ramme«" in _statements(int(second.id))[1].text_da  # type: ignore[arg-type]
    assert len(_statements(int(first.id))) == len(made)  # type: ignore[arg-type]

    # Refusals keep what was typed and store nothing.
    form = {"label": "Overlap", "opens_on": "2027-03-01", "closes_on": "2027-04-15"}
    refused = admin.post("/admin/self-assessment", data=form)
    assert refused.status_code == 409 and "2027, 1. kvartal" in refused.text
    form = {"label": "Baglæns", "opens_on": "2028-02-01", "closes_on": "2028-01-01"}
    refused = admin.post("/admin/self-assessment", data=form)
    assert refused.status_code == 422 and 'value="Baglæns"' in refused.text
    form = {"label": "Dato", "opens_on": "1. feb", "closes_on": "2028-01-01"}
    assert admin.post("/admin/self-assessment", data=form).status_code == 422
    with session_scope() as session:
        assert len(service.rounds(session=session)) == 2
    # In English too.
    english = admin.get("/admin/self-assessment?lang=en").text
    assert "Schedule a round" in english and VIVE_EN in english


def test_a_caseworker_answers_a_round_once(sqlite_db: str, client_for: ClientFor) -> None:
    caseworker = client_for("caseworker")
    assert "self-assessment-notice" not in caseworker.get("/recordings").text
    assert "no-round" in caseworker.get("/self-assessment").text
    round_id = open_today("Efterår")
    listing = caseworker.get("/recordings").text
    assert "self-assessment-notice" in listing and "Efterår" in listing
    page = caseworker.get("/self-assessment").text
    assert VIVE_DA in page and "Helt uenig" in page and "Helt enig" in page
    count = statement_count(round_id)
    # One answer missing: refused, nothing counted, the chosen ones kept.
    partial = {f"s{i}": "4" for i in range(count - 1)}
    refused = caseworker.post(f"/self-assessment/{round_id}", data=partial)
    assert refused.status_code == 422 and "Vælg et svar til hvert udsagn" in refused.text
    assert refused.text.count("checked") == count - 1
    with session_scope() as session:
        assert session.exec(select(SelfAssessmentAnswered)).all() == []
    full = {f"s{i}": "5" for i in range(count)}
    sent = caseworker.post(f"/self-assessment/{round_id}", data=full, follow_redirects=False)
    assert sent.status_code == 303
    assert (
        "Tak. Dine svar er talt med uden dit navn." in caseworker.get(sent.headers["location"]).text
    )
    again = caseworker.post(f"/self-assessment/{round_id}", data=full)
    assert again.status_code == 409 and "allerede besvaret" in again.text
    assert "self-assessment-notice" not in caseworker.get("/recordings").text
    with session_scope() as session:
        counted = session.exec(select(SelfAssessmentTally).where(SelfAssessmentTally.value == 5))
        assert sum(t.count for t in counted) == count  # once, in the municipality (no team)
    # Caseworkers answer; a supervisor, a leader and the administrator do not.
    for other in ("supervisor", "leader", "administrator"):
        client = client_for(other)
        assert client.get("/self-assessment").status_code == 403
        assert client.post(f"/self-assessment/{round_id}", data=full).status_code == 403
    # A round that is not open takes no answers.
    later = schedule("Senere", TODAY + timedelta(days=30), TODAY + timedelta(days=40))
    colleague = client_for("caseworker2")
    assert colleague.post(f"/self-assessment/{later}", data=full).status_code == 404


def test_no_answer_can_be_joined_to_a_person(db: str) -> None:
    """The answers' table has no person and no time; the rows exist before the first
    answer, so neither their order nor their ids say anything about who answered what."""
    columns = {
        table: {c["name"] for c in inspect(get_engine()).get_columns(table)}
        for table in ("self_assessment_tally", "self_assessment_answered")
    }
    assert columns["self_assessment_tally"] == {
        "id",
        "round_id",
        "team_id",
        "position",
        "value",
        "count",
    }
    assert columns["self_assessment_answered"] == {"round_id", "user_id"}
    people = caseworkers("anonym", 3)
    team_id = team("Anonymt team", people)
    round_id = open_today()
    count = statement_count(round_id)

    def rows() -> list[tuple[int | None, int | None, int, int]]:
        with session_scope() as session:
            query = select(SelfAssessmentTally).order_by(SelfAssessmentTally.id)
            return [(t.id, t.team_id, t.position, t.value) for t in session.exec(query)]

    made = rows()
    assert len(made) == 2 * count * 5  # the municipality and the team, every value, at 0
    before = last_seq()
    for person, value in zip(people, (1, 5, 3), strict=True):
        answer(person, round_id, [value] * count)
        assert rows() == made  # counted into rows made before: nothing new, nothing reordered
    assert entries(before) == []  # answering writes no audit entry
    with session_scope() as session:
        tallies = session.exec(select(SelfAssessmentTally)).all()
        for t in tallies:
            assert t.count == (1 if t.value in (1, 3, 5) else 0), t
        answered = session.exec(select(SelfAssessmentAnswered)).all()
    assert {a.user_id for a in answered} == set(people)
    assert {t.team_id for t in tallies} == {None, team_id}


def test_groups_under_three_are_hidden(db: str, client_for: ClientFor) -> None:
    two, three = caseworkers("to", 2), caseworkers("tre", 3)
    team("Team To", two)
    team("Team Tre", three)
    round_id = open_today("Runde A")
    count = statement_count(round_id)
    for person in two:
        answer(person, round_id, [4] * count)
    with session_scope() as session:
        # Two in all: neither the team nor the municipality is shown.
        assert service.leader_table(session, min_group=3) == []
    for person in three:
        answer(person, round_id, [2] * count)
    with session_scope() as session:
        table = service.leader_table(session, min_group=3)
        small = service.leader_table(session, min_group=2)
    vive = [r for r in table if r["measure"] == "vive"]
    assert vive == [
        {"team": "", "period": "Runde A", "measure": "vive", "value": 0.4, "group_size": 5},
        {"team": "Team Tre", "period": "Runde A", "measure": "vive", "value": 0.0, "group_size": 3},
    ]
    assert len(table) == 2 * count  # every statement, for the municipality and Team Tre
    assert {r["team"] for r in small} == {"", "Team To", "Team Tre"}  # the limit is the caller's
    page = client_for("leader").get("/leader").text
    teams = page.split('id="sa-teams"')[1].split("</table>")[0]
    assert "Team Tre" in teams and "Team To" not in teams


def test_the_curve_is_drawn_from_the_answers(sqlite_db: str, client_for: ClientFor) -> None:
    """Four quarters, 50 caseworkers each: 62 %, 72 %, 84 % and 92 % agree with VIVE's
    statement (half of the rest disagree, half are neutral)."""
    people = caseworkers("kurve", 50)
    team("Børn og unge", people)
    agreeing = {"2026 K1": 31, "2026 K2": 36, "2026 K3": 42, "2026 K4": 46}
    for quarter, (label, agree) in enumerate(agreeing.items()):
        opens = date(2026, 3 * quarter + 1, 1)
        round_id = schedule(label, opens, opens + timedelta(days=60))
        count = statement_count(round_id)
        for i, person in enumerate(people):
            vive = 5 if i < agree // 2 else 4 if i < agree else 2 if i % 2 else 3
            answer(person, round_id, [vive] + [3] * (count - 1), on=opens + timedelta(days=1))
    with session_scope() as session:
        table = service.leader_table(session, min_group=3)
    whole = [(r["period"], r["value"], r["group_size"]) for r in table if r["team"] == ""]
    assert [w for w in whole if w[1] != 0.0] == [
        ("2026 K1", 0.62, 50),
        ("2026 K2", 0.72, 50),
        ("2026 K3", 0.84, 50),
        ("2026 K4", 0.92, 50),
    ]
    team_rows = [r for r in table if r["team"] == "Børn og unge" and r["measure"] == "vive"]
    assert [r["value"] for r in team_rows] == [0.62, 0.72, 0.84, 0.92]

    for lang, title in (
        ("da", "Kommunen: andelen, der er enige i »"),
        ("en", "The municipality: share agreeing with “"),
    ):
        page = client_for("leader").get(f"/leader?lang={lang}").text
        svg = page.split('class="practice-chart sa-chart"')[1].split("</svg>")[0]
        assert title in svg
        points = re.search(r'<polyline points="([^"]+)"', svg)
        assert points is not None
        xy = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
        assert len(xy) == 4
        assert [x for x, _ in xy] == sorted(x for x, _ in xy)
        # 0 % at y = 200, 100 % at y = 24: y = 24 + (1 - share) * 176.
        assert [y for _, y in xy] == [
            round(24 + (1 - s) * 176, 1) for s in (0.62, 0.72, 0.84, 0.92)
        ]
        assert re.findall(r'class="value">(\d+) %<', svg) == ["62", "72", "84", "92"]
        assert re.findall(r'class="axis period">([^<]+)<', svg) == list(agreeing)
        numbers = page.split('id="sa-line-table"')[1].split("</table>")[0]
        cells = re.findall(
            r'<th scope="row">([^<]+)</th><td class="num">(\d+) %</td><td class="num">(\d+)</td>',
            numbers,
        )
        assert cells == [
            ("2026 K1", "62", "50"),
            ("2026 K2", "72", "50"),
            ("2026 K3", "84", "50"),
            ("2026 K4", "92", "50"),
        ]
    # The administrator sees the same curve on the self-assessment page.
    admin_page = client_for("administrator").get("/admin/self-assessment").text
    assert "sa-line" in admin_page and ">92 %<" in admin_page


def _round_row(round_id: int) -> tuple[str, date, date] | None:
    with session_scope() as session:
        found = session.get(SelfAssessmentRound, round_id)
        return (found.label, found.opens_on, found.closes_on) if found else None


def test_the_administrator_changes_a_round_and_deletes_one_nobody_answered(
    sqlite_db: str, client_for: ClientFor
) -> None:
    admin = client_for("administrator")
    before = last_seq()
    wrong = schedule("Forår 2027", date(2027, 3, 1), date(2027, 3, 31))
    other = schedule("Sommer 2027", date(2027, 6, 1), date(2027, 6, 30))
    page = admin.get("/admin/self-assessment").text
    assert f'id="change-{wrong}"' in page
    assert f'action="/admin/self-assessment/{wrong}/delete"' in page

    # The wrong days are put right; the name too.
    form = {"label": "Forår  2027 ", "opens_on": "2027-04-01", "closes_on": "2027-04-30"}
    done = admin.post(f"/admin/self-assessment/{wrong}", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("changed=1")
    assert _round_row(wrong) == ("Forår 2027", date(2027, 4, 1), date(2027, 4, 30))
    # Refused, nothing changes, and the round's own form says why with what was typed.
    for fields, status, message in (
        ({"opens_on": "2027-06-15", "closes_on": "2027-07-15"}, 409, "overlapper Sommer 2027"),
        ({"opens_on": "2027-04-30", "closes_on": "2027-04-01"}, 422, "lukke samme dag"),
        ({"opens_on": "30-04-2027"}, 422, "ÅÅÅÅ-MM-DD"),
        ({"label": "   "}, 422, "Giv runden et navn"),
    ):
        sent = {"label": "Forår 2027", "opens_on": "2027-04-01", "closes_on": "2027-04-30"}
        refused = admin.post(f"/admin/self-assessment/{wrong}", data={**sent, **fields})
        assert refused.status_code == status, fields
        assert f'id="change-error-{wrong}"' in refused.text and message in refused.text
        assert 'id="schedule-error"' not in refused.text
        assert _round_row(wrong) == ("Forår 2027", date(2027, 4, 1), date(2027, 4, 30))

    # A round nobody has answered can be deleted, with its statements and empty tallies.
    gone = admin.post(f"/admin/self-assessment/{wrong}/delete", follow_redirects=False)
    assert gone.status_code == 303 and _round_row(wrong) is None
    with session_scope() as session:
        for table in (SelfAssessmentStatement, SelfAssessmentTally):
            assert session.exec(select(table).where(table.round_id == wrong)).all() == []
    assert admin.post(f"/admin/self-assessment/{wrong}/delete").status_code == 404
    assert _round_row(other) is not None
    changed = entries(before, action=Action.self_assessment_changed)
    deleted = entries(before, action=Action.self_assessment_cancelled)
    assert len(changed) == 1 and "2027-04-01 to 2027-04-30" in changed[0].detail
    assert len(deleted) == 1 and "Forår 2027" in deleted[0].detail
    audit = admin.get("/admin/audit").text
    assert "Selvevalueringsrunde ændret" in audit and "Selvevalueringsrunde slettet" in audit

    # Only the administrator.
    for who in ("caseworker", "supervisor", "leader"):
        client = client_for(who)
        assert client.post(f"/admin/self-assessment/{other}/delete").status_code == 403
        assert client.post(f"/admin/self-assessment/{other}", data=form).status_code == 403
    assert _round_row(other) is not None


def test_a_round_someone_answered_keeps_its_first_day_and_cannot_be_deleted(
    sqlite_db: str, client_for: ClientFor
) -> None:
    admin = client_for("administrator")
    round_id = open_today("I gang")
    (person,) = caseworkers("svarer", 1)
    answer(person, round_id, [4] * statement_count(round_id))
    start = _round_row(round_id)
    assert start is not None
    page = admin.get("/admin/self-assessment").text
    assert f'action="/admin/self-assessment/{round_id}/delete"' not in page

    moved = {"label": "I gang", "opens_on": (TODAY - timedelta(days=3)).isoformat(),
             "closes_on": start[2].isoformat()}  # fmt: skip
    refused = admin.post(f"/admin/self-assessment/{round_id}", data=moved)
    assert refused.status_code == 409 and "første dag står fast" in refused.text
    deleted = admin.post(f"/admin/self-assessment/{round_id}/delete")
    assert deleted.status_code == 409 and "kan ikke slettes" in deleted.text
    assert _round_row(round_id) == start
    # Its name and last day can change: a longer round.
    longer = {"label": "I gang, forlænget", "opens_on": start[1].isoformat(),
              "closes_on": (TODAY + timedelta(days=14)).isoformat()}  # fmt: skip
    ok = admin.post(f"/admin/self-assessment/{round_id}", data=longer, follow_redirects=False)
    assert ok.status_code == 303
    assert _round_row(round_id) == ("I gang, forlænget", start[1], TODAY + timedelta(days=14))
