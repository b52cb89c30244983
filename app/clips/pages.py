"""The clip page, and the recording page's clip section with its forms (they post without
JavaScript; app/static/clips.js only reads the player's time into them)."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlmodel import Session, col, select

from app.accounts import service as account_service
from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import Team, User
from app.clips import actions, content, feedback_pages, service
from app.clips.models import Clip, ClipCreate, ClipShareCreate, ClipSharePublic
from app.core.db import SessionDep, session_scope
from app.core.errors import BadInput
from app.core.i18n import N_, request_language
from app.core.ids import DbId, parse_id
from app.core.templates import env, render
from app.feedback.forms import parse_time
from app.jobs import reasons
from app.sharing.service import SHARE_ROLES

router = APIRouter(include_in_schema=False)
Changes = [CsrfProtected]
TEXT = Annotated[str, Form(max_length=20_000)]
TIME = Annotated[str, Form(max_length=20)]


@dataclass(frozen=True)
class ClipRow:
    clip: Clip
    shares: list[ClipSharePublic]
    reason: str | None  # why cutting failed, in the reader's words


@dataclass(frozen=True)
class ClipSection:
    rows: list[ClipRow]
    people: list[User]
    teams: list[Team]


def section(*, session: Session, user_id: int, recording_id: str, lang: str) -> ClipSection:
    """What the owner's clip section shows: the clips, their shares, who can receive one."""
    clips = service.clips_of(session=session, recording_id=recording_id)
    rows = [
        ClipRow(
            clip=c,
            shares=service.shares_of(session=session, clip=c),
            reason=reasons.describe(c.failure_reason, lang) if c.failure_reason else None,
        )
        for c in clips
        if c.owner_id == user_id
    ]
    people = session.exec(
        select(User)
        .where(col(User.role).in_(SHARE_ROLES), col(User.active).is_(True), User.id != user_id)
        .order_by(col(User.name))
    ).all()
    teams = account_service.list_teams(session=session)
    return ClipSection(rows=rows, people=list(people), teams=teams)


@pass_context
def recording_clips(context: Context, recording_id: str) -> ClipSection | None:
    """For templates/clips/_on_recording.html: the section of the page's own user, if the
    recording is theirs (a read of its own: the recording page's context stays as it is)."""
    request: Request | None = context.get("request")
    user = getattr(getattr(request, "state", None), "user", None) if request else None
    if request is None or user is None:
        return None
    with session_scope() as session:
        found = section(
            session=session,
            user_id=user.id,
            recording_id=recording_id,
            lang=request_language(request),
        )
        session.expunge_all()
    return found


env.globals["recording_clips"] = recording_clips


def _to_recording(clip_or_id: Clip | str, anchor: str = "clips") -> RedirectResponse:
    recording_id = clip_or_id.recording_id if isinstance(clip_or_id, Clip) else clip_or_id
    return RedirectResponse(f"/recordings/{recording_id}#{anchor}", status_code=303)


@router.post("/recordings/{recording_id}/clips", dependencies=Changes)
def add_from_page(
    recording_id: str,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
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
    clip = actions.create_own(
        session=session, request=request, user=user, recording_id=recording_id, body=body
    )
    return _to_recording(clip, f"clip-{clip.id}")


@router.post("/clips/{clip_id}/delete", dependencies=Changes)
def delete_from_page(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    clip = service.owned_clip(session=session, user=user, clip_id=clip_id)
    recording_id = clip.recording_id
    actions.delete_own(session=session, request=request, user=user, clip_id=clip_id)
    return _to_recording(recording_id)


@router.post("/clips/{clip_id}/shares", dependencies=Changes)
def share_from_page(
    clip_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    target: Annotated[str, Form(max_length=32)],
) -> RedirectResponse:
    kind, _, raw_id = target.partition(":")
    target_id = parse_id(raw_id)
    if kind not in ("user", "team") or target_id is None:
        raise BadInput(N_("Choose one person or one team to share with."), code="share.pick_one")
    body = ClipShareCreate(**{f"{kind}_id": target_id})
    actions.share_own(session=session, request=request, user=user, clip_id=clip_id, body=body)
    clip = service.owned_clip(session=session, user=user, clip_id=clip_id)
    return _to_recording(clip, f"clip-{clip_id}")


@router.post("/clips/{clip_id}/shares/{share_id}/withdraw", dependencies=Changes)
def withdraw_from_page(
    clip_id: DbId, share_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    actions.unshare_own(
        session=session, request=request, user=user, clip_id=clip_id, share_id=share_id
    )
    clip = service.owned_clip(session=session, user=user, clip_id=clip_id)
    return _to_recording(clip, f"clip-{clip_id}")


@router.get("/clips/{clip_id}", response_class=HTMLResponse)
def clip_page(
    clip_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    """The clip alone: its player, transcript, feedback and what the caseworker asks."""
    clip = actions.viewed(session=session, request=request, user=user, clip_id=clip_id, part="page")
    lang = request_language(request)
    context: dict[str, Any] = {
        "clip": clip,
        "is_owner": clip.owner_id == user.id,
        "transcript": content.transcript(session=session, clip=clip),
        "feedback": content.feedback(session=session, user=user, clip=clip),
        "reason": reasons.describe(clip.failure_reason, lang) if clip.failure_reason else None,
    }
    return render(request, "clips/page.html", context)


router.include_router(feedback_pages.router)
