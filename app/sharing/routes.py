"""JSON API for sharing a recording with a person or a team, and withdrawing it."""

from fastapi import APIRouter, Request, Response

from app.accounts.deps import CsrfProtected, CurrentUser
from app.core.db import SessionDep
from app.core.ids import DbId
from app.sharing import service
from app.sharing.audience import audience
from app.sharing.models import ShareConfirm, ShareCreate, SharePublic

router = APIRouter(prefix="/recordings/{recording_id}/shares", tags=["sharing"])


@router.get("", response_model=list[SharePublic])
def list_shares(recording_id: str, session: SessionDep, user: CurrentUser) -> list[SharePublic]:
    recording = service.owned(session=session, user=user, recording_id=recording_id)
    return [
        service.to_public(recording.id, v) for v in audience(session=session, recording=recording)
    ]


@router.post("", status_code=201, response_model=SharePublic, dependencies=[CsrfProtected])
def share_recording(
    recording_id: str, body: ShareCreate, request: Request, session: SessionDep, user: CurrentUser
) -> SharePublic:
    """Share with one person (user_id) or one team (team_id), for feedback."""
    return service.share_own(
        session=session, request=request, user=user, recording_id=recording_id, body=body
    )


@router.delete("/{share_id}", status_code=204, dependencies=[CsrfProtected])
def withdraw_share(
    recording_id: str, share_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Withdraw a share; it takes effect with the next request."""
    service.unshare_own(
        session=session, request=request, user=user, recording_id=recording_id, share_id=share_id
    )
    return Response(status_code=204)


@router.post("/{share_id}/confirm", status_code=204, dependencies=[CsrfProtected])
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
    service.confirm_own(
        session=session,
        request=request,
        user=user,
        recording_id=recording_id,
        share_id=share_id,
        person=body.user_id,
    )
    return Response(status_code=204)
