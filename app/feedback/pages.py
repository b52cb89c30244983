"""The sparring document: a printable page, and the same document as a PDF made here."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.deps import CurrentUser
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.i18n import request_language
from app.core.templates import render, templates
from app.feedback import document
from app.sharing import service as access

router = APIRouter(include_in_schema=False)
PRINT_CSS = Path(__file__).resolve().parents[1] / "static" / "print.css"


@router.get("/recordings/{recording_id}/sparring", response_class=HTMLResponse)
def sparring_page(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    """The document on screen, laid out for printing, with a link to its PDF."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    lang = request_language(request)
    doc = document.for_reader(session=session, user=user, recording=recording, lang=lang)
    audit_viewing(request, session, user, Action.view, recording.id, Kind.sparring, "sparring")
    return render(
        request, "feedback/document.html", {"doc": doc, "recording": recording, "pdf": False}
    )


@router.get("/recordings/{recording_id}/sparring.pdf")
def sparring_pdf(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """The document as a PDF (an audited download)."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    lang = request_language(request)
    doc = document.for_reader(session=session, user=user, recording=recording, lang=lang)
    html = templates.get_template("feedback/document.html").render(
        {"doc": doc, "recording": recording, "pdf": True, "lang": lang}
    )
    body = to_pdf(html)
    audit_viewing(
        request, session, user, Action.download, recording.id, Kind.sparring_pdf, "sparring.pdf"
    )
    filename = f"{recording.case_reference}-{recording.id[:8]}-sparring.pdf"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "Cache-Control": "private, no-store",
        },
    )


def to_pdf(html: str) -> bytes:
    """HTML to PDF with WeasyPrint (Pango, no browser); the stylesheet read from disk."""
    # Imported here: WeasyPrint loads Pango at import, needed only when a PDF is asked for.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):  # type: ignore[misc]
        """The document needs nothing from outside: a URL in it is never followed."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError("the sparring document fetches nothing")

    fetcher = NoFetching()
    stylesheet = CSS(filename=str(PRINT_CSS), url_fetcher=fetcher)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])
    assert pdf is not None
    return bytes(pdf)
