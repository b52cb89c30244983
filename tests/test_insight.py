"""Conversation insight (issue 23) after the pipeline: the figures from who speaks when, the
"Samtalen" panel, people's corrections (a voice, two voices swapped, a line's speaker, a
question's label) winning over the machine, the sparring document, the caseworker's own
figures, a leader's team months and an administrator's agreement. The recordings come from
the factory with who speaks given; tests/test_insight_job.py runs the real analysis."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import Team, TeamMember
from app.core.db import session_scope
from app.insight import service as insight
from app.insight.figures import Figures, Question, Speech, compute
from app.insight.models import ConversationVoice, VoiceRole
from app.jobs.models import ANALYSE_CONVERSATION, Job, JobStatus
from app.transcripts import service as transcripts
from app.transcripts.models import Transcript
from tests.support.accounts import ClientFor, user_id
from tests.support.audit import entries
from tests.support.clips import cut_clips, make_clip, share_clip
from tests.support.factories import CONVERSATION, Line, analysed, lines_of, ready_recording
from tests.support.media import MediaSet
from tests.support.recordings import share

A, C = VoiceRole.adult, VoiceRole.child


# The figures, by hand ---------------------------------------------------------------------


def test_the_figures_of_a_conversation() -> None:
    speech = [
        Speech(0.0, 4.0, A),  # a question ending at 4.0
        Speech(6.0, 10.0, C),  # 2 s wait
        Speech(11.0, 14.0, C),  # the child goes on after a 1 s pause: one stretch 6-14
        Speech(13.9, 16.0, A),  # the adult comes in over the child; a question to 16.0
        Speech(16.5, 18.0, C),  # 0.5 s wait
        Speech(30.0, 32.0, A),  # a last question nobody answers
    ]
    questions = [Question(0.0, 4.0, "invitation"), Question(13.9, 16.0, "option_posing"),
                 Question(30.0, 32.0, "directive")]  # fmt: skip
    f = compute(speech, questions, start=0.0, end=40.0)
    assert f.adult_seconds == pytest.approx(4 + 2.1 + 2)
    assert f.child_seconds == pytest.approx(4 + 3 + 1.5)
    assert f.silence_seconds == pytest.approx(40 - 8.1 - 8.5)
    assert f.share("child") == pytest.approx(8.5 / 40)
    assert f.turns == 5  # A, C (two pieces), A, C, A
    assert f.child_longest_seconds == pytest.approx(8.0)
    assert f.child_longest_at == 6.0
    assert [w.seconds for w in f.waits] == [pytest.approx(2.0), pytest.approx(0.5), None]
    assert f.median_wait == pytest.approx(1.25)
    assert f.short_waits == 1
    assert f.over_the_child == 1

    # A clip's stretch: only what is inside it, cut at its edges.
    part = compute(speech, questions, start=8.0, end=17.0)
    assert part.child_seconds == pytest.approx(2 + 3 + 0.5)
    assert part.adult_seconds == pytest.approx(2.1)
    assert [w.question.type for w in part.waits] == ["option_posing"]


def test_the_child_answering_before_the_question_ends_waited_nothing() -> None:
    speech = [Speech(0.0, 3.0, A), Speech(2.5, 5.0, C)]
    f = compute(speech, [Question(0.0, 3.0, "option_posing")], start=0, end=5)
    assert [w.seconds for w in f.waits] == [0.0]
    assert f.over_the_child == 0  # the child came in over the adult, not the other way


# The panel, its corrections and who may make them -----------------------------------------


@pytest.fixture
def rid(db: str, client: TestClient, media: MediaSet) -> str:
    recording_id = ready_recording(client, media, seconds=60)
    analysed(recording_id)
    return recording_id


def figures_of(rid: str) -> Figures:
    with session_scope() as session:
        transcript = transcripts.get(session=session, recording_id=rid)
        found = insight.insight(session=session, recording_id=rid, transcript=transcript, end=60)
        assert found.figures is not None
        return found.figures


def test_each_line_gets_its_voice_and_the_adults_their_question_types(
    rid: str, client: TestClient
) -> None:
    lines = lines_of(rid)
    assert [s.voice for s in lines] == [1, 1, 1, 2, 1, 2, 1]
    # The child's lines have no type; the adult's "Kan du fortælle mig om …?" is asked.
    assert lines[3].question_type is None and lines[5].question_type is None
    assert lines[2].question_type is not None and lines[2].question_type != "none"
    assert lines[4].question_type == "invitation"  # "Hvad sker der, når du kommer hjem …?"
    assert lines[6].question_type == "directive"  # "… Hvordan har du det med det?"
    f = figures_of(rid)
    assert f.child_seconds == pytest.approx(8.5 + 8.5)
    assert f.turns == 5
    # The same through the API, for research and other tools.
    body = client.get(f"/api/v1/recordings/{rid}/insight").json()
    assert body["analysed"] and body["figures"]["turns"] == 5
    assert body["figures"]["child_share"] == pytest.approx(17 / 60, abs=0.002)
    assert [v["role"] for v in body["voices"]] == ["adult", "child"]
    assert [line["role"] for line in body["lines"]][:4] == ["adult", "adult", "adult", "child"]
    assert body["lines"][6]["question_type"] == "directive"


def test_the_panel_shows_the_figures_and_marks_in_both_languages(
    rid: str, client: TestClient
) -> None:
    da = client.get(f"/recordings/{rid}", params={"lang": "da"}).text
    assert 'id="tab-insight"' in da and ">Samtalen<" in da
    assert "Taletid" in da and "Barnets længste sammenhængende fortælling" in da
    assert re.search(r'class="question-mark type-directive" id="mark-\d+"', da)
    assert 'class="speaker speaker-machine speaker-adult"' in da and ">Voksen 1<" in da
    assert ">Barn 1<" in da
    # A mark offers feedback from it, with the criterion that fits a question ticked.
    link = re.search(r'href="\?at=([0-9.]+)&amp;criterion=(\d+)#new-feedback"', da)
    assert link is not None
    criteria = client.get("/api/v1/criteria").json()["criteria"]
    named = {c["id"]: c["name_da"] for c in criteria}
    assert named[int(link.group(2))] == "Åbne spørgsmål"
    en = client.get(f"/recordings/{rid}", params={"lang": "en"}).text
    assert ">The conversation<" in en and "Talk time" in en and ">Adult 1<" in en
    assert "Directive question" in en

    # Without JavaScript the link opens the page with the form filled in.
    at, criterion = link.group(1), link.group(2)
    page = client.get(f"/recordings/{rid}", params={"at": at, "criterion": criterion}).text
    assert '<details class="new-feedback" id="new-feedback" open>' in page
    assert re.search(rf'name="criterion_ids" value="{criterion}" data-number="\d+" checked', page)
    assert re.search(r'id="fb-start" name="start"[^>]*value="0:14"', page)  # the first mark
    # A time outside the recording or not a number opens nothing.
    for bad in ("9999", "abc", "-1"):
        quiet = client.get(f"/recordings/{rid}", params={"at": bad}).text
        assert '<details class="new-feedback" id="new-feedback">' in quiet


def test_corrections_win_over_the_machine(rid: str, client: TestClient) -> None:
    before = figures_of(rid)
    lines = lines_of(rid)
    # A line's speaker in one click: the caseworker's line 3 is the child's.
    said = client.post(f"/recordings/{rid}/segments/{lines[2].id}/role", data={"role": "child"},
                       headers={"Accept": "application/json"})  # fmt: skip
    assert said.status_code == 200, said.text
    after = figures_of(rid)
    assert after.child_seconds == pytest.approx(before.child_seconds + 7.5)
    assert lines_of(rid)[2].speaker == "child"

    # Two voices swapped in one click: the adult is the child and the child the adult.
    swapped = client.post(f"/recordings/{rid}/insight/swap", data={"first": 1, "second": 2},
                          follow_redirects=False)  # fmt: skip
    assert swapped.status_code == 303
    with session_scope() as session:
        roles = {v.number: v.current_role for v in session.exec(select(ConversationVoice))}
    assert roles == {1: C, 2: A}
    swapped_figures = figures_of(rid)
    # Line 3 stays the child's: a person's line wins over the voices.
    assert swapped_figures.child_seconds == pytest.approx(5.5 + 7.5 + 7.5 + 8.5 + 8.5)

    # The same role twice: nothing to swap, said plainly, nothing changed.
    client.post(f"/recordings/{rid}/insight/voices/2", data={"role": "child"})
    refused = client.post(f"/recordings/{rid}/insight/swap", data={"first": 1, "second": 2},
                          headers={"Accept": "application/json"})  # fmt: skip
    assert refused.status_code == 409
    assert "samme rolle" in refused.json()["detail"]
    missing = client.post(f"/recordings/{rid}/insight/voices/7", data={"role": "child"})
    assert missing.status_code == 404

    # Each correction is in the audit log, and has the lines labelled again.
    corrected = [e.detail for e in entries(action="insight_corrected", recording_id=rid)]
    assert corrected == [f"segment {lines[2].id}: child", "voices 1 and 2 swapped",
                         "voice 2: child"]  # fmt: skip
    with session_scope() as session:
        jobs = session.exec(select(Job).where(Job.kind == ANALYSE_CONVERSATION)).all()
    assert [j.status for j in jobs] == [JobStatus.queued]  # one waiting job, not one each

    # The panel's fragment quotes the lines: reading it is a view in the log.
    assert client.get(f"/recordings/{rid}/insight/panel").status_code == 200
    viewed = [e.detail for e in entries(action="view", recording_id=rid)]
    assert viewed.count("insight panel") == 1


def test_a_label_corrected_in_one_click_is_kept_beside_the_machines(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    share(client, rid, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor")
    line = lines_of(rid)[6]
    assert line.question_type == "directive"
    saved = supervisor.post(f"/recordings/{rid}/segments/{line.id}/question-type",
                            data={"question_type": "invitation"},
                            follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/recordings/{rid}#mark-{line.id}"
    again = lines_of(rid)[6]
    assert (again.question_type, again.question_type_by_person) == ("directive", "invitation")
    page = supervisor.get(f"/recordings/{rid}", params={"lang": "en"}).text
    assert re.search(rf'id="mark-{line.id}"[^>]*>\s*<button[^>]*>[^<]*</button>\s*'
                     r'<span class="qtype">Invitation <span class="by-person"', page)  # fmt: skip
    bad = supervisor.post(f"/recordings/{rid}/segments/{line.id}/question-type",
                          data={"question_type": "leading"})  # fmt: skip
    assert bad.status_code == 422
    assert lines_of(rid)[6].question_type_by_person == "invitation"

    # The administrator sees how far people agree with the machine, by month.
    admin = client_for("administrator").get("/leader", params={"lang": "en"}).text
    assert 'id="agreement"' in admin
    row = re.search(r"<tr><td>\d{4}-\d\d</td><td class=\"num\">1</td><td class=\"num\">1</td>"
                    r"<td class=\"num\">([^<]+)</td>", admin)  # fmt: skip
    assert row is not None  # one line labelled, changed: no agreement beyond chance
    leader = client_for("leader").get("/leader").text
    assert 'id="agreement"' not in leader


def test_who_may_see_and_correct(rid: str, client: TestClient, client_for: ClientFor) -> None:
    line = lines_of(rid)[0]
    posts = [
        (f"/recordings/{rid}/insight/swap", {"first": 1, "second": 2}),
        (f"/recordings/{rid}/insight/voices/1", {"role": "child"}),
        (f"/recordings/{rid}/segments/{line.id}/role", {"role": "child"}),
        (f"/recordings/{rid}/segments/{line.id}/question-type", {"question_type": "none"}),
    ]
    for key in ("supervisor", "caseworker2", "leader", "administrator"):
        other = client_for(key)
        assert other.get(f"/recordings/{rid}/insight/panel").status_code == 404, key
        for url, data in posts:
            assert other.post(url, data=data).status_code == 404, (key, url)
    with session_scope() as session:
        assert all(v.role_by_person is None for v in session.exec(select(ConversationVoice)))
    assert lines_of(rid)[0].speaker is None
    assert client_for("leader").get("/insight").status_code == 403


def test_a_text_correction_has_the_lines_labelled_again(rid: str, client: TestClient) -> None:
    line = lines_of(rid)[6]
    with session_scope() as session:
        assert session.exec(select(Job).where(Job.kind == ANALYSE_CONVERSATION)).first() is None
    client.patch(f"/api/v1/recordings/{rid}/transcript/segments/{line.id}",
                 json={"checked": True})  # fmt: skip
    with session_scope() as session:  # only checked: the words are the same
        assert session.exec(select(Job).where(Job.kind == ANALYSE_CONVERSATION)).first() is None
    client.patch(f"/api/v1/recordings/{rid}/transcript/segments/{line.id}",
                 json={"text": "Fortæl mig mere om det."})  # fmt: skip
    with session_scope() as session:
        job = session.exec(select(Job).where(Job.kind == ANALYSE_CONVERSATION)).one()
        assert job.model is None  # any worker: no speech model is needed
        transcript_id = lines_of(rid)[6].transcript_id
        transcript = session.get(Transcript, transcript_id)
        assert transcript is not None
        insight.label(session=session, recording_id=rid, transcript=transcript)
    assert lines_of(rid)[6].question_type == "invitation"


def test_the_sparring_document_and_my_conversations(rid: str, client: TestClient) -> None:
    document = client.get(f"/recordings/{rid}/sparring", params={"lang": "da"}).text
    assert 'id="doc-conversation"' in document
    assert "Voksen" in document and "Direkte spørgsmål" in document
    mine = client.get("/insight", params={"lang": "da"}).text
    assert 'class="practice-chart"' in mine and "Samtale om skolen" in mine
    assert f'href="/recordings/{rid}#insight"' in mine


def test_a_clip_shows_its_own_stretch_of_the_conversation(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    # 14.5-31: the caseworker's question (to 22.0) and the child's answer (22.5-31.0).
    clip_id = make_clip(client, rid, start=14.5, end=31.0)
    assert cut_clips() == ["succeeded"]
    share_clip(client, clip_id, user_id=user_id("caseworker2"))
    page = client_for("caseworker2").get(f"/clips/{clip_id}", params={"lang": "da"}).text
    assert 'id="tab-insight"' in page
    shares = re.search(r'aria-label="Voksen (\d+) %, barn (\d+) %, stilhed (\d+) %"', page)
    assert shares is not None
    assert [int(x) for x in shares.groups()] == [45, 52, 3]  # 7.5, 8.5, 0.5 of 16.5 s
    # The mark at the clip's own time 0:00, and no correction forms for the team.
    assert re.search(r'class="seek" data-start="0.0"', page)
    assert "insight-form" not in page
    # Someone the clip is not shared with sees nothing of it.
    assert client_for("supervisor").get(f"/clips/{clip_id}").status_code == 404


def test_a_persons_label_stays_on_a_new_version_with_the_same_words(
    rid: str, client: TestClient
) -> None:
    line = lines_of(rid)[6]
    client.post(f"/recordings/{rid}/segments/{line.id}/question-type",
                data={"question_type": "invitation"})  # fmt: skip
    with session_scope() as session:
        new = transcripts.begin(session=session, recording_id=rid, language="da",
                                heard=transcripts.Heard("factory"), job_id=99)  # fmt: skip
        kept = CONVERSATION[:6] + (Line(49.0, 58.5, CONVERSATION[6].text),)
        changed = CONVERSATION[:2] + (Line(14.5, 22.0, "Kan du fortælle om skolen?"),)
        transcripts.append(session=session, transcript=new, segments=kept[:2] + changed[2:3]
                           + kept[3:])  # type: ignore[arg-type]  # fmt: skip
        transcripts.finish(session=session, transcript=new)
        insight.label(session=session, recording_id=rid, transcript=new)
    again = lines_of(rid)
    assert again[6].id != line.id
    assert (again[6].question_type, again[6].question_type_by_person) == (
        "directive",
        "invitation",
    )
    assert again[2].question_type_by_person is None


def test_a_leader_sees_a_team_month_only_with_three_caseworkers(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    people = ("caseworker", "caseworker2", "supervisor")
    with session_scope() as session:
        team = Team(name="Børneteam Nord")
        session.add(team)
        session.flush()
        session.add_all(TeamMember(team_id=team.id, user_id=user_id(p)) for p in people[:2])
    for person in people[:2]:
        analysed(ready_recording(client if person == "caseworker" else client_for(person), media))
    leader = client_for("leader")
    assert "Børneteam Nord" not in leader.get("/leader").text  # two people: hidden
    with session_scope() as session:
        session.add(TeamMember(team_id=team.id, user_id=user_id("supervisor")))
    analysed(ready_recording(client_for("supervisor"), media))
    page = leader.get("/leader", params={"lang": "da"}).text
    row = re.search(r"<td>Børneteam Nord</td><td>\d{4}-\d\d</td><td class=\"num\">3</td>"
                    r"<td class=\"num\">3</td>\s*<td class=\"num\">(\d+) %</td>", page)  # fmt: skip
    assert row is not None and row.group(1) == "28"  # 17 s of 60 in each
    assert "Samtale om skolen" not in page  # never one recording


def test_my_conversations_is_linked_from_the_recordings_list(
    db: str, client: TestClient, client_for: ClientFor
) -> None:
    listing = client.get("/recordings", params={"lang": "da"}).text
    assert '<a href="/insight">Mine samtaler</a>' in listing
    empty = client.get("/insight", params={"lang": "en"}).text
    assert "None of your recordings has been analysed yet." in empty
    assert client_for("administrator").get("/insight").status_code == 403
