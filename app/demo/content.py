"""What a new user finds in demo mode: Team Nord, Sara's ready recording of a short talk with
a child (`samtale.mp4`, spoken by espeak-ng; its transcript is given, never heard by the
model), shared with Søren, his feedback on the default criteria, a clip shared with the
team, and a team session planned on it.

Made through the services the product uses (upload, worker steps, transcript, shares,
feedback, clips, sessions), inside the start command's transaction: if anything fails,
nothing is kept (the stored files go with the rollback, as an upload's do)."""

import hashlib
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from app.access import actions as access_actions
from app.access.service import Shared
from app.accounts import service as accounts
from app.accounts.models import User
from app.accounts.subject import Subject
from app.clips import actions as clip_actions
from app.clips import cutting, protection
from app.clips.models import Clip, ClipCreate
from app.core.config import settings
from app.core.timeutil import utcnow
from app.criteria import service as criteria
from app.criteria.models import CriterionUpdate
from app.demo.conversation import LINES
from app.feedback import service as feedback_service
from app.feedback.models import FeedbackCreate, FeedbackKind
from app.feedback.targets import Here, Target
from app.insight import service as insight
from app.jobs import service as job_service
from app.jobs.models import PROTECT_CLIP, Job
from app.media.probe import probe
from app.recordings import service as recording_service
from app.recordings import storage
from app.recordings.models import Recording
from app.recordings.upload import ReceivedUpload
from app.retention.service import today
from app.scores import service as scores
from app.sessions import actions as session_actions
from app.sessions.models import SessionCreate, SessionKind
from app.transcripts import service as transcript_service
from app.transcripts.models import Speaker
from workers import clips as clip_steps
from workers import media as media_steps
from workers import protect as protect_steps
from workers.pipeline import MediaWork, finish_now, make_media_now
from workers.steps import run_steps

VIDEO = Path(__file__).with_name("samtale.mp4")
TEAM = "Team Nord"
TITLE = "Demo: samtale med Emma om skolen"
CASE_REFERENCE = "DEMO-001"
# The model name a given transcript carries (app.transcripts.service.provenance says so).
GIVEN = transcript_service.GIVEN
WORKER = "demo"

# Søren's feedback: (kind, start, end, criterion's Danish name, text).
FEEDBACK = (
    (
        FeedbackKind.strength,
        1.0,
        5.1,
        "Kontakt og tryghed",
        "Fin, rolig velkomst: du siger dit navn og hvor du arbejder, før noget andet.",
    ),
    (
        FeedbackKind.strength,
        8.7,
        14.1,
        "Rammesætning (formål, mandat, rettigheder, grundregler)",
        "Godt at Emma hører, at hun må holde en pause. Det giver hende kontrol.",
    ),
    (
        FeedbackKind.development_point,
        27.0,
        31.1,
        "Tid, pauser og taletid",
        "Vent lidt længere efter Emmas svar om idræt, før du skifter emne. "
        "Spørg fx: Fortæl mere om Ali.",
    ),
    (
        FeedbackKind.question,
        46.7,
        50.1,
        "Respons på bekymrende betroelser",
        "Hvad tænkte du, da Emma fortalte, at hun laver mad til sin lillebror? "
        "Hvordan vil du følge op på det?",
    ),
)
CLIP = ("Emma fortæller om eftermiddagen", 26.5, 51.0)
CLIP_REQUEST = "Hvordan tager jeg imod det, Emma fortæller om eftermiddagene?"
SESSION_QUESTION = "Hvordan følger jeg op på det, Emma fortæller om sin lillebror?"


@dataclass
class GivenUpload(ReceivedUpload):
    """The bundled video as if it had been uploaded: a copy in an upload's own `.part` file,
    locked as an upload's is (the sweep takes only files no one holds)."""

    given_size: int = 0

    @property
    def size(self) -> int:
        return self.given_size

    @property
    def sha256(self) -> str:
        assert self.path is not None
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def _upload(session: Session, sara: Subject) -> Recording:
    part = storage.PartFile(settings.upload_tmp_dir)
    shutil.copyfile(VIDEO, part.path)  # written through a file of its own; the lock stays
    consented_on = today() - timedelta(days=2)
    upload = GivenUpload(
        filename=VIDEO.name,
        fields={
            "title": TITLE,
            "case_reference": CASE_REFERENCE,
            "language": "da",
            "consent_given_by": "child_and_custody",
            "consent_child": "on",
            "consent_custody": "on",
            "consent_date": consented_on.isoformat(),
            # The supervisor watches it; the clip goes to Sara's own team; no teaching.
            "consent_individual": "on",
            "consent_team": "on",
        },
        part=part,
        given_size=part.path.stat().st_size,
    )
    try:
        return recording_service.create_from_upload(session=session, upload=upload, owner=sara)
    finally:
        upload.release()  # stored (or discarded) by now


def _make_ready(session: Session, recording: Recording) -> None:
    """The worker's part, by the worker's own steps, with the given transcript."""
    rid = recording.id
    made = make_media_now(session=session, recording_id=rid, tag="demo")
    job = session.exec(select(Job).where(Job.recording_id == rid)).one()
    claim = job_service.claim(session=session, job_id=job.id, owner=WORKER)  # type: ignore[arg-type]
    assert claim is not None
    transcript_service.replace(
        session=session, recording_id=rid, language="da", model_name=GIVEN, segments=LINES
    )
    transcript = transcript_service.get(session=session, recording_id=rid)
    assert transcript is not None
    for segment, line in zip(
        transcript_service.segments(session=session, transcript=transcript), LINES, strict=True
    ):
        segment.speaker = Speaker(line.speaker)
        session.add(segment)
    finish_now(session=session, recording_id=rid, made=made, claim=claim)
    # The conversation's analysis, as after any transcription: the worker runs it.
    insight.request(session=session, recording_id=rid)
    session.flush()


def _cut(session: Session, clip_id: int) -> None:
    """The clip's job, as the worker runs it (workers/clips.py), in this transaction."""
    job = session.exec(
        select(Job).where(Job.clip_id == clip_id).order_by(col(Job.id).desc())
    ).first()
    assert job is not None and job.id is not None
    claim = job_service.claim(session=session, job_id=job.id, owner=WORKER)
    assert claim is not None
    source = cutting.source_of(session=session, clip_id=clip_id)
    assert source is not None
    ext, mime, opts = clip_steps.output_format(source)
    clip_name, poster_name = cutting.file_names(clip_id, job.id, ext)
    with MediaWork.of(source.recording_id, "demo", clean_stale=False) as files:
        source_path = files.input(source.playable_name)
        clip_steps.cut(source, source_path, files.scratch(clip_name), opts, lambda fraction: None)
        info = probe(files.scratch(clip_name))
        clip = files.keep(clip_name, mime)
        media_steps.make_poster(files.input(clip_name), files.scratch(poster_name), info)
        poster = files.keep(poster_name, "image/png")
    kept = cutting.set_media(
        session=session,
        clip_id=clip_id,
        job_id=job.id,
        media=clip,
        media_mime=mime,
        poster=poster,
    )
    assert kept
    state = job_service.succeed(session=session, claim=claim)
    assert state is not None
    cutting.follow_job(session=session, state=state)
    session.flush()


def _protect(session: Session, clip_id: int, approver: Subject) -> None:
    """The clip's protected variant, as the worker makes it (workers/protect.py), in this
    transaction; then its caseworker approves it, as she would once she had watched it."""
    clip = session.get(Clip, clip_id)
    assert clip is not None
    protection.queue(session, clip)
    job = session.exec(
        select(Job)
        .where(Job.clip_id == clip_id, Job.kind == PROTECT_CLIP)
        .order_by(col(Job.id).desc())
    ).first()
    assert job is not None and job.id is not None
    claim = job_service.claim(session=session, job_id=job.id, owner=WORKER)
    assert claim is not None
    source = protection.source_of(session=session, clip_id=clip_id)
    assert source is not None
    with MediaWork.of(source.recording_id, "demo", clean_stale=False) as files:
        run = protect_steps.new_run(source, files, job.id)
        run_steps(protect_steps.STEPS, run, lambda stage, fraction: None)
    assert run.media is not None
    kept = protection.set_media(
        session=session,
        clip_id=clip_id,
        job_id=job.id,
        media=run.media,
        mime=run.mime,
        poster=run.poster,
        fingerprint=source.fingerprint,
    )
    assert kept
    state = job_service.succeed(session=session, claim=claim)
    assert state is not None
    protection.follow(session=session, state=state)
    session.flush()
    clip_actions.approve_protected(session=session, subject=approver, clip_id=clip_id)


# A scale on the criteria the demo's feedback names, and a score from each side: Sara's
# self-score and Søren's, so that the scores page and "My conversations" show something.
SCALE = (
    "Ikke endnu\nPå vej\nSikker\nForbilledlig",
    "Not yet\nOn the way\nConfident\nExemplary",
)
SCORES = {  # criterion: (Sara's own, Søren's)
    "Kontakt og tryghed": (3, 4),
    "Rammesætning (formål, mandat, rettigheder, grundregler)": (2, 3),
    "Tid, pauser og taletid": (3, 2),
    "Respons på bekymrende betroelser": (2, 2),
}


def _score(session: Session, recording: Recording, sara: Subject, soren: Subject) -> None:
    named = _criterion_ids(session)
    scored = {named[name]: levels for name, levels in SCORES.items() if name in named}
    for criterion_id in scored:
        body = CriterionUpdate(levels_da=SCALE[0], levels_en=SCALE[1])
        criteria.update(session=session, criterion_id=criterion_id, body=body)
    for who, side in ((sara, 0), (soren, 1)):
        levels = {criterion_id: both[side] for criterion_id, both in scored.items()}
        scores.save(session, who, recording.id, levels, publish=True)


def _criterion_ids(session: Session) -> dict[str, int]:
    return {version.name_da: c.id for c, version in criteria.catalogue(session=session) if c.id}


def make(*, session: Session, users: dict[str, User]) -> None:
    """The demo content, for the demo accounts just made (by e-mail address)."""
    sara = Subject.of(users["sagsbehandler@demo.local"])
    kasper = users["kasper@demo.local"]
    soren = Subject.of(users["supervisor@demo.local"])
    team = accounts.create_team(session=session, name=TEAM)
    assert team.id is not None
    accounts.set_members(session=session, team=team, user_ids=[sara.id, kasper.id or 0, soren.id])
    recording = _upload(session, sara)
    _make_ready(session, recording)

    shared = Shared(recording_id=recording.id, owner_id=sara.id)
    access_actions.share(session=session, subject=sara, what=shared, user_id=soren.id, team_id=None)

    named = _criterion_ids(session)
    here = Here(session=session, subject=soren, target=Target.of_recording(recording))
    for kind, start, end, criterion, text in FEEDBACK:
        body = FeedbackCreate(
            kind=kind,
            start_seconds=start,
            end_seconds=end,
            criterion_ids=[named[criterion]] if criterion in named else [],
            text=text,
            publish=True,
        )
        feedback_service.create(here, body)
    _score(session, recording, sara, soren)

    title, start, end = CLIP
    clip = clip_actions.create(
        session=session,
        subject=sara,
        recording_id=recording.id,
        body=ClipCreate(
            title=title, request_text=CLIP_REQUEST, start_seconds=start, end_seconds=end
        ),
    )
    assert clip.id is not None
    _cut(session, clip.id)
    _protect(session, clip.id, sara)
    clip_shared = Shared(recording_id=recording.id, owner_id=sara.id, clip_id=clip.id)
    access_actions.share(
        session=session, subject=sara, what=clip_shared, user_id=None, team_id=team.id
    )

    starts = (utcnow() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    session_actions.plan(
        session=session,
        subject=soren,
        body=SessionCreate(
            kind=SessionKind.team,
            recording_id=recording.id,
            clip_id=clip.id,
            team_id=team.id,
            starts_at=starts,
            question=SESSION_QUESTION,
        ),
    )
    session.flush()
