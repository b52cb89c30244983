"""The leader's page: how the practice develops, in aggregate; never one recording. The
figures of each area come from that area's `leader_table` (rows of team, period, measure,
value, group size, with every group under MIN_GROUP left out), shown here and exported
together as one CSV."""

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.deps import CurrentSubject, require
from app.accounts.models import Role
from app.childvoice import service as child_voice
from app.core.db import SessionDep
from app.core.i18n import request_language
from app.core.templates import render
from app.leader import service

router = APIRouter(include_in_schema=False)
LEADERS = [require(Role.leader, Role.administrator)]


def _by_measure(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Held, last quarter, and the learning themes (`learning_theme:<criterion id>`) together."""
    out: dict[str, list[dict[str, Any]]] = {"sessions_held": [], "sparring_last_quarter": []}
    out["learning_theme"] = []
    for row in rows:
        out.setdefault(row["measure"].partition(":")[0], []).append(row)
    return out


@router.get("/leader", response_class=HTMLResponse, dependencies=LEADERS)
def leader_page(request: Request, session: SessionDep, subject: CurrentSubject) -> HTMLResponse:
    from app.insight import progress
    from app.selfassessment import curve

    tables = service.practice_tables(session=session)
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
            # The caseworkers' anonymous self-assessment, round by round (VIVE's 62 % -> 92 %).
            "results": curve.results(
                session=session, min_group=service.MIN_GROUP, lang=request_language(request)
            ),
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
            "scores": service.score_rows(tables["scores"]),
            # The sparring sessions' figures (app/sessions/figures.py), by measure.
            "sessions": _by_measure(tables.get("sessions", [])),
            "tables": tables,
        },
    )


@router.get("/leader/figures.csv", dependencies=LEADERS)
def leader_csv(request: Request, session: SessionDep) -> Response:
    """Every figure on the page that is per team and period, one row each, for a
    spreadsheet: the same groups are left out as on the page."""
    lang = request_language(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["area", "team", "period", "measure", "label", "value", "group_size"])
    for area, rows in service.practice_tables(session=session).items():
        for row in rows:
            label = next(
                (row[k] for k in (f"label_{lang}", f"name_{lang}", "label") if row.get(k)), ""
            )
            writer.writerow(
                [
                    area,
                    row["team"],
                    row["period"],
                    row["measure"],
                    label,
                    row["value"],
                    row["group_size"],
                ]
            )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="videosparring-practice.csv"',
            "Cache-Control": "no-store",
        },
    )
