"""Sharing a recording with a person or a team, and withdrawing it (API and form posts)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Field, Session, SQLModel

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.audit.deps import audit_on_commit
from app.audit.service import Action
from app.core.db import SessionDep
from app.core.errors import BadInput
from app.core.ids import DbId, parse_id
from app.sharing import service
from app.sharing.audience import ShareView, Status, audience

api = APIRouter(prefix="/recordings/{recording_id}/shares", tags=["sharing"])
pages = APIRouter(include_in_schema=False)


class ShareCreate(SQLModel):
    user_id: DbId | None = None
    team_id: DbId | None = None


class ShareConfirm(SQLModel):
    user_id: int = Field(ge=1, le=2**62)


class ViewerPublic(SQLModel):
    user_id: int
    name: str
    status: Status  # access, pending (owner to confirm), held (owner to confirm again), ...


class SharePublic(SQLModel):
    id: int
    recording_id: str
    user_id: int | None
    team_id: int | None
    label: str
    # Who the share reaches: the person, or each member of the team now.
    viewers: list[ViewerPublic] = []


def _public(recording_id: str, view: ShareView) -> SharePublic:
    people = [view.person] if view.person else view.members
    return SharePublic(
        id=view.share.id,  # type: ignore[arg-type]
        recording_id=recording_id,
        user_id=view.share.user_id,
        team_id=view.share.team_id,
        label=view.label,
        viewers=[ViewerPublic(user_id=p.user_id, name=p.name, status=p.status) for p in people],
    )


def _share(
    session: Session, request: Request, user: User, recording_id: str, body: ShareCreate
) -> SharePublic:
    recording = service.owned(session=session, user=user, recording_id=recording_id)
    row = service.share(
        session=session, recording=recording, by=user, user_id=body.user_id, team_id=body.team_id
    )
    target = f"user {body.user_id}" if body.user_id else f"team {body.team_id}"
    audit_on_commit(session, request, user, Action.share, recording.id, target)
    views = audience(session=session, recording=recording)
    return next(_public(recording.id, v) for v in views if v.share.id == row.id)


def _confirm(
    session: Session, request: Request, user: User, recording_id: str, share_id: int, person: int
) -> None:
    recording = service.owned(session=session, user=user, recording_id=recording_id)
    service.confirm(session=session, recording=recording, share_id=share_id, user_id=person)
    audit_on_commit(
        session,
        request,
        user,
        Action.share_confirmed,
        recording.id,
        f"share {share_id} user {person}",
    )


def _unshare(
    session: Session, request: Request, user: User, recording_id: str, share_id: int
) -> None:
    recording = service.owned(session=session, user=user, recording_id=recording_id)
    row = service.unshare(session=session, recording=recording, share_id=share_id)
    target = f"user {row.user_id}" if row.user_id else f"team {row.team_id}"
    audit_on_commit(session, request, user, Action.unshare, recording.id, target)


@api.get("", response_model=list[SharePublic])
def list_shares(recording_id: str, session: SessionDep, user: CurrentUser) -> list[SharePublic]:
    recording = service.owned(session=session, user=user, recording_id=recording_id)
    return [_public(recording.id, v) for v in audience(session=session, recording=recording)]


@api.post("", status_code=201, response_model=SharePublic, dependencies=[CsrfProtected])
def share_recording(
    recording_id: str, body: ShareCreate, request: Request, session: SessionDep, user: CurrentUser
) -> SharePublic:
    """Share with one person (user_id) or one team (team_id), for feedback."""
    return _share(session, request, user, recording_id, body)


@api.delete("/{share_id}", status_code=204, dependencies=[CsrfProtected])
def withdraw_share(
    recording_id: str, share_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Withdraw a share; it takes effect with the next request."""
    _unshare(session, request, user, recording_id, share_id)
    return Response(status_code=204)


@api.post("/{share_id}/confirm", status_code=204, dependencies=[CsrfProtected])
def confirm_viewer(
    recording_id: str,
    share_id: DbId,
    body: ShareConfirm,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    """Give one person access through this share: a team member who joined after it was
    made, or someone who has set their password through an administrator's link since."""
    _confirm(session, request, user, recording_id, share_id, body.user_id)
    return Response(status_code=204)


@pages.post("/recordings/{recording_id}/shares", dependencies=[CsrfProtected])
def share_from_page(
    recording_id: str,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    target: Annotated[str, Form(max_length=32)],
) -> RedirectResponse:
    kind, _, raw_id = target.partition(":")
    target_id = parse_id(raw_id)
    if kind not in ("user", "team") or target_id is None:
        raise BadInput("share.pick_one")
    body = ShareCreate(**{f"{kind}_id": target_id})
    _share(session, request, user, recording_id, body)
    return RedirectResponse(f"/recordings/{recording_id}#sharing", status_code=303)


@pages.post("/recordings/{recording_id}/shares/{share_id}/withdraw", dependencies=[CsrfProtected])
def withdraw_from_page(
    recording_id: str, share_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    _unshare(session, request, user, recording_id, share_id)
    return RedirectResponse(f"/recordings/{recording_id}#sharing", status_code=303)


@pages.post("/recordings/{recording_id}/shares/{share_id}/confirm", dependencies=[CsrfProtected])
def confirm_from_page(
    recording_id: str,
    share_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    user_id: Annotated[int, Form(ge=1, le=2**62)],
) -> RedirectResponse:
    _confirm(session, request, user, recording_id, share_id, user_id)
    return RedirectResponse(f"/recordings/{recording_id}#sharing", status_code=303)
