"""The sharing forms on a recording's page (posts without JavaScript)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.core.db import SessionDep
from app.core.errors import BadInput
from app.core.i18n import N_
from app.core.ids import DbId, parse_id
from app.sharing import service
from app.sharing.models import ShareCreate

router = APIRouter(include_in_schema=False)


@router.post("/recordings/{recording_id}/shares", dependencies=[CsrfProtected])
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
        raise BadInput(N_("Choose one person or one team to share with."), code="share.pick_one")
    body = ShareCreate(**{f"{kind}_id": target_id})
    service.share_own(
        session=session, request=request, user=user, recording_id=recording_id, body=body
    )
    return RedirectResponse(f"/recordings/{recording_id}#sharing", status_code=303)


@router.post("/recordings/{recording_id}/shares/{share_id}/withdraw", dependencies=[CsrfProtected])
def withdraw_from_page(
    recording_id: str, share_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    service.unshare_own(
        session=session, request=request, user=user, recording_id=recording_id, share_id=share_id
    )
    return RedirectResponse(f"/recordings/{recording_id}#sharing", status_code=303)


@router.post("/recordings/{recording_id}/shares/{share_id}/confirm", dependencies=[CsrfProtected])
def confirm_from_page(
    recording_id: str,
    share_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    user_id: Annotated[int, Form(ge=1, le=2**62)],
) -> RedirectResponse:
    service.confirm_own(
        session=session,
        request=request,
        user=user,
        recording_id=recording_id,
        share_id=share_id,
        person=user_id,
    )
    return RedirectResponse(f"/recordings/{recording_id}#sharing", status_code=303)
