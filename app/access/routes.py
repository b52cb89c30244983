"""JSON API for the shares of a recording or a clip: one set of routes, made for each by
`share_api` (the recording's here, the clip's in app.clips)."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.access import actions, service
from app.access.models import ShareConfirm, ShareCreate, SharePublic
from app.access.service import Shared
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.core.db import SessionDep
from app.core.ids import DbId

Changes = [CsrfProtected]


def share_api(resolve: Callable[..., Shared], prefix: str, tag: str) -> APIRouter:
    """The share routes of what `resolve` finds (for its caseworker) under `prefix`."""
    router = APIRouter(prefix=prefix, tags=[tag])
    Of = Annotated[Shared, Depends(resolve)]

    @router.get("", response_model=list[SharePublic])
    def list_shares(what: Of, session: SessionDep) -> list[SharePublic]:
        """Each share with the people it reaches now, and how."""
        return service.public(session=session, what=what)

    @router.post("", status_code=201, response_model=SharePublic, dependencies=Changes)
    def share(
        body: ShareCreate, what: Of, session: SessionDep, subject: CurrentSubject
    ) -> SharePublic:
        """Share with one person (user_id) or one team (team_id)."""
        return actions.share(
            session=session,
            subject=subject,
            what=what,
            user_id=body.user_id,
            team_id=body.team_id,
            protected=body.protected,
        )

    @router.delete("/{share_id}", status_code=204, dependencies=Changes)
    def withdraw(
        share_id: DbId, what: Of, session: SessionDep, subject: CurrentSubject
    ) -> Response:
        """Withdraw a share; it takes effect with the next request."""
        actions.unshare(session=session, subject=subject, what=what, share_id=share_id)
        return Response(status_code=204)

    @router.post("/{share_id}/confirm", status_code=204, dependencies=Changes)
    def confirm(
        share_id: DbId, body: ShareConfirm, what: Of, session: SessionDep, subject: CurrentSubject
    ) -> Response:
        """Give one person access through this share: a team member who joined after it was
        made, or someone who has set their password through an administrator's link since."""
        given = {"share_id": share_id, "person": body.user_id}
        actions.confirm(session=session, subject=subject, what=what, **given)
        return Response(status_code=204)

    return router


def recording_shares(recording_id: str, session: SessionDep, subject: CurrentSubject) -> Shared:
    return actions.of_recording(session, subject, recording_id)


router = share_api(recording_shares, "/recordings/{recording_id}/shares", "sharing")
