"""The clip page, and the recording page's clip section with its forms (they post without
JavaScript; app/static/clips.js only reads the player's time into them)."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

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
from app.feedback import pages as feedback_pages
from app.feedback.forms import parse_time, target_forms
from app.feedback.targets import Here
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
        for_clips=True,
        session=session,
        what=Shared(recording_id=recording.id, owner_id=recording.owner_id),
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


def clip_media(clip: Clip, lang: str, *, protected: bool = False) -> player_view.Media:
    """The clip's own file once it is cut (the protected variant to a team, made once it is
    cut); until then, or if cutting failed, why not."""
    if protected:
        return _protected_media(clip, lang)
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


def _protected_media(clip: Clip, lang: str, query: str = "") -> player_view.Media:
    """The clip as a team sees it: faces blurred, names muted; streamed, not downloaded."""
    note, note_id = None, "media-note"
    ready = clip.protected_status == ClipStatus.ready and clip.protected_media_name is not None
    if clip.protected_status == ClipStatus.failed:
        note, note_id = (
            translate(N_("The faces in the clip could not be blurred."), lang),
            "clip-failed",
        )
    elif not ready:
        wait = N_(
            "The faces in the clip are being blurred. The clip is shown as soon as it is ready."
        )
        note, note_id = translate(wait, lang), "clip-pending"
    base = f"/api/v1/clips/{clip.id}"
    return player_view.Media(
        title=clip.title,
        src=f"{base}/media{query}" if ready else None,
        mime=clip.protected_mime,
        poster=f"{base}/poster{query}" if ready and clip.protected_poster_name else None,
        video=bool(clip.protected_mime and clip.protected_mime.startswith("video/")),
        note=note,
        note_id=note_id,
        streamed_only=True,
    )


def clip_transcript(
    session: Session, clip: Clip, subject: CurrentSubject | None = None
) -> player_view.Transcript:
    """The transcript cut to the clip, all of it (a clip is short); names hidden for a
    `subject` who gets the protected variant."""
    if subject is not None:
        cut = actions.transcript_for(session, subject, clip)
    else:
        cut = content.transcript(session=session, clip=clip)
    return player_view.Transcript(
        lines=cut.segments, total=len(cut.segments), language=cut.language
    )


def player(
    request: Request, session: Session, subject: CurrentSubject, clip: Clip, page: str
) -> player_view.Player:
    """The clip in the player, its feedback posting to `page`'s routes."""
    lang = request_language(request)
    target = target_of(session, clip, page, subject)
    protected = target.redact is not None
    # The clip's own stretch of the conversation, to read (corrections belong on the
    # recording, which a team member of the clip may not see). Not for a team: its lines
    # quote the conversation as the machine heard it.
    panels = []
    if not protected:
        panels.append(
            player_view.insight_tab(
                session=session, target=target, lang=lang, correctable=False, refresh=None
            )
        )
    return player_view.build(
        session=session,
        subject=subject,
        target=target,
        media=clip_media(clip, lang, protected=protected),
        transcript=clip_transcript(session, clip, subject),
        query=request.query_params,
        lang=lang,
        panels=panels,
    )


@router.get("/clips/{clip_id}", response_class=HTMLResponse)
def clip_page(
    clip_id: DbId, request: Request, session: SessionDep, subject: CurrentSubject
) -> HTMLResponse:
    """The clip alone: its player, transcript, feedback and what the caseworker asks."""
    clip = actions.viewed(session=session, subject=subject, clip_id=clip_id, part="page")
    shown = player(request, session, subject, clip, f"/clips/{clip.id}")
    context = {
        "clip": clip,
        "player": shown,
        "protected": shown.target.redact is not None,
        "own": clip.owner_id == subject.id,
        "title": shown.target.shown(clip.title),
        "request_text": shown.target.shown(clip.request_text),
    }
    return render(request, "clips/page.html", context)


def _clip_document(
    session: Session, subject: CurrentSubject, clip_id: int
) -> tuple[Here, dict[str, Any]]:
    clip = actions.seen(session, subject, clip_id)
    at = Here(session, subject, target_of(session, clip, subject=subject))
    lines = actions.transcript_for(session, subject, clip).segments
    protected = at.target.redact is not None
    shown = {"lines": lines, "title": at.target.shown(clip.title)}
    return at, {**shown, "extra": {"clip": clip, "streamed_only": protected}}


@router.get("/clips/{clip_id}/sparring", response_class=HTMLResponse)
def clip_sparring_page(
    clip_id: DbId, request: Request, session: SessionDep, subject: CurrentSubject
) -> HTMLResponse:
    """The clip's sparring document: for a team, names and numbers hidden."""
    at, made_of = _clip_document(session, subject, clip_id)
    return feedback_pages.document_page(at, request, **made_of)


@router.get("/clips/{clip_id}/sparring.pdf")
async def clip_sparring_pdf(
    clip_id: DbId, request: Request, session: SessionDep, subject: CurrentSubject
) -> Response:
    """As a PDF: downloaded by the caseworker (and a person given the clip itself), shown
    in the browser to a team (inline only, named without the case)."""
    at, made_of = await run_in_threadpool(_clip_document, session, subject, clip_id)
    inline = at.target.redact is not None
    filename = f"clip-{clip_id}-sparring.pdf"
    return await feedback_pages.document_pdf(
        at, request, filename=filename, inline=inline, **made_of
    )


router.include_router(target_forms(clip_target, "/clips/{clip_id}/feedback", bringing=True))
router.include_router(share_forms(clip_shares, "/clips/{clip_id}/shares"))
