"""Sharing a recording with a person or a team, and withdrawing it (API and form posts)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session, SQLModel

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.audit.deps import audit_on_commit
from app.audit.service import Action
from app.core.db import SessionDep
from app.core.errors import BadInput
from app.sharing import service

api = APIRouter(prefix="/recordings/{recording_id}/shares", tags=["sharing"])
pages = APIRouter(include_in_schema=False)


class ShareCreate(SQLModel):
    user_id: int | None = None
    team_id: int | None = None


class SharePublic(SQLModel):
    id: int
    recording_id: str
    user_id: int | None
    team_id: int | None
    label: str


def _share(
    session: Session, request: Request, user: User, recording_id: str, body: ShareCreate
) -> SharePublic:
    recording = service.owned(session=session, user=user, recording_id=recording_id)
    row = service.share(
        session=session, recording=recording, by=user, user_id=body.user_id, team_id=body.team_id
    )
    target = f"user {body.user_id}" if body.user_id else f"team {body.team_id}"
    audit_on_commit(session, request, user, Action.share, recording.id, target)
    label = dict((s.id, lbl) for s, lbl in service.shares_of(session=session, recording=recording))
    return SharePublic(
        id=row.id,  # type: ignore[arg-type]
        recording_id=recording.id,
        user_id=row.user_id,  # type: ignore[arg-type]
        team_id=row.team_id,
        label=label.get(row.id, ""),
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
    return [
        SharePublic(
            id=s.id,  # type: ignore[arg-type]
            recording_id=recording.id,
            user_id=s.user_id,
            team_id=s.team_id,
            label=label,
        )
        for s, label in service.shares_of(session=session, recording=recording)
    ]


@api.post("", status_code=201, response_model=SharePublic, dependencies=[CsrfProtected])
def share_recording(
    recording_id: str, body: ShareCreate, request: Request, session: SessionDep, user: CurrentUser
) -> SharePublic:
    """Share with one person (user_id) or one team (team_id), for feedback."""
    return _share(session, request, user, recording_id, body)


@api.delete("/{share_id}", status_code=204, dependencies=[CsrfProtected])
def withdraw_share(
    recording_id: str, share_id: int, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Withdraw a share; it takes effect with the next request."""
    _unshare(session, request, user, recording_id, share_id)
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
    if kind not in ("user", "team") or not raw_id.isdigit():
        raise BadInput("share.pick_one")
    body = ShareCreate(**{f"{kind}_id": int(raw_id)})
    _share(session, request, user, recording_id, body)
    return RedirectResponse(f"/recordings/{recording_id}#sharing", status_code=303)


@pages.post("/recordings/{recording_id}/shares/{share_id}/withdraw", dependencies=[CsrfProtected])
def withdraw_from_page(
    recording_id: str, share_id: int, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    _unshare(session, request, user, recording_id, share_id)
    return RedirectResponse(f"/recordings/{recording_id}#sharing", status_code=303)
