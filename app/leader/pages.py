"""The leader's page: how the practice develops, in aggregate; never one recording."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.accounts.deps import CurrentSubject, require
from app.accounts.models import Role
from app.core.db import SessionDep
from app.core.templates import render
from app.leader import service

router = APIRouter(include_in_schema=False)


def _by_measure(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Held, last quarter, and the learning themes (`learning_theme:<criterion id>`) together."""
    out: dict[str, list[dict[str, Any]]] = {"sessions_held": [], "sparring_last_quarter": []}
    out["learning_theme"] = []
    for row in rows:
        out.setdefault(row["measure"].partition(":")[0], []).append(row)
    return out


@router.get(
    "/leader", response_class=HTMLResponse, dependencies=[require(Role.leader, Role.administrator)]
)
def leader_page(request: Request, session: SessionDep, subject: CurrentSubject) -> HTMLResponse:
    from app.insight import progress

    return render(
        request,
        "leader/figures.html",
        {
            "months": service.monthly_figures(session=session),
            "total": service.total_recordings(session=session),
            "min_group": service.MIN_GROUP,
            # The sparring sessions' figures (app/sessions/figures.py), by measure.
            "sessions": _by_measure(service.tables(session=session).get("sessions", [])),
            # The conversations' figures per team and month (app/insight/progress.py), and
            # for an administrator how far people's labels agree with the machine's.
            "team_months": progress.team_months(session=session, min_group=service.MIN_GROUP),
            "agreement": (
                progress.agreement_by_month(session=session)
                if subject.role == Role.administrator
                else None
            ),
        },
    )
