"""The correction form's post, for browsers without JavaScript."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.audit.deps import audit_on_commit
from app.audit.service import Action
from app.core.db import SessionDep
from app.core.errors import BadInput
from app.core.ids import DbId
from app.recordings import service as recording_service
from app.sharing import service as access
from app.transcripts import service
from app.transcripts.models import SegmentUpdate, Speaker

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
    recording = access.owned(session=session, user=user, recording_id=recording_id)
    recording_service.require_ready(recording)
    if speaker and speaker not in Speaker.__members__:
        raise BadInput("field.bad_speaker")
    update = SegmentUpdate(
        text=text, speaker=Speaker(speaker) if speaker else None, clear_speaker=not speaker
    )
    service.update_segment(
        session=session, recording_id=recording.id, segment_id=segment_id, update=update
    )
    audit_on_commit(
        session, request, user, Action.transcript_edit, recording.id, f"segment {segment_id}"
    )
    return RedirectResponse(f"/recordings/{recording.id}#seg-{segment_id}", status_code=303)
