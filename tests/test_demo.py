"""The demo content: the start command's empty-database set-up makes five logins, Team
Nord, Sara's ready recording with its given transcript, Søren's feedback on criteria, a clip
shared with the team and a team session on it; never on a database with people in it; and
`create-admin` takes all of it away, rows and files. Run for real: ffmpeg, the services."""

import pytest
from sqlmodel import func, select

from app.access.models import Share
from app.accounts.models import Team, TeamMember, User
from app.cli import main as cli
from app.clips.models import Clip, ClipStatus
from app.core.config import settings
from app.core.db import session_scope
from app.demo import content
from app.demo.conversation import LINES
from app.feedback.models import Feedback, FeedbackCriterion
from app.media.probe import MediaInfo, probe
from app.recordings import service as recording_service
from app.recordings import storage
from app.recordings.models import Consent, Recording, RecordingStatus
from app.recordings.upload import ReceivedUpload
from app.scores.models import ScoreLevel, Scoring
from app.sessions.models import SessionKind, SparringSession
from app.transcripts import service as transcript_service
from tests.support import stored

PASSWORD = "rigtigt-kodeord-123"


def _empty_database() -> None:
    with session_scope() as session:
        for user in session.exec(select(User)):
            session.delete(user)


def _demo_logins(out: str) -> dict[str, str]:
    return {line.split()[1]: line.split()[2] for line in out.splitlines() if "@demo.local" in line}


def _counts() -> tuple[int, ...]:
    with session_scope() as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (User, Team, Recording, Feedback, Clip, SparringSession, Share)
        )


def test_the_demo_is_made_on_an_empty_database_and_goes_with_create_admin(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _empty_database()
    cli(["demo-users"])
    logins = _demo_logins(capsys.readouterr().out)
    assert set(logins) == {
        "admin@demo.local",
        "sagsbehandler@demo.local",
        "kasper@demo.local",
        "supervisor@demo.local",
        "leder@demo.local",
    }
    with session_scope() as session:
        people = {u.email: u for u in session.exec(select(User))}
        assert people["kasper@demo.local"].name == "Kasper Kollega"
        assert people["kasper@demo.local"].role == "caseworker"
        team = session.exec(select(Team).where(Team.name == "Team Nord")).one()
        members = set(session.exec(select(TeamMember.user_id).where(TeamMember.team_id == team.id)))
        assert members == {
            people[e].id
            for e in ("sagsbehandler@demo.local", "kasper@demo.local", "supervisor@demo.local")
        }

        recording = session.exec(select(Recording)).one()
        sara, soren = people["sagsbehandler@demo.local"], people["supervisor@demo.local"]
        assert recording.owner_id == sara.id and recording.status == RecordingStatus.ready
        consent = session.get(Consent, recording.id)
        assert consent is not None and consent.child_consented and consent.custody_holders_consented
        assert recording.delete_after is not None

        transcript = transcript_service.get(session=session, recording_id=recording.id)
        assert transcript is not None and transcript.model_name == transcript_service.GIVEN
        assert "demo" in transcript_service.provenance(transcript, "en")
        lines = transcript_service.segments(session=session, transcript=transcript)
        assert [(s.start, s.end, s.speaker, s.text) for s in lines] == [
            (line.start, line.end, line.speaker, line.text) for line in LINES
        ]

        assert recording.playable_name and recording.poster_name
        with stored.local_file(recording.id, recording.playable_name) as playable:
            info = probe(playable)
        assert info.has_video and info.audio_codec and 55 < info.duration < 62
        assert len(stored.read(recording.id, recording.poster_name)) > 0
        assert (settings.media_dir / recording.id / recording.playable_name).is_file()

        shares = list(session.exec(select(Share).where(Share.recording_id == recording.id)))
        assert any(s.clip_id is None and s.user_id == soren.id for s in shares)

        items = list(session.exec(select(Feedback).where(Feedback.recording_id == recording.id)))
        assert len(items) == 4 and {i.author_id for i in items} == {soren.id}
        assert {i.kind for i in items} == {"strength", "development_point", "question"}
        assert all(not i.draft for i in items)
        linked = session.exec(
            select(func.count(func.distinct(FeedbackCriterion.feedback_id)))
        ).one()
        assert linked == 4
        # Sara's self-score and Søren's, published, on the four criteria the feedback names.
        sheets = list(session.exec(select(Scoring).where(Scoring.recording_id == recording.id)))
        assert {(s.scorer_id, s.own) for s in sheets} == {(sara.id, True), (soren.id, False)}
        assert all(s.published_at is not None for s in sheets)
        levels = session.exec(select(func.count()).select_from(ScoreLevel)).one()
        assert levels == 8

        clip = session.exec(select(Clip)).one()
        assert clip.status == ClipStatus.ready and clip.media_name
        with stored.local_file(recording.id, clip.media_name) as clip_file:
            clip_info = probe(clip_file)
        assert abs(clip_info.duration - (clip.end_seconds - clip.start_seconds)) < 1.5
        assert any(s.clip_id == clip.id and s.team_id == team.id for s in shares)

        planned = session.exec(select(SparringSession)).one()
        assert planned.kind == SessionKind.team and planned.clip_id == clip.id
        assert planned.team_id == team.id and planned.state == "planned"
        recording_id = recording.id

    before = _counts()
    cli(["demo-users"])  # a second start makes nothing more
    assert _counts() == before
    assert _demo_logins(capsys.readouterr().out) == logins

    cli(["create-admin", "--email", "it@kommune.test", "--name", "IT", "--password", PASSWORD])
    with session_scope() as session:
        assert [u.email for u in session.exec(select(User))] == ["it@kommune.test"]
    assert _counts() == (1, 0, 0, 0, 0, 0, 0)
    assert stored.keys(recording_id) == []
    assert not (settings.resolved_data_dir / "demo-logins.txt").exists()


def test_no_demo_on_a_database_with_people(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _counts()
    cli(["demo-users"])
    assert "@demo.local" not in capsys.readouterr().out
    assert _counts() == before


def test_a_failed_demo_leaves_nothing(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: a demo that fails late (its recording stored and made ready, its
    clip refused as outside the recording) leaves no account, row or file."""
    _empty_database()
    monkeypatch.setattr(content, "CLIP", ("Udenfor", 70.0, 80.0))
    with pytest.raises(Exception):  # noqa: B017 - whichever refusal, nothing may be left
        cli(["demo-users"])
    assert _counts() == (0, 0, 0, 0, 0, 0, 0)
    assert not settings.media_dir.exists() or list(settings.media_dir.iterdir()) == []
    assert not (settings.resolved_data_dir / "demo-logins.txt").exists()


def test_the_demo_copy_is_an_upload_the_sweep_leaves_alone(
    sqlite_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's copy of its video waits in the upload folder as an upload does; the sweep of
    partial uploads (every few minutes, in every app process) must not take it meanwhile."""
    real = recording_service.inspect_upload
    swept: list[int] = []

    def sweep_first(upload: ReceivedUpload) -> MediaInfo:
        swept.append(storage.sweep_partial_uploads())
        return real(upload)

    monkeypatch.setattr(recording_service, "inspect_upload", sweep_first)
    _empty_database()
    cli(["demo-users"])
    assert swept == [0]
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Recording)).one() == 1
    assert stored.files_under(settings.upload_tmp_dir) == []
