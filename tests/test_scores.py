"""Scores on the criteria (issue 25): scales versioned with the rubric, the caseworker's
self-score and reflection first, supervisors blind to each other until both publish, their
agreement (weighted kappa, checked against scikit-learn's), the caseworker's own page and
the leader's figures per team (every group under 3 hidden, with 2 and 3)."""

import csv
import io
import random
import re
import warnings
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import func
from sqlmodel import select

from app.accounts.models import Role, Team, TeamMember
from app.core.db import session_scope
from app.criteria.models import CriterionVersion
from app.insight.agreement import weighted_kappa
from app.scores.models import ScoreLevel, Scoring
from tests.support.accounts import ClientFactory, ClientFor, make_user, user_id
from tests.support.audit import entries, last_seq
from tests.support.factories import ready_recording
from tests.support.feedback import give
from tests.support.media import MediaSet
from tests.support.recordings import share
from tests.support.scores import bare_recording, scale_criteria, score, share_with


def post(client: TestClient, url: str, **data: str) -> object:
    return client.post(url, data=data, follow_redirects=False)


def form(**levels: int) -> dict[str, str]:
    return {f"level-{k.removeprefix('c')}": str(v) for k, v in levels.items()}


def sheets() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Scoring)).one()


# The agreement -------------------------------------------------------------------------


def test_weighted_kappa_equals_scikit_learns_on_random_data() -> None:
    """Quadratic weights over a scale's levels, on 500 random pairs of raters: from
    agreeing raters to unrelated ones, 2 to 7 levels, a few items to many; undefined where
    scikit-learn answers nan."""
    rng = random.Random(25)
    compared = 0
    for trial in range(500):
        levels = list(range(1, rng.randint(2, 7) + 1))
        n = rng.randint(2, 60)
        a = [rng.choice(levels) for _ in range(n)]
        noise = trial % 4  # 0: copies, 3: unrelated
        b = [x if rng.random() > noise / 3 else rng.choice(levels) for x in a]
        ours = weighted_kappa(a, b, levels)
        with warnings.catch_warnings():  # scikit-learn warns where it answers nan
            warnings.simplefilter("ignore")
            theirs = cohen_kappa_score(a, b, labels=levels, weights="quadratic")
        if theirs != theirs:  # nan
            assert ours is None
            continue
        assert ours == pytest.approx(theirs, abs=1e-12)
        compared += 1
    assert compared > 450
    # Known values: perfect agreement, and a systematic one-level offset.
    assert weighted_kappa([1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert weighted_kappa([1, 2, 3], [2, 3, 4], [1, 2, 3, 4]) == pytest.approx(
        cohen_kappa_score([1, 2, 3], [2, 3, 4], labels=[1, 2, 3, 4], weights="quadratic")
    )


# Scales on the rubric --------------------------------------------------------------------


def test_a_scale_is_versioned_with_the_criterion_and_bad_scales_change_nothing(
    sqlite_db: str,
    client_for: ClientFor,
) -> None:
    admin = client_for("administrator")
    criterion = admin.get("/api/v1/criteria").json()["criteria"][0]
    url = f"/admin/criteria/{criterion['id']}"
    base = {k: criterion[k] for k in ("name_da", "name_en", "description_da", "description_en")}

    def versions() -> int:
        with session_scope() as session:
            query = select(func.count()).where(CriterionVersion.criterion_id == criterion["id"])
            return session.exec(query).one()

    before = versions()
    refused = {
        ("Lav\nHøj", "Low\nMiddle\nHigh"): "lige mange niveauer på dansk og engelsk",
        ("Kun én", "Only one"): "fra 2 til 7 niveauer",
        ("\n".join("abcdefgh"), "\n".join("abcdefgh")): "fra 2 til 7 niveauer",
        ("x" * 201 + "\nLav", "High\nLow"): "højst være 200 tegn",
    }
    for (da, en), message in refused.items():
        answer = admin.post(url, data=base | {"levels_da": da, "levels_en": en, "lang": "en"})
        assert answer.status_code == 422, (da, answer.status_code)
        assert message in answer.text
    assert versions() == before
    saved = post(
        admin,
        url,
        **base,
        levels_da="Ikke endnu\n\nPå vej\nSikker ",
        levels_en="Not yet\nOn the way\nConfident",
    )
    assert saved.status_code == 303  # type: ignore[attr-defined]
    assert versions() == before + 1
    public = admin.get("/api/v1/criteria").json()["criteria"][0]
    assert public["levels_da"] == ["Ikke endnu", "På vej", "Sikker"]
    assert public["levels_en"] == ["Not yet", "On the way", "Confident"]
    assert public["version"] == criterion["version"] + 1
    # The same scale again: no new version.
    post(
        admin,
        url,
        **base,
        levels_da="Ikke endnu\nPå vej\nSikker",
        levels_en="Not yet\nOn the way\nConfident",
    )
    assert versions() == before + 1
    page = admin.get("/admin/criteria", params={"lang": "da"}).text
    assert "<li>Ikke endnu</li><li>På vej</li><li>Sikker</li>" in page


# Who scores and who sees what -------------------------------------------------------------


def test_the_caseworker_and_supervisors_score_blind_to_each_other_until_both_publish(
    db: str, client: TestClient, client_for: ClientFor, open_client: ClientFactory
) -> None:
    first, second, third = scale_criteria(3)
    owner_id, supervisor_id = user_id("caseworker"), user_id("supervisor")
    other_id = make_user("signe@kommune.test", Role.supervisor)
    rid = bare_recording(owner_id)
    share_with(rid, owner_id, supervisor_id, other_id, user_id("caseworker2"))
    supervisor, other = client_for("supervisor"), open_client("signe@kommune.test")
    page = f"/recordings/{rid}/scores"

    # The caseworker's draft is theirs alone; published, the supervisors see it.
    assert post(client, page, **form(**{f"c{first}": 2, f"c{second}": 3})).status_code == 303  # type: ignore[attr-defined]
    assert "The caseworker's self-score" not in supervisor.get(page, params={"lang": "en"}).text
    post(client, page, publish="1", **form(**{f"c{first}": 2, f"c{second}": 3}))
    seen = supervisor.get(page, params={"lang": "en"}).text
    assert "The caseworker's self-score" in seen

    # Søren publishes; Signe, not yet published, sees that someone has but not what.
    post(supervisor, page, publish="1", **form(**{f"c{first}": 3, f"c{second}": 3, f"c{third}": 1}))
    blind = other.get(page, params={"lang": "en"}).text
    assert "A colleague has published scores on this recording." in blind
    assert "Søren Supervisor" not in blind
    post(other, page, publish="0", **form(**{f"c{first}": 4}))
    assert "Søren Supervisor" not in other.get(page).text  # a draft opens nothing
    post(other, page, publish="1", **form(**{f"c{first}": 4, f"c{third}": 2}))
    opened = other.get(page, params={"lang": "en"}).text
    assert "Søren Supervisor" in opened and "A colleague has published" not in opened
    assert "signe" in supervisor.get(page).text  # both published: both see

    # The caseworker sees both supervisors beside their own.
    mine = client.get(page, params={"lang": "en"}).text
    assert "Søren Supervisor" in mine and "signe" in mine
    table = re.search(r'<section class="card" id="compared".*?</section>', mine, re.S)
    assert table is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', table.group(0))
    assert cells[:3] == ["2", "3", "4"]  # the first criterion: mine, Søren's, Signe's

    # Published is final; a colleague caseworker, the leader and the administrator see none.
    again = client.post(page, data={"publish": "1", f"level-{first}": "1"})
    assert again.status_code == 409
    assert client_for("caseworker2").get(page).status_code == 403
    assert client_for("leader").get(page).status_code == 404
    assert client_for("administrator").get(page).status_code == 404
    assert client_for("caseworker2").post(page, data=form(**{f"c{first}": 1})).status_code == 403


def test_a_bad_level_is_refused_and_stores_nothing(sqlite_db: str, client: TestClient) -> None:
    (first,) = scale_criteria(1)
    rid = bare_recording(user_id("caseworker"))
    page = f"/recordings/{rid}/scores"
    for fields, message in (
        ({f"level-{first}": "5"}, "fra 1 til 4"),
        ({f"level-{first}": "x"}, "Vælg et af kriteriets niveauer"),
        ({"level-999999": "1"}, "har ingen skala at score på"),
        ({"publish": "1"}, "Scor mindst ét kriterie"),
    ):
        answer = client.post(page, data=fields)  # the page answers in Danish
        assert answer.status_code == 422, fields
        assert message in answer.text
    assert sheets() == 0
    unscaled = client.get("/api/v1/criteria").json()["criteria"][1]["id"]
    assert client.post(page, data={f"level-{unscaled}": "1"}).status_code == 422
    assert sheets() == 0


def test_reflection_first_holds_back_the_supervisors_feedback_until_the_caseworker_reflects(
    db: str, client: TestClient, client_for: ClientFor
) -> None:
    (first,) = scale_criteria(1)
    owner_id, supervisor_id = user_id("caseworker"), user_id("supervisor")
    rid = bare_recording(owner_id)
    share_with(rid, owner_id, supervisor_id)
    supervisor, admin = client_for("supervisor"), client_for("administrator")
    api = f"/api/v1/recordings/{rid}/feedback"
    given = give(supervisor, api, first, 5.0, "Godt åbent spørgsmål")
    post(supervisor, f"/recordings/{rid}/scores", publish="1", **form(**{f"c{first}": 3}))

    # Not required: the caseworker sees the feedback at once.
    assert [i["id"] for i in client.get(api).json()["items"]] == [given]
    assert (
        post(
            admin, "/admin/criteria/settings", criteria_required="1", reflection_required="1"
        ).status_code
        == 303
    )  # type: ignore[attr-defined]
    assert client.get(api).json()["items"] == []
    scores = client.get(f"/recordings/{rid}/scores", params={"lang": "en"}).text
    assert "once you have published your own reflection" in scores
    assert "Søren Supervisor" not in scores
    document = client.get(f"/recordings/{rid}/sparring", params={"lang": "en"}).text
    assert "Godt åbent spørgsmål" not in document
    # The supervisor still sees their own.
    assert [i["id"] for i in supervisor.get(api).json()["items"]] == [given]

    # A published self-score is a reflection: the feedback and scores show.
    post(client, f"/recordings/{rid}/scores", publish="1", **form(**{f"c{first}": 2}))
    assert [i["id"] for i in client.get(api).json()["items"]] == [given]
    document = client.get(f"/recordings/{rid}/sparring", params={"lang": "en"}).text
    assert "Godt åbent spørgsmål" in document
    row = re.search(r'<table class="counts" id="doc-score-table">.*?</table>', document, re.S)
    assert row is not None
    assert re.search(r'<td class="num">2</td><td class="num">3</td>', row.group(0))


def test_the_sparring_document_shows_the_reflection_beside_the_feedback(
    sqlite_db: str, client: TestClient, client_for: ClientFor
) -> None:
    (first,) = scale_criteria(1)
    owner_id, supervisor_id = user_id("caseworker"), user_id("supervisor")
    rid = bare_recording(owner_id)
    share_with(rid, owner_id, supervisor_id)
    api = f"/api/v1/recordings/{rid}/feedback"
    give(client, api, first, 3.0, "Jeg afbrød barnet for tidligt")
    give(client_for("supervisor"), api, first, 9.0, "Du ventede fint her")
    document = client.get(f"/recordings/{rid}/sparring", params={"lang": "da"}).text
    mine = re.search(r'<ul class="beside-list" id="doc-reflection">(.*?)</ul>', document, re.S)
    given = re.search(r'<ul class="beside-list" id="doc-given">(.*?)</ul>', document, re.S)
    assert mine is not None and given is not None
    assert "Jeg afbrød barnet" in mine.group(1) and "Du ventede" not in mine.group(1)
    assert "Du ventede fint her" in given.group(1) and "Jeg afbrød" not in given.group(1)
    assert "Sagsbehandlerens refleksion ved siden af feedbacken" in document
    pdf = client.get(f"/recordings/{rid}/sparring.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


# Calibration -------------------------------------------------------------------------------


def test_calibration_shows_each_criterions_kappa_as_scikit_learn_counts_it(
    sqlite_db: str, client_for: ClientFor, open_client: ClientFactory
) -> None:
    first, second = scale_criteria(2)
    owner_id, supervisor_id = user_id("caseworker"), user_id("supervisor")
    other_id = make_user("signe@kommune.test", Role.supervisor)
    mine = {first: [1, 2, 3, 4, 2, 3], second: [2, 2, 3, 3, 4, 1]}
    theirs = {first: [1, 3, 3, 4, 4, 4], second: [2, 2, 3, 3, 4, 1]}
    recordings = []
    for i in range(6):
        rid = bare_recording(owner_id, title=f"Samtale {i}")
        share_with(rid, owner_id, supervisor_id, other_id)
        score(rid, supervisor_id, {c: mine[c][i] for c in mine})
        score(rid, other_id, {c: theirs[c][i] for c in theirs})
        recordings.append(rid)
    # A recording only one of them scored does not count.
    lone = bare_recording(owner_id, title="Kun den ene")
    share_with(lone, owner_id, supervisor_id)
    score(lone, supervisor_id, {first: 1})

    since = last_seq()
    page = client_for("supervisor").get("/calibration", params={"lang": "en"}).text
    viewed = {e.recording_id for e in entries(since, action="view") if e.detail == "calibration"}
    assert viewed == {recordings[1], recordings[4], recordings[5]}  # those it names
    section = re.search(r'<section class="card calibration".*?</section>', page, re.S)
    assert section is not None and "signe" in section.group(0)
    assert "6 recordings scored by you both" in section.group(0)
    kappas = re.findall(r'<td class="num kappa">([^<]*)</td>', section.group(0))
    expected = cohen_kappa_score(
        mine[first], theirs[first], labels=[1, 2, 3, 4], weights="quadratic"
    )
    assert kappas == [f"{expected:.2f}", "1.00"]
    # Where they differed most: the two-level gap first.
    differences = re.findall(r"<li><a href=\"/recordings/(\w+)/scores\">", section.group(0))
    assert differences[0] == recordings[4] and len(differences) == 3
    assert "Kun den ene" not in page
    # Signe sees the same agreement from her side; a caseworker has no calibration page.
    hers = open_client("signe@kommune.test").get("/calibration", params={"lang": "en"}).text
    assert f"{expected:.2f}" in hers and "Søren Supervisor" in hers
    assert client_for("caseworker").get("/calibration").status_code == 403
    assert client_for("supervisor").get("/calibration", params={"since": "nope"}).status_code == 422


# Over time and for the leader -------------------------------------------------------------


def test_my_scores_over_my_recordings_as_small_charts_with_the_numbers(
    sqlite_db: str, client: TestClient, client_for: ClientFor
) -> None:
    (first,) = scale_criteria(1)
    owner_id, supervisor_id = user_id("caseworker"), user_id("supervisor")
    for month, (sup, own) in enumerate([(1, 2), (2, 2), (3, 3), (4, 3)], start=1):
        rid = bare_recording(
            owner_id, title=f"Samtale {month}", created_at=datetime(2026, month, 5, tzinfo=UTC)
        )
        share_with(rid, owner_id, supervisor_id)
        score(rid, supervisor_id, {first: sup})
        score(rid, owner_id, {first: own})
    page = client.get("/insight", params={"lang": "en"}).text
    figure = re.search(
        rf'<figure class="chart card trend" id="trend-{first}">.*?</figure>', page, re.S
    )
    assert figure is not None
    assert len(re.findall(r'class="dot-supervisors"', figure.group(0))) == 4
    assert len(re.findall(r'class="dot-own"', figure.group(0))) == 4
    rows = re.findall(r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td>', figure.group(0))
    assert rows == [("4.0", "3"), ("3.0", "3"), ("2.0", "2"), ("1.0", "2")]  # newest first
    # Level 4 is drawn above level 1.
    ys = [
        float(y)
        for y in re.findall(
            r'<circle cx="[\d.]+" cy="([\d.]+)" r="4" class="dot-supervisors"', figure.group(0)
        )
    ]
    assert ys == sorted(ys, reverse=True)
    assert client_for("supervisor").get("/insight").text.count("trend-") == 0


def _team(name: str, members: list[int]) -> None:
    with session_scope() as session:
        team = Team(name=name)
        session.add(team)
        session.flush()
        session.add_all(TeamMember(team_id=team.id, user_id=m) for m in members)  # type: ignore[arg-type]


def test_the_leader_sees_a_teams_scores_only_with_three_caseworkers(
    db: str,
    client_for: ClientFor,
) -> None:
    (first,) = scale_criteria(1)
    supervisor_id = user_id("supervisor")
    people = [user_id("caseworker"), user_id("caseworker2")]
    people.append(make_user("tove@kommune.test", Role.caseworker))
    _team("Børneteam Syd", people)
    now = datetime.now(UTC)
    for person, level in zip(people[:2], (2, 4), strict=True):
        rid = bare_recording(person, title="Må aldrig vises", created_at=now)
        share_with(rid, person, supervisor_id)
        score(rid, supervisor_id, {first: level})
    leader = client_for("leader")

    def scores_table() -> str:
        page = leader.get("/leader").text
        found = re.search(r'<table class="data" id="team-scores">.*?</table>', page, re.S)
        return found.group(0) if found else ""

    def exported_scores() -> list[dict[str, str]]:
        rows = csv.DictReader(io.StringIO(leader.get("/leader/figures.csv").text))
        return [r for r in rows if r["area"] == "scores"]

    assert "Børneteam Syd" not in scores_table()  # two caseworkers: hidden
    assert exported_scores() == []
    rid = bare_recording(people[2], title="Må aldrig vises", created_at=now)
    share_with(rid, people[2], supervisor_id)
    score(rid, supervisor_id, {first: 3})
    score(rid, people[2], {first: 1})
    page = leader.get("/leader", params={"lang": "en"}).text
    num = r'<td class="num">([^<]+)</td>'
    head = r"<tr><td>Børneteam Syd</td><td>(\d{4}-Q\d)</td><td>([^<]+)</td>\s*"
    row = re.search(head + num * 3, page)
    assert row is not None
    assert row.group(3) == "3.0" and row.group(4) == "–" and row.group(5) == "3"  # one self-score
    assert "Må aldrig vises" not in page and "SAG-SCORE" not in page
    exported = leader.get("/leader/figures.csv", params={"lang": "en"})
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    mine = [r for r in lines if r["team"] == "Børneteam Syd" and r["area"] == "scores"]
    assert [(r["area"], r["measure"], r["value"], r["group_size"]) for r in mine] == [
        ("scores", f"score:{first}", "3.0", "3")
    ]
    assert client_for("caseworker").get("/leader/figures.csv").status_code == 403


def test_a_recordings_scores_go_with_it(sqlite_db: str, client: TestClient) -> None:
    (first,) = scale_criteria(1)
    rid = bare_recording(user_id("caseworker"))
    score(rid, user_id("caseworker"), {first: 2})
    assert sheets() == 1
    with session_scope() as session:
        from app.recordings.models import Recording

        session.delete(session.get(Recording, rid))
    assert sheets() == 0
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(ScoreLevel)).one() == 0


def test_the_recording_page_invites_or_requires_a_reflection_first(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    """Feedback from the supervisor: the caseworker's page offers a reflection first; where
    the administrator requires it, says the feedback waits; once reflected, neither."""
    (first,) = scale_criteria(1)
    rid = ready_recording(client, media)
    share(client, rid, user_id=user_id("supervisor"))
    give(client_for("supervisor"), f"/api/v1/recordings/{rid}/feedback", first, 4.0, "Fint")
    page = client.get(f"/recordings/{rid}", params={"lang": "en"}).text
    assert 'id="reflect-invite"' in page and 'id="reflect-first"' not in page
    assert "Fint" in page
    settings = {"criteria_required": "1", "reflection_required": "1"}
    post(client_for("administrator"), "/admin/criteria/settings", **settings)
    page = client.get(f"/recordings/{rid}", params={"lang": "en"}).text
    assert 'id="reflect-first"' in page and 'id="reflect-invite"' not in page
    assert "Fint" not in page
    post(client, f"/recordings/{rid}/scores", publish="1", **form(**{f"c{first}": 2}))
    page = client.get(f"/recordings/{rid}", params={"lang": "en"}).text
    assert "reflect-first" not in page and "reflect-invite" not in page and "Fint" in page
    assert "reflect-invite" not in client_for("supervisor").get(f"/recordings/{rid}").text
