"""The leader's page: how the practice develops, in aggregate; never one recording."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.accounts.deps import CurrentSubject, require
from app.accounts.models import Role
from app.childvoice import service as child_voice
from app.core.db import SessionDep
from app.core.i18n import request_language
from app.core.templates import render
from app.leader import service

router = APIRouter(include_in_schema=False)


@router.get(
    "/leader", response_class=HTMLResponse, dependencies=[require(Role.leader, Role.administrator)]
)
def leader_page(request: Request, session: SessionDep, subject: CurrentSubject) -> HTMLResponse:
    from app.insight import progress

    lang = request_language(request)
    return render(
        request,
        "leader/figures.html",
        {
            "months": service.monthly_figures(session=session),
            "total": service.total_recordings(session=session),
            "min_group": service.MIN_GROUP,
            # The conversations' figures per team and month (app/insight/progress.py), and
            # for an administrator how far people's labels agree with the machine's.
            "team_months": progress.team_months(session=session, min_group=service.MIN_GROUP),
            # The children's own ratings, per team and quarter (app/childvoice).
            "child_rows": [
                row | {"measure_name": child_voice.measure_name(str(row["measure"]), lang)}
                for row in child_voice.leader_table(session, service.MIN_GROUP)
            ],
            "agreement": (
                progress.agreement_by_month(session=session)
                if subject.role == Role.administrator
                else None
            ),
        },
    )
