"""The sharing forms of a recording's page and of each of its clips (posts without
JavaScript): one set, made for each by `share_forms`; each goes back to the page."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse

from app.access import actions
from app.access.routes import recording_shares
from app.access.service import Shared
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.core.db import SessionDep
from app.core.errors import BadInput
from app.core.i18n import N_
from app.core.ids import DbId, parse_id

Changes = [CsrfProtected]


def parse_target(target: str) -> tuple[int | None, int | None]:
    """A share form's `user:ID` or `team:ID` as (user_id, team_id)."""
    kind, _, raw_id = target.partition(":")
    target_id = parse_id(raw_id)
    if kind not in ("user", "team") or target_id is None:
        raise BadInput(N_("Choose one person or one team to share with."), code="share.pick_one")
    return (target_id, None) if kind == "user" else (None, target_id)


def share_forms(resolve: Callable[..., Shared], prefix: str) -> APIRouter:
    """The share forms of what `resolve` finds (for its caseworker) under `prefix`."""
    router = APIRouter(prefix=prefix, include_in_schema=False)
    Of = Annotated[Shared, Depends(resolve)]
    Target = Annotated[str, Form(max_length=32)]
    Person = Annotated[int, Form(ge=1, le=2**62)]

    def back(what: Shared) -> RedirectResponse:
        return RedirectResponse(what.page, status_code=303)

    @router.post("", dependencies=Changes)
    def share(
        what: Of,
        session: SessionDep,
        subject: CurrentSubject,
        target: Target,
        protected: Annotated[bool, Form()] = False,
    ) -> RedirectResponse:
        user_id, team_id = parse_target(target)
        actions.share(
            session=session,
            subject=subject,
            what=what,
            user_id=user_id,
            team_id=team_id,
            protected=protected,
        )
        return back(what)

    @router.post("/{share_id}/withdraw", dependencies=Changes)
    def withdraw(
        share_id: DbId, what: Of, session: SessionDep, subject: CurrentSubject
    ) -> RedirectResponse:
        actions.unshare(session=session, subject=subject, what=what, share_id=share_id)
        return back(what)

    @router.post("/{share_id}/confirm", dependencies=Changes)
    def confirm(
        share_id: DbId, what: Of, session: SessionDep, subject: CurrentSubject, user_id: Person
    ) -> RedirectResponse:
        actions.confirm(
            session=session, subject=subject, what=what, share_id=share_id, person=user_id
        )
        return back(what)

    return router


router = share_forms(recording_shares, "/recordings/{recording_id}/shares")
