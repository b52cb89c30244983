"""The leader's page: how the practice develops, in aggregate; never one recording."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.accounts.deps import require
from app.accounts.models import Role
from app.core.db import SessionDep
from app.core.templates import render
from app.leader import service

router = APIRouter(include_in_schema=False)


@router.get(
    "/leader", response_class=HTMLResponse, dependencies=[require(Role.leader, Role.administrator)]
)
def leader_page(request: Request, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "leader/figures.html",
        {
            "months": service.monthly_figures(session=session),
            "total": service.total_recordings(session=session),
            "min_group": service.MIN_GROUP,
        },
    )
