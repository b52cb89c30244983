"""The correction form's post, for browsers without JavaScript."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.core.db import SessionDep
from app.core.ids import DbId
from app.transcripts import service

router = APIRouter(include_in_schema=False)


@router.post("/recordings/{recording_id}/segments/{segment_id}", dependencies=[CsrfProtected])
def correct_segment_from_page(
    recording_id: str,
    segment_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    text: Annotated[str, Form(max_length=5000)],
    speaker: Annotated[str, Form(max_length=16)] = "",
) -> RedirectResponse:
    update = service.update_from_form(text=text, speaker=speaker)
    service.correct_own(
        session=session,
        request=request,
        user=user,
        recording_id=recording_id,
        segment_id=segment_id,
        update=update,
    )
    return RedirectResponse(f"/recordings/{recording_id}#seg-{segment_id}", status_code=303)
