"""The clip page, and the recording page's clip section with its forms (they post without
JavaScript; app/static/clips.js only reads the player's time into them)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from app.access import service as shares
from app.access.audience import ShareView
from app.access.pages import share_forms
from app.access.service import Shared
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.accounts.models import Team, User
from app.clips import actions, content, service
from app.clips.deps import clip_shares, clip_target, target_of
from app.clips.models import Clip, ClipCreate, ClipStatus
from app.core.db import SessionDep
from app.core.i18n import N_, request_language, translate
from app.core.ids import DbId
from app.core.templates import render
from app.feedback.forms import parse_time, target_forms
from app.jobs import reasons
from app.player import view as player_view
from app.recordings.models import Recording

router = APIRouter(include_in_schema=False)
Changes = [CsrfProtected]
TEXT = Annotated[str, Form(max_length=20_000)]
TIME = Annotated[str, Form(max_length=20)]


@dataclass(frozen=True)
class ClipRow:
    clip: Clip
    shares: list[ShareView]
    reason: str | None  # why cutting failed, in the reader's words


@dataclass(frozen=True)
class ClipSection:
    rows: list[ClipRow]
    people: list[User]
    teams: list[Team]


def section(*, session: Session, recording: Recording, lang: str) -> ClipSection:
    """What the caseworker's clip section shows: the clips, who each reaches, who can
    receive one."""
    rows = []
    for clip in service.clips_of(session=session, recording_id=recording.id):
        what = Shared(recording_id=recording.id, owner_id=recording.owner_id, clip_id=clip.id)
        reason = reasons.describe(clip.failure_reason, lang) if clip.failure_reason else None
        rows.append(ClipRow(clip, shares.views(session=session, what=what), reason))
    people, teams = shares.candidates(
        session=session, what=Shared(recording_id=recording.id, owner_id=recording.owner_id)
    )
    return ClipSection(rows=rows, people=people, teams=teams)


def _to_recording(recording_id: str, anchor: str = "clips") -> RedirectResponse:
    return RedirectResponse(f"/recordings/{recording_id}#{anchor}", status_code=303)


@router.post("/recordings/{recording_id}/clips", dependencies=Changes)
def add_from_page(
    recording_id: str,
    session: SessionDep,
    subject: CurrentSubject,
    title: TEXT,
    start: TIME,
    end: TIME,
    request_text: TEXT = "",
) -> RedirectResponse:
    body = ClipCreate(
        title=title,
        request_text=request_text,
        start_seconds=parse_time(start, field="start"),
        end_seconds=parse_time(end, field="end"),
    )
    clip = actions.create(session=session, subject=subject, recording_id=recording_id, body=body)
    return _to_recording(clip.recording_id, f"clip-{clip.id}")


@router.post("/clips/{clip_id}/delete", dependencies=Changes)
def delete_from_page(
    clip_id: DbId, session: SessionDep, subject: CurrentSubject
) -> RedirectResponse:
    return _to_recording(actions.delete(session=session, subject=subject, clip_id=clip_id))


def clip_media(clip: Clip, lang: str) -> player_view.Media:
    """The clip's own file once it is cut; until then, or if cutting failed, why not."""
    note, note_id, watch = None, "media-note", None
    if clip.status == ClipStatus.failed:
        note = reasons.describe(clip.failure_reason, lang) if clip.failure_reason else None
        note, note_id = note or translate(N_("The clip could not be cut."), lang), "clip-failed"
    elif clip.status != ClipStatus.ready:
        wait = N_("The clip is being cut. The page shows it as soon as it is ready.")
        note, note_id, watch = translate(wait, lang), "clip-pending", f"/api/v1/clips/{clip.id}"
    ready = clip.status == ClipStatus.ready
    return player_view.Media(
        title=clip.title,
        src=f"/api/v1/clips/{clip.id}/media" if ready else None,
        mime=clip.media_mime,
        poster=f"/api/v1/clips/{clip.id}/poster" if ready and clip.poster_name else None,
        video=bool(clip.media_mime and clip.media_mime.startswith("video/")),
        note=note,
        note_id=note_id,
        watch=watch,
    )


def clip_transcript(session: Session, clip: Clip) -> player_view.Transcript:
    """The transcript cut to the clip, all of it (a clip is short)."""
    cut = content.transcript(session=session, clip=clip)
    return player_view.Transcript(
        lines=cut.segments, total=len(cut.segments), language=cut.language
    )


def player(
    request: Request, session: Session, subject: CurrentSubject, clip: Clip, page: str
) -> player_view.Player:
    """The clip in the player, its feedback posting to `page`'s routes."""
    lang = request_language(request)
    target = target_of(session, clip, page)
    # The clip's own stretch of the conversation, to read (corrections belong on the
    # recording, which a team member of the clip may not see).
    conversation = player_view.insight_tab(
        session=session, target=target, lang=lang, correctable=False, refresh=None
    )
    return player_view.build(
        session=session,
        subject=subject,
        target=target,
        media=clip_media(clip, lang),
        transcript=clip_transcript(session, clip),
        query=request.query_params,
        lang=lang,
        panels=[conversation],
    )


@router.get("/clips/{clip_id}", response_class=HTMLResponse)
def clip_page(
    clip_id: DbId, request: Request, session: SessionDep, subject: CurrentSubject
) -> HTMLResponse:
    """The clip alone: its player, transcript, feedback and what the caseworker asks."""
    clip = actions.viewed(session=session, subject=subject, clip_id=clip_id, part="page")
    context = {"clip": clip, "player": player(request, session, subject, clip, f"/clips/{clip.id}")}
    return render(request, "clips/page.html", context)


router.include_router(target_forms(clip_target, "/clips/{clip_id}/feedback", bringing=True))
router.include_router(share_forms(clip_shares, "/clips/{clip_id}/shares"))
