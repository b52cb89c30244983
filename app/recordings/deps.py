"""Dependencies of the recordings routes."""

from fastapi import Depends, Request

from app.accounts.deps import CurrentSubject
from app.core.errors import BadInput
from app.core.i18n import N_
from app.recordings import service


def may_upload(request: Request, user: CurrentSubject) -> None:
    """Checked from the headers alone, before a byte of the body is read: a refusal comes at
    once, and uvicorn sends `100 Continue` only to a request whose body is then read."""
    service.require_upload_role(user)
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        # Would be read whole into memory by the form parser: an upload is never one.
        raise BadInput(
            N_("The upload form could not be read (%(detail)s)."),
            code="upload.bad_form",
            detail=N_("expected multipart/form-data"),
        )


# Listed before the CSRF check, which may read a form body.
UploadAllowed = Depends(may_upload)
