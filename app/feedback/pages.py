"""The sparring document: a printable page, and the same document as a PDF made here."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.downloads import attachment
from app.core.i18n import request_language
from app.core.templates import render, templates
from app.feedback import document, pdf
from app.feedback.deps import OnRecording
from app.feedback.targets import Here

router = APIRouter(include_in_schema=False)


@router.get("/recordings/{recording_id}/sparring", response_class=HTMLResponse)
def sparring_page(at: OnRecording, request: Request) -> HTMLResponse:
    """The document on screen, laid out for printing, with a link to its PDF."""
    doc = _document(at, request, Action.view, Kind.sparring)
    return render(request, "feedback/document.html", {"doc": doc, "recording": at.recording})


@router.get("/recordings/{recording_id}/sparring.pdf")
async def sparring_pdf(at: OnRecording, request: Request) -> Response:
    """The document as a PDF (an audited download), made in the PDF pool or kept from the
    last time it was made (app/feedback/pdf.py): the event loop and the request threads
    stay free for the other pages meanwhile."""
    doc = await run_in_threadpool(_document, at, request, Action.download, Kind.sparring_pdf)
    recording, lang = at.recording, request_language(request)

    def source() -> str:
        template = templates.get_template("feedback/document.html")
        return template.render({"doc": doc, "recording": recording, "pdf": True, "lang": lang})

    key = pdf.key_of(recording.id, lang, doc)
    body = await pdf.renderer.pdf(at.subject.id, key, source)
    filename = f"{recording.case_reference}-{recording.id[:8]}-sparring.pdf"
    return Response(body, media_type="application/pdf", headers=attachment(filename))


def _document(at: Here, request: Request, action: str, kind: str) -> document.SparringDocument:
    """The document as the reader may see it; its viewing (or download) is audited."""
    doc = document.for_reader(at, lang=request_language(request))
    audit_viewing(at.session, at.subject, action, at.recording.id, kind, kind)
    return doc
