"""The correction form's post, for browsers without JavaScript."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from app.core.db import SessionDep
from app.core.errors import BadInput
from app.recordings import service as recording_service
from app.transcripts import service
from app.transcripts.models import SegmentUpdate, Speaker

router = APIRouter(include_in_schema=False)


@router.post("/recordings/{recording_id}/segments/{segment_id}")
def correct_segment_from_page(
    recording_id: str,
    segment_id: int,
    session: SessionDep,
    text: Annotated[str, Form(max_length=5000)],
    speaker: Annotated[str, Form(max_length=16)] = "",
) -> RedirectResponse:
    recording = recording_service.get_ready(session=session, recording_id=recording_id)
    if speaker and speaker not in Speaker.__members__:
        raise BadInput("field.bad_speaker")
    update = SegmentUpdate(
        text=text, speaker=Speaker(speaker) if speaker else None, clear_speaker=not speaker
    )
    service.update_segment(
        session=session, recording_id=recording.id, segment_id=segment_id, update=update
    )
    return RedirectResponse(f"/recordings/{recording.id}#seg-{segment_id}", status_code=303)
